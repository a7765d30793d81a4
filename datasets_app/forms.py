from __future__ import annotations

from django import forms

from datasets_app.licenses import license_choices
from datasets_app.models import DatasetVersion, UseTerm
from datasets_app.pii_kinds import operator_sentence, pii_kind_help, pii_kind_label
from datasets_app.scrub_runner import OPTIONAL_ENTITIES
from datasets_app.scrubbing.columns import DROP, KEEP, LABEL, SCRUB, SPLIT


class DatasetForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    license = forms.ChoiceField(choices=license_choices, label="Licence (SPDX)", initial="CC-BY-4.0")
    attribution_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text="Shown in every model card trained on this data.",
    )
    citation = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. support, tickets, english")
    use_terms = forms.MultipleChoiceField(
        choices=UseTerm.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Use terms (DUO)"
    )
    time_limit_days = forms.IntegerField(min_value=1, required=False, help_text="With a time limit: longest agreement allowed")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Data file",
        help_text="CSV with a header row, or JSON Lines (one object per line); .gz compressed is fine.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,.gz"}),
    )


ROLE_CHOICES = [
    (SCRUB, "scrub — free text; the scrubber runs on it"),
    (LABEL, "label — kept as it is, the training target"),
    (KEEP, "keep — not personal data (say why)"),
    (SPLIT, "split — train / validation / test per row, kept as it is"),
    (DROP, "drop — not released"),
]


class ColumnRolesForm(forms.Form):
    """One role (and reason) per column of the upload (G2). Fields are named by position, since
    column names can hold any character; `column_roles()` maps them back to names."""

    operator = forms.ChoiceField(choices=[(o.value, operator_sentence(o.value)) for o in DatasetVersion.Operator],
                                 initial=DatasetVersion.Operator.REPLACE)
    optional_entities = forms.MultipleChoiceField(
        choices=[(e, f"{pii_kind_label(e)} — {pii_kind_help(e)}") for e in OPTIONAL_ENTITIES], required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also scrub these kinds", help_text="Off by default: they replace many ordinary words.",
    )

    def __init__(self, *args, columns: list[str], roles: dict | None = None, profile: dict | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        roles, profile = roles or {}, profile or {}
        for index, column in enumerate(self.columns):
            current = roles.get(column) or (profile.get(column) or {}).get("suggested") or {}
            self.fields[f"role_{index}"] = forms.ChoiceField(
                choices=ROLE_CHOICES, initial=current.get("role", DROP), label=column,
                widget=forms.Select(attrs={"data-column": column}),
            )
            self.fields[f"reason_{index}"] = forms.CharField(
                required=False, max_length=500, label=f"Why {column}",
                initial=current.get("reason", "") if current.get("role") == KEEP else "",
            )

    def rows(self, profile: dict | None = None) -> list[dict]:
        """What the template shows per column: name, suggestion, profile hints and its two fields."""
        profile = profile or {}
        out = []
        for index, column in enumerate(self.columns):
            p = profile.get(column) or {}
            out.append({"name": column, "suggested": p.get("suggested") or {}, "profile": p,
                        "role": self[f"role_{index}"], "reason": self[f"reason_{index}"]})
        return out

    def column_roles(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {column: {"role": data[f"role_{i}"], "reason": data.get(f"reason_{i}", "")}
                for i, column in enumerate(self.columns)}


class ApproveForm(forms.Form):
    # G3: the approval names the scrub the steward read; another one answers 409.
    scrubbed_sha256 = forms.RegexField(regex=r"^[0-9a-fA-F]{64}$", widget=forms.HiddenInput,
                                       error_messages={"required": "Name the scrub you reviewed (its sha256)."})
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Residual override reason",
        help_text="Required when the residual check found PII-like values: say why they are not personal data.",
    )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is it rejected?")
