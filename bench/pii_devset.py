"""A second public development set: presidio-research's sentence templates filled with its own
FakeNameGenerator people (names from ~30 name sets, addresses in many countries).

The templates and people come from the `presidio-evaluator` wheel on PyPI (MIT; FakeNameGenerator
data as shipped there). Nothing in Accord wrote them. Fetch the wheel once (no install, no deps):

    .venv/bin/pip download presidio-evaluator==0.3.2 --no-deps -d var/pe
    .venv/bin/python bench/pii_devset.py --wheel var/pe/presidio_evaluator-0.3.2-py3-none-any.whl

Writes var/pii-dev/templates_tune.jsonl (even template lines: look at these while changing the
scrubber) and var/pii-dev/templates_report.jsonl (odd lines: only report them), and the same split
of the shared WNUT-17 dev set (wnut17_tune / wnut17_report, even / odd records), in the record
format of ../shared/pii-dev (`{"id", "set", "text", "pii": [{"type", "value", "start", "end"}]}`).

News (persons and places in Reuters wire text): a sample of the CoNLL-2003 English development
split (eng.testa, Reuters RCV1 stories of 1996-08-30/31, Tjong Kim Sang & De Meulder 2003). The
text is Reuters-licensed: it is never committed, only this converter is. The sample was copied
token for token (no fixes) from a public GitHub copy of eng.testa (827,010 characters, no leading
-DOCSTART-): 11 windows of 16,000 characters at offsets 0, 90,000, 180,000, 270,000, 330,000,
400,000, 490,000, 580,000, 670,000, 720,000 and 760,000, each from its first whole sentence to its
last (a window that starts inside a story keeps that story's tail as a document of its own; one
such one-sentence tail and one long league table were left out): 630 sentences, 46 documents. The
markup file has one sentence a line, the CoNLL tokens separated by one space, entities written as
`[PER Phil Simmons]` / `[LOC ...]` / `[ORG ...]` / `[MISC ...]` (IOB1 runs of one tag, a B- tag
starting a new one), and a `-DOCSTART-` line before each document. To rebuild, write that file
(var/pii-dev/conll_eng_dev_sample.txt, git-ignored) from your own copy of eng.testa, then:

    .venv/bin/python bench/pii_devset.py --conll-markup var/pii-dev/conll_eng_dev_sample.txt

Writes var/pii-dev/news_tune.jsonl (even documents) and var/pii-dev/news_report.jsonl (odd), one
record per document: tokens joined by spaces with simple detokenisation (no space before , . ; : ?
! ) % 's n't 're 've 'll 'd 'm ..., none after ( $), the document's first line and any sentence
not ending in . ? ! (headline, dateline, results lines) followed by a line break, other sentences
by a space. PER -> PERSON, LOC -> LOCATION (claimed); ORG -> ORGANIZATION and MISC -> MISC are
kept as spans the scorer reports as "not claimed", so their words stay out of retention.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import zipfile
from pathlib import Path

RAW = "presidio_evaluator/data_generator/raw_data/"
# template placeholder -> type in the scorer's vocabulary (types Accord does not claim stay as
# they are and count only as "not claimed" rows, and their spans stay out of retention)
TYPES = {
    "person": "PERSON", "name": "PERSON", "first_name": "PERSON", "last_name": "PERSON",
    "name_male": "PERSON", "name_female": "PERSON", "first_name_male": "PERSON", "first_name_female": "PERSON",
    "first_name_nonbinary": "PERSON", "last_name_male": "PERSON", "last_name_female": "PERSON",
    "city": "LOCATION", "country": "LOCATION", "address": "STREET_ADDRESS", "street_name": "STREET_ADDRESS",
    "building_number": "STREET_ADDRESS", "secondary_address": "STREET_ADDRESS",
    "credit_card_number": "CREDIT_CARD", "phone_number": "PHONE_NUMBER", "email": "EMAIL_ADDRESS",
    "iban": "IBAN_CODE", "ssn": "US_SSN", "ip_address": "IP_ADDRESS", "date_of_birth": "DATE_OF_BIRTH",
    "organization": "ORGANIZATION", "nationality": "NRP", "nation_woman": "NRP", "nation_plural": "NRP",
    "url": "URL", "zipcode": "ZIP_CODE", "postcode": "ZIP_CODE", "date_time": "DATE_TIME",
    "us_driver_license": "US_DRIVER_LICENSE", "state_abbr": "LOCATION", "age": "AGE", "job": "TITLE",
}
_SLOT = re.compile(r"{{([a-z_]+)}}")


def _read(wheel: zipfile.ZipFile, name: str) -> str:
    return wheel.read(RAW + name).decode("utf-8-sig", errors="replace")


def _values(person: dict, fake, kind: str) -> str:
    street_number, _, street_name = person["StreetAddress"].partition(" ")
    table = {
        "person": f"{person['GivenName']} {person['Surname']}", "name": f"{person['GivenName']} {person['Surname']}",
        "first_name": person["GivenName"], "last_name": person["Surname"],
        "city": person["City"], "country": person["CountryFull"], "address":
            f"{person['StreetAddress']}, {person['City']}, {person['State']} {person['ZipCode']}",
        "street_name": street_name or person["StreetAddress"], "building_number": street_number,
        "email": person["EmailAddress"], "phone_number": person["TelephoneNumber"],
        "date_of_birth": person["Birthday"], "organization": person["Company"], "nationality": person["CountryFull"],
        "zipcode": person["ZipCode"], "postcode": person["ZipCode"], "age": person["Age"], "job": person["Occupation"],
        "state_abbr": person["State"],
    }
    for gendered in ("name_male", "name_female"):
        table[gendered] = table["person"]
    for gendered in ("first_name_male", "first_name_female", "first_name_nonbinary"):
        table[gendered] = person["GivenName"]
    for gendered in ("last_name_male", "last_name_female"):
        table[gendered] = person["Surname"]
    if kind in table:
        return table[kind]
    return {
        "credit_card_number": fake.credit_card_number, "iban": fake.iban, "ssn": fake.ssn,
        "ip_address": lambda: fake.ipv4() if fake.random.random() < 0.7 else fake.ipv6(), "url": fake.url,
        "date_time": lambda: fake.date_time().strftime("%B %d, %Y %H:%M"), "secondary_address": fake.secondary_address,
        "us_driver_license": lambda: fake.bothify("?#######").upper(), "prefix_male": lambda: "Mr.",
        "prefix_female": lambda: "Ms.", "prefix": lambda: "Dr.", "day_of_week": fake.day_of_week,
        "year": fake.year, "nation_woman": lambda: "Norwegian", "nation_plural": lambda: "Kenyans",
    }.get(kind, lambda: kind)()


def write_halves(out_dir: Path, name: str, items: list, records) -> dict:
    """Even items to `<name>_tune.jsonl` (look at these), odd items to `<name>_report.jsonl` (report
    only). `records(item, index, part)` gives an item's records; every span is checked against its text."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for part, parity in (("tune", 0), ("report", 1)):
        target = out_dir / f"{name}_{part}.jsonl"
        n = 0
        with open(target, "w", encoding="utf-8") as fh:
            for index, item in enumerate(items):
                if index % 2 != parity:
                    continue
                for record in records(item, index, part):
                    assert all(record["text"][p["start"]:p["end"]] == p["value"] for p in record["pii"])
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                    n += 1
        counts[str(target)] = n
    return counts


