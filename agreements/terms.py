"""Render the agreement text from the newest TermsTemplate and the request's details, and the
clause that carries legal's approval conditions into that text."""
from __future__ import annotations

from django.template import Context, Engine

from agreements.models import AccessRequest, IntendedUse, TermsTemplate, sha256_text
from agreements.terms_default import DEFAULT_TERMS, LATEST_DEFAULT_VERSION, TERMS_TITLE

# A bare engine: no autoescaping (plain text) and no access to the project's templates.
_ENGINE = Engine(autoescape=False)

_ITEM = "   - "
CONDITIONS_HEADING = "6a. Conditions. Legal counsel approved this agreement on these conditions, which the Researcher accepts:"


def current_template() -> TermsTemplate:
    template = TermsTemplate.objects.order_by("-version").first()
    if template is None:
        template, _ = TermsTemplate.objects.get_or_create(
            version=LATEST_DEFAULT_VERSION,
            defaults={"title": TERMS_TITLE, "body": DEFAULT_TERMS[LATEST_DEFAULT_VERSION]})
    return template


def normalize_conditions(conditions: str | None) -> str:
    """One condition a line, blank lines and surrounding spaces dropped: the form the agreement
    stores and the clause renders, so the two can be compared exactly."""
    return "\n".join(line.strip() for line in (conditions or "").splitlines() if line.strip())


def conditions_clause(conditions: str | None) -> str:
    """The clause of the signed text that names `conditions` word for word ("" without any)."""
    lines = normalize_conditions(conditions).splitlines()
    if not lines:
        return ""
    return CONDITIONS_HEADING + "\n" + "\n".join(f"{_ITEM}{line}" for line in lines) + "\n"


def conditions_named_in(text: str) -> str | None:
    """The conditions clause 6a of `text` names, one a line; None when the text has no such clause."""
    lines = (text or "").splitlines()
    try:
        start = lines.index(CONDITIONS_HEADING)
    except ValueError:
        return None
    named = []
    for line in lines[start + 1:]:
        if not line.startswith(_ITEM):
            break
        named.append(line[len(_ITEM):])
    return "\n".join(named)


def text_carries_conditions(text: str, conditions: str | None) -> bool:
    """Whether `text` names exactly `conditions`, no more and no fewer: so conditions changed, dropped
    or blanked in the database after acceptance are caught (G4)."""
    expected = normalize_conditions(conditions)
    named = conditions_named_in(text)
    return named is None if not expected else named == expected


def render_terms(*, access_request: AccessRequest, template: TermsTemplate | None = None,
                 conditions: str = "") -> tuple[TermsTemplate, str, str]:
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
        "conditions_clause": conditions_clause(conditions),
    }
    text = _ENGINE.from_string(template.body).render(Context(context)).strip() + "\n"
    return template, text, sha256_text(text)
