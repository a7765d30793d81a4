"""Every write to datasets and their versions. Each service checks permission, changes state
through the version's guarded transitions and records its audit event in the same transaction."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.models import User
from audit.services import record_event
from config.exceptions import ApplicationError, conflict, forbidden
from config.redaction import without_server_paths
from datasets_app import rules as dataset_rules
from datasets_app import scrub_runner, tasks
from datasets_app.licenses import normalise_license
from datasets_app.models import Dataset, DatasetVersion
from datasets_app.scrubbing.errors import ScrubInputError
from datasets_app.scrubbing import columns as columns_core
from reliability import outbox
from datasets_app.storage import (
    UploadTooLarge,
    delete_scrubbed,
    local_copy,
    publish_scrubbed,
    quarantine,
    remove_work_dir,
    scrubbed_folder,
    scrubbed_outputs,
    store_raw,
    work_dir,
)

logger = logging.getLogger(__name__)
Status = DatasetVersion.Status


def _version_state(version: DatasetVersion) -> dict:
    return {
        "status": version.status,
        "raw_sha256": version.raw_sha256,
        "scrubbed_sha256": version.scrubbed_sha256,
        "residual_count": version.residual_count,
    }


def _clean_tags(tags: Sequence[str] | str) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    return sorted({t.strip().lower() for t in tags if t and t.strip()})


# --- datasets -------------------------------------------------------------------------------
@transaction.atomic
def dataset_create(
    *,
    title: str,
    license: str,
    description: str = "",
    attribution_text: str = "",
    citation: str = "",
    tags: Sequence[str] | str = (),
    use_terms: Sequence[str] = (),
    time_limit_days: int | None = None,
    actor: User,
) -> Dataset:
    if not dataset_rules.can_create_dataset(actor):
        raise forbidden("Only contributors create datasets.")
    if actor.organization_id is None:
        raise forbidden("You need to belong to an organisation to contribute a dataset.")
    if Dataset.objects.filter(organization_id=actor.organization_id, title=title.strip()).exists():
        raise conflict(f"Your organisation already has a dataset called {title.strip()!r}.")
    dataset = Dataset(
        organization_id=actor.organization_id,
        steward=actor,
        title=title.strip(),
        description=description,
        license=normalise_license(license),
        attribution_text=attribution_text,
        citation=citation,
        tags=_clean_tags(tags),
        use_terms=sorted(set(use_terms)),
        time_limit_days=time_limit_days,
    )
    dataset.full_clean(exclude=["pseudonym_secret"])
    dataset.save()
    record_event(
        actor=actor,
        action="dataset.created",
        target=dataset,
        after={"title": dataset.title, "license": dataset.license, "organization": dataset.organization_id},
    )
    return dataset


_EDITABLE = ("title", "description", "license", "attribution_text", "citation", "tags", "use_terms", "time_limit_days")


@transaction.atomic
def dataset_update(*, dataset: Dataset, actor: User, **changes) -> Dataset:
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if not dataset_rules.is_steward(actor, dataset):
        raise forbidden("Only the dataset's steward changes its description, licence and terms.")
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    if "license" in changes:
        changes["license"] = normalise_license(changes["license"])
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"])
    before = {k: getattr(dataset, k) for k in changes}
    for key, value in changes.items():
        setattr(dataset, key, value)
    dataset.full_clean(exclude=["pseudonym_secret"])
    dataset.save()
    record_event(actor=actor, action="dataset.updated", target=dataset, before=before, after=changes)
    return dataset


# --- versions: upload and inspection -------------------------------------------------------
def version_upload(*, dataset: Dataset, file: IO[bytes], filename: str, actor: User) -> DatasetVersion:
    """Stream an upload into quarantine (hashing it on the way) and queue its validation.

    The bytes are stored before the transaction that creates the version; if that transaction
    fails, the stored file is removed again, so nothing half-registered stays behind.
    """
    if not dataset_rules.can_upload_version(actor, dataset):
        raise forbidden("Only contributors of the dataset's organisation upload versions.")
    try:
        stored = store_raw(source=file, filename=filename)
    except UploadTooLarge as exc:
        raise ApplicationError(str(exc), status=413, code="too_large") from exc
    try:
        return _register_upload(dataset=dataset, stored=stored, filename=filename, actor=actor)
    except BaseException:
        quarantine().delete(stored.name)
        raise


@transaction.atomic
def _register_upload(*, dataset: Dataset, stored, filename: str, actor: User) -> DatasetVersion:
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    number = (dataset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DatasetVersion(
        dataset=dataset,
        number=number,
        created_by=actor,
        raw_sha256=stored.sha256,
        raw_size=stored.size,
        original_filename=Path(filename).name[:255],
    )
    version.raw_file.name = stored.name
    version.heartbeat_at = timezone.now()
    version.save()
    record_event(
        actor=actor,
        action="dataset_version.uploaded",
        target=version,
        after={"raw_sha256": stored.sha256, "raw_size": stored.size, "filename": Path(filename).name},
    )
    # Through the outbox (issue 14): sent after commit, and again until the broker takes it. A broker
    # outage here never fails the committed upload, and never deletes its raw file.
    outbox.enqueue(tasks.scrub_inspect_version, args=[version.pk])
    return version


def input_limits() -> dict[str, int]:
    """What one version may hold once decompressed (G10): bytes follow the upload limit (a gzip
    upload may expand ACCORD_MAX_EXPANSION_FACTOR times the upload limit, no more) and rows are
    capped per version."""
    return {
        "max_decompressed_bytes": settings.ACCORD_MAX_DECOMPRESSED_BYTES
        or settings.ACCORD_MAX_UPLOAD_BYTES * settings.ACCORD_MAX_EXPANSION_FACTOR,
        "max_rows": settings.ACCORD_MAX_ROWS_PER_VERSION,
    }


def version_inspect(*, version_id: int) -> DatasetVersion:
    """Validate the whole raw upload (streaming) and record its format, columns and rows.

    Bad input marks the version failed with the reader's reason; the raw file stays as it was.
    """
    version = DatasetVersion.objects.get(pk=version_id)
    if version.status != Status.UPLOADED or version.inspected_at:
        return version
    beat(version_id)
    try:
        with local_copy(quarantine(), version.raw_file.name) as path:
            info = scrub_runner.inspect(
                path, original_name=version.original_filename, max_line_bytes=settings.ACCORD_MAX_LINE_BYTES,
                profile=True, **input_limits(),
            )
    except ScrubInputError as exc:
        return version_fail(version_id=version_id, attempt=None, reason=str(exc))
    return _record_inspection(version_id=version_id, info=info)


@transaction.atomic
def _record_inspection(*, version_id: int, info) -> DatasetVersion:
    version = DatasetVersion.objects.select_for_update().get(pk=version_id)
    if version.inspected_at or version.status != Status.UPLOADED:
        return version  # a re-sent inspection that finished second: the first one is recorded
    version.format = info.format
    version.compressed = info.compressed
    # The header check has passed (fileio.header_problem), so these are names, not row values (G8).
    version.columns = list(info.columns)
    version.column_profile = json.loads(json.dumps(info.profile))
    version.row_count = info.row_count
    version.rows_total = info.row_count
    version.inspected_at = timezone.now()
    version.save()
    record_event(
        actor=None,
        action="dataset_version.inspected",
        target=version,
        after={"format": info.format, "compressed": info.compressed, "columns": version.columns,
               "row_count": info.row_count},
    )
    return version


# --- versions: scrubbing --------------------------------------------------------------------
RoleSpec = Mapping[str, "Mapping[str, str] | str"]


def _normalise_roles(column_roles: RoleSpec) -> dict[str, dict[str, str]]:
    roles: dict[str, dict[str, str]] = {}
    for column, spec in column_roles.items():
        if isinstance(spec, str):
            spec = {"role": spec}
        if not isinstance(spec, Mapping):
            raise ApplicationError(f"The role of {column} must be one of {', '.join(columns_core.ROLES)}.",
                                   code="bad_role")
        roles[str(column)] = {"role": str(spec.get("role") or "").strip().lower(),
                              "reason": str(spec.get("reason") or "").strip()[:500]}
    return roles


def resolve_column_roles(
    version: DatasetVersion, *, column_roles: RoleSpec | None = None, text_fields: Sequence[str] = (),
    label_field: str = "",
) -> dict[str, dict[str, str]]:
    """Every column of the version with a role (G2). Given `column_roles`, columns it leaves out are
    dropped; given only text fields and a label field (the older form), those are the scrub and
    label columns and every other column is dropped. Raises with every problem found."""
    text_fields = [f for f in dict.fromkeys(text_fields) if f]
    if column_roles is not None:
        given = _normalise_roles(column_roles)
        if text_fields or label_field:
            scrub = [c for c, r in given.items() if r["role"] == columns_core.SCRUB]
            label = [c for c, r in given.items() if r["role"] == columns_core.LABEL]
            if (text_fields and set(text_fields) != set(scrub)) or (label_field and [label_field] != label):
                raise ApplicationError("text_fields and label_field disagree with column_roles; give the roles "
                                       "in column_roles only.", code="roles_disagree")
    else:
        if label_field and label_field in text_fields:
            raise ApplicationError("The label field cannot also be a text field to scrub.", code="label_is_text")
        given = {f: {"role": columns_core.SCRUB, "reason": ""} for f in text_fields}
        if label_field:
            given[label_field] = {"role": columns_core.LABEL, "reason": ""}
    profiles = {c: (version.column_profile or {}).get(c, {}) for c in version.columns}
    problems = columns_core.check_roles(given, profiles)
    if problems:
        code = "unknown_field" if any(p.startswith("not a column") for p in problems) else "bad_roles"
        if not any(r["role"] == columns_core.SCRUB for r in given.values()) and len(problems) == 1:
            code = "no_text_fields"
        raise ApplicationError("Column roles refused: " + "; ".join(problems) + ".", code=code, reasons=problems)
    roles = {}
    for column in version.columns:
        role = given.get(column) or {"role": columns_core.DROP, "reason": ""}
        if role["role"] == columns_core.DROP and not role["reason"]:
            role = {"role": columns_core.DROP, "reason": "not released (dropped)"}
        roles[column] = role
    return roles


def suggested_roles(version: DatasetVersion) -> dict[str, dict[str, str]]:
    """The roles the inspection suggests (never keep), for the form and the demo."""
    profile = version.column_profile or {}
    return {c: dict(profile.get(c, {}).get("suggested") or {"role": columns_core.DROP, "reason": ""})
            for c in version.columns}


@transaction.atomic
def version_scrub_start(
    *,
    version: DatasetVersion,
    column_roles: RoleSpec | None = None,
    text_fields: Sequence[str] = (),
    label_field: str = "",
    operator: str = DatasetVersion.Operator.REPLACE,
    optional_entities: Sequence[str] = (),
    actor: User,
) -> DatasetVersion:
    """The steward gives every column a role (G2); a new scrub attempt is queued. The previous,
    unapproved output of the version is deleted once this commits, so no earlier file (raw
    columns and all) outlives the new scrub."""
    version = DatasetVersion.objects.select_for_update().select_related("dataset").get(pk=version.pk)
    if not dataset_rules.can_scrub_version(actor, version):
        raise forbidden("Only the dataset's steward sets its column roles and starts a scrub.")
    if version.is_frozen:
        raise conflict("This version is approved and frozen; upload a new version to scrub differently.")
    if not version.inspected_at:
        raise conflict("The upload is still being validated; pick fields once its columns are known.")
    if operator not in DatasetVersion.Operator.values:
        raise ApplicationError(f"Unknown operator {operator!r}.", code="unknown_operator")
    unknown_kinds = sorted(set(optional_entities) - set(scrub_runner.OPTIONAL_ENTITIES))
    if unknown_kinds:
        raise ApplicationError(f"Unknown entity kind(s) {', '.join(unknown_kinds)}; optional kinds are "
                               f"{', '.join(scrub_runner.OPTIONAL_ENTITIES)}.", code="unknown_entity")
    roles = resolve_column_roles(version, column_roles=column_roles, text_fields=text_fields,
                                 label_field=label_field)
    token_labels = _token_label_column(version, roles)
    scrubbed_columns = [c for c, r in roles.items() if r["role"] == columns_core.SCRUB]
    if token_labels and len(scrubbed_columns) != 1:
        raise ApplicationError(
            f"The label {token_labels} holds token annotations (spans or BIO tags), which point into one text "
            f"column; give exactly one column the role scrub (you chose {len(scrubbed_columns)}).",
            code="token_labels_need_one_text")
    before = _version_state(version)
    try:
        version.start_scrub()
    except TransitionNotAllowed as exc:
        raise conflict(f"A version that is {version.get_status_display().lower()} cannot be scrubbed.") from exc
    discarded = version.scrubbed_file.name or ""
    discarded_sha = version.scrubbed_sha256
    version.column_roles = roles
    version.text_fields = [c for c, r in roles.items() if r["role"] == columns_core.SCRUB]
    version.label_field = next((c for c, r in roles.items() if r["role"] == columns_core.LABEL), "")
    version.optional_entities = [e for e in scrub_runner.OPTIONAL_ENTITIES if e in set(optional_entities)]
    version.operator = operator
    version.scrub_attempt += 1
    version.rows_done = 0
    version.rows_total = version.row_count
    version.shard_count = 0
    version.failure_reason = ""
    version.rejection_reason = ""
    version.residual_override_reason = ""
    version.scrubbed_file.name = ""
    version.scrubbed_sha256 = ""
    version.scrubbed_size = 0
    version.pii_report = {}
    version.residual_count = 0
    version.scrub_started_at = version.heartbeat_at = timezone.now()
    version.scrub_finished_at = None
    version.reconcile_attempts = 0
    version.save()
    record_event(
        actor=actor,
        action="dataset_version.scrub_started",
        target=version,
        before=before,
        after={"status": version.status, "column_roles": roles, "text_fields": version.text_fields,
               "label_field": version.label_field, "operator": operator,
               "optional_entities": version.optional_entities, "attempt": version.scrub_attempt,
               "discarded_output": {"name": discarded, "sha256": discarded_sha} if discarded else None},
    )
    version_id, attempt = version.pk, version.scrub_attempt
    if discarded:
        transaction.on_commit(lambda: delete_scrubbed([discarded]))
    outbox.enqueue(tasks.scrub_version, args=[version_id, attempt])
    return version


def scrub_config_for(version: DatasetVersion) -> scrub_runner.ScrubConfig:
    return scrub_runner.config_for(
        operator=version.operator,
        pseudonym_secret=version.dataset.pseudonym_secret,
        max_line_bytes=settings.ACCORD_MAX_LINE_BYTES,
        optional_entities=version.optional_entities,
    )


def _token_label_column(version: DatasetVersion, roles: Mapping | None = None) -> str | None:
    """The label column when it holds token annotations (NER spans or BIO tags, by its profile):
    the scrubber re-maps them onto the scrubbed text so they stay true under every operator."""
    roles = version.column_roles if roles is None else roles
    label = next((c for c, r in (roles or {}).items() if r.get("role") == columns_core.LABEL), "")
    if label and columns_core.is_token_label_column((version.column_profile or {}).get(label) or {}):
        return label
    return None


def _verbatim_columns(version: DatasetVersion) -> list[str]:
    """The label, keep and split columns: written as they are, residual-checked. The rest is dropped."""
    roles = version.column_roles or {}
    if not roles:  # a version scrubbed before roles existed: its label only, never every column
        return [version.label_field] if version.label_field else []
    verbatim = (columns_core.LABEL, columns_core.KEEP, columns_core.SPLIT)
    return [c for c in version.columns if roles.get(c, {}).get("role") in verbatim]


def column_table(version: DatasetVersion, report: Mapping) -> list[dict]:
    """One row per column of the upload: its role, the steward's reason, whether it is in the
    scrubbed file, its residual hits there and the scrubber's findings (scrub columns)."""
    residual = (report.get("residual") or {}).get("by_field") or {}
    findings = report.get("by_field") or {}
    roles = version.column_roles or {}
    rows = []
    for column in version.columns:
        role = roles.get(column) or {"role": columns_core.DROP, "reason": ""}
        written = role["role"] in columns_core.WRITTEN_ROLES
        rows.append({
            "name": column, "role": role["role"], "reason": role.get("reason", ""), "written": written,
            "residual": int(residual.get(column, 0)) if written else None,
            "findings": sum((findings.get(column) or {}).values()) if role["role"] == columns_core.SCRUB else None,
        })
    return rows