def build(wheel_path: str, out_dir: Path, per_template: int = 6, seed: int = 20261206) -> dict:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    with zipfile.ZipFile(wheel_path) as wheel:
        # the template file writes line breaks as the two characters "\n" (its generator expands them)
        templates = [t.strip().replace("\\n", "\n") for t in _read(wheel, "templates.txt").splitlines() if t.strip()]
        people = list(csv.DictReader(io.StringIO(_read(wheel, "FakeNameGenerator.com_3000.csv"))))

    def filled(template: str, index: int, part: str):
        for copy in range(per_template):
            person = rng.choice(people)
            text, pii, cursor = [], [], 0
            length = 0
            for m in _SLOT.finditer(template):
                literal = template[cursor:m.start()]
                text.append(literal)
                length += len(literal)
                value = str(_values(person, fake, m.group(1)))
                if m.group(1) in TYPES:
                    pii.append({"type": TYPES[m.group(1)], "source_type": m.group(1), "value": value,
                                "start": length, "end": length + len(value)})
                text.append(value)
                length += len(value)
                cursor = m.end()
            text.append(template[cursor:])
            yield {"id": f"tpl-{part}-{index:03d}-{copy}", "set": f"templates_{part}", "text": "".join(text), "pii": pii}

    return write_halves(out_dir, "templates", templates, filled)


def split_halves(path: str, out_dir: Path, name: str) -> dict:
    """Even records of a public set to tune on, odd records to report only (same format, own set name)."""
    records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    return write_halves(out_dir, name, records, lambda record, _, part: [{**record, "set": f"{name}_{part}"}])


