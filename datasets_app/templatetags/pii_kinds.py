"""`{% load pii_kinds %}`: PII kinds and scrub operators as a person reads them. The code stays in
the tooltip and the link leads to its glossary entry (the glossary page is assembled one layer up;
it is reached by URL name, nothing of that layer is imported here)."""
from django import template
from django.urls import reverse
from django.utils.html import format_html

from datasets_app import pii_kinds

register = template.Library()


def _glossary_link(anchor: str, code: str, label: str, help_text: str):
    title = f"{code}: {help_text}" if help_text else str(code)
    return format_html('<a class="term-link" href="{}#{}-{}" title="{}">{}</a>',
                       reverse("agreements:glossary"), anchor, code, title, label)


@register.simple_tag
def pii_kind(code):
    """'US_SSN' -> a link reading 'US social security number', the code and its explanation as tooltip."""
    return _glossary_link("pii", code, pii_kinds.pii_kind_label(code), pii_kinds.pii_kind_help(code))


@register.simple_tag
def scrub_operator(code):
    return _glossary_link("operator", code, pii_kinds.operator_label(code), pii_kinds.operator_help(code))


@register.filter
def pii_kind_label(code):
    return pii_kinds.pii_kind_label(code)


@register.filter
def operator_help(code):
    return pii_kinds.operator_help(code)
