"""Token-label columns through `scrub_file`, under every operator: span annotations re-mapped onto
the scrubbed text (a span overlapping a replaced value takes its extent), BIO tags kept aligned
with a token column scrubbed token for token, bad cells refused with the row number (G10), and no
surface text riding in a span (G2)."""

import csv
import json

import pytest

from datasets_app.scrubbing import ScrubConfig, ScrubInputError, scrub_file
from datasets_app.scrubbing.synthetic import write_jsonl

OPERATORS = ["replace", "pseudonym", "surrogate"]
NAME = "Maria Garcia"
PHONE = "415-867-2671"


def _span(text, part, label, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return {"start": start, "end": start + len(part), "label": label}


def _rows():
    texts = [
        f"{NAME} says Router X2 fails with E404, call {PHONE}.",       # PII before and after the spans
        f"☕ {NAME} — «StreamBox 4K» crashed twice, ask for a refund.",   # unicode; PII before
        f"Router X2 and SyncDrive: ask {NAME} or call {PHONE} about E500.",  # two replacements before E500
    ]
    spans = [
        [_span(texts[0], "Router X2", "PRODUCT"), _span(texts[0], "E404", "ERROR_CODE"),
         _span(texts[0], NAME, "CONTACT"),                              # exactly the replaced value
         _span(texts[0], "Garcia says", "MIXED"),                       # starts inside it
         _span(texts[0], f"{NAME} says Router", "WIDE")],               # contains it
        [_span(texts[1], "StreamBox 4K", "PRODUCT"), _span(texts[1], "«StreamBox", "QUOTED")],
        [_span(texts[2], "Router X2", "PRODUCT"), _span(texts[2], "SyncDrive", "PRODUCT"),
         _span(texts[2], "E500", "ERROR_CODE"), _span(texts[2], f"or call {PHONE[:3]}", "PARTIAL")],
    ]
    return [{"id": i, "text": t, "entities": s} for i, (t, s) in enumerate(zip(texts, spans))]


def _config(operator):
    return ScrubConfig(workers=1, operator=operator, pseudonym_secret="dataset-key" if operator != "replace" else "")


def _read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.mark.parametrize("operator", OPERATORS)
def test_spans_follow_the_scrubbed_text_under_every_operator(tmp_path, config, operator):
    rows = _rows()
    src, dst = tmp_path / "ner.jsonl", tmp_path / "out.jsonl"
    write_jsonl(rows, src)
    report = scrub_file(src, dst, text_fields=["text"], keep_fields=["entities"], token_label_field="entities",
                        config=_config(operator))
    out = _read_jsonl(dst)
    assert report["residual"]["total"] == 0 and report["config"]["operator"] == operator
    for raw, new in zip(rows, out):
        assert NAME not in new["text"] and PHONE not in new["text"]
        assert set(new) == {"text", "entities"}  # the id column was dropped (G2)
        by_label = {}
        for before, after in zip(raw["entities"], new["entities"]):
            assert set(after) == {"start", "end", "label"} and after["label"] == before["label"]
            by_label.setdefault(after["label"], []).append(new["text"][after["start"]:after["end"]])
            if before["label"] in {"PRODUCT", "ERROR_CODE"}:  # untouched values: same characters
                assert new["text"][after["start"]:after["end"]] == raw["text"][before["start"]:before["end"]]
        if raw["id"] == 0:
            replacement = by_label["CONTACT"][0]
            assert replacement and replacement != NAME and new["text"].startswith(replacement)
            assert by_label["MIXED"] == [f"{replacement} says"]                # union with the replacement
            assert by_label["WIDE"] == [f"{replacement} says Router"]
        if raw["id"] == 2:
            partial = by_label["PARTIAL"][0]
            assert partial.startswith("or call ") and not partial.endswith(PHONE[:3])  # the whole phone replacement
            assert new["text"][new["entities"][3]["end"]:].startswith(" about E500")


def test_surrogate_names_are_the_same_in_every_shard_and_version(tmp_path, config):
    rows = [{"text": f"Ticket {i}: {NAME} reports Router X2 down.",
             "entities": [_span(f"Ticket {i}: {NAME} reports Router X2 down.", "Router X2", "PRODUCT")]}
            for i in range(4)]
    src = tmp_path / "in.jsonl"
    write_jsonl(rows, src)
    cfg = _config("surrogate")
    scrub_file(src, tmp_path / "a.jsonl", text_fields=["text"], keep_fields=["entities"],
               token_label_field="entities", config=cfg, start_row=0, end_row=2)
    scrub_file(src, tmp_path / "b.jsonl", text_fields=["text"], keep_fields=["entities"],
               token_label_field="entities", config=cfg, start_row=2, end_row=4)
    out = _read_jsonl(tmp_path / "a.jsonl") + _read_jsonl(tmp_path / "b.jsonl")
    fakes = {row["text"].split(": ", 1)[1].split(" reports")[0] for row in out}
    assert len(fakes) == 1 and NAME not in fakes
    assert all(row["text"][row["entities"][0]["start"]:row["entities"][0]["end"]] == "Router X2" for row in out)
    other = ScrubConfig(workers=1, operator="surrogate", pseudonym_secret="another-dataset")
    scrub_file(src, tmp_path / "c.jsonl", text_fields=["text"], keep_fields=["entities"],
               token_label_field="entities", config=other)
    assert _read_jsonl(tmp_path / "c.jsonl")[0]["text"] != out[0]["text"]


@pytest.mark.parametrize("operator", OPERATORS)
def test_bio_tags_stay_aligned_with_a_scrubbed_token_column(tmp_path, config, operator):
    """The token column is scrubbed as one text (NER needs the context) and cut back into as many
    tokens; a scrubbed token holds its replacement and keeps its tag."""
    tokens = ["Call", "Maria", "Garcia", "about", "Router", "X2", "on", PHONE, "."]
    tags = ["O", "B-PER", "I-PER", "O", "B-PRODUCT", "I-PRODUCT", "O", "O", "O"]
    src, dst = tmp_path / "bio.csv", tmp_path / "out.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["tokens", "tags"])
        writer.writerow([json.dumps(tokens), json.dumps(tags)])
    scrub_file(src, dst, text_fields=["tokens"], keep_fields=["tags"], token_label_field="tags",
               config=_config(operator))
    with open(dst, newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    new_tokens, new_tags = json.loads(row["tokens"]), json.loads(row["tags"])
    assert new_tags == tags and len(new_tokens) == len(tokens)
    assert new_tokens[0] == "Call" and new_tokens[3:7] == ["about", "Router", "X2", "on"] and new_tokens[8] == "."
    assert "Maria" not in new_tokens and "Garcia" not in new_tokens and PHONE not in new_tokens
    assert all(t.strip() for t in new_tokens)
    if operator == "surrogate":  # a two-word fake name: one word per token
        assert all(t[:1].isupper() and t.isalpha() for t in new_tokens[1:3])


def test_bio_tags_on_a_jsonl_token_list(tmp_path, config):
    rows = [{"tokens": ["Ask", "Maria", "Garcia", "."], "tags": ["O", "B-PER", "I-PER", "O"]}]
    src, dst = tmp_path / "bio.jsonl", tmp_path / "out.jsonl"
    write_jsonl(rows, src)
    scrub_file(src, dst, text_fields=["tokens"], keep_fields=["tags"], token_label_field="tags",
               config=_config("replace"))
    assert _read_jsonl(dst) == [{"tokens": ["Ask", "<PERSON>", "<PERSON>", "."], "tags": ["O", "B-PER", "I-PER", "O"]}]


@pytest.mark.parametrize("cell,message", [
    # G2: a span may not carry surface text (the original name would ride along verbatim)
    ([{"start": 0, "end": 12, "label": "PER", "text": NAME}],
     "row 2: a span annotation must be an object with exactly"),
    ([{"start": 0, "end": 999, "label": "PER"}], "row 2: a span .* lies outside its text"),
    (["O", "B-PER"], "row 2: BIO tags need a token column"),
    ([{"start": 0, "end": 3, "label": "PER"}, "O"], "row 2: the token-label column mixes"),
    ("not json", "row 2: the token-label column is not JSON"),
])
def test_bad_token_label_cells_stop_the_scrub_with_the_row_and_no_output(tmp_path, config, cell, message):
    rows = [{"text": f"{NAME} called.", "entities": [{"start": 0, "end": 12, "label": "PER"}]},
            {"text": f"{NAME} called.", "entities": cell}]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(rows, src)
    with pytest.raises(ScrubInputError, match=message) as caught:
        scrub_file(src, dst, text_fields=["text"], keep_fields=["entities"], token_label_field="entities",
                   config=_config("surrogate"))
    assert NAME not in str(caught.value) and not dst.exists()


def test_token_labels_need_one_text_column_and_must_be_written(tmp_path, config):
    src = tmp_path / "in.jsonl"
    write_jsonl([{"a": "x", "b": "y", "entities": []}], src)
    with pytest.raises(ScrubInputError, match="exactly one column"):
        scrub_file(src, tmp_path / "o.jsonl", text_fields=["a", "b"], keep_fields=["entities"],
                   token_label_field="entities", config=_config("replace"))
    with pytest.raises(ScrubInputError, match="written as it is"):
        scrub_file(src, tmp_path / "o.jsonl", text_fields=["a"], keep_fields=[], token_label_field="entities",
                   config=_config("replace"))


def test_worker_processes_write_the_same_surrogates_and_spans_as_one_process(tmp_path, config, monkeypatch):
    """The surrogates are drawn in the workers (edits travel back as offsets): the same bytes come out
    whatever the number of processes."""
    from datasets_app.scrubbing import pipeline

    monkeypatch.setattr(pipeline, "ROWS_PER_TASK", 2)  # several batches over the two workers
    rows = _rows() * 3
    src = tmp_path / "in.jsonl"
    write_jsonl(rows, src)
    outputs = []
    for workers in (1, 2):
        cfg = ScrubConfig(workers=workers, operator="surrogate", pseudonym_secret="dataset-key")
        dst = tmp_path / f"out{workers}.jsonl"
        scrub_file(src, dst, text_fields=["text"], keep_fields=["entities"], token_label_field="entities", config=cfg)
        outputs.append(dst.read_bytes())
    assert outputs[0] == outputs[1] and NAME.encode() not in outputs[0]