def _current(version_id: int, attempt: int) -> DatasetVersion | None:
    """The version if this attempt is still the live one, else None (a stale or retried task)."""
    version = DatasetVersion.objects.select_related("dataset").filter(pk=version_id).first()
    if version is None or version.status != Status.SCRUBBING or version.scrub_attempt != attempt:
        return None
    return version


def beat(version_id: int, attempt: int | None = None, *, rows: int = 0, finished_unit: bool = False) -> bool:
    """The version's heartbeat (issue 14): its work is alive. Rows done are added when given. A
    finished unit (a shard) is progress: the reconciler's count of re-sends starts again (a shard
    that kills its worker every time never finishes, so its re-sends add up to a failure).
    False when the attempt is over (superseded, failed): the caller may stop."""
    changes = {"heartbeat_at": timezone.now()}
    if finished_unit:
        changes["reconcile_attempts"] = 0
    if rows:
        changes["rows_done"] = F("rows_done") + rows
    live = DatasetVersion.objects.filter(pk=version_id, status__in=[Status.UPLOADED, Status.SCRUBBING])
    if attempt is not None:
        live = live.filter(scrub_attempt=attempt, status=Status.SCRUBBING)
    return bool(live.update(**changes))


def scrub_prepare(*, version_id: int, attempt: int) -> int:
    """Split the raw upload into shard files of ACCORD_SCRUB_SHARD_ROWS rows. Returns the shard
    count (0 when the attempt is over: stale, or failed on bad input). Resumable (issue 14): a
    complete earlier split of this attempt is reused, and the rows of finished shards count as done."""
    version = _current(version_id, attempt)
    if version is None:
        return 0
    beat(version_id, attempt)
    directory = work_dir(version_id, attempt)
    plan = scrub_runner.existing_plan(directory)
    if plan is None:
        try:
            with local_copy(quarantine(), version.raw_file.name) as source:
                plan = scrub_runner.split(
                    source,
                    fmt=version.format,
                    shard_rows=settings.ACCORD_SCRUB_SHARD_ROWS,
                    out_dir=directory,
                    max_line_bytes=settings.ACCORD_MAX_LINE_BYTES,
                    on_shard=lambda _index: beat(version_id, attempt),
                    **input_limits(),
                )
        except ScrubInputError as exc:
            version_fail(version_id=version_id, attempt=attempt, reason=str(exc))
            return 0
    done_rows = sum(int(report.get("rows", 0)) for index in range(plan.shard_count)
                    if (report := scrub_runner.shard_done(directory, index, version.format)))
    updated = DatasetVersion.objects.filter(pk=version_id, scrub_attempt=attempt, status=Status.SCRUBBING).update(
        shard_count=plan.shard_count, rows_total=plan.row_count, rows_done=done_rows
    )
    return plan.shard_count if updated else 0


