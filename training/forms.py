from __future__ import annotations

from django import forms

from datasets_app.models import DatasetVersion
from training.core import get_task
from training.models import CORE_TASK_NAMES, Purpose, TrainingTask
from training.selectors import active_base_models


SUGGESTED_EPOCHS = {task: get_task(CORE_TASK_NAMES[task]).suggested_epochs for task in TrainingTask}


class LaunchForm(forms.Form):
    """Offers only versions THE gate lets through for the chosen purpose (the service re-checks)."""

    purpose = forms.ChoiceField(choices=Purpose.choices, initial=Purpose.RESEARCH)
    base_model = forms.ModelChoiceField(queryset=active_base_models(), empty_label=None)
    task = forms.ChoiceField(choices=TrainingTask.choices, initial=TrainingTask.TEXT_CLASSIFICATION)
    dataset_versions = forms.ModelMultipleChoiceField(
        queryset=DatasetVersion.objects.none(), widget=forms.CheckboxSelectMultiple, label="Eligible dataset versions"
    )
    text_fields = forms.CharField(required=False, help_text="Comma-separated; empty = the versions' declared text fields")
    label_field = forms.CharField(required=False, help_text="Empty = the versions' declared label field")
    split_field = forms.CharField(required=False, label="Split column",
                                  help_text="Empty = the versions' declared train/validation/test column when "
                                            "each declares the same one, else a seeded split")
    column_mapping = forms.CharField(
        required=False, label="Column mapping", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="When versions name their columns differently: one line per version, "
                  "'<version id>: <run field>=<its column>, ...', e.g. '12: text=body, label=category'")
    # Suggested defaults: what takes the packaged MiniLM past 0.8 test accuracy (classification) and
    # 0.7 entity F1 (NER) on the demo tickets on a CPU in minutes (5e-5 x 3 epochs is the usual
    # recipe for larger data and GPUs).
    epochs = forms.IntegerField(min_value=1, max_value=100, required=False,
                                help_text="Empty = the task's suggested number: " + ", ".join(
                                    f"{TrainingTask(task).label.lower()} {n}" for task, n in SUGGESTED_EPOCHS.items()))
    learning_rate = forms.FloatField(min_value=1e-8, max_value=1.0, initial=1e-4)
    batch_size = forms.IntegerField(min_value=1, max_value=4096, initial=16)
    max_length = forms.IntegerField(min_value=8, max_value=8192, initial=128)
    seed = forms.IntegerField(initial=42)
    lora = forms.BooleanField(required=False, label="LoRA adapter (PEFT)",
                              help_text="Freeze the base model and train low-rank adapters; the artifact is the adapter")
    lora_r = forms.IntegerField(min_value=1, max_value=256, initial=8, required=False, label="LoRA rank")
    lora_alpha = forms.IntegerField(min_value=1, max_value=1024, initial=16, required=False, label="LoRA alpha")
    lora_dropout = forms.FloatField(min_value=0.0, max_value=0.9, initial=0.1, required=False, label="LoRA dropout")
    lora_target_modules = forms.CharField(required=False, label="LoRA target modules",
                                          help_text="Comma-separated; empty = the architecture's default "
                                                    "(BERT: query, value; GPT-2: c_attn; Llama: q_proj, v_proj)")

    def __init__(self, *args, eligible_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base_model"].queryset = active_base_models()
        self.fields["dataset_versions"].queryset = DatasetVersion.objects.filter(pk__in=list(eligible_ids)).select_related("dataset")

    def clean(self):
        data = super().clean()
        if data.get("epochs") is None and data.get("task"):
            data["epochs"] = SUGGESTED_EPOCHS[data["task"]]
        for name in ("lora_r", "lora_alpha", "lora_dropout"):  # left empty: the suggested value
            if data.get(name) is None:
                data[name] = self.fields[name].initial
        return data

    def clean_lora_target_modules(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["lora_target_modules"].split(",") if name.strip()]

    def clean_column_mapping(self) -> dict[str, dict[str, str]]:
        mapping: dict[str, dict[str, str]] = {}
        for number, line in enumerate(self.cleaned_data["column_mapping"].splitlines(), start=1):
            if not line.strip():
                continue
            version, _, pairs = line.partition(":")
            fields = [pair.partition("=") for pair in pairs.split(",") if pair.strip()]
            if not version.strip().isdigit() or not fields or any(not sep or not field.strip() or not column.strip()
                                                                   for field, sep, column in fields):
                raise forms.ValidationError(f"Line {number}: write '<version id>: <run field>=<its column>, ...'.")
            mapping[version.strip()] = {field.strip(): column.strip() for field, _, column in fields}
        return mapping

    def clean_text_fields(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["text_fields"].split(",") if name.strip()]
