"""`{% load glossary %}`: codes as a person reads them, with the explanation as a tooltip.

A catalogue page shows a pill per use term per row: each pill's HTML depends only on the code
(and the glossary's address), so it is built once and reused."""
from functools import lru_cache

from django import template
from django.utils.html import format_html

from agreements import glossary
from config.links import route_url

register = template.Library()


@register.simple_tag
def use_term(code):
    """A use-term pill: the code, its name as the tooltip, linked to the glossary entry."""
    return _use_term_pill(str(code), route_url("agreements:glossary"))


@lru_cache(maxsize=512)
def _use_term_pill(code: str, glossary_url: str):
    label = glossary.use_term_label(code)
    title = f"{label}. {glossary.use_term_help(code)}".strip()
    return format_html('<a class="pill pill-term" href="{}#term-{}" title="{}"><abbr title="{}">{}</abbr></a>',
                       glossary_url, code, title, label, code)


@register.simple_tag
def licence_class(value):
    return _licence_class_pill(str(value))


@lru_cache(maxsize=64)
def _licence_class_pill(value: str):
    return format_html('<span class="pill" title="{}">{}</span>', glossary.licence_class_help(value),
                       glossary.licence_class_label(value))


@register.filter
def intended_use_label(value):
    return glossary.intended_use_label(value)