def pending_shards(*, version_id: int, attempt: int, shard_count: int) -> list[int]:
    """Shards of the attempt not yet scrubbed (a resumed scrub sends only these)."""
    version = _current(version_id, attempt)
    if version is None:
        return []
    directory = work_dir(version_id, attempt)
    return [i for i in range(shard_count) if scrub_runner.shard_done(directory, i, version.format) is None]


def scrub_shard(*, version_id: int, attempt: int, shard_index: int) -> bool:
    """Scrub one shard into its own output (written to a temp name, then moved into place)."""
    version = _current(version_id, attempt)
    if version is None:
        return False
    if scrub_runner.shard_done(work_dir(version_id, attempt), shard_index, version.format) is not None:
        return True  # a re-sent or redelivered shard that already finished: nothing to redo
    starts = scrub_runner.count_start(work_dir(version_id, attempt), shard_index)
    if starts > settings.ACCORD_RECONCILE_MAX_ATTEMPTS:
        version_fail(version_id=version_id, attempt=attempt, reason=(
            f"Shard {shard_index + 1} was started {starts - 1} times and never finished: its worker stopped each "
            "time (out of memory or killed). Ask an operator to give the scrub workers more memory or to "
            "lower ACCORD_SCRUB_SHARD_ROWS, then start the scrub again."))
        return False

    beat(version_id, attempt)

    def progress(rows: int) -> None:
        beat(version_id, attempt, rows=rows)

    try:
        scrub_runner.scrub_shard(
            work_dir(version_id, attempt),
            shard_index,
            config=scrub_config_for(version),
            fmt=version.format,
            text_fields=version.text_fields,
            keep_fields=_verbatim_columns(version),
            token_label_field=_token_label_column(version),
            progress=progress,
        )
    except ScrubInputError as exc:
        version_fail(version_id=version_id, attempt=attempt, reason=str(exc))
        return False
    beat(version_id, attempt, finished_unit=True)
    return True


