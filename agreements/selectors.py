"""Reads, scoped to the caller, and THE answer to "is this agreement in force?"."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.rules import is_admin, is_auditor, is_contributor, is_legal, is_researcher
from agreements import policy
from agreements.models import Agreement, Countersignature
from agreements.use_checks import UseCheck, check_intended_uses, overall_decision  # noqa: F401 (re-export)
from datasets_app.models import Dataset, DatasetVersion

State = Agreement.State


# --- in force ------------------------------------------------------------------------------------
def agreement_problems(agreement: Agreement, *, at=None) -> list[str]:
    """Every reason the agreement is not in force at `at` (now by default); empty when it is."""
    at = at or timezone.now()
    label = f"agreement #{agreement.pk}"
    problems: list[str] = []
    if agreement.state == State.REVOKED or agreement.revoked_at is not None:
        problems.append(f"{label} was revoked: {agreement.revocation_reason or 'no reason given'}")
    elif agreement.state == State.EXPIRED or (agreement.expires_at is not None and agreement.expires_at <= at):
        when = agreement.expires_at.strftime("%Y-%m-%d %H:%M") if agreement.expires_at else "its end date"
        problems.append(f"{label} expired on {when}")
    elif agreement.state != State.APPROVED or agreement.approved_at is None:
        problems.append(f"{label} is not approved by legal (state: {agreement.get_state_display().lower()})")
    if agreement.state in (State.APPROVED,) and agreement.expires_at is None:
        problems.append(f"{label} has no expiry date")
    if not agreement.researcher_accepted:
        problems.append(f"{label} lacks the researcher's acceptance of its terms")
    signed = set(
        Countersignature.objects.filter(agreement=agreement, terms_sha256=agreement.terms_sha256 or "-")
        .values_list("organization_id", flat=True)
    )
    for org in agreement.required_signatory_organizations():
        if org.pk not in signed:
            problems.append(f"{label} lacks the countersignature of {org.name}")
    return problems


def agreement_in_force(agreement: Agreement, *, at=None) -> bool:
    """THE one function: approved by legal, every signature present, not expired, not revoked."""
    return not agreement_problems(agreement, at=at)


@dataclass
class Coverage:
    agreements: list[Agreement] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.agreements) and not self.reasons


def dataset_term_reasons(*, dataset, uses: Iterable[str]) -> list[str]:
    """What the dataset's own terms and licence forbid of `uses` (THE policy, agreements.policy)."""
    return [f"{dataset.title}: {reason}" for reason in policy.refusals(dataset, uses)]


def signed_version_problem(agreement: Agreement, version: DatasetVersion) -> str | None:
    """Why `agreement`'s signed text does not cover `version`, or None when it does (G4).

    Read from what was stored at acceptance, never from the request's many-to-many."""
    signed = agreement.signed_sha256_for(version.pk)
    if signed is None:
        return f"agreement #{agreement.pk}: its signed terms do not name {version}"
    if not version.scrubbed_sha256 or signed != version.scrubbed_sha256:
        return (f"agreement #{agreement.pk}: its signed terms name {version} with sha256 {signed or 'none'}, "
                f"not the version's {version.scrubbed_sha256 or 'missing digest'}")
    return None


def coverage_for(*, dataset_version: DatasetVersion, uses: Iterable[str], at=None,
                 include_terms: bool = True) -> Coverage:
    """Which agreements in force cover `dataset_version` for all of `uses`, and every reason
    it is not covered. An agreement covers a version only if its signed text names that version
    with its current scrubbed sha256. `include_terms`: also report what the dataset's own terms
    forbid (the gate asks the policy itself, so each fact is reported once)."""
    uses = [str(u) for u in uses]
    at = at or timezone.now()
    reasons = dataset_term_reasons(dataset=dataset_version.dataset, uses=uses) if include_terms else []
    in_force: list[Agreement] = []
    agreement_reasons: list[str] = []
    # The many-to-many only narrows the search; the signed list decides (a version removed from
    # the request in the database is not covered either: fail closed).
    candidates = (
        Agreement.objects.filter(access_request__dataset_versions=dataset_version)
        .exclude(state=State.DRAFT)
        .select_related("access_request")
        .order_by("pk")
    )
    for agreement in candidates:
        problems = agreement_problems(agreement, at=at)
        if (signed := signed_version_problem(agreement, dataset_version)) is not None:
            problems.append(signed)
        missing = [u for u in uses if u not in agreement.access_request.intended_uses]
        problems += [f"agreement #{agreement.pk} does not permit {u}" for u in missing]
        if problems:
            agreement_reasons.extend(problems)
        else:
            in_force.append(agreement)
    if not in_force:
        reasons = [f"no agreement in force covers {dataset_version} for {', '.join(uses) or 'any use'}"] + reasons
        reasons += agreement_reasons
    return Coverage(agreements=in_force, reasons=reasons)


# --- scoped reads ----------------------------------------------------------------------------
def _base_agreements() -> QuerySet[Agreement]:
    return Agreement.objects.select_related("access_request", "access_request__researcher",
                                            "access_request__organization")


