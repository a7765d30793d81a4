"""The surrogate operator: realistic fake values of the same kind as the PII they replace.

A name becomes another name, an address another address, a card number another card number, so
de-identified text still reads like the real thing (what NER and language models learn from).

Consistency: each value is drawn from Faker seeded with HMAC(dataset key, kind + normalised
original value), so one person maps to one fake person across rows, shards and versions of a
dataset, and two datasets (two keys) map the same person differently.

Safety: a surrogate never equals the original, shares no word with it (a "John Smith" does not
become "John Miller") and never contains a word of the row it is written into that was not already
there as a surrogate; numbers come from ranges that identify nobody: IPs from the documentation
blocks (RFC 5737, RFC 3849), e-mail domains reserved for examples (RFC 2606), US phone numbers in
the 555-01XX fiction block, SSNs with area 9XX (never issued as SSNs), card numbers in issuers'
test ranges with a valid Luhn digit, IBANs with a valid checksum over random bank and account
digits. Dates of birth are shifted by a per-value offset of 1-365 days, written in the same format.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime, timedelta
from typing import Callable

from faker import Faker

MAX_TRIES = 12
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_ALNUM = re.compile(r"\w+")
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "jr", "sr", "ii", "iii", "iv"}
_DOC_NETS_V4 = ("192.0.2", "198.51.100", "203.0.113")
_TEST_CARD_PREFIXES = {"4": "400000", "5": "555555", "2": "222300", "3": "378282", "6": "601111"}
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
_DEMONYMS = ("Andorran", "Belgian", "Chilean", "Danish", "Estonian", "Finnish", "Ghanaian", "Icelandic",
             "Jordanian", "Kenyan", "Latvian", "Maltese", "Nepali", "Omani", "Peruvian", "Rwandan",
             "Slovenian", "Tongan", "Uruguayan", "Zambian")
_DATE_FORMATS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{4}/\d{2}/\d{2}"), "%Y/%m/%d"),
    (re.compile(r"\d{2}/\d{2}/\d{4}"), "%m/%d/%Y"),
    (re.compile(r"\d{2}/\d{2}/\d{4}"), "%d/%m/%Y"),
    (re.compile(r"\d{2}\.\d{2}\.\d{4}"), "%d.%m.%Y"),
    (re.compile(r"\d{2}-\d{2}-\d{4}"), "%m-%d-%Y"),
    (re.compile(r"\d{2}-\d{2}-\d{4}"), "%d-%m-%Y"),
    (re.compile(r"[A-Z][a-z]+ \d{1,2}, \d{4}"), "%B %d, %Y"),
    (re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4}"), "%b %d, %Y"),
    (re.compile(r"\d{1,2} [A-Z][a-z]+ \d{4}"), "%d %B %Y"),
    (re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}"), "%d %b %Y"),
)


def _generic_words() -> frozenset[str]:
    """Words that identify nobody and that fakes share with originals by design: street suffixes,
    state codes, titles, parts of e-mail and web addresses."""
    from faker.providers.address.en_US import Provider as Address

    return frozenset({w.casefold() for w in (*Address.street_suffixes, *Address.states_abbr)} | _TITLES | {
        "apt", "suite", "unit", "com", "org", "net", "www", "http", "https", "example", "mail"})


_GENERIC = _generic_words()


def words(text: str) -> set[str]:
    """The case-folded words of a text that could identify someone: letters (2+), numbers (4+
    digits) or both mixed; street suffixes, state codes and other generic words are left out."""
    out = set()
    for token in _ALNUM.findall(text):
        token = token.casefold()
        if token in _GENERIC or (token.isalpha() and len(token) < 2) or (token.isdigit() and len(token) < 4):
            continue
        out.add(token)
    return out


def _case_like(value: str, model: str) -> str:
    letters = [c for c in model if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 1:
        return value.upper()
    if letters and all(c.islower() for c in letters):
        return value.lower()
    return value


def _luhn_digit(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - number % 97:02d}"


def _reshape_digits(model: str, digits: str) -> str:
    """`digits` written in the layout of `model` (its separators kept, one digit per digit)."""
    out, it = [], iter(digits)
    for c in model:
        out.append(next(it, "0") if c.isdigit() else c)
    return "".join(out)


class SurrogateFactory:
    """Draws the surrogate of (kind, original value) for one dataset key."""

    def __init__(self, secret: bytes, *, normalise: Callable[[str, str], str], locale: str = "en_US",
                 is_surname: Callable[[str], bool] = lambda word: False):
        """`is_surname(word)`: whether a name written alone is a family name ("Okafor" -> a fake
        family name, "Jane" -> a fake first name)."""
        if not secret:
            raise ValueError("the surrogate operator needs the dataset's key")
        self._secret = secret
        self._normalise = normalise
        self._is_surname = is_surname
        self._faker = Faker(locale)
        self._cache: dict[tuple[str, str, int], str] = {}
        self._last_row: str | None = None
        self._last_row_facts: tuple[str, set[str]] = ("", set())

    def surrogate(self, entity: str, value: str, *, avoid: str = "") -> str:
        """A fake `entity` for `value`. `avoid`: the text it is written into (the row): the
        surrogate must not bring in any of that text's words the original did not hold."""
        original_words = words(value)
        folded_avoid, row_words = self._row(avoid)
        avoid_words = row_words - original_words
        candidate = value
        for attempt in range(MAX_TRIES):
            candidate = self._draw(entity, value, attempt)
            new_words = words(candidate)
            if candidate.casefold() != value.casefold() and candidate.casefold() not in folded_avoid \
                    and not self._shares(entity, new_words, original_words) and not (new_words & avoid_words):
                return candidate
        # Twelve draws all collided (a one-letter value, a tiny row vocabulary): fall back to a
        # kind tag, which is never a real value.
        return f"<{entity}>"

    def _row(self, avoid: str) -> tuple[str, set[str]]:
        """The row's folded text and words, computed once per row (every value of a row passes the
        same string: a long text with many findings is read once, not once per finding)."""
        if avoid is not self._last_row:
            self._last_row = avoid
            self._last_row_facts = (avoid.casefold(), words(avoid))
        return self._last_row_facts

    @staticmethod
    def _shares(entity: str, new: set[str], original: set[str]) -> bool:
        if entity in {"DATE_OF_BIRTH", "DATE"}:  # a date shifted by days may keep its year
            return False
        return bool(new & original)

    def _draw(self, entity: str, value: str, attempt: int) -> str:
        # Seeded by the normalised value (one person, however written, draws the same fake);
        # cached by the value as written (the fake takes its case and layout).
        key = (entity, value, attempt)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        message = f"{entity}\x00{self._normalise(entity, value)}\x00{attempt}".encode()
        seed = int.from_bytes(hmac.new(self._secret, message, hashlib.sha256).digest()[:8], "big")
        self._faker.seed_instance(seed)
        make = _MAKERS.get(entity)
        if entity == "PERSON":
            result = _person(self._faker, value, is_surname=self._is_surname)
        else:
            result = make(self._faker, value) if make is not None else f"<{entity}>"
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = result
        return result


