"""PII leakage of presidio's default setup vs Accord's pipeline, both measured in the same run.

    python bench/scrub_quality.py [--n 1000] [--seed 20261124] \
        [--dev ../shared/pii-dev/wnut17_dev.jsonl var/pii-dev/templates_report.jsonl] \
        [--scorer ../shared/pii-dev/score.py]

1. Public development sets Accord did not write (WNUT-17 social posts; presidio-research's
   templates filled with its FakeNameGenerator people; a CoNLL-2003 English dev sample of Reuters
   news, news_tune / news_report; see bench/pii_devset.py), scored with the
   shared scorer: claimed value leak, name-token leak, retention of non-PII words, per entity and
   per case form (capitalised / lower-case / ALL-CAPS / @handle).
2. Accord's own synthetic tickets, as written and re-cased (lower-case, ALL-CAPS copies).
Figures: share of ground-truth values / name tokens left verbatim in the output, share of
non-PII words kept.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasets_app.scrubbing import ScrubConfig, scrub_texts  # noqa: E402
from datasets_app.scrubbing.config import DEFAULT_MODEL  # noqa: E402
from datasets_app.scrubbing.synthetic import TEXT_FIELDS, generate_labelled  # noqa: E402

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_TAG = re.compile(r"<[A-Z_]+(?:_[0-9a-f]{8})?>")


def presidio_default_scrubber():
    """presidio out of the box: default recognizers, default replace operator."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": DEFAULT_MODEL}],
        "ner_model_configuration": {"labels_to_ignore": ["CARDINAL", "ORDINAL", "QUANTITY", "PERCENT",
                                                         "MONEY", "LANGUAGE", "WORK_OF_ART", "LAW",
                                                         "EVENT", "PRODUCT"]},
    })
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
    anonymizer = AnonymizerEngine()

    def scrub(texts: list[str]) -> list[str]:
        return [anonymizer.anonymize(t, analyzer.analyze(t, language="en")).text for t in texts]

    return scrub


def accord_scrubber(config: ScrubConfig):
    def scrub(texts: list[str]) -> list[str]:
        return [out for out, _ in scrub_texts(texts, config=config)]

    return scrub


def score(labelled, outputs: dict[str, list[str]]) -> dict:
    values = leaked_values = name_tokens = leaked_names = other = kept = 0
    by_entity: Counter = Counter()
    by_entity_leaked: Counter = Counter()
    for row, (record, spans) in enumerate(labelled):
        for field in TEXT_FIELDS:
            original, scrubbed = record[field], outputs[field][row]
            out_words = Counter(_WORD.findall(_TAG.sub(" ", scrubbed)))
            for span in spans[field]:
                values += 1
                by_entity[span.entity] += 1
                if span.value in scrubbed:
                    leaked_values += 1
                    by_entity_leaked[span.entity] += 1
                if span.entity == "PERSON":
                    for token in _WORD.findall(span.value):
                        name_tokens += 1
                        leaked_names += bool(re.search(r"(?<!\w)" + re.escape(token) + r"(?!\w)", scrubbed))
            masked = list(original)
            for span in spans[field]:
                masked[span.start:span.end] = [" "] * (span.end - span.start)
            plain = Counter(_WORD.findall("".join(masked)))
            other += sum(plain.values())
            kept += sum(min(n, out_words[w]) for w, n in plain.items())
    return {
        "values_leaked": leaked_values / max(values, 1),
        "name_tokens_leaked": leaked_names / max(name_tokens, 1),
        "other_words_kept": kept / max(other, 1),
        "values": values, "name_tokens": name_tokens, "other_words": other,
        "by_entity": {e: f"{by_entity_leaked[e]}/{n}" for e, n in sorted(by_entity.items())},
    }


def run(labelled, scrub) -> tuple[dict, float]:
    started = time.perf_counter()
    outputs = {f: scrub([record[f] for record, _ in labelled]) for f in TEXT_FIELDS}
    return score(labelled, outputs), time.perf_counter() - started


def recased(labelled, form: str):
    """The same records in lower-case or ALL-CAPS (spans kept: only same-length re-casing)."""
    change = str.lower if form == "lower-case" else str.upper
    out = []
    for record, spans in labelled:
        record = dict(record)
        new_spans = {}
        for field in TEXT_FIELDS:
            text = record[field]
            if len(change(text)) != len(text):
                new_spans[field] = spans[field]
                continue
            record[field] = change(text)
            new_spans[field] = [type(s)(s.entity, s.start, s.end, change(s.value)) for s in spans[field]]
        out.append((record, new_spans))
    return out