def agreements_visible_to(user) -> QuerySet[Agreement]:
    """Researcher: own. Steward: agreements on their organisation's datasets. Legal, admin,
    auditor: all (admins and auditors read only)."""
    qs = _base_agreements()
    if not (user and user.is_authenticated):
        return qs.none()
    if is_legal(user) or is_admin(user) or is_auditor(user):
        return qs.all()
    q = Q(pk__in=[])
    if is_researcher(user):
        q |= Q(access_request__researcher=user)
    if is_contributor(user) and user.organization_id:
        q |= Q(access_request__dataset_versions__dataset__organization_id=user.organization_id) & ~Q(
            state=State.DRAFT
        )
    return qs.filter(q).distinct()


def agreement_get_visible(*, user, pk: int) -> Agreement | None:
    return agreements_visible_to(user).filter(pk=pk).first()


def review_queue(*, state: str | None = None, organization_id: int | None = None,
                 older_than_days: int | None = None) -> QuerySet[Agreement]:
    qs = _base_agreements()
    qs = qs.filter(state=state) if state else qs.filter(state__in=Agreement.PENDING_REVIEW)
    if organization_id:
        qs = qs.filter(access_request__dataset_versions__dataset__organization_id=organization_id).distinct()
    if older_than_days:
        qs = qs.filter(submitted_at__lte=timezone.now() - timezone.timedelta(days=older_than_days))
    return qs.order_by("submitted_at", "pk")


def awaiting_countersignature(user) -> list[Agreement]:
    """Agreements on the user's organisation's datasets that lack its countersignature."""
    if not (is_contributor(user) and user.organization_id):
        return []
    qs = (
        _base_agreements()
        .filter(state__in=[State.SUBMITTED, State.IN_REVIEW, State.APPROVED],
                access_request__dataset_versions__dataset__organization_id=user.organization_id)
        .exclude(accepted_at=None)
        .distinct()
    )
    signed = Countersignature.objects.filter(agreement=OuterRef("pk"), organization_id=user.organization_id,
                                             terms_sha256=OuterRef("terms_sha256"))
    return list(qs.annotate(signed=Exists(signed)).filter(signed=False).order_by("pk"))


# --- catalogue -----------------------------------------------------------------------------
def requestable_datasets() -> QuerySet[Dataset]:
    return (
        Dataset.objects.select_related("organization", "steward")
        .annotate(approved_versions=Count("versions", filter=Q(versions__status="approved")))
        .filter(approved_versions__gt=0)
    )


def catalogue_datasets() -> QuerySet[Dataset]:
    """Every dataset with its count of approved versions. Unscoped: pages and the API use
    `catalogue_visible_to`."""
    return Dataset.objects.select_related("organization", "steward").annotate(
        approved_versions=Count("versions", filter=Q(versions__status="approved"), distinct=True)
    )


def catalogue_visible_to(user) -> QuerySet[Dataset]:
    """The catalogue a person may read: datasets with an approved version; a contributor also
    sees their own organisation's datasets in any state (nobody else sees a never-approved one,
    whatever filter they ask for)."""
    qs = catalogue_datasets()
    if not (user and user.is_authenticated):
        return qs.none()
    visible = Q(approved_versions__gt=0)
    if is_contributor(user) and user.organization_id:
        visible |= Q(organization_id=user.organization_id)
    return qs.filter(visible)


def latest_approved_version(dataset) -> DatasetVersion | None:
    return dataset.versions.filter(status="approved").order_by("-number").first()


def pii_summary(version: DatasetVersion | None) -> dict:
    """Counts only — never rows or values."""
    if version is None:
        return {}
    report = version.pii_report or {}
    by_entity = report.get("by_entity") or {}
    counts = {}
    for entity, value in by_entity.items():
        counts[entity] = value.get("count", value.get("total", 0)) if isinstance(value, dict) else value
    residual = report.get("residual") or {}
    residual_total = residual.get("total", 0) if isinstance(residual, dict) else residual
    return {
        "by_entity": dict(sorted(counts.items(), key=lambda kv: -int(kv[1] or 0))),
        "total": sum(int(v or 0) for v in counts.values()),
        "residual_total": residual_total or version.residual_count,
        "row_count": version.row_count,
    }


def queue_summary(user) -> dict:
    pending = Agreement.objects.filter(state__in=Agreement.PENDING_REVIEW)
    oldest = pending.aggregate(oldest=Min("submitted_at"))["oldest"]
    return {"count": pending.count(), "oldest": oldest,
            "oldest_agreement": pending.order_by("submitted_at").first()}


def my_requests_summary(user) -> dict:
    """The researcher's latest requests, each with the state a person reads: an approved agreement is
    "In force" only while `agreement_in_force` says so (countersigned, not past its end), else "Approved"."""
    agreements = list(_base_agreements().filter(access_request__researcher=user).order_by("-updated_at")[:8])
    for a in agreements:
        in_force = a.state == Agreement.State.APPROVED and agreement_in_force(a)
        a.display_status = "in_force" if in_force else a.state
        a.display_label = "In force" if in_force else (
            "Approved, awaiting countersignature" if a.state == Agreement.State.APPROVED else a.get_state_display())
    return {"agreements": agreements}


def countersign_summary(user) -> dict:
    return {"agreements": awaiting_countersignature(user)}