# -- one maker per kind: (faker seeded for this value, original) -> surrogate ------------------
def _person(fake: Faker, value: str, *, is_surname: Callable[[str], bool] = lambda word: False) -> str:
    parts = list(_WORD.finditer(value))
    names = [m for m in parts if m.group().rstrip(".").lower() not in _TITLES]
    if not names:
        return _case_like(fake.last_name(), value)
    titled = len(names) < len(parts)  # "Dr. Okafor", "Mr Smith": a title goes with a family name
    out, cursor = [], 0

    def between(text: str) -> str:  # digits beside a name ("ERR-2213" read as a name) are redrawn too
        return re.sub(r"\d", lambda _: str(fake.random_int(0, 9)), text)

    for m in parts:
        out.append(between(value[cursor:m.start()]))
        word = m.group()
        if m not in names:
            out.append(word)
        else:
            position = names.index(m)
            last = position == len(names) - 1 and (len(names) > 1 or titled or is_surname(word))
            initial = len(word) == 1
            fresh = fake.last_name() if last else fake.first_name()
            out.append(_case_like(fresh[0] if initial else fresh, word))
        cursor = m.end()
    out.append(between(value[cursor:]))
    return "".join(out)


def _location(fake: Faker, value: str) -> str:
    return _case_like(fake.city(), value)


def _street_address(fake: Faker, value: str) -> str:
    street = fake.street_address()
    if "\n" in value.strip():
        result = f"{street}\n{fake.city()}, {fake.state_abbr()} {fake.zipcode()}"
    elif "," in value:
        result = f"{street}, {fake.city()}"
    else:
        result = street
    return _case_like(result, value)


def _email(fake: Faker, value: str) -> str:
    user = fake.user_name()
    domain = _EXAMPLE_DOMAINS[fake.random_int(0, len(_EXAMPLE_DOMAINS) - 1)]
    return _case_like(f"{user}@{domain}", value)