def scrub_finalize(*, version_id: int, attempt: int) -> DatasetVersion | None:
    """Merge the shards in row order, publish the scrubbed file, store the report."""
    version = _current(version_id, attempt)
    if version is None:
        return None
    directory = work_dir(version_id, attempt)
    beat(version_id, attempt)
    try:
        merged = scrub_runner.merge(directory, shard_count=version.shard_count, fmt=version.format)
    except ScrubInputError as exc:
        return version_fail(version_id=version_id, attempt=attempt, reason=str(exc))
    report = merged.report
    config = scrub_config_for(version)
    report["config"] = config.as_dict()
    report["columns"] = column_table(version, report)
    report["not_scrubbed"] = scrub_runner.not_scrubbed(config)
    # Which operator replaced the PII (the model card and attribution.json repeat it) and whether a
    # token-label column was re-mapped onto the scrubbed text.
    report["operator"] = {"name": version.operator, "description": version.operator_summary}
    token_labels = _token_label_column(version)
    report["token_labels"] = {"column": token_labels, "remapped": True} if token_labels else None
    stem = Path(version.raw_file.name).name.split(".")[0] or "dataset"
    name = f"{scrubbed_folder(version.dataset_id, version.number)}/a{attempt}-{stem}.{version.format}"
    stored_name = publish_scrubbed(local_path=merged.path, name=name)
    try:
        version = _record_scrub_result(
            version_id=version_id, attempt=attempt, stored_name=stored_name, sha256=merged.sha256,
            size=merged.size, report=report,
        )
    except BaseException:
        from datasets_app.storage import scrubbed_storage

        scrubbed_storage().delete(stored_name)
        raise
    if version is None:  # the attempt was superseded while we merged: drop our output
        from datasets_app.storage import scrubbed_storage

        scrubbed_storage().delete(stored_name)
    remove_work_dir(version_id, attempt)
    return version


