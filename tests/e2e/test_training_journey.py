"""An admin launches a fine-tuning run in the browser, watches a real Celery worker train it (htmx progress),
and downloads the model card and attribution.json, which name every contributor, the licence, the scrubbed
sha256 and the authorising agreement. The launch form shows ineligible versions with their reason, unoffered."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from agreements.models import DatasetContributor
from agreements.services import dataset_contributor_add
from tests.e2e.conftest import login
from tests.training.factories import make_agreement_in_force, make_training_version
from training.core import build_tiny_bert
from training.models import BaseModel, RunState, TrainingRun

pytestmark = pytest.mark.worker

# Tiny BERT, 1 epoch, max_length 32, batch 8. Short rows, but enough of them (~5 s of steps on a CPU) that the
# page's 2 s htmx poll certainly lands mid-run.
ROWS = 8000


@pytest.fixture
def tiny_base_model(transactional_db, tmp_path):
    """A tiny BERT saved on the shared filesystem, so the worker process loads it from the same path."""
    path = build_tiny_bert(tmp_path / "tiny-bert")
    return BaseModel.objects.create(
        name="tiny-bert-e2e", source=BaseModel.Source.PATH, local_path=str(path), license="Apache-2.0",
        supported_tasks=["text_classification"],
    )


@pytest.fixture
def training_data(transactional_db, contributor, company, researcher, legal):
    """One covered, approved, scrubbed version with a filled ledger; one with no agreement; one NMDS."""
    covered = make_training_version(
        rows=ROWS,
        title="Support tickets", organization=company, steward=contributor, license="CC-BY-4.0",
        attribution_text="Support tickets courtesy of Test Company's help desk",
    )
    dataset_contributor_add(dataset=covered.dataset, name="Ada Lovelace", kind=DatasetContributor.Kind.PERSON,
                            role=DatasetContributor.ContributorRole.CREATOR, actor=contributor)
    dataset_contributor_add(dataset=covered.dataset, name="Help Desk Co-op", kind=DatasetContributor.Kind.ORGANIZATION,
                            role=DatasetContributor.ContributorRole.CONTRIBUTOR, actor=contributor)
    agreement = make_agreement_in_force(researcher=researcher, legal=legal, versions=[covered])
    uncovered = make_training_version(title="Uncovered tickets", organization=company, steward=contributor)
    nmds = make_training_version(title="Methods-restricted tickets", organization=company, steward=contributor,
                                 use_terms=["NMDS"])
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[nmds])
    return {"covered": covered, "agreement": agreement, "uncovered": uncovered, "nmds": nmds}


def test_admin_launches_watches_and_downloads_attributed_model(
    celery_worker_process, ml_admin, tiny_base_model, training_data, page, live_server
):
    covered, agreement = training_data["covered"], training_data["agreement"]
    uncovered, nmds = training_data["uncovered"], training_data["nmds"]

    login(page, live_server, ml_admin.username)
    page.goto(f"{live_server.url}/training/launch/")
    expect(page.locator("h1")).to_have_text("Launch a training run")

    # Only the covered version is offered; the others are listed with the gate's reason.
    offered = page.locator("input[name=dataset_versions]")
    expect(offered).to_have_count(1)
    expect(offered).to_have_value(str(covered.pk))
    launch_form = page.locator("form.card")
    expect(launch_form.locator("label", has=offered)).to_have_text(str(covered))
    for ineligible in (uncovered, nmds):
        expect(page.locator(f"input[name=dataset_versions][value='{ineligible.pk}']")).to_have_count(0)
    side = page.locator("section.card", has=page.get_by_role("heading", name=re.compile(r"^Not eligible")))
    expect(side.get_by_role("heading", name="Not eligible (2)")).to_be_visible()
    refused = side.locator(".alert-danger")
    expect(refused).to_have_count(2)
    expect(refused.filter(has_text=str(uncovered))).to_contain_text("agreement")
    # The policy's one wording (agreements.policy), shown once (issue 8, hole 9).
    nmds_reasons = refused.filter(has_text=str(nmds)).locator("li", has_text="NMDS")
    expect(nmds_reasons).to_have_count(1)
    expect(nmds_reasons).to_contain_text("terms NMDS forbid methods and model development")
    expect(refused.filter(has_text=str(covered))).to_have_count(0)  # the eligible one is not among the refused
    expect(side.get_by_role("heading", name="Eligible (1)")).to_be_visible()
    # Eligibility reads as eligibility, refusals as reasons (issue 13): no bare "version status: approved".
    eligible_row = side.locator("li", has_text=str(covered))
    expect(eligible_row).to_contain_text(f"eligible: approved by its steward, covered by agreement #{agreement.pk}")
    expect(refused.first).to_contain_text("cannot be trained on because:")
    expect(side).not_to_contain_text("version status")

    # Launch: tiny BERT, 1 epoch, max_length 32, batch 8.
    page.select_option("select[name=purpose]", "research")
    page.select_option("select[name=base_model]", str(tiny_base_model.pk))
    page.select_option("select[name=task]", "text_classification")
    page.check(f"input[name=dataset_versions][value='{covered.pk}']")
    for name, value in (("epochs", "1"), ("learning_rate", "0.005"), ("batch_size", "8"), ("max_length", "32"),
                        ("seed", "1")):
        page.fill(f"input[name={name}]", value)

    progress_states: list[str] = []

    def record(route):
        """Pass each htmx poll of the progress fragment through, noting the state it showed."""
        response = route.fetch()
        body = response.text()
        match = re.search(r'class="status status-([a-z_]+)"', body)
        state = (match.group(1) if match else "?") if route.request.headers.get("hx-request") else "not-htmx"
        step = re.search(r"<dt>Step</dt><dd>(\d+) / ", body)
        # The last poll (run over) asks htmx to reload the page, so the artifacts appear.
        refresh = "+refresh" if response.headers.get("hx-refresh") == "true" else ""
        progress_states.append((state + refresh, int(step.group(1)) if step else -1))
        route.fulfill(response=response, body=body)

    page.route(re.compile(r"/training/runs/\d+/progress/$"), record)
    page.get_by_role("button", name="Launch").click()
    expect(page).to_have_url(re.compile(r"/training/runs/\d+/$"))
    run = TrainingRun.objects.get()
    assert page.url.endswith(f"/training/runs/{run.pk}/")
    expect(page.locator(".messages")).to_contain_text(f"Run #{run.pk} queued")
    inputs = page.locator("section.card", has=page.get_by_role("heading", name="Inputs"))
    expect(inputs).to_contain_text(str(covered))
    expect(inputs).to_contain_text(f"agreement #{agreement.pk}")

    # Live progress: the fragment polls while the run is active and ends on "Succeeded", 100 %.
    live = page.locator("#run-progress")
    expect(live.locator(".status")).to_have_text("Succeeded", timeout=120_000)
    run.refresh_from_db()
    log = celery_worker_process.log_path.read_text()
    assert run.state == RunState.SUCCEEDED, (run.failure_reason, run.denial_reasons, log[-3000:])
    # What each htmx poll showed: the run moving (running, step climbing), then over (succeeded + reload).
    states = [state for state, _ in progress_states]
    assert states and states[-1] == "succeeded+refresh", progress_states
    assert set(states[:-1]) <= {"queued", "authorizing", "running"}, progress_states
    assert any(state == "running" and 0 < step < run.total_steps for state, step in progress_states), progress_states
    assert [step for _, step in progress_states] == sorted(step for _, step in progress_states), progress_states
    assert progress_states[-1][1] == run.total_steps
    assert run.celery_task_id and run.celery_task_id in log  # trained on the real worker
    expect(live.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(live).to_contain_text(f"{run.total_steps} / {run.total_steps} (100%)")
    expect(live).to_contain_text(re.compile(r"Epoch\s*1 / 1"))
    expect(live.locator("table tbody tr")).to_have_count(1)  # one epoch of metrics
    expect(live.locator("svg").first).to_be_visible()
    expect(live).not_to_have_attribute("hx-trigger", re.compile("every"))  # polling stopped

    # Downloads: the model card and attribution.json, without a manual reload.
    artifacts = page.locator("section.card", has=page.get_by_role("heading", name="Artifacts"))
    expect(artifacts).to_be_visible(timeout=20_000)
    card_link = artifacts.get_by_role("link", name="Model card (README.md)")
    card = page.request.get(card_link.get_attribute("href"))
    assert card.status == 200 and card.headers["content-type"].startswith("text/markdown")
    card_text = card.text()
    with page.expect_download() as info:
        artifacts.get_by_role("link", name="Attribution manifest (attribution.json)").click()
    download = info.value
    assert download.suggested_filename == "attribution.json"
    manifest = json.loads(Path(download.path()).read_text(encoding="utf-8"))

    # attribution.json names every contributor, the licence, the scrubbed sha256 and the agreement.
    [entry] = manifest["datasets"]
    assert entry["version_id"] == covered.pk and entry["dataset"] == "Support tickets"
    assert entry["sha256"] == covered.scrubbed_sha256 == run.inputs.get().sha256
    assert entry["license"] == "CC-BY-4.0"
    assert entry["attribution"] == "Support tickets courtesy of Test Company's help desk"
    names = {c["name"]: (c["kind"], c["role"]) for c in entry["contributors"]}
    assert names == {
        "Test Company": ("organization", "licensor"),
        "Ada Lovelace": ("person", "creator"),
        "Help Desk Co-op": ("organization", "contributor"),
    }
    assert [a["id"] for a in entry["agreements"]] == [agreement.pk]
    [ledger] = manifest["attribution_ledger"]["datasets"]
    assert ledger["scrubbed_sha256"] == covered.scrubbed_sha256 and ledger["organization"] == "Test Company"
    assert manifest["effective_license"]["licenses"] == ["CC-BY-4.0"]
    assert manifest["base_model"]["name"] == "tiny-bert-e2e" and manifest["run"]["id"] == run.pk
    assert str(uncovered.pk) not in manifest["scrubber"] and str(nmds.pk) not in manifest["scrubber"]

    # The model card: YAML front matter, the dataset with its contributors, licence and sha256.
    assert card_text.startswith("---\n")
    front = yaml.safe_load(card_text.split("\n---\n", 1)[0].removeprefix("---\n"))
    assert front["base_model"] == "tiny-bert-e2e" and front["license"] == "CC-BY-4.0"
    assert front["datasets"] == ["Support tickets@1"]
    for name in names:
        assert name in card_text, f"model card does not name contributor {name}"
    assert f"sha256: `{covered.scrubbed_sha256}`" in card_text and "license: CC-BY-4.0" in card_text
    assert "## Intended use" in card_text and "attribution.json" in card_text

    # The page renders the same card; the ineligible datasets appear nowhere in the model's paperwork.
    card_section = page.locator("section.model-card")
    expect(card_section).to_contain_text("Ada Lovelace")
    expect(card_section).to_contain_text(covered.scrubbed_sha256)
    for text in (card_text, json.dumps(manifest)):
        assert "Uncovered tickets" not in text and "Methods-restricted tickets" not in text
