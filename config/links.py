"""Links to objects by primary key, built without a full `reverse()` per row.

`reverse()` walks the resolver, quotes and checks every argument: ~100 function calls a link,
which is most of a 50-row list's link cost. A `<int:pk>` route's link is the same text around the
number, so the text is found once per (route, urlconf, script prefix) by reversing a sentinel, and
each row only formats its id in between.
"""
from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

_SENTINEL = 987654321987


@lru_cache(maxsize=256)
def _around_pk(name: str, urlconf, prefix: str) -> tuple[str, str]:
    url = reverse(name, urlconf=urlconf, args=[_SENTINEL])  # reverse reads the same script prefix
    head, found, tail = url.partition(str(_SENTINEL))
    if not found:  # a route that does not print its argument as given: refuse rather than guess
        raise ValueError(f"{name!r} does not take a plain integer id")
    return head, tail


@lru_cache(maxsize=256)
def _plain(name: str, urlconf, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def route_url(name: str) -> str:
    """`reverse(name)` for a route without arguments, computed once per urlconf and script prefix."""
    return _plain(name, get_urlconf(), get_script_prefix())


def pk_url(name: str, pk) -> str:
    """`reverse(name, args=[pk])` for a route whose one argument is an integer id."""
    head, tail = _around_pk(name, get_urlconf(), get_script_prefix())
    return f"{head}{int(pk)}{tail}"
