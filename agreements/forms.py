from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from agreements.models import DatasetContributor, IntendedUse
from datasets_app.models import DatasetVersion


class VersionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.dataset.title} v{obj.number} — {obj.dataset.organization} ({obj.dataset.license})"


class AccessRequestForm(forms.Form):
    dataset_versions = VersionChoiceField(
        queryset=DatasetVersion.objects.filter(status="approved").select_related("dataset", "dataset__organization")
        .order_by("dataset__title", "-number"),
        widget=forms.CheckboxSelectMultiple, label="Dataset versions",
        help_text="Only approved (scrubbed and signed off) versions can be requested.",
    )
    project_title = forms.CharField(max_length=200)
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    intended_uses = forms.MultipleChoiceField(choices=IntendedUse.choices, widget=forms.CheckboxSelectMultiple)
    requested_end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "requested_end_date" not in self.initial:
            self.initial["requested_end_date"] = timezone.localdate() + dt.timedelta(days=180)


class ApproveForm(forms.Form):
    expires_at = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}),
                                 error_messages={"required": "Set the date the agreement ends."})
    conditions = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Conditions (optional)",
        help_text="One a line. Conditions become part of the agreement text: it goes back to the researcher "
                  "to accept, and is in force only after they do and the data stewards countersign it.")


class CommentForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What should the researcher change?",
                              error_messages={"required": "Say what the researcher should change."})


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason",
                             error_messages={"required": "Give a reason; the researcher and the ledger will read it."})


class ContributorForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=DatasetContributor.Kind.choices)
    role = forms.ChoiceField(choices=DatasetContributor.ContributorRole.choices)
