"""Ticket-style text from templates and names nobody tuned on: Faker values of every claimed kind, from
every installed Faker locale (110), in ~20 ticket/form/chat frames each (about 12,000 texts).

    .venv/bin/python bench/scrub_sweep.py [--seed 11] [--tag NAME] [--locales N]

Seed 7 is the one looked at while changing rules (issue 9, fourth round); report another seed.
Writes bench/out/sweep/NAME.{jsonl,json,txt,ex.jsonl} and prints value leak per kind x frame, per
kind x locale family, retention per frame, and the total over the kinds the shared scorer claims
(postcodes and national ids other than the US SSN are not claimed).
Leak: a value survives as a whole word (case-insensitive, whitespace normalised, <TAGS> blanked);
number kinds (phone, card, IBAN, SSN, IP) also leak when their digit string (>= 7 digits) is inside
one number run of the output (score.py's definition). Token leak: alphabetic tokens (>= 3 letters,
score.py's SKIP_TOKENS left out) of a value that survive anywhere. Retention: the frame's own words
(>= 4 letters, outside values) that survive.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "shared/pii-dev"))  # the shared scorer's definitions
import faker  # noqa: E402
from faker.config import AVAILABLE_LOCALES  # noqa: E402

from score import NUMRUN, SKIP_TOKENS, TAG, ALPHA, WORD4, digits, norm_ws, whole  # noqa: E402

NUMERIC = {"phone", "credit_card", "iban", "ssn", "ipv4", "ipv6"}
FAMILY = {
    "en": "english", "de": "germanic", "nl": "germanic", "da": "germanic", "dk": "germanic", "sv": "germanic",
    "no": "germanic", "is": "germanic", "lb": "germanic",
    "fr": "romance", "es": "romance", "it": "romance", "pt": "romance", "ro": "romance", "la": "romance",
    "ru": "slavic", "uk": "slavic", "pl": "slavic", "cs": "slavic", "sk": "slavic", "sl": "slavic", "hr": "slavic",
    "bs": "slavic", "sr": "slavic", "bg": "slavic", "mk": "slavic",
    "ar": "non-latin", "fa": "non-latin", "he": "non-latin", "hi": "non-latin", "bn": "non-latin",
    "gu": "non-latin", "ta": "non-latin", "mr": "non-latin", "or": "non-latin", "ne": "non-latin",
    "si": "non-latin", "th": "non-latin", "ja": "non-latin", "ko": "non-latin", "zh": "non-latin",
    "ka": "non-latin", "hy": "non-latin", "am": "non-latin", "el": "non-latin",
}


def family(locale: str) -> str:
    return FAMILY.get(locale.split("_")[0], "other-latin")


# frames: (name, template). {v} the value; {V} upper-cased; {l} lower-cased; {city} {abbr} {post} extra values
PERSON_FRAMES = [
    ("start", "{v} called about the refund yesterday."),
    ("after_from", "Got an email from {v} about the invoice."),
    ("form", "Name: {v}\nOrder: 4411\nIssue: printer jams when printing double sided"),
    ("commas", "Please ask the manager, {v}, to approve the change."),
    ("brackets", "The ticket was opened by the customer ({v}) last week."),
    ("caps_label", "Customer: {V}\nReason: duplicate charge"),
    ("signature", "Thanks for the quick help!\n{v}"),
    ("greeting", "Hi {v}, your parcel has shipped."),
    ("chat_lower", "lol {l} said the update broke wifi again"),
    ("possessive", "{v}'s account was locked after three attempts."),
    ("mid", "I spoke with {v} on the phone and they agreed to wait."),
    ("with_city", "Contact person: {v} ({city})"),
]
CITY_FRAMES = [
    ("subject", "{v} is lovely in spring."),
    ("after_in", "I live in {v} and the delivery never arrived."),
    ("after_from", "Writing from {v} about my order."),
    ("after_near", "Our office near {v} lost power this morning."),
    ("after_at", "The parcel is waiting at {v} since Monday."),
    ("form", "Name: Sam\nCity: {v}\nIssue: late delivery"),
    ("commas", "Our depot, {v}, is closed today."),
    ("brackets", "The warehouse ({v}) is closed on Sundays."),
    ("caps_after_in", "The meeting is in {V} next week."),
    ("caps_label", "Shipping label:\n{post} {V}\nplease check"),
    ("caps_alone", "Delivery address confirmed:\n{V}"),
    ("region_code", "We moved to {v}, {abbr} last year."),
    ("region_post", "Billing: {v} {abbr} {post}"),
    ("alone_line", "Where are you based?\n{v}\nThanks"),
    ("lower", "moving to {l} next month, can you update my account"),
    ("caps_subject", "{V} is lovely in spring."),
    ("caps_after_street", "Meet me at the shop, 12 Harbour Road, {V}"),
    ("caps_arrived", "The courier arrived at {V} this morning."),
    ("caps_returned", "We returned to {V} by train on Sunday."),
]
STREET_FRAMES = [
    ("after_at", "I live at {v} since March."),
    ("form", "Address: {v}\nPhone: ask me"),
    ("after_to", "Please send it to {v}, thanks."),
    ("start", "{v} is where the parcel should go."),
    ("brackets", "The old address ({v}) is wrong."),
    ("with_city", "Ship to: {v}, {city}"),
    ("with_city_region", "Ship to {v}, {city}, {abbr} {post} please"),
    ("caps", "SHIP TO: {V}"),
    ("commas", "The flat, {v}, has no lift."),
    ("own_line", "New address:\n{v}\n{city}"),
]
ADDRESS_FRAMES = [
    ("multiline_form", "Please update my address to:\n{v}\nThanks."),
    ("multiline_label", "Address:\n{v}"),
    ("oneline_to", "Please ship to {o} as soon as possible."),
    ("oneline_form", "New address: {o}."),
    ("oneline_brackets", "The invoice ({o}) shows the old address."),
    ("oneline_caps", "DELIVER TO: {O}"),
]
POSTCODE_FRAMES = [
    ("form", "Postcode: {v}"),
    ("zip_is", "my zip code is {v} but the form rejects it"),
    ("city_post", "Delivery area: {city} {v}"),
    ("post_city", "Delivery area: {v} {city}"),
    ("brackets", "Delivery area ({v}) not served."),
]
NUMBER_FRAMES = [
    ("form", "Value: {v}\nStatus: open"),
    ("start", "{v} is the one on file, please check."),
    ("after_on", "You can reach it on {v} today."),
    ("brackets", "The record ({v}) was rejected."),
    ("commas", "Please verify, {v}, before Friday."),
    ("end", "The customer gave us {v}"),
]
KIND_FRAMES = {  # number kinds get a word that names them
    "phone": [("form", "Phone: {v}\nStatus: open"), ("call_me", "Call me on {v} after five."),
              ("start", "{v} is my mobile, please call back."), ("brackets", "Reach me (mobile {v}) anytime."),
              ("commas", "My number, {v}, changed last week."), ("end", "Please call back on {v}")],
    "email": [("form", "Email: {v}\nStatus: open"), ("start", "{v} is my address for the invoices."),
              ("brackets", "Send it to me ({v}) please."), ("commas", "My email, {v}, is wrong in the system."),
              ("end", "Contact me at {v}")],
    "iban": [("form", "IBAN: {v}\nStatus: open"), ("refund", "Please refund to {v} this week."),
             ("brackets", "My account ({v}) was charged twice."), ("lower", "refund to iban {l} pls")],
    "credit_card": [("form", "Card number: {v}\nStatus: open"), ("my_card", "My card {v} was declined."),
                    ("brackets", "The card ({v}) expired."), ("commas", "The card, {v}, was blocked.")],
    "ssn": [("form", "SSN: {v}\nStatus: open"), ("my_ssn", "My social security number is {v} for the form."),
            ("brackets", "Tax form (SSN {v}) attached."), ("bare", "Please verify {v} before Friday.")],
    "ipv4": [("form", "IP: {v}\nStatus: open"), ("from_ip", "Login attempts from {v} were blocked."),
             ("brackets", "The server ({v}) is down.")],
    "ipv6": [("form", "IP: {v}\nStatus: open"), ("from_ip", "Login attempts from {v} were blocked."),
             ("brackets", "The server ({v}) is down.")],
    "dob": [("form", "Date of birth: {v}\nStatus: open"), ("dob_label", "DOB {v}"),
            ("born_on", "I was born on {v} and the form says otherwise."),
            ("after_name", "Patient: {name} ({v})"), ("birthday", "My birthday is {v}, please fix it."),
            ("form_block", "Name: {name}\nBorn: {v}\nCity: {city}")],
}
DATE_FORMATS = ["%d/%m/%Y", "%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d", "%d.%m.%Y", "%d %B %Y", "%b %d %Y"]


def region_code(fake) -> str | None:
    for attr in ("state_abbr", "province_abbr", "estado_sigla", "administrative_unit_abbr", "region_code",
                 "canton_code", "department_number", "prefecture_abbr"):
        fn = getattr(fake, attr, None)
        if fn is None:
            continue
        try:
            v = fn()
        except Exception:  # noqa: BLE001
            continue
        if isinstance(v, str) and re.fullmatch(r"[A-Z]{2,3}", v):
            return v
    return None


def gen(fake, kind: str, rng: random.Random) -> str | None:
    try:
        if kind == "name":
            return fake.name()
        if kind == "first_name":
            return fake.first_name()
        if kind == "last_name":
            return fake.last_name()
        if kind == "city":
            return fake.city()
        if kind == "street_address":
            return fake.street_address()
        if kind == "address":
            return fake.address()
        if kind == "postcode":
            return fake.postcode()
        if kind == "phone":
            return fake.phone_number()
        if kind == "email":
            return fake.email()
        if kind == "iban":
            return fake.iban()
        if kind == "credit_card":
            return fake.credit_card_number()
        if kind == "ssn":
            return fake.ssn()
        if kind == "ipv4":
            return fake.ipv4()
        if kind == "ipv6":
            return fake.ipv6()
        if kind == "dob":
            d = fake.date_of_birth(minimum_age=18, maximum_age=90)
            return d.strftime(rng.choice(DATE_FORMATS))
    except Exception:  # noqa: BLE001 - a provider a locale lacks
        return None
    return None


KINDS = ["name", "first_name", "last_name", "city", "street_address", "address", "postcode", "phone", "email",
         "iban", "credit_card", "ssn", "ipv4", "ipv6", "dob"]


def frames_for(kind: str):
    if kind in ("name", "first_name", "last_name"):
        return PERSON_FRAMES
    if kind == "city":
        return CITY_FRAMES
    if kind == "street_address":
        return STREET_FRAMES
    if kind == "address":
        return ADDRESS_FRAMES
    if kind == "postcode":
        return POSTCODE_FRAMES
    return KIND_FRAMES.get(kind, NUMBER_FRAMES)


def fill(template: str, values: dict) -> tuple[str, list]:
    """Text and [(kind, value, start, end)] for each placeholder filled."""
    out, spans, pos = [], [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(template[pos:m.start()])
        key = m.group(1)
        kind, val = values[key]
        start = sum(len(x) for x in out)
        out.append(val)
        spans.append((kind, val, start, start + len(val)))
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), spans


def build(seed: int, max_locales: int | None) -> list[dict]:
    rng = random.Random(seed)
    recs = []
    locales = AVAILABLE_LOCALES[:max_locales] if max_locales else AVAILABLE_LOCALES
    for loc in locales:
        fake = faker.Faker(loc)
        fake.seed_instance(seed)
        abbr = region_code(fake)
        for kind in KINDS:
            for fname, tpl in frames_for(kind):
                v = gen(fake, kind, rng)
                if not v:
                    continue
                if kind in ("name", "first_name", "last_name", "city", "street_address") and "\n" in v:
                    continue
                if "{abbr}" in tpl and not abbr:
                    continue
                if "{abbr}" in tpl:
                    abbr = region_code(fake)
                extras = {}
                for key, k2 in (("city", "city"), ("post", "postcode"), ("name", "name")):
                    if "{" + key + "}" in tpl:
                        x = gen(fake, k2, rng) or ""
                        extras[key] = (k2, x.replace("\n", " "))
                values = {"v": (kind, v), "V": (kind, v.upper()), "l": (kind, v.lower()),
                          "o": (kind, ", ".join(x.strip() for x in v.split("\n"))),
                          "O": (kind, ", ".join(x.strip() for x in v.split("\n")).upper()),
                          "abbr": ("state_abbr", abbr or ""), **extras}
                text, spans = fill(tpl, values)
                recs.append({"id": f"{loc}|{kind}|{fname}", "locale": loc, "family": family(loc), "kind": kind,
                             "frame": fname, "text": text, "spans": spans})
    return recs


def leaked(kind: str, value: str, clean_n: str, runs: list[str]) -> bool:
    vn = norm_ws(value).lower()
    if vn and whole(vn).search(clean_n):
        return True
    d = digits(value)
    return kind in NUMERIC and len(d) >= 7 and any(d in r for r in runs)


def score(recs: list[dict], outs: list[str]):
    cell = collections.defaultdict(lambda: [0, 0, 0, 0])  # n, leak, tokens, tokens leaked
    fam = collections.defaultdict(lambda: [0, 0])
    ret = collections.defaultdict(lambda: [0, 0])
    claimed = [0, 0]  # values of kinds the scorer claims, leaked
    examples = []
    for r, out in zip(recs, outs):
        clean = TAG.sub(" ", out)
        clean_n = norm_ws(clean).lower()
        runs = [digits(m.group()) for m in NUMRUN.finditer(clean)]
        mask = [False] * len(r["text"])
        bad = []
        for kind, val, s, e in r["spans"]:
            for i in range(s, e):
                mask[i] = True
            if not val.strip():
                continue
            hit = leaked(kind, val, clean_n, runs)
            toks = [m.group() for m in ALPHA.finditer(val) if m.group().lower() not in SKIP_TOKENS]
            tl = [t for t in toks if whole(t).search(clean)]
            row = (kind, r["frame"]) if kind == r["kind"] or kind == "state_abbr" else (kind, "extra:" + r["frame"])
            c = cell[row]
            c[0] += 1
            c[1] += hit
            c[2] += len(toks)
            c[3] += len(tl)
            f = fam[(kind, r["family"])]
            f[0] += 1
            f[1] += hit
            if kind != "postcode" and (kind != "ssn" or r["locale"] == "en_US"):
                claimed[0] += 1
                claimed[1] += hit
            if hit or tl:
                bad.append({"kind": kind, "value": val, "value_leaked": hit, "tokens": tl})
        outside = "".join(c if not m else " " for c, m in zip(r["text"], mask))
        lost = []
        for m in WORD4.finditer(outside):
            w = m.group()
            ret[r["frame"]][0] += 1
            if whole(w).search(clean):
                ret[r["frame"]][1] += 1
            else:
                lost.append(w)
        if bad or lost:
            examples.append({"id": r["id"], "leaks": bad, "lost": lost, "input": r["text"], "output": out})
    return cell, fam, ret, examples, claimed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", default="run")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--locales", type=int)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from datasets_app.scrubbing import ScrubConfig, scrub_texts

    recs = build(args.seed, args.locales)
    t = time.time()
    outs = [o for o, _ in scrub_texts([r["text"] for r in recs], config=ScrubConfig(workers=1))]
    print(f"{len(recs)} texts scrubbed in {time.time() - t:.0f}s", file=sys.stderr)
    cell, fam, ret, examples, claimed = score(recs, outs)
    d = ROOT / "bench/out/sweep"
    d.mkdir(parents=True, exist_ok=True)
    with open(d / f"{args.tag}.jsonl", "w") as fh:
        for r, o in zip(recs, outs):
            fh.write(json.dumps({**r, "output": o}, ensure_ascii=False) + "\n")
    with open(d / f"{args.tag}.ex.jsonl", "w") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    summary = {"cells": {f"{k}|{f}": v for (k, f), v in cell.items()},
               "families": {f"{k}|{f}": v for (k, f), v in fam.items()},
               "retention": ret}
    json.dump(summary, open(d / f"{args.tag}.json", "w"), indent=1)
    lines = [f"{'kind':15} {'frame':26} {'n':>5} {'leak%':>6} {'tokleak%':>8}"]
    tot = [0, 0]
    for (k, f), (n, lk, tk, tl) in sorted(cell.items()):
        tot[0] += n
        tot[1] += lk
        lines.append(f"{k:15} {f:26} {n:5} {100 * lk / n:6.1f} {100 * tl / tk if tk else 0:8.1f}")
    lines.append(f"TOTAL value leak {100 * tot[1] / tot[0]:.2f}% of {tot[0]}")
    lines.append(f"claimed kinds (no postcodes, SSNs of en_US only) value leak {100 * claimed[1] / claimed[0]:.2f}% "
                 f"of {claimed[0]}")
    words = sum(v[0] for v in ret.values())
    kept = sum(v[1] for v in ret.values())
    lines.append(f"frame-word retention {100 * kept / words:.2f}% of {words}")
    lines.append("\nby kind x family (value leak %)")
    fams = sorted({f for _, f in fam})
    lines.append(f"{'kind':15}" + "".join(f"{f:>12}" for f in fams))
    for k in sorted({k for k, _ in fam}):
        lines.append(f"{k:15}" + "".join(
            f"{100 * fam[(k, f)][1] / fam[(k, f)][0]:12.1f}" if fam[(k, f)][0] else f"{'-':>12}" for f in fams))
    lines.append("\nretention by frame (words kept %)")
    for f, (n, k) in sorted(ret.items()):
        if n:
            lines.append(f"  {f:26} {n:5} {100 * k / n:6.1f}")
    (d / f"{args.tag}.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
