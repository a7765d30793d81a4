"""Token classification (NER): label alignment to word pieces, span and BIO inputs, seqeval metrics."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

from training.core import DataFormatError, InputFile, TrainConfig, sha256_file, train
from training.core.data import Example
from training.core.synthetic import write_ner_jsonl
from training.core.tasks import IGNORE_INDEX, TokenClassificationTask

TASK = TokenClassificationTask()


def test_span_labels_tag_the_first_sub_token_of_each_word_and_ignore_the_rest(tiny_model_dir: Path) -> None:
    tokenizer = TASK.build_tokenizer(tiny_model_dir)
    text = "my syncdrive shows e404 today"
    spans = [{"start": 3, "end": 12, "label": "PRODUCT"}, {"start": 19, "end": 23, "label": "ERROR_CODE"}]
    labels = TASK.label_names([Example(text, spans)])
    assert labels == ["O", "B-ERROR_CODE", "I-ERROR_CODE", "B-PRODUCT", "I-PRODUCT"]
    encoded = TASK.encode(tokenizer, [Example(text, spans)], {n: i for i, n in enumerate(labels)}, 64)
    ids, tags = encoded[0]
    pieces = tokenizer.convert_ids_to_tokens(ids.tolist())
    word_ids = tokenizer(text).word_ids()
    assert len(pieces) > 7  # "syncdrive" and "e404" are split into several word pieces by the tiny vocab
    first_of_word = [i for i, w in enumerate(word_ids) if w is not None and (i == 0 or word_ids[i - 1] != w)]
    assert [labels[tags[i]] for i in first_of_word] == ["O", "B-PRODUCT", "O", "B-ERROR_CODE", "O"]
    assert all(tags[i] == IGNORE_INDEX for i in range(len(tags)) if i not in first_of_word)


def test_bio_tags_on_a_token_column_align_the_same_way(tiny_model_dir: Path) -> None:
    tokenizer = TASK.build_tokenizer(tiny_model_dir)
    example = Example(["my", "syncdrive", "shows", "e404"], ["O", "B-PRODUCT", "O", "B-ERROR_CODE"])
    labels = TASK.label_names([example])
    assert "I-PRODUCT" in labels  # an I- tag exists for every B- tag even when unseen
    ids, tags = TASK.encode(tokenizer, [example], {n: i for i, n in enumerate(labels)}, 64)[0]
    scored = [labels[t] for t in tags.tolist() if t != IGNORE_INDEX]
    assert scored == ["O", "B-PRODUCT", "O", "B-ERROR_CODE"]
    with pytest.raises(DataFormatError, match="one tag per token"):
        TASK.encode(tokenizer, [Example(["a", "b"], ["O"])], {"O": 0}, 16)


def test_seqeval_scores_entities_not_tokens() -> None:
    labels = ["O", "B-PRODUCT", "I-PRODUCT"]
    # Two sequences; gold has 2 entities, the prediction gets one boundary wrong (entity-level miss).
    targets = torch.tensor([1, 2, 0, 1, 0])
    predictions = torch.tensor([1, 2, 0, 1, 2])
    collected = {"predictions": predictions, "targets": targets, "counts": torch.tensor([3, 2])}
    scores = TASK.metrics(collected, labels)
    assert scores["token_accuracy"] == pytest.approx(0.8)
    assert scores["precision"] == pytest.approx(0.5) and scores["recall"] == pytest.approx(0.5)
    report = TASK.report(collected, labels)
    assert report["per_entity"]["PRODUCT"]["support"] == 2


def test_ner_trains_end_to_end_and_reports_entity_f1_on_validation_and_test(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    path = write_ner_jsonl(tmp_path / "ner.jsonl", 300, seed=3)
    config = TrainConfig(
        base_model_path=str(tiny_model_dir), task="token-classification", text_fields=("text",),
        label_field="entities", epochs=4, batch_size=16, max_length=32, learning_rate=5e-3, seed=0, progress_every=0,
    )
    result = train(config, inputs=[InputFile(path, sha256_file(path))], run_dir=tmp_path / "run",
                   output_dir=tmp_path / "model", resume=False)
    assert {"f1", "macro_f1", "precision", "recall", "token_accuracy"} <= set(result.history[-1].metrics)
    assert result.test_metrics["f1"] >= 0.7, result.test_metrics  # the tiny model learns the entities
    assert set(result.evaluation["per_entity"]) == {"PRODUCT", "ERROR_CODE"}
    assert result.final_metrics["test_f1"] == result.test_metrics["f1"]
    model = AutoModelForTokenClassification.from_pretrained(str(tmp_path / "model"), local_files_only=True)
    assert model.config.id2label[0] == "O" and "B-PRODUCT" in model.config.label2id
    AutoTokenizer.from_pretrained(str(tmp_path / "model"))


def test_span_annotations_in_a_csv_cell_are_json(tiny_model_dir: Path, tmp_path: Path) -> None:
    import csv

    path = tmp_path / "ner.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "entities"])
        writer.writeheader()
        for i in range(12):
            writer.writerow({"text": f"router e{100 + i} again", "entities": json.dumps(
                [{"start": 0, "end": 6, "label": "PRODUCT"}, {"start": 7, "end": 11, "label": "ERROR_CODE"}])})
        writer.writerow({"text": "nothing here", "entities": "[]"})  # a sentence without entities is kept
    config = TrainConfig(base_model_path=str(tiny_model_dir), task="token-classification", text_fields=("text",),
                         label_field="entities", epochs=1, batch_size=4, max_length=16, progress_every=0)
    result = train(config, inputs=[InputFile(path, sha256_file(path))], run_dir=tmp_path / "r",
                   output_dir=tmp_path / "m", resume=False)
    assert result.num_train + result.num_val + result.num_test == 13 and result.skipped_records == 0


@pytest.mark.parametrize("task", ["text-classification", "token-classification"])
def test_lora_trains_adapters_only_and_saves_an_adapter_pointing_at_its_base(
    task: str, tiny_model_dir: Path, tickets_file: InputFile, tmp_path: Path
) -> None:
    from peft import AutoPeftModelForSequenceClassification, PeftModel

    from training.core.lora import BASE_POINTER, model_directory_sha256

    if task == "token-classification":
        path = write_ner_jsonl(tmp_path / "ner.jsonl", 200, seed=1)
        source, fields, label = InputFile(path, sha256_file(path)), ("text",), "entities"
    else:
        source, fields, label = tickets_file, ("subject", "body"), "label"
    config = TrainConfig(base_model_path=str(tiny_model_dir), task=task, text_fields=fields, label_field=label,
                         epochs=1, batch_size=16, max_length=32, learning_rate=5e-3, progress_every=0,
                         lora=True, lora_r=4, lora_alpha=8, lora_dropout=0.0)
    before = model_directory_sha256(tiny_model_dir)
    result = train(config, inputs=[source], run_dir=tmp_path / "run", output_dir=tmp_path / "model", resume=False)
    files = {p.name for p in (tmp_path / "model").iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", BASE_POINTER} <= files
    assert "model.safetensors" not in files  # the artifact is the adapter, not a copy of the base
    pointer = json.loads((tmp_path / "model" / BASE_POINTER).read_text())
    assert pointer["base_model_sha256"] == before == result.adapter["base_model_sha256"]
    assert pointer["target_modules"] == ["query", "value"]  # BERT's default
    assert 0 < result.adapter["trainable_parameters"] < result.adapter["total_parameters"] / 2
    assert model_directory_sha256(tiny_model_dir) == before  # the base weights were not touched
    if task == "text-classification":
        reloaded = AutoPeftModelForSequenceClassification.from_pretrained(str(tmp_path / "model"), num_labels=4)
        assert isinstance(reloaded, PeftModel)
