"""DRF paginators: every list endpoint is paged, with a bounded page size.

`DefaultPagination` (the project default): `?limit=` (default settings.REST_FRAMEWORK PAGE_SIZE,
at most `max_limit`) and `?offset=`, without a total count. `LedgerCursorPagination`: keyset (cursor) pages for the
append-only audit ledger, newest first; no OFFSET and no COUNT over a million rows.
"""
from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework.response import Response


class DefaultPagination(LimitOffsetPagination):
    """`?limit=` (at most `max_limit`) and `?offset=`, answered as `{"next", "previous", "results"}`.

    No total `count`: counting every visible row costs a scan that grows with the table, which
    is what a list endpoint must not do. One row more than the page is read to know whether a
    next page exists, and the page is read as a deferred join: its keys first (the sort's index,
    no joins for the skipped rows), then those rows with their relations."""

    max_limit = settings.ACCORD_MAX_PAGE_SIZE
    # Past any real table, and inside PostgreSQL's bigint: a 26-digit offset is an empty page, not a 500.
    max_offset = 10**15

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), self.max_offset)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        if hasattr(queryset, "values_list"):
            ids = list(queryset.values_list("pk", flat=True)[self.offset:self.offset + self.limit + 1])
            self.has_next = len(ids) > self.limit
            ids = ids[:self.limit]
            by_pk = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
            page = [by_pk[pk] for pk in ids if pk in by_pk]
        else:
            rows = list(queryset[self.offset:self.offset + self.limit + 1])
            self.has_next = len(rows) > self.limit
            page = rows[:self.limit]
        # What LimitOffsetPagination's next/previous links read.
        self.count = self.offset + len(page) + (1 if self.has_next else 0)
        return page

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        full = super().get_paginated_response_schema(schema)
        full["properties"].pop("count", None)
        full["required"] = [key for key in full.get("required", []) if key != "count"]
        return full


class LedgerCursorPagination(CursorPagination):
    ordering = "-seq"
    page_size_query_param = "page_size"
    max_page_size = settings.ACCORD_MAX_PAGE_SIZE
