"""Pagers a person can use in server-rendered list pages, with the filters kept across pages.

Two kinds, both with a query count and a cost that do not grow with the table:
- `offset_page`: numbered pages without a COUNT(*) (one row more than the page is fetched to know
  whether a next page exists). For lists that change in place (agreements, datasets, runs).
- `keyset_page`: newer/older links keyed on a unique, indexed, monotonic column (the ledger's
  `seq`): no OFFSET, so the millionth event is as quick as the first.
Page sizes come from `?per_page=` (bounded by settings.ACCORD_MAX_PAGE_SIZE).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings

# ASCII digits only ("²".isdigit() is true but int() refuses it), and few enough of them that a page
# offset or a key stays inside PostgreSQL's bigint: anything else is ignored, never a 500.
_QUERY_INT = re.compile(r"[0-9]{1,15}")


def as_query_int(raw) -> int | None:
    """`raw` (a query value or an id) as a non-negative integer, or None when it is not one."""
    return int(raw) if _QUERY_INT.fullmatch(str(raw)) else None


def query_ints(values) -> list[int]:
    """The values of a multi-valued parameter that are ids; the rest are ignored."""
    return [number for number in map(as_query_int, values) if number is not None]


def query_int(request, name: str) -> int | None:
    """The non-negative integer in `?name=`, or None when it is missing or not one."""
    return as_query_int(request.GET.get(name, ""))


def page_size(request, default: int | None = None) -> int:
    default = default or settings.ACCORD_PAGE_SIZE
    size = query_int(request, "per_page") or default
    return max(1, min(size, settings.ACCORD_MAX_PAGE_SIZE))


def _url(request, drop: tuple[str, ...], **params) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    for key, value in params.items():
        if value is not None:
            query[key] = str(value)
    return "?" + query.urlencode()


@dataclass
class Page:
    object_list: list
    number: int = 1
    per_page: int = 50
    has_next: bool = False
    has_previous: bool = False
    next_url: str = ""
    previous_url: str = ""
    first_url: str = ""
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __bool__(self) -> bool:
        return bool(self.object_list)


def offset_page(request, queryset, *, per_page: int | None = None) -> Page:
    """Page `?page=N` of `queryset` (which must be ordered by a unique key at the end)."""
    size = page_size(request, per_page)
    number = query_int(request, "page") or 1
    start = (number - 1) * size
    # A deferred join: the page's keys first (the sort's index, no joins for the skipped rows),
    # then those rows with everything the page shows (select_related, prefetches).
    ids = list(queryset.values_list("pk", flat=True)[start:start + size + 1])
    has_next = len(ids) > size
    ids = ids[:size]
    by_pk = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
    rows = [by_pk[pk] for pk in ids if pk in by_pk]
    return Page(
        object_list=rows, number=number, per_page=size, has_next=has_next, has_previous=number > 1,
        next_url=_url(request, ("page",), page=number + 1) if has_next else "",
        previous_url=_url(request, ("page",), page=number - 1) if number > 1 else "",
        first_url=_url(request, ("page",)),
    )


def keyset_page(request, queryset, *, key: str = "seq", per_page: int | None = None) -> Page:
    """Newest first, keyed on `key`: `?before=K` shows the page older than K, `?after=K` the newer one."""
    size = page_size(request, per_page)
    before, after = query_int(request, "before"), query_int(request, "after")
    if after is not None:
        rows = list(queryset.filter(**{f"{key}__gt": after}).order_by(key)[:size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = True  # we came from an older page
    else:
        qs = queryset.filter(**{f"{key}__lt": before}) if before is not None else queryset
        rows = list(qs.order_by(f"-{key}")[:size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None
    first, last = (getattr(rows[0], key), getattr(rows[-1], key)) if rows else (None, None)
    drop = ("before", "after", "page")
    return Page(
        object_list=rows, per_page=size, has_next=has_older and bool(rows), has_previous=has_newer and bool(rows),
        next_url=_url(request, drop, before=last) if has_older and rows else "",
        previous_url=_url(request, drop, after=first) if has_newer and rows else "",
        first_url=_url(request, drop),
    )