@transaction.atomic
def _record_scrub_result(
    *, version_id: int, attempt: int, stored_name: str, sha256: str, size: int, report: dict
) -> DatasetVersion | None:
    version = DatasetVersion.objects.select_for_update().get(pk=version_id)
    if version.status != Status.SCRUBBING or version.scrub_attempt != attempt:
        return None
    before = _version_state(version)
    version.scrubbed_file.name = stored_name
    version.scrubbed_sha256 = sha256
    version.scrubbed_size = size
    version.pii_report = json.loads(json.dumps(report, default=str))
    version.scrubber_config = version.pii_report.get("config", {})
    version.residual_count = int(report.get("residual", {}).get("total", 0))
    version.rows_done = version.rows_total
    version.scrub_finished_at = timezone.now()
    version.finish_scrub()
    version.save()
    record_event(
        actor=None,
        action="dataset_version.scrubbed",
        target=version,
        before=before,
        after={**_version_state(version), "rows": version.rows_total},
        metadata={"scrubber": {k: version.scrubber_config.get(k) for k in ("model", "versions", "entities")}},
    )
    return version


@transaction.atomic
def version_fail(*, version_id: int, attempt: int | None, reason: str) -> DatasetVersion:
    """Mark a version failed with a reason a person can act on. Stored files are untouched."""
    version = DatasetVersion.objects.select_for_update().get(pk=version_id)
    if attempt is not None and version.scrub_attempt != attempt:
        return version
    if version.status not in (Status.UPLOADED, Status.SCRUBBING):
        return version
    before = _version_state(version)
    version.fail()
    version.failure_reason = without_server_paths(reason)[:2000]
    version.save()
    record_event(actor=None, action="dataset_version.failed", target=version, before=before,
                 after={"status": version.status, "reason": version.failure_reason})
    if attempt is not None:
        transaction.on_commit(lambda: remove_work_dir(version_id, attempt))
    return version


