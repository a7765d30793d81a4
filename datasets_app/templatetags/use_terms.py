"""`{% load use_terms %}`: a use-term code with its name as a tooltip (the glossary page, one layer
up, explains each at length)."""
from django import template
from django.utils.html import format_html

from datasets_app.models import UseTerm

register = template.Library()


@register.simple_tag
def use_term_abbr(code):
    try:
        label = UseTerm(code).label
    except ValueError:
        label = code
    return format_html('<span class="pill pill-term"><abbr title="{}">{}</abbr></span> <span class="muted">{}</span>',
                       label, code, label)