def _phone(fake: Faker, value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    count = len(digits)
    if count == 10 or (count == 11 and digits[0] == "1"):
        # NANP: any area code, exchange 555, line 0100-0199 (reserved for fiction)
        area = f"{fake.random_int(2, 9)}{fake.random_int(0, 9)}{fake.random_int(0, 9)}"
        new = ("1" if count == 11 else "") + f"{area}5550{fake.random_int(100, 199)}"
    else:
        keep = 0
        stripped = value.lstrip()
        if stripped.startswith("+"):  # the country code stays: it names a country, not a person
            keep = min(2, count - 4) if count > 8 else 0
        new = "".join(digits[:keep]) + "".join(str(fake.random_int(0, 9)) for _ in range(count - keep))
    return _reshape_digits(value, new)


def _card(fake: Faker, value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    count = max(len(digits), 13)
    prefix = _TEST_CARD_PREFIXES.get(digits[0] if digits else "4", "400000")
    body = prefix + "".join(str(fake.random_int(0, 9)) for _ in range(count - len(prefix) - 1))
    return _reshape_digits(value, body + _luhn_digit(body))


def _iban(fake: Faker, value: str) -> str:
    compact = re.sub(r"\s", "", value).upper()
    country = compact[:2] if compact[:2].isalpha() else "DE"
    bban = "".join(
        str(fake.random_int(0, 9)) if c.isdigit() else chr(ord("A") + fake.random_int(0, 25))
        for c in compact[4:]
    ) or "".join(str(fake.random_int(0, 9)) for _ in range(18))
    new = country + _iban_check(country, bban) + bban
    # keep the original's grouping (spaces every four, or none)
    if " " in value.strip():
        new = " ".join(new[i:i + 4] for i in range(0, len(new), 4))
    return new


def _ssn(fake: Faker, value: str) -> str:
    digits = f"9{fake.random_int(0, 99):02d}{fake.random_int(1, 99):02d}{fake.random_int(1, 9999):04d}"
    if sum(c.isdigit() for c in value) == 9:
        return _reshape_digits(value, digits)
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def _ip(fake: Faker, value: str) -> str:
    if ":" in value:
        return f"2001:db8:{fake.random_int(0, 0xffff):x}::{fake.random_int(1, 0xffff):x}"
    net = _DOC_NETS_V4[fake.random_int(0, 2)]
    return f"{net}.{fake.random_int(1, 254)}"


def _date(fake: Faker, value: str) -> str:
    """The same date format, shifted by 1-365 days either way (a per-value offset)."""
    text = value.strip()
    shift = timedelta(days=fake.random_int(1, 365) * (1 if fake.random_int(0, 1) else -1))
    for pattern, fmt in _DATE_FORMATS:
        if pattern.fullmatch(text):
            try:
                parsed = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            shifted = parsed + shift
            out = shifted.strftime(fmt)
            if ("%B" in fmt or "%b" in fmt) and not re.search(r"\b0\d\b", text):  # "March 3", not "March 03"
                out = re.sub(r"\b0(\d)\b", r"\1", out, count=1)
            return value.replace(text, out)
    year = re.fullmatch(r"(?:19|20)\d{2}", text)
    if year:
        return value.replace(text, str(int(text) + (fake.random_int(1, 5) * (1 if fake.random_int(0, 1) else -1))))
    # a format we do not parse: a fake date of birth, written ISO
    return fake.date_between(date(1940, 1, 1), date(2005, 12, 31)).isoformat()


def _username(fake: Faker, value: str) -> str:
    return ("@" if value.startswith("@") else "") + fake.user_name()


def _url(fake: Faker, value: str) -> str:
    scheme = "http://" if value.lower().startswith("http://") else "https://"
    domain = _EXAMPLE_DOMAINS[fake.random_int(0, len(_EXAMPLE_DOMAINS) - 1)]
    return f"{scheme}www.{domain}/{fake.uri_path()}"


def _organization(fake: Faker, value: str) -> str:
    return fake.company()


def _nrp(fake: Faker, value: str) -> str:
    return _case_like(_DEMONYMS[fake.random_int(0, len(_DEMONYMS) - 1)], value)


_MAKERS: dict[str, Callable[[Faker, str], str]] = {
    "PERSON": _person, "LOCATION": _location, "STREET_ADDRESS": _street_address, "EMAIL_ADDRESS": _email,
    "PHONE_NUMBER": _phone, "CREDIT_CARD": _card, "IBAN_CODE": _iban, "US_SSN": _ssn, "IP_ADDRESS": _ip,
    "DATE_OF_BIRTH": _date, "DATE": _date, "USERNAME": _username, "URL": _url, "ORGANIZATION": _organization,
    "NRP": _nrp,
}
SURROGATE_KINDS = tuple(_MAKERS)