CONLL_TYPES = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION", "MISC": "MISC"}
_OPEN = re.compile(r"^\[(PER|LOC|ORG|MISC)$")
_NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "%", "..."}
_CLITICS = {"'s", "n't", "'re", "'ve", "'ll", "'d", "'m"}
_NO_SPACE_AFTER = {"(", "[", "$"}
_FINAL = (".", "?", "!", '. "', '? "', '! "')


def parse_conll_markup(text: str) -> list[list[list[tuple[str, str | None, bool]]]]:
    """Documents -> sentences -> (token, CoNLL type or None, starts a new entity)."""
    docs: list[list[list[tuple[str, str | None, bool]]]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.strip() == "-DOCSTART-":
            docs.append([])
            continue
        if not docs:
            docs.append([])
        sentence, kind, first = [], None, False
        for token in line.split(" "):
            if not token:
                raise ValueError(f"line {lineno}: double space")
            match = _OPEN.match(token)
            if kind is None and match:
                kind, first = match.group(1), True
                continue
            if kind is not None and token.endswith("]") and len(token) > 1:
                sentence.append((token[:-1], kind, first))
                kind, first = None, False
                continue
            sentence.append((token, kind, first))
            first = False
        if kind is not None:
            raise ValueError(f"line {lineno}: [{kind} ... not closed")
        docs[-1].append(sentence)
    return [d for d in docs if d]


def _glue(prev: str | None, token: str) -> bool:
    """True when `token` follows `prev` with no space between them."""
    if prev is None:
        return True
    return token in _NO_SPACE_BEFORE or token.lower() in _CLITICS or prev in _NO_SPACE_AFTER


def conll_record(doc: list[list[tuple[str, str | None, bool]]], *, record_id: str, set_name: str) -> dict:
    """One document as a scorer record, with exact character spans for every entity."""
    out: list[str] = []
    length = 0
    spans: list[dict] = []
    open_span: dict | None = None
    for index, sentence in enumerate(doc):
        if index:
            previous = " ".join(t for t, _, _ in doc[index - 1]).rstrip()
            sep = " " if index > 1 and previous.endswith(_FINAL) else "\n"
            out.append(sep)
            length += len(sep)
        prev = None
        for token, kind, first in sentence:
            if not _glue(prev, token):
                out.append(" ")
                length += 1
            if open_span is not None and (kind != open_span["source_type"] or first):
                spans.append(open_span)
                open_span = None
            if kind is not None and open_span is None:
                open_span = {"source_type": kind, "start": length}
            out.append(token)
            length += len(token)
            if open_span is not None:
                open_span["end"] = length
            prev = token
        if open_span is not None:  # an entity never runs over a sentence end
            spans.append(open_span)
            open_span = None
    text = "".join(out)
    pii = [{"type": CONLL_TYPES[s["source_type"]], "source_type": s["source_type"],
            "value": text[s["start"]:s["end"]], "start": s["start"], "end": s["end"]} for s in spans]
    return {"id": record_id, "set": set_name, "text": text, "pii": pii}


def build_news(markup_path: str, out_dir: Path) -> dict:
    """news_tune (even documents) and news_report (odd documents) from the CoNLL markup sample."""
    docs = parse_conll_markup(Path(markup_path).read_text(encoding="utf-8"))
    return write_halves(out_dir, "news", docs, lambda doc, index, part: [
        conll_record(doc, record_id=f"news-{part}-{index:03d}", set_name=f"news_{part}")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", help="presidio-evaluator wheel: templates_* and the wnut17_* split")
    parser.add_argument("--conll-markup", help="CoNLL-2003 sample in the markup above: news_tune / news_report")
    parser.add_argument("--out", default="var/pii-dev")
    parser.add_argument("--per-template", type=int, default=6)
    parser.add_argument("--wnut", default=str(Path(__file__).resolve().parents[2] / "shared/pii-dev/wnut17_dev.jsonl"),
                        help="WNUT-17 dev set to split into wnut17_tune (even records) and wnut17_report (odd)")
    args = parser.parse_args()
    if not args.wheel and not args.conll_markup:
        parser.error("give --wheel, --conll-markup or both")
    counts = {}
    if args.wheel:
        counts.update(build(args.wheel, Path(args.out), args.per_template))
        if Path(args.wnut).exists():
            counts.update(split_halves(args.wnut, Path(args.out), "wnut17"))
    if args.conll_markup:
        counts.update(build_news(args.conll_markup, Path(args.out)))
    for path, n in counts.items():
        print(f"{path}: {n} records")


if __name__ == "__main__":
    main()
