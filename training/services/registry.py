"""The base-model registry: which models Accord may fine-tune (local files only)."""
from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from audit.services import record_event
from config.exceptions import ApplicationError
from training import core
from training.models import BaseModel, TrainingTask
from training.services.runs import require_admin


def licence_allows_derivatives(spdx: str) -> bool:
    """Whether a base model's licence lets us publish derivatives (fine-tuned weights, adapters)."""
    from datasets_app.licenses import LicenceClass, classify

    return LicenceClass.NO_DERIVATIVES not in classify(spdx.strip()).classes and "-ND" not in spdx.upper()


@transaction.atomic
def base_model_register(
    *,
    name: str,
    license: str,
    actor,
    package_name: str = "",
    local_path: str = "",
    supported_tasks: Sequence[str] = (TrainingTask.TEXT_CLASSIFICATION,),
    description: str = "",
    is_active: bool = True,
) -> BaseModel:
    """Register (or update, idempotently) an allowed base model. Admins only; actor None = system/seed."""
    if actor is not None:
        require_admin(actor, "register base models")
    if bool(package_name) == bool(local_path):
        raise ApplicationError("Give exactly one of a local path or a Python package name.")
    if not license.strip():
        raise ApplicationError("A base model needs its licence (SPDX identifier).")
    unknown = set(supported_tasks) - set(TrainingTask.values)
    if unknown:
        raise ApplicationError(f"Unknown task(s): {', '.join(sorted(unknown))}.")
    candidate = BaseModel(
        name=name,
        source=BaseModel.Source.PACKAGE if package_name else BaseModel.Source.PATH,
        package_name=package_name,
        local_path=str(local_path),
    )
    try:
        resolved = candidate.resolve_path()
    except core.ModelNotFoundError as exc:
        raise ApplicationError(str(exc)) from exc
    if not (resolved / "config.json").is_file():
        raise ApplicationError(f"{resolved} holds no model (config.json missing). Models load from local files only.")
    fields = {
        "source": candidate.source,
        "package_name": package_name,
        "local_path": str(local_path),
        "license": license.strip(),
        "supported_tasks": list(supported_tasks),
        "description": description,
        "is_active": is_active,
        "license_allows_derivatives": licence_allows_derivatives(license),
    }
    existing = BaseModel.objects.select_for_update().filter(name=name).first()
    if existing is not None:
        before = {key: getattr(existing, key) for key in fields}
        if before == fields:
            return existing
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        record_event(actor=actor, action="base_model.updated", target=existing, before=before, after=fields)
        return existing
    model = BaseModel.objects.create(name=name, **fields)
    record_event(actor=actor, action="base_model.registered", target=model, after=fields)
    return model