# --- versions: the steward's decision -------------------------------------------------------
@transaction.atomic
def version_approve(
    *, version: DatasetVersion, scrubbed_sha256: str, actor: User, override_reason: str = ""
) -> DatasetVersion:
    """Approval freezes the version. It names the scrub output it approves (G3): if the version now
    holds another output (a re-scrub after the review), it answers 409 and nothing changes.
    Residual hits need a written reason to override them. Every other scrub output of the version
    is deleted from storage once the approval commits (G2)."""
    version = DatasetVersion.objects.select_for_update().select_related("dataset").get(pk=version.pk)
    if not dataset_rules.can_review_version(actor, version):
        raise forbidden("Only the dataset's steward approves its scrubbed versions.")
    if version.status != Status.SCRUBBED:
        raise conflict(f"Only a scrubbed version awaiting review can be approved; this one is {version.status}.")
    reviewed = (scrubbed_sha256 or "").strip().lower()
    if not reviewed:
        raise ApplicationError("Name the scrub you reviewed: give its scrubbed sha256.",
                               code="scrubbed_sha256_required")
    if reviewed != version.scrubbed_sha256:
        raise ApplicationError(
            f"The scrubbed output changed since it was reviewed (you approve {reviewed[:12]}…, the version now "
            f"holds {version.scrubbed_sha256[:12]}…). Read the new report, then approve that one.",
            status=409, code="scrub_changed",
        )
    _check_released_columns(version)
    override_reason = override_reason.strip()
    if version.residual_count and len(override_reason) < 10:
        raise ApplicationError(
            f"The residual check still finds {version.residual_count} PII-like value(s) in the scrubbed output. "
            "Reject and re-scrub, or write why they are not personal data (at least 10 characters).",
            status=409,
            code="residual_override_required",
        )
    before = _version_state(version)
    version.approve()
    version.approved_by = actor
    version.approved_at = timezone.now()
    version.residual_override_reason = override_reason if version.residual_count else ""
    version.save()
    stale = [n for n in scrubbed_outputs(version.dataset_id, version.number) if n != version.scrubbed_file.name]
    record_event(
        actor=actor,
        action="dataset_version.approved",
        target=version,
        before=before,
        after={**_version_state(version), "residual_override_reason": version.residual_override_reason,
               "scrubber_config": version.scrubber_config, "column_roles": version.column_roles,
               "deleted_outputs": stale},
    )
    # Only once the approval is committed: a rollback keeps the files as they were.
    transaction.on_commit(lambda: delete_scrubbed(stale))
    return version


