"""Serving a run's artifacts from storage: admins only, refused (410) once the model is revoked or
any input's authorising agreements are no longer in force, asked at the moment of the download
(G4, G5): an agreement past its end date answers 410 whether or not the expiry task has run."""
from __future__ import annotations

from django.db import transaction
from django.http import FileResponse

from accounts.rules import is_admin
from audit.services import record_event
from config.exceptions import ApplicationError, forbidden
from training.gate import recorded_authorisation_problems
from training.models import RunState, TrainingRun

# kind -> (model field, download name, content type)
ARTIFACTS = {
    "model": ("model_archive", "accord-run-{pk}.zip", "application/zip"),
    "card": ("model_card", "README.md", "text/markdown; charset=utf-8"),
    "attribution": ("attribution_manifest", "attribution.json", "application/json"),
}


def artifact_refusal(run: TrainingRun) -> ApplicationError | None:
    if run.model_revoked_at:
        return ApplicationError(f"This model's authorisation ended; downloads are refused. {run.model_revoked_reason}",
                                status=410, code="model_revoked", reasons=[run.model_revoked_reason])
    if run.state != RunState.SUCCEEDED:
        return ApplicationError(f"Run #{run.pk} is {run.state}; only succeeded runs have artifacts.",
                                status=404, code="no_artifacts")
    ended = recorded_authorisation_problems(run)
    if ended:
        return ApplicationError("The agreements behind this model are no longer in force; downloads are refused. "
                                + "; ".join(ended), status=410, code="authorisation_ended", reasons=ended)
    return None


def open_artifact(*, run: TrainingRun, kind: str, actor) -> FileResponse:
    """Stream one artifact (never loaded into memory) and record who took it."""
    if not is_admin(actor):
        raise forbidden("Only admins (ML ops) may download models.")
    if kind not in ARTIFACTS:
        raise ApplicationError(f"Unknown artifact {kind!r}.", status=404, code="not_found")
    refusal = artifact_refusal(run)
    if refusal is not None:
        raise refusal
    field_name, filename, content_type = ARTIFACTS[kind]
    field = getattr(run, field_name)
    if not field:
        raise ApplicationError("This artifact is missing.", status=404, code="not_found")
    with transaction.atomic():
        record_event(actor=actor, action="training_run.artifact_downloaded", target=run, metadata={"artifact": kind})
    handle = field.storage.open(field.name, "rb")
    return FileResponse(handle, as_attachment=kind != "card", filename=filename.format(pk=run.pk),
                        content_type=content_type)
