"""Training pages: thin. Admins only; every write goes through training.services."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from markdown_it import MarkdownIt

from accounts.rules import is_admin
from config.exceptions import ApplicationError
from config.paging import offset_page
from training import services
from training.charts import loss_chart_svg, metric_chart_svg, per_label_bars_svg
from training.downloads import artifact_refusal, open_artifact
from training.forms import LaunchForm
from training.models import Purpose, RunState
from training.selectors import (
    run_get_visible,
    runs_visible_to,
    scrubbed_versions,
    version_eligibility,
    with_list_rows,
)


def _require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("Only admins (ML ops) work with training runs.")


def _run(request, pk):
    run = run_get_visible(user=request.user, pk=pk)
    if run is None:
        raise Http404("No such training run.")
    return run


@login_required
def run_list(request):
    _require_admin(request)
    runs = runs_visible_to(request.user)
    state = request.GET.get("state") or ""
    if state not in RunState.values:
        state = ""  # an unknown state (or a NUL byte PostgreSQL refuses) lists every run: never a 500
    if state:
        runs = runs.filter(state=state)
    page = offset_page(request, with_list_rows(runs.order_by("-created_at", "-id")))
    return render(request, "training/run_list.html", {"runs": page, "page": page, "states": RunState.choices,
                                                       "state": state or "", "run_state": RunState})


@login_required
def run_launch(request):
    _require_admin(request)
    purpose = request.POST.get("purpose") or request.GET.get("purpose") or Purpose.RESEARCH
    if purpose not in Purpose.values:
        purpose = Purpose.RESEARCH
    # One page of scrubbed versions, judged by the gate in one batched pass. A POST is judged on the
    # versions it names (the service asks the gate again, with the run's columns, at launch).
    page = offset_page(request, scrubbed_versions())
    eligibility = version_eligibility(purpose=purpose, versions=page)
    eligible_ids = [row.version.pk for row in eligibility if row.eligible]
    if request.method == "POST":
        posted = [int(i) for i in request.POST.getlist("dataset_versions") if str(i).isdigit()]
        posted = posted[:settings.ACCORD_MAX_PAGE_SIZE]
        chosen = version_eligibility(purpose=purpose, versions=scrubbed_versions().filter(pk__in=posted))
        eligible_ids += [row.version.pk for row in chosen if row.eligible]
    form = LaunchForm(request.POST or None, eligible_ids=eligible_ids, initial={"purpose": purpose})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.training_run_launch(
                actor=request.user, base_model=data["base_model"], dataset_versions=list(data["dataset_versions"]),
                purpose=data["purpose"], task=data["task"], text_fields=data["text_fields"] or None,
                label_field=data["label_field"] or None, split_field=data["split_field"] or None,
                column_mapping=data["column_mapping"],
                epochs=data["epochs"], learning_rate=data["learning_rate"],
                batch_size=data["batch_size"], max_length=data["max_length"], seed=data["seed"],
                lora=data["lora"], lora_r=data["lora_r"], lora_alpha=data["lora_alpha"],
                lora_dropout=data["lora_dropout"], lora_target_modules=data["lora_target_modules"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            for reason in exc.reasons:
                form.add_error(None, reason)
        else:
            if run.state == RunState.DENIED:
                messages.error(request, "The training gate refused this run; every reason is listed below.")
            else:
                messages.success(request, f"Run #{run.pk} queued for a GPU worker.")
            return redirect("training:run-detail", pk=run.pk)
    return render(request, "training/run_launch.html", {
        "form": form, "purpose": purpose, "purposes": Purpose.choices,
        "ineligible": [row for row in eligibility if not row.eligible],
        "eligible": [row for row in eligibility if row.eligible], "page": page,
    })


def _card_html(run) -> tuple[str, str]:
    if not run.model_card or run.model_revoked_at:
        return "", ""
    with run.model_card.open("rb") as handle:
        text = handle.read(512 * 1024).decode("utf-8", "replace")
    front, body = "", text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end > 0:
            front, body = text[4:end], text[end + 5:]
    # Raw HTML stays disabled: the card contains contributor-supplied attribution text.
    return front, MarkdownIt("commonmark", {"html": False}).enable("table").render(body)


def _progress_context(run) -> dict:
    return {"run": run, "loss_svg": loss_chart_svg(run.loss_history),
            "metric_svg": metric_chart_svg(run.metrics_history)}


@login_required
def run_detail(request, pk: int):
    _require_admin(request)
    run = _run(request, pk)
    refusal = artifact_refusal(run)  # asked now: an agreement past its end date refuses (G4)
    front, card = _card_html(run) if refusal is None else ("", "")
    evaluation = run.evaluation or {}
    table = evaluation.get("per_label") or evaluation.get("per_entity") or {}
    return render(request, "training/run_detail.html", {
        "evaluation_rows": list(table.items()), "evaluation_kind": "entity" if evaluation.get("per_entity") else "label",
        "confusion_rows": list(zip(evaluation.get("labels") or [], evaluation.get("confusion_matrix") or [])),
        "label_bars_svg": per_label_bars_svg(evaluation),
        **_progress_context(run), "inputs": run.inputs.select_related("dataset_version__dataset").prefetch_related("agreements"),
        "card_front": front, "card_html": card, "download_refusal": refusal,
    })


@login_required
def run_progress(request, pk: int):
    """The htmx fragment polled every 2 s while the run is active.

    When the run ends it asks htmx to reload the page, so the artifacts and model card appear."""
    _require_admin(request)
    run = _run(request, pk)
    response = render(request, "training/_progress.html", _progress_context(run))
    if request.htmx and not run.is_active:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_cancel(request, pk: int):
    _require_admin(request)
    try:
        services.training_run_cancel(run=_run(request, pk), actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "Run cancelled; the worker stops at its next step.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("training:run-detail", pk=pk)


@login_required
def run_artifact(request, pk: int, kind: str):
    _require_admin(request)
    try:
        return open_artifact(run=_run(request, pk), kind=kind, actor=request.user)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
