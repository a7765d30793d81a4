"""PII leakage of presidio's default setup vs Accord's pipeline, on labelled synthetic tickets.

    python bench/scrub_quality.py [--n 1000] [--seed 20261124]

Figures (share of ground-truth values / name tokens left verbatim in the output, share
of non-PII words kept) are printed as a table and a final summary line.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261124)  # not used in any tuning run
    args = parser.parse_args()
    labelled = generate_labelled(args.n, seed=args.seed)
    results = {
        "presidio-default": run(labelled, presidio_default_scrubber()),
        "accord": run(labelled, accord_scrubber(ScrubConfig(workers=1))),
    }
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
