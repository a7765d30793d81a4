"""Reads, scoped to the caller, and THE answer to "is this agreement in force?"."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from accounts.rules import is_admin, is_auditor, is_contributor, is_legal, is_researcher
from agreements import policy
from agreements.models import AccessRequest, Agreement, Countersignature, sha256_text
from agreements.terms import text_carries_conditions
from agreements.use_checks import UseCheck, check_intended_uses, overall_decision  # noqa: F401 (re-export)
from datasets_app.models import Dataset, DatasetVersion
from datasets_app.pii_kinds import pii_kind_label

State = Agreement.State
DASHBOARD_ROWS = 8
# What the researcher's dashboard says of a state that is not in force, in the words they act on.
READER_LABELS = {
    State.APPROVED: "Approved, awaiting countersignature",
    State.CONDITIONS_PENDING: "Conditions added: please accept the amended terms",
}


# --- in force ------------------------------------------------------------------------------------
# What the in-force rules below read of an agreement. A page of versions is judged against every
# agreement naming them (hundreds on the launch form): they are loaded with these fields only.
# terms_text and conditions included: the in-force rules compare them with what was accepted.
IN_FORCE_FIELDS = ("id", "state", "revoked_at", "revocation_reason", "expires_at", "approved_at", "accepted_at",
                   "terms_sha256", "accepted_sha256", "terms_text", "conditions", "signed_versions", "access_request")
_STATE_LABELS = dict(State.choices)

def agreement_problems(agreement: Agreement, *, at=None, facts: "SignatureFacts | None" = None) -> list[str]:
    """Every reason the agreement is not in force at `at` (now by default); empty when it is.

    `facts`: the agreement's countersignatures and required signatories read for a whole page at
    once (`signature_facts`); without it they are read now. Either way the same rules decide (G4)."""
    at = at or timezone.now()
    label = f"agreement #{agreement.pk}"
    problems: list[str] = []
    if agreement.state == State.REVOKED or agreement.revoked_at is not None:
        problems.append(f"{label} was revoked: {agreement.revocation_reason or 'no reason given'}")
    elif agreement.state == State.EXPIRED or (agreement.expires_at is not None and agreement.expires_at <= at):
        when = agreement.expires_at.strftime("%Y-%m-%d %H:%M") if agreement.expires_at else "its end date"
        problems.append(f"{label} expired on {when}")
    elif agreement.state == State.CONDITIONS_PENDING:
        problems.append(f"{label}: legal approved it with conditions the researcher has not yet accepted")
    elif agreement.state != State.APPROVED or agreement.approved_at is None:
        state = _STATE_LABELS.get(agreement.state, agreement.state)  # get_state_display rebuilds the choices
        problems.append(f"{label} is not approved by legal (state: {str(state).lower()})")
    if agreement.state in (State.APPROVED,) and agreement.expires_at is None:
        problems.append(f"{label} has no expiry date")
    if not agreement.researcher_accepted:
        problems.append(f"{label} lacks the researcher's acceptance of its terms")
    elif sha256_text(agreement.terms_text) != agreement.accepted_sha256:
        # The stored text is not the one whose digest was accepted (edited after acceptance).
        problems.append(f"{label}: its stored terms text is not the text the researcher accepted")
    if not text_carries_conditions(agreement.terms_text, agreement.conditions):
        # Conditions added, changed or blanked after acceptance: the signed text does not name them.
        problems.append(f"{label}: its conditions are not part of the terms the researcher accepted")
    if facts is None:
        facts = signature_facts([agreement])
    signed = facts.signed_org_ids(agreement)
    for org_id, org_name in facts.required_orgs(agreement):
        if org_id not in signed:
            problems.append(f"{label} lacks the countersignature of {org_name}")
    return problems


@dataclass
class SignatureFacts:
    """For a set of agreements, read in four queries whatever their number: which organisations
    countersigned which text, and which organisations must (the owners of the requested versions'
    datasets, in the organisations' own order)."""

    signatures: dict[int, set[tuple[int, str]]] = field(default_factory=dict)  # agreement -> {(org, sha)}
    required: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # access request -> [(org, name)]

    def signed_org_ids(self, agreement: Agreement) -> set[int]:
        sha = agreement.terms_sha256 or "-"
        return {org for org, signed_sha in self.signatures.get(agreement.pk, ()) if signed_sha == sha}

    def required_orgs(self, agreement: Agreement) -> list[tuple[int, str]]:
        return self.required.get(agreement.access_request_id, [])


def signature_facts(agreements: Iterable[Agreement]) -> SignatureFacts:
    from accounts.models import Organization

    agreements = list(agreements)
    facts = SignatureFacts()
    if not agreements:
        return facts
    for agreement_id, org_id, sha in Countersignature.objects.filter(
        agreement_id__in=[a.pk for a in agreements]
    ).values_list("agreement_id", "organization_id", "terms_sha256"):
        facts.signatures.setdefault(agreement_id, set()).add((org_id, sha))
    # By primary keys only (through rows, then their versions, then their organisations in the
    # organisations' own order): no scan that grows with the versions table.
    links = list(AccessRequest.dataset_versions.through.objects.filter(
        accessrequest_id__in={a.access_request_id for a in agreements}
    ).values_list("accessrequest_id", "datasetversion_id"))
    org_of = dict(DatasetVersion.objects.filter(pk__in={v for _, v in links})
                  .values_list("pk", "dataset__organization_id"))
    orgs = list(Organization.objects.filter(pk__in=set(org_of.values())).order_by(*Organization._meta.ordering, "pk")
                .values_list("pk", "name")) if org_of else []
    rank = {org_id: position for position, (org_id, _) in enumerate(orgs)}
    names = dict(orgs)
    wanted: dict[int, set[int]] = {}
    for request_id, version_id in links:
        if version_id in org_of:
            wanted.setdefault(request_id, set()).add(org_of[version_id])
    for request_id, org_ids in wanted.items():
        facts.required[request_id] = [(org_id, names[org_id]) for org_id in sorted(org_ids, key=rank.__getitem__)]
    return facts


def agreements_problems(agreements: Iterable[Agreement], *, at=None) -> dict[int, list[str]]:
    """`agreement_problems` for a page of agreements at once (four queries, whatever the page)."""
    agreements = list(agreements)
    at = at or timezone.now()
    facts = signature_facts(agreements)
    return {a.pk: agreement_problems(a, at=at, facts=facts) for a in agreements}


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
    return coverages_for(dataset_versions=[dataset_version], uses=uses, at=at,
                         include_terms=include_terms)[dataset_version.pk]


def coverages_for(*, dataset_versions: Iterable[DatasetVersion], uses: Iterable[str], at=None,
                  include_terms: bool = True) -> dict[int, Coverage]:
    """`coverage_for` for a page of versions at once: the candidate agreements, their requests and
    their signatures are read in a fixed number of queries, then each version is judged by exactly
    the same rules, in the same order, as one at a time (G4)."""
    versions = list(dataset_versions)
    uses = [str(u) for u in uses]
    at = at or timezone.now()
    # The many-to-many only narrows the search; the signed list decides (a version removed from
    # the request in the database is not covered either: fail closed).
    links = AccessRequest.dataset_versions.through.objects.filter(
        datasetversion_id__in=[v.pk for v in versions]
    ).exclude(accessrequest__agreement__state=State.DRAFT).values_list("datasetversion_id", "accessrequest__agreement")
    by_version: dict[int, set[int]] = {}
    for version_id, agreement_id in links:
        if agreement_id is not None:
            by_version.setdefault(version_id, set()).add(agreement_id)
    wanted = set().union(*by_version.values()) if by_version else set()
    # The request's intended uses come along as `permitted_uses` (not a request instance per agreement).
    agreements = {a.pk: a for a in Agreement.objects.filter(pk__in=wanted).only(*IN_FORCE_FIELDS)
                  .annotate(permitted_uses=F("access_request__intended_uses"))}
    facts = signature_facts(agreements.values())
    problems_of = {pk: agreement_problems(a, at=at, facts=facts) for pk, a in agreements.items()}
    result: dict[int, Coverage] = {}
    for version in versions:
        reasons = dataset_term_reasons(dataset=version.dataset, uses=uses) if include_terms else []
        in_force: list[Agreement] = []
        agreement_reasons: list[str] = []
        for agreement_id in sorted(by_version.get(version.pk, ())):
            agreement = agreements[agreement_id]
            problems = list(problems_of[agreement_id])
            if (signed := signed_version_problem(agreement, version)) is not None:
                problems.append(signed)
            missing = [u for u in uses if u not in (agreement.permitted_uses or [])]
            problems += [f"agreement #{agreement.pk} does not permit {u}" for u in missing]
            if problems:
                agreement_reasons.extend(problems)
            else:
                in_force.append(agreement)
        if not in_force:
            reasons = [f"no agreement in force covers {version} for {', '.join(uses) or 'any use'}"] + reasons
            reasons += agreement_reasons
        result[version.pk] = Coverage(agreements=in_force, reasons=reasons)
    return result


# --- scoped reads ----------------------------------------------------------------------------
def _base_agreements() -> QuerySet[Agreement]:
    return Agreement.objects.select_related("access_request", "access_request__researcher",
                                            "access_request__organization")


def on_organization_datasets(organization_id) -> Exists:
    """The agreement's request names a version of one of `organization_id`'s datasets. An EXISTS,
    not a join: no DISTINCT over the whole table, and the sort's index stays usable."""
    return Exists(AccessRequest.dataset_versions.through.objects.filter(
        accessrequest_id=OuterRef("access_request_id"), datasetversion__dataset__organization_id=organization_id))


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
        q |= Q(on_organization_datasets(user.organization_id)) & ~Q(state=State.DRAFT)
    return qs.filter(q)


# The columns a list row shows: loading only these keeps a 50-row page's cost in rendering, not
# in building and decoding the JSON of columns nobody reads (issue 11).
# With the in-force fields, so a row can say whether its agreement is in force without a query.
LIST_ROW_FIELDS = (
    *IN_FORCE_FIELDS, "submitted_at", "updated_at", "access_request__project_title",
    "access_request__researcher__username", "access_request__researcher__first_name",
    "access_request__researcher__last_name", "access_request__organization__name",
)


def with_list_rows(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """What a list row shows (project, researcher, organisation, each version with its dataset as
    `access_request.listed_versions`), in a fixed number of queries per page."""
    return qs.only(*LIST_ROW_FIELDS).prefetch_related(Prefetch(
        "access_request__dataset_versions",
        queryset=DatasetVersion.objects.select_related("dataset").only("id", "number", "status", "dataset__title")
        .order_by("dataset__title", "-number", "pk"),
        to_attr="listed_versions"))


def agreement_get_visible(*, user, pk: int) -> Agreement | None:
    return agreements_visible_to(user).filter(pk=pk).first()


def review_queue(*, state: str | None = None, organization_id: int | None = None,
                 older_than_days: int | None = None) -> QuerySet[Agreement]:
    qs = _base_agreements()
    qs = qs.filter(state=state) if state else qs.filter(state__in=Agreement.PENDING_REVIEW)
    if organization_id:
        qs = qs.filter(on_organization_datasets(organization_id))
    if older_than_days:
        qs = qs.filter(submitted_at__lte=timezone.now() - timezone.timedelta(days=older_than_days))
    return qs.order_by("submitted_at", "pk")


def awaiting_countersignature(user) -> QuerySet[Agreement]:
    """Agreements on the user's organisation's datasets that lack its countersignature (a
    queryset: the dashboard shows a few and counts the rest)."""
    if not (is_contributor(user) and user.organization_id):
        return Agreement.objects.none()
    qs = (
        _base_agreements()
        .filter(on_organization_datasets(user.organization_id),
                state__in=Agreement.COUNTERSIGNABLE)
        .exclude(accepted_at=None)
    )
    signed = Countersignature.objects.filter(agreement=OuterRef("pk"), organization_id=user.organization_id,
                                             terms_sha256=OuterRef("terms_sha256"))
    return qs.filter(~Exists(signed)).order_by("pk")


# --- catalogue -----------------------------------------------------------------------------
def has_approved_version() -> Exists:
    return Exists(DatasetVersion.objects.filter(dataset=OuterRef("pk"), status=DatasetVersion.Status.APPROVED))


def requestable_datasets() -> QuerySet[Dataset]:
    return Dataset.objects.select_related("organization", "steward").filter(has_approved_version())


def catalogue_datasets() -> QuerySet[Dataset]:
    """Every dataset, marked `has_approved` when it has an approved version (an EXISTS, not a
    count over the whole versions table). Unscoped: pages and the API use `catalogue_visible_to`."""
    return Dataset.objects.select_related("organization", "steward").annotate(has_approved=has_approved_version())


def catalogue_visible_to(user) -> QuerySet[Dataset]:
    """The catalogue a person may read: datasets with an approved version; a contributor also
    sees their own organisation's datasets in any state (nobody else sees a never-approved one,
    whatever filter they ask for)."""
    qs = catalogue_datasets()
    if not (user and user.is_authenticated):
        return qs.none()
    visible = Q(has_approved=True)
    if is_contributor(user) and user.organization_id:
        visible |= Q(organization_id=user.organization_id)
    return qs.filter(visible)


def with_approved_versions(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Each dataset's approved versions, newest first, as `approved_list` (one query per page),
    with what the catalogue API reads of them."""
    versions = (DatasetVersion.objects.filter(status=DatasetVersion.Status.APPROVED)
                .only("id", "dataset", "status", "number", "row_count", "scrubbed_sha256", "pii_report", "residual_count")
                .order_by("-number"))
    return qs.prefetch_related(Prefetch("versions", queryset=versions, to_attr="approved_list"))


CATALOGUE_SUMMARY_CHARS = 110


def with_catalogue_rows(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """What a catalogue row shows, and nothing else: title, the start of the description
    (`summary`, cut by the database), organisation, licence, use terms and the number of approved
    versions (`approved_count`, counted per row of the page from the (status, dataset) index)."""
    approved = (DatasetVersion.objects.filter(dataset=OuterRef("pk"), status=DatasetVersion.Status.APPROVED)
                .order_by().values("dataset").annotate(n=Count("pk")).values("n"))
    return (qs.select_related(None).select_related("organization")
            .only("id", "title", "license", "use_terms", "organization__name")
            .annotate(summary=Substr("description", 1, CATALOGUE_SUMMARY_CHARS + 1),
                      approved_count=Coalesce(Subquery(approved, output_field=IntegerField()), 0)))


ORGANISATION_SUGGESTIONS = 20


def organisation_suggestions(text: str = "", *, limit: int = ORGANISATION_SUGGESTIONS) -> list[str]:
    """Names of organisations with datasets that contain `text`, alphabetically, at most `limit`:
    the filters' suggestions, bounded whatever the number of organisations."""
    from accounts.models import Organization

    qs = Organization.objects.filter(Exists(Dataset.objects.filter(organization=OuterRef("pk"))))
    if text := text.replace("\x00", "").strip()[:200]:  # a NUL is text PostgreSQL refuses: never a 500
        qs = qs.filter(name__icontains=text)
    return list(qs.order_by("name").values_list("name", flat=True)[:limit])


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
        "labels": {entity: pii_kind_label(entity) for entity in counts},  # the codes stay the keys (issue 13)
        "total": sum(int(v or 0) for v in counts.values()),
        "residual_total": residual_total or version.residual_count,
        "row_count": version.row_count,
    }


def queue_summary(user) -> dict:
    pending = Agreement.objects.filter(state__in=Agreement.PENDING_REVIEW)
    # The oldest of each pending state from the (state, submitted_at, id) index, then the older of
    # those: no sort of every pending agreement.
    heads = [a for a in (Agreement.objects.select_related("access_request").filter(state=state)
                         .exclude(submitted_at=None).order_by("submitted_at", "pk").first()
                         for state in Agreement.PENDING_REVIEW) if a is not None]
    oldest = min(heads, key=lambda a: (a.submitted_at, a.pk)) if heads else None
    return {"count": pending.count(), "oldest": oldest.submitted_at if oldest else None, "oldest_agreement": oldest,
            "awaiting_researcher": awaiting_researcher_count()}


def awaiting_researcher_count() -> int:
    """Approved with conditions, waiting for the researcher to accept the amended terms."""
    return Agreement.objects.filter(state=State.CONDITIONS_PENDING).count()


def with_reader_states(agreements: Iterable[Agreement]) -> list[Agreement]:
    """Each agreement with the state a person reads (`display_status`, `display_label`): an approved
    agreement is "In force" only while `agreement_problems` finds nothing, else it says what it
    waits for. The facts are read for the whole page in a fixed number of queries; the rows must
    carry `IN_FORCE_FIELDS` (`with_list_rows` does; a deferred one would cost a query per row, which
    `tests/config/test_list_query_counts.py` catches)."""
    agreements = list(agreements)
    problems = agreements_problems(agreements)
    for a in agreements:
        in_force = a.state == State.APPROVED and not problems.get(a.pk, ["unknown"])
        a.display_status = "in_force" if in_force else a.state
        a.display_label = "In force" if in_force else READER_LABELS.get(a.state, a.get_state_display())
    return agreements


def my_requests_summary(user) -> dict:
    """The researcher's latest requests, each with the state a person reads (`with_reader_states`)."""
    mine = _base_agreements().filter(access_request__researcher=user)
    agreements = with_reader_states(mine.order_by("-updated_at", "-pk")[:DASHBOARD_ROWS])
    return {"agreements": agreements, "count": mine.count()}


def countersign_summary(user) -> dict:
    """A few, and how many in all ("12 waiting — see all"): never an unbounded panel."""
    waiting = awaiting_countersignature(user)
    agreements = list(waiting[:DASHBOARD_ROWS])
    # Signed an earlier text (legal's conditions amended it): the panel says "sign again", one query.
    earlier = set(Countersignature.objects.filter(agreement__in=agreements, organization_id=user.organization_id)
                  .values_list("agreement_id", flat=True)) if agreements else set()
    for a in agreements:
        a.signed_earlier_text = a.pk in earlier
    return {"agreements": agreements, "count": waiting.count()}
