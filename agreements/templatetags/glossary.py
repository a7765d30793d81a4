"""`{% load glossary %}`: codes as a person reads them, with the explanation as a tooltip."""
from django import template
from django.urls import reverse
from django.utils.html import format_html

from agreements import glossary

register = template.Library()


@register.simple_tag
def use_term(code):
    """A use-term pill: the code, its name as the tooltip, linked to the glossary entry."""
    label = glossary.use_term_label(code)
    title = f"{label}. {glossary.use_term_help(code)}".strip()
    return format_html('<a class="pill pill-term" href="{}#term-{}" title="{}"><abbr title="{}">{}</abbr></a>',
                       reverse("agreements:glossary"), code, title, label, code)


@register.simple_tag
def licence_class(value):
    return format_html('<span class="pill" title="{}">{}</span>', glossary.licence_class_help(value),
                       glossary.licence_class_label(value))


@register.filter
def intended_use_label(value):
    return glossary.intended_use_label(value)
