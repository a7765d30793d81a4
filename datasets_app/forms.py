from __future__ import annotations

from django import forms

from datasets_app.licenses import license_choices
from datasets_app.models import DatasetVersion, UseTerm


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


class ScrubFieldsForm(forms.Form):
    text_fields = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Text fields to scrub")
    label_field = forms.ChoiceField(required=False, label="Label field (kept as it is, used for training)")
    operator = forms.ChoiceField(choices=DatasetVersion.Operator.choices, initial=DatasetVersion.Operator.REPLACE)

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text_fields"].choices = [(c, c) for c in columns]
        self.fields["label_field"].choices = [("", "— none —")] + [(c, c) for c in columns]


class ApproveForm(forms.Form):
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Residual override reason",
        help_text="Required when the residual check found PII-like values: say why they are not personal data.",
    )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is it rejected?")
