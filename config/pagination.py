"""DRF paginators: every list endpoint is paged, with a bounded page size.

`DefaultPagination` (the project default): `?limit=` (default settings.REST_FRAMEWORK PAGE_SIZE,
at most `max_limit`) and `?offset=`. `LedgerCursorPagination`: keyset (cursor) pages for the
append-only audit ledger, newest first; no OFFSET and no COUNT over a million rows.
"""
from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination, LimitOffsetPagination


class DefaultPagination(LimitOffsetPagination):
    max_limit = settings.ACCORD_MAX_PAGE_SIZE


class LedgerCursorPagination(CursorPagination):
    ordering = "-seq"
    page_size_query_param = "page_size"
    max_page_size = settings.ACCORD_MAX_PAGE_SIZE
