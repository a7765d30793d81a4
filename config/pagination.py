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

    def paginate_queryset(self, queryset, request, view=None):
        """As LimitOffsetPagination, with a deferred join: the page's keys are read first (the
        sort's index, no joins for the skipped rows), then those rows with their relations."""
        if not hasattr(queryset, "values_list"):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.count = self.get_count(queryset)
        self.offset = self.get_offset(request)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        ids = list(queryset.values_list("pk", flat=True)[self.offset:self.offset + self.limit])
        by_pk = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
        return [by_pk[pk] for pk in ids if pk in by_pk]


class LedgerCursorPagination(CursorPagination):
    ordering = "-seq"
    page_size_query_param = "page_size"
    max_page_size = settings.ACCORD_MAX_PAGE_SIZE
