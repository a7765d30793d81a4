"""Pagers a person can use in server-rendered list pages, with the filters kept across pages.

Two kinds, both with a query count and a cost that do not grow with the table:
- `offset_page`: numbered pages without a COUNT(*) (one row more than the page is fetched to know
  whether a next page exists). For lists that change in place (agreements, datasets, runs).
- `keyset_page`: newer/older links keyed on a unique, indexed, monotonic column (the ledger's
  `seq`): no OFFSET, so the millionth event is as quick as the first.
Page sizes come from `?per_page=` (bounded by settings.ACCORD_MAX_PAGE_SIZE).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings


def page_size(request, default: int | None = None) -> int:
    default = default or settings.ACCORD_PAGE_SIZE
    raw = request.GET.get("per_page", "")
    size = int(raw) if raw.isdigit() else default
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
    raw = request.GET.get("page", "")
    number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
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
    before, after = request.GET.get("before", ""), request.GET.get("after", "")
    if after.isdigit():
        rows = list(queryset.filter(**{f"{key}__gt": int(after)}).order_by(key)[:size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = True  # we came from an older page
    else:
        qs = queryset.filter(**{f"{key}__lt": int(before)}) if before.isdigit() else queryset
        rows = list(qs.order_by(f"-{key}")[:size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before.isdigit()
    first, last = (getattr(rows[0], key), getattr(rows[-1], key)) if rows else (None, None)
    drop = ("before", "after", "page")
    return Page(
        object_list=rows, per_page=size, has_next=has_older and bool(rows), has_previous=has_newer and bool(rows),
        next_url=_url(request, drop, before=last) if has_older and rows else "",
        previous_url=_url(request, drop, after=first) if has_newer and rows else "",
        first_url=_url(request, drop),
    )
