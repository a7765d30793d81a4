"""Template helpers for readable words: a stored code ("changes_requested") as a person reads it.

They run once per row of 50-row lists, so each is a few plain Python calls (no template include,
no full `reverse()`, no format-module lookup per value)."""
import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from config.links import pk_url as _pk_url

register = template.Library()


@register.filter
def humanize_code(value) -> str:
    """`changes_requested` -> `Changes requested`; text that is already words is left alone."""
    text = str(value if value is not None else "")
    if not text or " " in text:
        return text
    words = text.replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:]


class _Plural:
    """`"%(num)d day" / "%(num)d days"` for `timesince`, without its lazy-translation round trip per
    unit (Accord's pages are in English only)."""

    __slots__ = ("one", "many")

    def __init__(self, one: str, many: str):
        self.one, self.many = one, many

    def __mod__(self, values: dict) -> str:
        return (self.one if values["num"] == 1 else self.many) % values


_TIME_STRINGS = {unit: _Plural(f"%(num)d {unit}", f"%(num)d {unit}s")
                 for unit in ("year", "month", "week", "day", "hour", "minute")}


@register.filter
def ago(value) -> str:
    """"just now" under a minute, otherwise Django's "3 minutes ago" (never "0 minutes ago")."""
    if not value:
        return ""
    from django.utils.timesince import timesince

    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, time_strings=_TIME_STRINGS)} ago"


@register.simple_tag
def status_pill(status, label=None, choices=None):
    """`<span class="status status-approved">Approved</span>`: what includes/status.html renders.

    The label is `label`, else the value's label in `choices` (a TextChoices class, e.g.
    `choices=v.Status`: a dictionary look-up where `get_status_display` rebuilds the choices per
    call), else the code in words."""
    status = "" if status is None else status
    if not label and choices is not None:
        label = _choice_labels(choices).get(status)
    return mark_safe(f'<span class="status status-{escape(status)}">{escape(humanize_code(label or status))}</span>')


_LABELS: dict[type, dict] = {}


def _choice_labels(choices) -> dict:
    labels = _LABELS.get(choices)
    if labels is None:
        labels = _LABELS[choices] = {value: str(label) for value, label in choices.choices}
    return labels


@register.filter
def pk_url(pk, route: str) -> str:
    """`{{ a.pk|pk_url:"agreements:detail" }}`: `{% url "agreements:detail" a.pk %}` at a fraction of the cost."""
    return _pk_url(route, pk)


@register.filter
def local_date(value) -> str:
    """A date or date-time as YYYY-MM-DD, a date-time in the current time zone (what `|date:"Y-m-d"` gives)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.isoformat()


@register.filter
def clip(value, length: int) -> str:
    """`truncatechars` for plain text: at most `length` characters, the last one "…" when cut."""
    text = "" if value is None else str(value)
    length = int(length)
    return text if len(text) <= length else text[:max(length - 1, 0)] + "…"