def _check_released_columns(version: DatasetVersion) -> None:
    """What approval freezes must agree with itself (G1, G2): the released columns the training gate
    reads (text_fields, label_field) are the roles the steward set, and those are the roles the
    reviewed report (and so the file) was made with. A row edited behind the services fails here."""
    roles = version.column_roles or {}
    scrub = [c for c in version.columns if roles.get(c, {}).get("role") == columns_core.SCRUB]
    label = next((c for c in version.columns if roles.get(c, {}).get("role") == columns_core.LABEL), "")
    reported = {c.get("name"): c.get("role") for c in (version.pii_report or {}).get("columns") or []}
    problems = []
    if not roles or set(roles) != set(version.columns):
        problems.append("not every column has a role")
    if list(version.text_fields) != scrub or version.label_field != label:
        problems.append("the scrubbed and label columns differ from the column roles")
    if reported != {c: r.get("role") for c, r in roles.items()}:
        problems.append("the column roles differ from those the reviewed scrub was made with")
    if problems:
        raise conflict("This version cannot be approved: " + "; ".join(problems) + ". Scrub it again.",
                       reasons=problems)


@transaction.atomic
def version_reject(*, version: DatasetVersion, actor: User, reason: str) -> DatasetVersion:
    version = DatasetVersion.objects.select_for_update().select_related("dataset").get(pk=version.pk)
    if not dataset_rules.can_review_version(actor, version):
        raise forbidden("Only the dataset's steward rejects its scrubbed versions.")
    if not reason.strip():
        raise ApplicationError("Say why the version is rejected, so the next upload can fix it.", code="reason_required")
    if version.status != Status.SCRUBBED:
        raise conflict(f"Only a scrubbed version awaiting review can be rejected; this one is {version.status}.")
    before = _version_state(version)
    version.reject()
    version.rejection_reason = reason.strip()
    version.save()
    record_event(actor=actor, action="dataset_version.rejected", target=version, before=before,
                 after={"status": version.status, "reason": version.rejection_reason})
    return version