def load_scorer(path: str):
    spec = importlib.util.spec_from_file_location("pii_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dev_sets(paths: list[str], scorer_path: str, scrubbers: dict, out_dir: Path) -> dict:
    """Scrub each public set with every pipeline and score it with the shared scorer."""
    scorer = load_scorer(scorer_path)
    claimed = scorer.claimed_from(str(Path(__file__).resolve().parents[1]))
    gold_sets, results, rates = {}, {name: {} for name in scrubbers}, {}
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        records = scorer.load(path)
        set_name = next(iter(records.values())).get("set") or Path(path).stem
        gold_sets[set_name] = records
        ids, texts = list(records), [records[i]["text"] for i in records]
        for name, scrub in scrubbers.items():
            started = time.perf_counter()
            outputs = scrub(texts)
            rates[(name, set_name)] = len(texts) / (time.perf_counter() - started)
            with open(out_dir / f"{set_name}.{name}.jsonl", "w", encoding="utf-8") as fh:
                for rid, out in zip(ids, outputs):
                    fh.write(json.dumps({"id": rid, "text": out}, ensure_ascii=False) + "\n")
            tally = scorer.Tally()
            for rid, out in zip(ids, outputs):
                tally.records += 1
                scorer.score_record(records[rid], out, tally, claimed, None)
            results[name][set_name] = scorer.summarise(tally, claimed)
    scorer.print_tables(results, list(scrubbers), list(gold_sets), claimed)
    for set_name in gold_sets:
        print(f"{set_name}: " + " | ".join(
            f"{name}: value leak {results[name][set_name]['claimed_value_leak']}%, name-token leak "
            f"{results[name][set_name]['name_token_leak']}%, retention {results[name][set_name]['retention']}%, "
            f"{rates[(name, set_name)]:.0f} rec/s" for name in scrubbers))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261124)  # not used in any tuning run
    root = Path(__file__).resolve().parents[1]
    dev_dir = root / "var/pii-dev"
    default_dev = [p for p in (root.parent / "shared/pii-dev/wnut17_dev.jsonl", dev_dir / "wnut17_report.jsonl",
                               dev_dir / "wnut17_tune.jsonl", dev_dir / "templates_report.jsonl",
                               dev_dir / "templates_tune.jsonl", dev_dir / "news_report.jsonl",
                               dev_dir / "news_tune.jsonl") if p.exists()]
    parser.add_argument("--dev", nargs="*", default=[str(p) for p in default_dev],
                        help="public labelled sets in the shared scorer's format")
    parser.add_argument("--scorer", default=str(root.parent / "shared/pii-dev/score.py"))
    parser.add_argument("--out", default=str(root / "bench/out/quality"))
    args = parser.parse_args()
    presidio, accord = presidio_default_scrubber(), accord_scrubber(ScrubConfig(workers=1))
    if args.dev:
        print("== public development sets (shared scorer; presidio default and Accord in this run)")
        dev_sets(args.dev, args.scorer, {"presidio": presidio, "accord": accord}, Path(args.out))
    labelled = generate_labelled(args.n, seed=args.seed)
    print("\n== Accord's synthetic tickets, per case form")
    print(f"{'form':11} {'pipeline':18} {'values leaked':>14} {'name tokens leaked':>19} {'other words kept':>17}")
    for form in ("lower-case", "ALL-CAPS"):
        variant = recased(labelled, form)
        for name, scrub in (("presidio-default", presidio), ("accord", accord)):
            r, _ = run(variant, scrub)
            print(f"{form:11} {name:18} {r['values_leaked']:>14.2%} {r['name_tokens_leaked']:>19.2%} "
                  f"{r['other_words_kept']:>17.2%}")
    results = {
        "presidio-default": run(labelled, presidio),
        "accord": run(labelled, accord),
    }
    print("\n== Accord's synthetic tickets, as written")
    print(f"{'pipeline':18} {'values leaked':>14} {'name tokens leaked':>19} {'other words kept':>17} {'rec/s':>7}")
    for name, (r, seconds) in results.items():
        print(f"{name:18} {r['values_leaked']:>14.2%} {r['name_tokens_leaked']:>19.2%} "
              f"{r['other_words_kept']:>17.2%} {args.n / seconds:>7.1f}")
    for name, (r, _) in results.items():
        print(f"{name} leaks by entity: {r['by_entity']}")
    base, acc = results["presidio-default"][0], results["accord"][0]
    print(f"n={args.n} seed={args.seed} values={acc['values']} name_tokens={acc['name_tokens']} | "
          f"presidio-default: values leaked {base['values_leaked']:.2%}, name tokens leaked "
          f"{base['name_tokens_leaked']:.2%}, other words kept {base['other_words_kept']:.2%} | "
          f"accord: values leaked {acc['values_leaked']:.2%}, name tokens leaked "
          f"{acc['name_tokens_leaked']:.2%}, other words kept {acc['other_words_kept']:.2%}")


if __name__ == "__main__":
    main()
