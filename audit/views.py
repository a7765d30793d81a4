import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.rules import is_auditor
from audit.checkpoints import checkpoint_names, checkpoint_storage
from audit.exports import csv_safe
from audit.models import LedgerVerification
from config.paging import keyset_page
from audit.selectors import AuditEventFilter, event_as_dict, events_filtered
from audit.services import ledger_verification_request


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
    """The verification page: recent verifications and a button; the chain is walked by a task (G8)."""
    _require_auditor(request)
    recent = LedgerVerification.objects.select_related("requested_by")[:10]
    names = checkpoint_names()
    return render(request, "audit/verify.html", {
        "recent": recent, "checkpoint_count": len(names), "latest_checkpoints": names[-10:][::-1],
    })


@login_required
@require_POST
def verify_start(request):
    _require_auditor(request)
    verification = ledger_verification_request(full=request.POST.get("full") == "1", actor=request.user)
    return redirect("audit:verification", pk=verification.pk)


@login_required
def verification_detail(request, pk: int):
    _require_auditor(request)
    verification = get_object_or_404(LedgerVerification, pk=pk)
    template = "audit/_verification.html" if request.htmx else "audit/verification_detail.html"
    return render(request, template, {"v": verification})


@login_required
def checkpoint_download(request, name: str):
    """An auditor keeps their own copy of the signed checkpoints."""
    _require_auditor(request)
    if name not in checkpoint_names():
        raise Http404("No such checkpoint.")
    response = FileResponse(checkpoint_storage().open(name, "rb"), content_type="application/json",
                            as_attachment=True, filename=name)
    return response


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
                    csv_safe(json.dumps(d[k], sort_keys=True) if k in ("before", "after", "metadata") else d[k])
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
