"""`pk_url` builds the same link as `reverse()` (the list pages call it once per row)."""
from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from config.links import pk_url

ROUTES = ["agreements:detail", "datasets:dataset-detail", "datasets:version-detail", "training:run-detail"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("pk", [1, 7, 42, 987654321, 10**15])
def test_pk_url_is_reverse(route, pk):
    assert pk_url(route, pk) == reverse(route, args=[pk])


def test_pk_url_follows_the_script_prefix():
    """Served under a prefix (FORCE_SCRIPT_NAME, a proxy's SCRIPT_NAME): the link carries it, and a
    link built before the prefix changed is not reused."""
    plain = pk_url("agreements:detail", 3)
    set_script_prefix("/accord/")
    try:
        assert pk_url("agreements:detail", 3) == reverse("agreements:detail", args=[3]) == "/accord" + plain
    finally:
        clear_script_prefix()
    assert pk_url("agreements:detail", 3) == plain


def test_pk_url_takes_only_an_integer_id():
    with pytest.raises((TypeError, ValueError)):
        pk_url("agreements:detail", "3/../../admin")
