"""Server-rendered pages: thin — parse, call one service or selector, render.

No view here serves a raw upload: raw bytes live in quarantine storage that no URL routes to.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from config.paging import offset_page
from datasets_app import rules as dataset_rules
from datasets_app import selectors, services
from datasets_app.forms import ApproveForm, ColumnRolesForm, DatasetForm, RejectForm, UploadForm
from datasets_app.models import Dataset, DatasetVersion


def _dataset_or_404(request, pk: int) -> Dataset:
    try:
        return selectors.dataset_get(user=request.user, pk=pk)
    except Dataset.DoesNotExist as exc:
        raise Http404("No such dataset") from exc


def _version_or_404(request, pk: int) -> DatasetVersion:
    try:
        return selectors.version_get(user=request.user, pk=pk)
    except DatasetVersion.DoesNotExist as exc:
        raise Http404("No such dataset version") from exc


def _error_response(request, exc: ApplicationError, *, template: str, context: dict) -> HttpResponse:
    messages.error(request, exc.message)
    return render(request, template, context, status=exc.status)


@login_required
def dataset_list(request):
    if not dataset_rules.can_view_catalogue(request.user):
        raise PermissionDenied("Your account has no role that reads the catalogue.")
    filterset = selectors.DatasetFilter(request.GET, queryset=selectors.datasets_visible_to(request.user))
    page = offset_page(request, selectors.with_list_rows(filterset.qs.order_by("title", "pk"), request.user))
    return render(request, "datasets_app/dataset_list.html", {
        "filter": filterset,
        "datasets": page, "page": page,
        "can_create": dataset_rules.can_create_dataset(request.user),
    })


@login_required
def dataset_create(request):
    if not dataset_rules.can_create_dataset(request.user):
        raise PermissionDenied("Only contributors create datasets.")
    form = DatasetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.dataset_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return render(request, "datasets_app/dataset_form.html", {"form": form}, status=exc.status)
        messages.success(request, f"Dataset “{dataset.title}” created. Upload its first version.")
        return redirect("datasets:dataset-detail", pk=dataset.pk)
    return render(request, "datasets_app/dataset_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def dataset_edit(request, pk: int):
    """The steward sets the description, licence, attribution text and use terms."""
    dataset = _dataset_or_404(request, pk)
    if not dataset_rules.is_steward(request.user, dataset):
        raise PermissionDenied("Only the dataset's steward edits it.")
    initial = {field: getattr(dataset, field) for field in DatasetForm.base_fields}
    initial["tags"] = ", ".join(dataset.tags)
    form = DatasetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.dataset_update(dataset=dataset, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return render(request, "datasets_app/dataset_form.html", {"form": form, "dataset": dataset},
                          status=exc.status)
        messages.success(request, "Dataset details saved.")
        return redirect("datasets:dataset-detail", pk=dataset.pk)
    return render(request, "datasets_app/dataset_form.html", {"form": form, "dataset": dataset},
                  status=400 if form.errors else 200)


def _dataset_context(request, dataset: Dataset, upload_form: UploadForm | None = None) -> dict:
    return {
        "can_edit": dataset_rules.is_steward(request.user, dataset),
        "dataset": dataset,
        "versions": list(dataset.versions.all()),
        "can_upload": dataset_rules.can_upload_version(request.user, dataset),
        "upload_form": upload_form or UploadForm(),
        "max_upload_bytes": settings.ACCORD_MAX_UPLOAD_BYTES,
    }


@login_required
def dataset_detail(request, pk: int):
    dataset = _dataset_or_404(request, pk)
    return render(request, "datasets_app/dataset_detail.html", _dataset_context(request, dataset))


@login_required
@transaction.non_atomic_requests  # a long upload must not hold a database transaction open
@require_POST
def version_upload(request, pk: int):
    # Refuse an oversized body before Django streams it anywhere.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    dataset = _dataset_or_404(request, pk)
    if declared > settings.ACCORD_MAX_UPLOAD_BYTES + 64 * 1024:
        exc = ApplicationError(
            f"The file is larger than the upload limit of {settings.ACCORD_MAX_UPLOAD_BYTES:,} bytes.", status=413
        )
        return _error_response(request, exc, template="datasets_app/dataset_detail.html",
                               context=_dataset_context(request, dataset))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "datasets_app/dataset_detail.html",
                      _dataset_context(request, dataset, form), status=400)
    upload = form.cleaned_data["file"]
    try:
        version = services.version_upload(dataset=dataset, file=upload, filename=upload.name, actor=request.user)
    except ApplicationError as exc:
        return _error_response(request, exc, template="datasets_app/dataset_detail.html",
                               context=_dataset_context(request, dataset, form))
    messages.success(request, f"Uploaded {upload.name} as version {version.number}; it is being validated.")
    return redirect("datasets:version-detail", pk=version.pk)


def _version_context(request, version: DatasetVersion, **forms) -> dict:
    user = request.user
    is_reviewer = dataset_rules.can_review_version(user, version)
    can_configure = (
        dataset_rules.can_scrub_version(user, version)
        and version.inspected_at is not None
        and version.status in (DatasetVersion.Status.UPLOADED, DatasetVersion.Status.FAILED,
                               DatasetVersion.Status.REJECTED, DatasetVersion.Status.SCRUBBED,
                               DatasetVersion.Status.SCRUBBING)
    )
    profile = version.column_profile or {}
    fields_form = forms.get("fields_form")
    if fields_form is None and can_configure:
        fields_form = ColumnRolesForm(columns=version.columns, roles=version.column_roles, profile=profile,
                                      initial={"operator": version.operator,
                                               "optional_entities": version.optional_entities})
    # G7: the steward alone gets the sample rows and masked examples; everyone else counts only.
    report = selectors.pii_report_for(user=user, version=version)
    return {
        "version": version,
        "dataset": version.dataset,
        "report": report,
        "can_see_rows": dataset_rules.can_see_rows(user, version),
        "entity_rows": sorted((report.get("by_entity") or {}).items(), key=lambda kv: -kv[1]),
        "field_rows": [
            (field, sorted(counts.items(), key=lambda kv: -kv[1]))
            for field, counts in (report.get("by_field") or {}).items()
        ],
        "column_rows": report.get("columns") or [],
        "role_rows": fields_form.rows(profile) if fields_form is not None else [],
        "can_configure": can_configure,
        "fields_form": fields_form,
        "can_review": is_reviewer and version.status == DatasetVersion.Status.SCRUBBED,
        "approve_form": forms.get("approve_form") or ApproveForm(initial={"scrubbed_sha256": version.scrubbed_sha256}),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "can_purge": is_reviewer and version.status == DatasetVersion.Status.APPROVED and not version.raw_purged_at,
        "can_archive": is_reviewer and version.status in services.ARCHIVABLE and not version.archived_at,
        "is_live": version.status == DatasetVersion.Status.SCRUBBING
        or (version.status == DatasetVersion.Status.UPLOADED and not version.inspected_at),
    }


@login_required
def version_detail(request, pk: int):
    version = _version_or_404(request, pk)
    return render(request, "datasets_app/version_detail.html", _version_context(request, version))


@login_required
def version_progress(request, pk: int):
    """The live part of the report page, polled by htmx while validating or scrubbing.

    When the work ends it asks htmx to reload the page, so the report appears."""
    version = _version_or_404(request, pk)
    context = _version_context(request, version)
    response = render(request, "datasets_app/_progress.html", context)
    if request.htmx and not context["is_live"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def version_scrub(request, pk: int):
    version = _version_or_404(request, pk)
    form = ColumnRolesForm(request.POST, columns=version.columns, profile=version.column_profile)
    if form.is_valid():
        try:
            services.version_scrub_start(version=version, actor=request.user, column_roles=form.column_roles(),
                                         operator=form.cleaned_data["operator"],
                                         optional_entities=form.cleaned_data["optional_entities"])
        except ApplicationError as exc:
            return _error_response(request, exc, template="datasets_app/version_detail.html",
                                   context=_version_context(request, version, fields_form=form))
        messages.success(request, "Scrubbing started. Progress updates below.")
        return redirect("datasets:version-detail", pk=version.pk)
    return render(request, "datasets_app/version_detail.html",
                  _version_context(request, version, fields_form=form), status=400)


@login_required
@require_POST
def version_approve(request, pk: int):
    version = _version_or_404(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return render(request, "datasets_app/version_detail.html",
                      _version_context(request, version, approve_form=form), status=400)
    try:
        services.version_approve(version=version, actor=request.user,
                                 scrubbed_sha256=form.cleaned_data["scrubbed_sha256"],
                                 override_reason=form.cleaned_data.get("override_reason", ""))
    except ApplicationError as exc:
        return _error_response(request, exc, template="datasets_app/version_detail.html",
                               context=_version_context(request, version, approve_form=form))
    messages.success(request, f"Version {version.number} approved and frozen.")
    return redirect("datasets:version-detail", pk=version.pk)


@login_required
@require_POST
def version_reject(request, pk: int):
    version = _version_or_404(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return render(request, "datasets_app/version_detail.html",
                      _version_context(request, version, reject_form=form), status=400)
    try:
        services.version_reject(version=version, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        return _error_response(request, exc, template="datasets_app/version_detail.html",
                               context=_version_context(request, version, reject_form=form))
    messages.success(request, f"Version {version.number} rejected.")
    return redirect("datasets:version-detail", pk=version.pk)


@login_required
@require_POST
def version_archive(request, pk: int):
    version = _version_or_404(request, pk)
    try:
        services.version_archive(version=version, actor=request.user)
    except ApplicationError as exc:
        return _error_response(request, exc, template="datasets_app/version_detail.html",
                               context=_version_context(request, version))
    messages.success(request, f"Version {version.number} archived: it no longer appears in the version list; "
                              "its page and its history stay.")
    return redirect("datasets:dataset-detail", pk=version.dataset_id)


@login_required
@require_POST
def version_purge_raw(request, pk: int):
    version = _version_or_404(request, pk)
    try:
        services.version_purge_raw(version=version, actor=request.user)
    except ApplicationError as exc:
        return _error_response(request, exc, template="datasets_app/version_detail.html",
                               context=_version_context(request, version))
    messages.success(request, "The raw upload was deleted from quarantine; its sha256 stays on record.")
    return redirect("datasets:version-detail", pk=version.pk)
