"""Server-rendered pages: the catalogue, access requests, the review queue, agreements.
Thin: parse, call one service, render. Service refusals become a message (and 4xx on htmx)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agreements import rules as agreement_rules
from agreements import services
from agreements.attribution import attribution_for
from agreements.filters import CatalogueFilter, QueueFilter
from agreements.forms import AccessRequestForm, ApproveForm, CommentForm, ContributorForm, ReasonForm
from agreements.models import Agreement, DatasetContributor, IntendedUse
from agreements.policy import latest_expiry
from agreements.selectors import (
    agreement_get_visible,
    agreement_problems,
    agreements_visible_to,
    awaiting_researcher_count,
    catalogue_visible_to,
    check_intended_uses,
    organisation_suggestions,
    latest_approved_version,
    overall_decision,
    pii_summary,
    with_catalogue_rows,
    with_list_rows,
    with_reader_states,
)
from config.exceptions import ApplicationError
from config.paging import offset_page, query_int, query_ints
from datasets_app.licenses import classify
from datasets_app.models import Dataset


def _client_ip(request):
    return request.META.get("REMOTE_ADDR")


def _require(predicate, user, obj=None):
    if not (predicate(user, obj) if obj is not None else predicate(user)):
        raise PermissionDenied


# --- catalogue -----------------------------------------------------------------------------
@login_required
def catalogue(request):
    _require(agreement_rules.can_browse_catalogue, request.user)
    # Datasets with an approved version only, whatever the filters say (G7); a contributor's own
    # organisation's datasets aside.
    base = catalogue_visible_to(request.user).order_by("title", "pk")
    if not request.GET.get("status"):
        base = base.filter(has_approved=True)
    f = CatalogueFilter(request.GET or None, queryset=base)
    datasets = f.qs if f.is_bound else base
    page = offset_page(request, with_catalogue_rows(datasets.order_by("title", "pk")))
    rows = [{"dataset": d, "licence": classify(d.license)} for d in page]
    return render(request, "agreements/catalogue.html", {
        "filter": f, "rows": rows, "page": page,
        "organisation_names": organisation_suggestions(request.GET.get("organization_name", ""))})


@login_required
def organisation_options(request):
    """htmx: the organisation filter's suggestions for what has been typed (a bounded <datalist>)."""
    if not (agreement_rules.can_browse_catalogue(request.user) or agreement_rules.can_review(request.user)):
        raise PermissionDenied
    text = request.GET.get("organization_name") or request.GET.get("q") or ""
    return render(request, "agreements/_organisation_options.html",
                  {"organisation_names": organisation_suggestions(text)})


@login_required
def dataset_detail(request, pk: int):
    dataset = get_object_or_404(catalogue_visible_to(request.user), pk=pk)
    is_steward = dataset.steward_id == request.user.pk
    if not (agreement_rules.can_browse_catalogue(request.user) or is_steward):
        raise PermissionDenied
    versions = list(dataset.versions.filter(status="approved").order_by("-number"))
    latest = versions[0] if versions else None
    return render(request, "agreements/dataset_detail.html", {
        "dataset": dataset, "versions": versions, "licence": classify(dataset.license),
        "pii": pii_summary(latest), "latest": latest,
        "attribution": attribution_for(versions[:1]) if versions else None,
        "contributors": DatasetContributor.objects.filter(dataset=dataset),
        "is_steward": is_steward, "contributor_form": ContributorForm() if is_steward else None,
        "can_request": agreement_rules.can_request_access(request.user) and bool(versions),
    })


@login_required
@require_POST
def contributor_add(request, pk: int):
    dataset = get_object_or_404(Dataset, pk=pk)
    form = ContributorForm(request.POST)
    if form.is_valid():
        try:
            services.dataset_contributor_add(dataset=dataset, actor=request.user, **form.cleaned_data)
            messages.success(request, f"{form.cleaned_data['name']} added to the attribution ledger.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Give a name, kind and role.")
    return redirect("agreements:dataset-detail", pk=pk)


