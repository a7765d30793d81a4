import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render

from accounts.rules import is_auditor
from config.paging import keyset_page
from audit.selectors import AuditEventFilter, event_as_dict, events_filtered
from audit.services import verify_chain


def _require_auditor(request) -> None:
    if not is_auditor(request.user):
        raise PermissionDenied("Only auditors read the audit ledger.")


@login_required
def event_list(request):
    _require_auditor(request)
    filterset = AuditEventFilter(request.GET)
    # Keyset pages on seq (`?before=` / `?after=`): no OFFSET and no COUNT over the ledger.
    page = keyset_page(request, events_filtered(params=request.GET), key="seq")
    query = request.GET.copy()
    for key in ("page", "before", "after"):
        query.pop(key, None)
    return render(
        request,
        "audit/event_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
def verify(request):
    _require_auditor(request)
    checked, problem = verify_chain()
    return render(request, "audit/verify.html", {"checked": checked, "problem": problem})


class _Echo:
    def write(self, value):
        return value


@login_required
def export(request, fmt: str):
    """Stream the filtered ledger, so a large export never sits in memory."""
    _require_auditor(request)
    events = events_filtered(params=request.GET).order_by("seq").iterator(chunk_size=1000)
    if fmt == "csv":
        writer = csv.writer(_Echo())
        header = ["seq", "created_at", "actor", "action", "target_type", "target_id", "target_repr",
                  "before", "after", "metadata", "prev_hash", "hash"]

        def rows():
            yield writer.writerow(header)
            for event in events:
                d = event_as_dict(event)
                yield writer.writerow([
                    json.dumps(d[k], sort_keys=True) if k in ("before", "after", "metadata") else d[k]
                    for k in header
                ])

        response = StreamingHttpResponse(rows(), content_type="text/csv")
    else:
        def chunks():
            yield "["
            for i, event in enumerate(events):
                yield ("," if i else "") + json.dumps(event_as_dict(event), sort_keys=True)
            yield "]"

        response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="accord-audit.{fmt}"'
    return response