ARCHIVABLE = (Status.FAILED, Status.REJECTED)


@transaction.atomic
def version_archive(*, version: DatasetVersion, actor: User) -> DatasetVersion:
    """Put away a failed or rejected version (issue 13): it leaves the dataset's version list and the
    dashboard, keeps its row, its page and its history in the audit ledger (G8). Only the steward (G3)."""
    version = DatasetVersion.objects.select_for_update().select_related("dataset").get(pk=version.pk)
    if not dataset_rules.can_review_version(actor, version):
        raise forbidden("Only the dataset's steward archives its versions.")
    if version.status not in ARCHIVABLE:
        raise conflict(f"Only a failed or rejected version can be archived; this one is {version.status}.")
    if version.archived_at:
        raise conflict("This version is already archived.")
    version.archived_at, version.archived_by = timezone.now(), actor
    version.save(update_fields=["archived_at", "archived_by", "updated_at"])
    record_event(actor=actor, action="dataset_version.archived", target=version,
                 before={"status": version.status, "archived": False},
                 after={"status": version.status, "archived": True})
    return version


@transaction.atomic
def version_purge_raw(*, version: DatasetVersion, actor: User) -> DatasetVersion:
    """Delete the raw upload of an approved version; its hash stays as the record of what it was."""
    version = DatasetVersion.objects.select_for_update().select_related("dataset").get(pk=version.pk)
    if not dataset_rules.can_review_version(actor, version):
        raise forbidden("Only the dataset's steward purges its raw uploads.")
    if version.status != Status.APPROVED:
        raise conflict("Only the raw file of an approved version can be purged; the scrubbed file replaces it.")
    if version.raw_purged_at:
        raise conflict("The raw file of this version was already purged.")
    name = version.raw_file.name
    version.raw_file.name = ""
    version.raw_purged_at = timezone.now()
    version.save()
    record_event(actor=actor, action="dataset_version.raw_purged", target=version,
                 before={"raw_file": name}, after={"raw_file": None, "raw_sha256": version.raw_sha256})
    # Delete the bytes only once the purge is committed; a rollback keeps them.
    transaction.on_commit(lambda: quarantine().delete(name))
    return version

