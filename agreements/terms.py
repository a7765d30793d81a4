"""Render the agreement text from the newest TermsTemplate and the request's details."""
from __future__ import annotations

from django.template import Context, Engine

from agreements.models import AccessRequest, IntendedUse, TermsTemplate, sha256_text
from agreements.terms_default import TERMS_V1

# A bare engine: no autoescaping (plain text) and no access to the project's templates.
_ENGINE = Engine(autoescape=False)


def current_template() -> TermsTemplate:
    template = TermsTemplate.objects.order_by("-version").first()
    if template is None:
        template, _ = TermsTemplate.objects.get_or_create(
            version=1, defaults={"title": "Accord data access agreement", "body": TERMS_V1})
    return template


def render_terms(*, access_request: AccessRequest, template: TermsTemplate | None = None) -> tuple[TermsTemplate, str, str]:
    """Returns (template, text, sha256 of text)."""
    from agreements.attribution import attribution_for

    template = template or current_template()
    versions = list(access_request.dataset_versions.select_related("dataset", "dataset__organization")
                    .order_by("dataset__title", "number"))
    providers = sorted({v.dataset.organization.name for v in versions})
    labels = dict(IntendedUse.choices)
    attribution = attribution_for(versions)
    researcher = access_request.researcher
    context = {
        "version": template.version,
        "request": access_request,
        "researcher_name": researcher.get_full_name() or researcher.username,
        "organization": access_request.organization.name if access_request.organization else "",
        "providers": " and ".join(providers) or "the data providers",
        "versions": versions,
        "uses": [labels.get(u, u) for u in access_request.intended_uses],
        "attribution_lines": [line for line in attribution["attribution_text"].splitlines() if line.strip()],
    }
    text = _ENGINE.from_string(template.body).render(Context(context)).strip() + "\n"
    return template, text, sha256_text(text)
