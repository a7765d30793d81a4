"""Template helpers for readable words: a stored code ("changes_requested") as a person reads it."""
from django import template

register = template.Library()


@register.filter
def humanize_code(value) -> str:
    """`changes_requested` -> `Changes requested`; text that is already words is left alone."""
    text = str(value if value is not None else "")
    if not text or " " in text:
        return text
    words = text.replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:]


@register.filter
def ago(value) -> str:
    """"just now" under a minute, otherwise Django's "3 minutes ago" (never "0 minutes ago")."""
    if not value:
        return ""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value)} ago"