@login_required
@require_POST
def contributor_remove(request, pk: int, contributor_pk: int):
    entry = get_object_or_404(DatasetContributor, pk=contributor_pk, dataset_id=pk)
    try:
        services.dataset_contributor_remove(contributor=entry, actor=request.user)
        messages.success(request, f"{entry.name} removed from the attribution ledger.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("agreements:dataset-detail", pk=pk)


# --- access requests -----------------------------------------------------------------------
def _checks_for(form_data_versions, uses, user, end_date):
    checks = check_intended_uses(form_data_versions, uses, user.organization, end_date)
    return {"checks": checks, "overall": overall_decision(checks) if checks else None}


@login_required
def request_new(request):
    _require(agreement_rules.can_request_access, request.user)
    if request.method == "POST":
        form = AccessRequestForm(request.POST)
        if form.is_valid():
            try:
                agreement = services.access_request_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                for reason in exc.reasons or [exc.message]:
                    form.add_error(None, reason)
            else:
                messages.success(request, "Request saved as a draft. Read the terms, accept them and submit.")
                return redirect("agreements:detail", pk=agreement.pk)
    else:
        initial = {}
        if request.GET.get("dataset"):
            dataset_id = query_int(request, "dataset")
            if dataset_id is None:
                raise Http404("No such dataset.")
            latest = latest_approved_version(get_object_or_404(catalogue_visible_to(request.user), pk=dataset_id))
            initial["dataset_versions"] = [latest.pk] if latest else []
        form = AccessRequestForm(initial=initial)
    return render(request, "agreements/request_form.html", {"form": form, "agreement": None,
                                                            "page": _page_version_choices(form, request),
                                                            **_form_checks(form, request.user)})


def _page_version_choices(form, request):
    """The form offers one page of approved versions, newest first (`?versions_q=` narrows by the
    start of the dataset's title), plus those already chosen, never every approved version at
    once. Validation still accepts any approved version (the field's queryset is unchanged)."""
    field = form.fields["dataset_versions"]
    raw = form.data.getlist("dataset_versions") if form.is_bound else form.initial.get("dataset_versions", [])
    selected = query_ints(raw)[:settings.ACCORD_MAX_PAGE_SIZE]
    listed = field.queryset.order_by("-pk")
    if query := request.GET.get("versions_q", "").strip():
        listed = listed.filter(dataset__title__istartswith=query)
    page = offset_page(request, listed)
    chosen = list(field.queryset.filter(pk__in=selected)) if selected else []
    shown = chosen + [v for v in page if v.pk not in set(selected)]
    field.widget.choices = [(v.pk, field.label_from_instance(v)) for v in shown]
    return page


def _form_checks(form, user) -> dict:
    """The live use-term check for whatever the form currently holds (bound or initial)."""
    from datasets_app.models import DatasetVersion

    if form.is_bound:
        ids = form.data.getlist("dataset_versions")
        uses = form.data.getlist("intended_uses")
        end = form.fields["requested_end_date"].to_python(form.data.get("requested_end_date") or None) \
            if _valid_date(form) else None
    else:
        ids = form.initial.get("dataset_versions", [])
        uses = form.initial.get("intended_uses", [])
        end = form.initial.get("requested_end_date")
    versions = DatasetVersion.objects.filter(pk__in=query_ints(ids), status="approved") \
        .select_related("dataset", "dataset__organization")
    return _checks_for(versions, uses, user, end)


def _valid_date(form) -> bool:
    try:
        form.fields["requested_end_date"].to_python(form.data.get("requested_end_date") or None)
        return True
    except Exception:
        return False


@login_required
@require_POST
def request_check(request):
    """htmx: re-run the use-term check as the researcher edits the form."""
    _require(agreement_rules.can_request_access, request.user)
    form = AccessRequestForm(request.POST)
    return render(request, "agreements/_use_checks.html", _form_checks(form, request.user))


@login_required
def request_edit(request, pk: int):
    agreement = agreement_get_visible(user=request.user, pk=pk)
    if agreement is None:
        raise Http404
    _require(agreement_rules.can_edit_request, request.user, agreement)
    req = agreement.access_request
    if request.method == "POST":
        form = AccessRequestForm(request.POST)
        if form.is_valid():
            try:
                services.access_request_update(agreement=agreement, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                for reason in exc.reasons or [exc.message]:
                    form.add_error(None, reason)
            else:
                messages.success(request, "Request updated. Read the updated terms, accept them and submit again.")
                return redirect("agreements:detail", pk=agreement.pk)
    else:
        form = AccessRequestForm(initial={
            "dataset_versions": list(req.dataset_versions.values_list("pk", flat=True)),
            "project_title": req.project_title, "purpose": req.purpose, "intended_uses": req.intended_uses,
            "requested_end_date": req.requested_end_date})
    return render(request, "agreements/request_form.html", {"form": form, "agreement": agreement,
                                                            "page": _page_version_choices(form, request),
                                                            **_form_checks(form, request.user)})


# --- agreements ----------------------------------------------------------------------------
@login_required
def agreement_list(request):
    qs = agreements_visible_to(request.user).order_by("-updated_at", "-pk")
    state = request.GET.get("state")
    if state in Agreement.State.values:
        qs = qs.filter(state=state)
    page = offset_page(request, with_list_rows(qs))
    with_reader_states(page)
    return render(request, "agreements/agreement_list.html", {
        "agreements": page, "page": page, "states": Agreement.State.choices, "state": state})


@login_required
def review_queue(request):
    _require(agreement_rules.can_review, request.user)
    f = QueueFilter(request.GET or None, queryset=agreements_visible_to(request.user))
    page = offset_page(request, with_list_rows(f.qs))
    with_reader_states(page)
    return render(request, "agreements/queue.html", {
        "filter": f, "agreements": page, "page": page,
        "awaiting_researcher": awaiting_researcher_count(),
        "organisation_names": organisation_suggestions(request.GET.get("organization_name", ""))})


@login_required
def agreement_detail(request, pk: int):
    agreement = agreement_get_visible(user=request.user, pk=pk)
    if agreement is None:
        raise Http404
    req = agreement.access_request
    versions = list(req.dataset_versions.select_related("dataset", "dataset__organization"))
    checks = check_intended_uses(versions, req.intended_uses, req.organization, req.requested_end_date)
    user = request.user
    signatures = {s.organization_id: s for s in agreement.countersignatures.select_related("organization", "signed_by")}
    signatories = [{"organization": org, "signature": signatures.get(org.pk),
                    "valid": bool(signatures.get(org.pk) and signatures[org.pk].terms_sha256 == agreement.terms_sha256)}
                   for org in agreement.required_signatory_organizations()]
    problems = agreement_problems(agreement)
    is_owner = agreement_rules.can_edit_request(user, agreement)
    is_legal = agreement_rules.can_review(user)
    can_decide = agreement_rules.can_decide(user, agreement)
    my_sig = next((s for s in signatories if s["organization"].pk == user.organization_id), None)
    context = {
        "agreement": agreement, "req": req, "versions": versions,
        "intended_use_labels": [dict(IntendedUse.choices).get(u, u) for u in req.intended_uses],
        "version_rows": [{"version": v, "licence": classify(v.dataset.license), "pii": pii_summary(v)} for v in versions],
        "checks": checks, "overall": overall_decision(checks) if checks else None,
        "attribution": attribution_for(versions), "signatories": signatories,
        "problems": problems, "in_force": not problems,
        "is_owner": is_owner, "is_legal": is_legal,
        "can_accept": is_owner and (agreement.state == Agreement.State.CONDITIONS_PENDING or (
            agreement.state in Agreement.EDITABLE and not agreement.researcher_accepted)),
        "conditions_pending": agreement.state == Agreement.State.CONDITIONS_PENDING,
        "conditions_lines": agreement.conditions.splitlines(),
        "can_revoke": can_decide and agreement.state in (Agreement.State.APPROVED, Agreement.State.CONDITIONS_PENDING),
        "can_submit": is_owner and agreement.state in Agreement.EDITABLE,
        "can_withdraw": agreement_rules.can_withdraw_request(user, agreement)
        and agreement.state in Agreement.WITHDRAWABLE,
        "can_countersign": agreement_rules.can_countersign(user, agreement) and my_sig is not None
        and not my_sig["valid"] and agreement.researcher_accepted
        and agreement.state in Agreement.COUNTERSIGNABLE,
        "pending_review": can_decide and agreement.state in Agreement.PENDING_REVIEW,
        "can_decide": can_decide,
        # The latest expiry the policy allows (requested end date, TS limits); the service enforces it.
        "approve_form": ApproveForm(initial={"expires_at": latest_expiry(
            [v.dataset for v in versions], requested_end_date=req.requested_end_date, start=timezone.localdate(),
        )[0] or req.requested_end_date}),
        "comment_form": CommentForm(), "reason_form": ReasonForm(),
    }
    return render(request, "agreements/agreement_detail.html", context)


_ACTIONS = {
    "accept": ("Terms accepted.", None),
    "submit": ("Submitted for legal review.", None),
    "review": ("Taken into review.", None),
    "approve": ("Agreement approved.", ApproveForm),  # or the amendment's words (_AMENDED below)
    "return": ("Returned to the researcher with your comments.", CommentForm),
    "reject": ("Request rejected.", ReasonForm),
    "revoke": ("Agreement revoked; dependent training runs are being stopped.", ReasonForm),
    "countersign": ("Countersigned for your organisation.", None),
    "withdraw": ("Request withdrawn. It stays in your list and in the audit ledger.", None),
}
# When the agreement went through legal's conditions, the words say what happens next.
_AMENDED = {
    "approve": "Approved with conditions. The amended terms went back to the researcher; the agreement "
               "is not in force until they accept them and the data stewards countersign the amended text.",
    "accept": "Amended terms accepted. The agreement comes into force once every data steward has "
              "countersigned the amended text.",
}


@login_required
@require_POST
def agreement_action(request, pk: int, action: str):
    if action not in _ACTIONS:
        raise Http404
    agreement = agreement_get_visible(user=request.user, pk=pk)
    if agreement is None:
        raise Http404
    done, form_class = _ACTIONS[action]
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            # Words a person reads: "Give a reason." rather than "reason: This field is required."
            messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
            return redirect("agreements:detail", pk=pk)
        data = form.cleaned_data
    user = request.user
    amended = False
    try:
        match action:
            case "accept":
                amended = agreement.state == Agreement.State.CONDITIONS_PENDING
                services.agreement_accept_terms(agreement=agreement, terms_sha256=request.POST.get("terms_sha256", ""),
                                                ip=_client_ip(request), actor=user)
            case "submit":
                services.agreement_submit(agreement=agreement, actor=user)
            case "review":
                services.agreement_start_review(agreement=agreement, actor=user)
            case "approve":
                amended = services.agreement_approve(agreement=agreement, actor=user, **data).state \
                    == Agreement.State.CONDITIONS_PENDING
            case "return":
                services.agreement_return(agreement=agreement, actor=user, **data)
            case "reject":
                services.agreement_reject(agreement=agreement, actor=user, **data)
            case "revoke":
                services.agreement_revoke(agreement=agreement, actor=user, **data)
            case "countersign":
                services.agreement_countersign(agreement=agreement, ip=_client_ip(request), actor=user)
            case "withdraw":
                services.agreement_withdraw(agreement=agreement, reason=request.POST.get("reason", ""), actor=user)
    except ApplicationError as exc:
        messages.error(request, " ".join([exc.message, *exc.reasons]))
    else:
        messages.success(request, _AMENDED[action] if amended else done)
    return redirect("agreements:detail", pk=pk)


@login_required
def glossary(request):
    """Use terms, licence classes and intended uses in words (issue 13)."""
    from agreements.glossary import glossary_sections

    return render(request, "agreements/glossary.html", {"sections": glossary_sections()})
