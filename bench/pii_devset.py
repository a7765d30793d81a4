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


def build(wheel_path: str, out_dir: Path, per_template: int = 6, seed: int = 20261206) -> dict:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    with zipfile.ZipFile(wheel_path) as wheel:
        # the template file writes line breaks as the two characters "\n" (its generator expands them)
        templates = [t.strip().replace("\\n", "\n") for t in _read(wheel, "templates.txt").splitlines() if t.strip()]
        people = list(csv.DictReader(io.StringIO(_read(wheel, "FakeNameGenerator.com_3000.csv"))))
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for part, parity in (("tune", 0), ("report", 1)):
        path = out_dir / f"templates_{part}.jsonl"
        n = 0
        with open(path, "w", encoding="utf-8") as fh:
            for index, template in enumerate(templates):
                if index % 2 != parity:
                    continue
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
                    record = {"id": f"tpl-{part}-{index:03d}-{copy}", "set": f"templates_{part}",
                              "text": "".join(text), "pii": pii}
                    assert all(record["text"][p["start"]:p["end"]] == p["value"] for p in pii)
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                    n += 1
        counts[str(path)] = n
    return counts


def split_halves(path: str, out_dir: Path, name: str) -> dict:
    """Even records of a public set to tune on, odd records to report only (same format, own set name)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    counts = {}
    for part, parity in (("tune", 0), ("report", 1)):
        target = out_dir / f"{name}_{part}.jsonl"
        with open(target, "w", encoding="utf-8") as fh:
            for index, record in enumerate(records):
                if index % 2 == parity:
                    fh.write(json.dumps({**record, "set": f"{name}_{part}"}, ensure_ascii=False) + "\n")
        counts[str(target)] = sum(1 for i in range(len(records)) if i % 2 == parity)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", required=True)
    parser.add_argument("--out", default="var/pii-dev")
    parser.add_argument("--per-template", type=int, default=6)
    parser.add_argument("--wnut", default=str(Path(__file__).resolve().parents[2] / "shared/pii-dev/wnut17_dev.jsonl"),
                        help="WNUT-17 dev set to split into wnut17_tune (even records) and wnut17_report (odd)")
    args = parser.parse_args()
    counts = build(args.wheel, Path(args.out), args.per_template)
    if Path(args.wnut).exists():
        counts.update(split_halves(args.wnut, Path(args.out), "wnut17"))
    for path, n in counts.items():
        print(f"{path}: {n} records")


if __name__ == "__main__":
    main()
