"""How ledger rows name the kind of object they record."""
from __future__ import annotations

from functools import cache

from django import template

from audit.selectors import object_type_names

register = template.Library()


@cache
def _names() -> dict[str, str]:
    return object_type_names()


@register.filter
def object_type(target_type: str) -> str:
    """ "datasets_app.datasetversion" -> "Dataset version"; an unknown type is shown as stored."""
    return _names().get(target_type, target_type)
