"""Accord's own presidio recognizers: broad regexes with context, and a name-list recognizer.

These are deliberately general (formats, word lists, context words), not tuned to any
template, so they carry over to text we have never seen.
"""

from __future__ import annotations

import ipaddress
import re
from typing import List, Optional

from presidio_analyzer import LocalRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from .context_recognizers import AddressBlockRecognizer, SubjectNameRecognizer
from .field_recognizers import LabelledAddressRecognizer, LabelledPostcodeRecognizer
from .lexicon import CALENDAR_WORDS, Lexicon, get_lexicon, is_noise

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"


class _DigitCountRecognizer(PatternRecognizer):
    """PatternRecognizer that drops matches whose digit count is outside [min, max]."""

    def __init__(self, *args, min_digits: int, max_digits: int, **kwargs):
        self.min_digits = min_digits
        self.max_digits = max_digits
        super().__init__(*args, **kwargs)

    def invalidate_result(self, pattern_text: str) -> Optional[bool]:
        # an extension is no part of the number's length: "001-716-772-3268x6563"
        number = re.split(r"(?i)\s*(?:x|ext\.?)\s*(?=\d)", pattern_text, maxsplit=1)[0]
        digits = sum(c.isdigit() for c in number)
        return not (self.min_digits <= digits <= self.max_digits)


class _IpV6Recognizer(PatternRecognizer):
    def invalidate_result(self, pattern_text: str) -> Optional[bool]:
        try:
            ipaddress.ip_address(pattern_text.split("%")[0].split("/")[0])
        except ValueError:
            return True
        return False


def phone_recognizer() -> PatternRecognizer:
    # Anything laid out like a phone number, valid by phonenumbers' rules or not.
    sep = r"[ \t.\-]?"
    patterns = [
        Pattern("intl", r"(?<![\w+])\+(?:\d{1,3}|\(\d{1,3}\))" + sep + r"(?:\(\d{1,4}\)" + sep + r")?\d{1,5}(?:" + sep
                + r"\d{2,5}){1,4}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?!\w)", 0.6),
        Pattern("paren", r"(?<![\w+])\(\+?\d{2,5}\)" + sep + r"\d{2,10}(?:[ .\-/]\d{2,5}){0,3}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?!\w)", 0.55),
        # not followed by ":52": "2003-08-28 12:13:52" is a timestamp, not a phone plus seconds
        Pattern("grouped", r"(?<![\w.\-/:])(?:1[ .\-])?\d{2,5}(?:[ .\-]\d{2,8}){1,4}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w/]|[.\-:]\d)", 0.45),
        Pattern("plain", r"(?<![\w.\-])0\d{9,11}(?!\w)", 0.4),
        Pattern("bare", r"(?<![\w.\-])\d{10,11}(?!\w)", 0.2),
    ]
    return _DigitCountRecognizer(
        supported_entity="PHONE_NUMBER", name="AccordPhoneRecognizer", patterns=patterns,
        context=["phone", "call", "tel", "telephone", "mobile", "cell", "fax", "contact", "reach",
                 "number", "whatsapp", "sms", "text"],
        min_digits=9, max_digits=15,
    )


_SHORT_PHONE = re.compile(
    r"(?i)\b(?:call(?:ed|ing)?|ring|dial(?:led)?|phone|tel|telephone|mobile|cell|fax|text|sms|whatsapp|reach"
    r"|number|no|nr|ext(?:ension)?|contact|desk|landline|mob|voicemail|registered|answering|messages?)\b"
    r"[^\d\n]{0,25}?"
    r"(?<![\w.\-/:+])((?:\(\d{1,4}\)[ .\-]?)?\d{2,4}(?:[ .\-/]\d{2,6}){1,3}|\d{6,13})(?![\w/]|[.\-:/]\d)")


_NUMBER_WORD = re.compile(r"(?i)(?:number|no|nr|registered|contact|messages?)\b")
# "31 66 86", "433 4671", "25 761546": 6-8 digits in two to four groups, phone-shaped even without
# a phone word; not amounts ("1 250 000"), dates ("12-03-2024") or times and versions
_GROUPED_NUMBER = re.compile(r"(?<![\w.\-/:+,$€£])\d{2,4}(?:[ \-]\d{2,6}){1,3}(?![\w/%]|[.,\-:/]\d|\s?(?:%|€|\$))")
_THOUSANDS = re.compile(r"\d{1,3}(?: \d{3})+")
_DATE_LIKE = re.compile(r"\d{1,4}([-/.])\d{1,2}\1\d{2,4}")  # 2023-11-05, 03/02/2024, 05.12.1959


class ShortPhoneRecognizer(LocalRecognizer):
    """7-8 digit local numbers ("call 467 3395", "ring 9123 4567"): too common a shape to take
    alone, so they count only with a phone word just before them. (presidio's context
    enhancer skips stop words, and "call" is one, hence a recognizer of its own.)"""

    def __init__(self):
        super().__init__(supported_entities=["PHONE_NUMBER"], name="AccordShortPhoneRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "PHONE_NUMBER" not in entities:
            return []
        meta = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
        found = [RecognizerResult("PHONE_NUMBER", m.start(1), m.end(1), 0.6, recognition_metadata=dict(meta))
                 for m in _SHORT_PHONE.finditer(text) if not _DATE_LIKE.fullmatch(m.group(1)) and (
                     6 <= sum(c.isdigit() for c in m.group(1)) <= 8 and not m.group(1).isdigit()
                 # unseparated: a word that only a phone has before it, and any length a phone has
                 # ("call back on 8004628897"), not "order number 20231145"
                     or m.group(1).isdigit() and 6 <= len(m.group(1)) <= 13 and not _NUMBER_WORD.match(m.group()))]
        taken = {(r.start, r.end) for r in found}
        for m in _GROUPED_NUMBER.finditer(text):
            digits = sum(c.isdigit() for c in m.group())
            if (m.start(), m.end()) in taken or not 6 <= digits <= 8 or _THOUSANDS.fullmatch(m.group()) \
                    or _DATE_LIKE.fullmatch(m.group()):
                continue
            # no phone word: only just above the threshold, so a number a name or date recognizer
            # explains better keeps its own kind
            found.append(RecognizerResult("PHONE_NUMBER", m.start(), m.end(), 0.4, recognition_metadata=dict(meta)))
        return found


def short_phone_recognizer() -> LocalRecognizer:
    return ShortPhoneRecognizer()


class _ChecksumRecognizer(PatternRecognizer):
    """A pattern that only counts when the number's checksum (python-stdnum) holds."""

    def __init__(self, *args, check, **kwargs):
        self.check = check
        super().__init__(*args, **kwargs)

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        return bool(self.check(pattern_text))


def _luhn_card(text: str) -> bool:
    from stdnum import luhn

    number = re.sub(r"[ \-]", "", text)
    return 12 <= len(number) <= 19 and luhn.is_valid(number) and len(set(number)) > 2


def _iban(text: str) -> bool:
    from stdnum import iban

    return iban.is_valid(text.upper())


def luhn_card_recognizer() -> PatternRecognizer:
    """Cards of 12-19 digits with or without separators (Maestro has 12), Luhn-checked."""
    patterns = [Pattern("luhn", r"(?<![\w\-.])\d(?:[ \-]?\d){11,18}(?![\w\-]|\.\d)", 0.5)]
    return _ChecksumRecognizer(supported_entity="CREDIT_CARD", name="AccordLuhnCardRecognizer",
                               patterns=patterns, check=_luhn_card)


def checked_iban_recognizer() -> PatternRecognizer:
    """IBANs in any case and spacing ("de89 3704 0044 0532 0130 00"), mod-97 checked."""
    patterns = [Pattern("iban_any_case",
                        r"(?i)\b[a-z]{2}\d{2}(?:[ \-]?[a-z0-9]{4}){2,7}(?:[ \-]?[a-z0-9]{1,3})?\b", 0.5),
                # written without spaces: the pattern above also takes a short word after it ("... pls"),
                # and a match that fails its checksum is not tried shorter
                Pattern("iban_compact", r"(?i)\b[a-z]{2}\d{2}[a-z0-9]{10,30}\b", 0.5)]
    return _ChecksumRecognizer(supported_entity="IBAN_CODE", name="AccordCheckedIbanRecognizer",
                               patterns=patterns, check=_iban)


def credit_card_recognizer() -> PatternRecognizer:
    # Formatted card numbers; presidio's own recognizer still handles Luhn-valid bare ones.
    patterns = [
        Pattern("4x4", r"(?<![\w\-])\d{4}(?:[ \-]\d{4}){3}(?:[ \-]\d{1,3})?(?![\w\-])", 0.65),
        Pattern("amex", r"(?<![\w\-])3\d{3}[ \-]\d{6}[ \-]\d{5}(?![\w\-])", 0.65),
        Pattern("bare", r"(?<!\d)\d{13,19}(?!\d)", 0.25),
    ]
    return PatternRecognizer(
        supported_entity="CREDIT_CARD", name="AccordCardRecognizer", patterns=patterns,
        context=["card", "credit", "visa", "mastercard", "amex", "cc", "debit", "charged", "payment"],
    )


def iban_recognizer() -> PatternRecognizer:
    patterns = [Pattern("iban", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", 0.6),
                # written small right after the word "iban": the label vouches for it, valid or not
                Pattern("iban_labelled", r"(?i)(?<=\biban[ \t]*[:#\-]?[ \t]*)[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}"
                        r"(?: ?[a-z0-9]{1,3})?\b", 0.6)]
    return PatternRecognizer(
        supported_entity="IBAN_CODE", name="AccordIbanRecognizer", patterns=patterns,
        context=["iban", "bank", "account", "transfer", "sepa"],
        global_regex_flags=re.DOTALL | re.MULTILINE,  # upper case only: avoids words
    )


def ssn_recognizer() -> PatternRecognizer:
    patterns = [
        Pattern("dashed", r"(?<![\w\-])\d{3}-\d{2}-\d{4}(?![\w\-])", 0.6),
        Pattern("spaced", r"(?<![\w\-])\d{3} \d{2} \d{4}(?![\w\-])", 0.3),
        Pattern("bare", r"(?<!\d)\d{9}(?!\d)", 0.1),
    ]
    return PatternRecognizer(
        supported_entity="US_SSN", name="AccordSsnRecognizer", patterns=patterns,
        context=["ssn", "social", "security", "ss#", "ss", "taxpayer", "tin"],
    )


def email_recognizer() -> PatternRecognizer:
    # Looser than presidio's (no TLD validation): catches internal/odd domains too.
    patterns = [Pattern("email", r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", 0.7)]
    return PatternRecognizer(supported_entity="EMAIL_ADDRESS", name="AccordEmailRecognizer",
                             patterns=patterns)


def ip_recognizer() -> PatternRecognizer:
    patterns = [
        Pattern("ipv6", r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|\d{1,3}(?:\.\d{1,3}){3})(?:%\w+)?(?![\w:])", 0.6),
        Pattern("ipv4", r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:/\d{1,2})?(?!\w|\.\d)", 0.6),
    ]
    return _IpV6Recognizer(supported_entity="IP_ADDRESS", name="AccordIpRecognizer", patterns=patterns)


def date_of_birth_recognizer() -> PatternRecognizer:
    # A date alone is not PII here; it scores below threshold unless birth context is near.
    score = 0.1
    patterns = [
        Pattern("numeric", r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b", score),
        Pattern("iso_time", r"\b\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?(?!\w)", score),
        Pattern("iso", r"\b\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}\b", score),
        Pattern("day_month", r"\b\d{1,2}" + _ORD + r"(?:\s+of)?\s+" + _MONTHS + r"\.?,?\s+\d{4}\b", score),
        Pattern("month_day", r"\b" + _MONTHS + r"\.?\s+\d{1,2}" + _ORD + r",?\s+\d{4}\b", score),
        Pattern("month_day_noyear", r"\b" + _MONTHS + r"\.?\s+\d{1,2}" + _ORD + r"\b", score),
        Pattern("day_month_noyear", r"\b\d{1,2}" + _ORD + r"(?:\s+of)?\s+" + _MONTHS + r"\b", score),
    ]
    return PatternRecognizer(
        supported_entity="DATE_OF_BIRTH", name="AccordDateOfBirthRecognizer", patterns=patterns,
        context=["born", "birth", "dob", "d.o.b", "d.o.b.", "birthday", "birthdate", "bday",
                 "b-day", "birthdays", "geboren", "née", "nee", "age", "aged"],
    )


_STREET_CORE = (r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|"
                r"terrace|close|crescent|parkway|pkwy|square|sq|highway|hwy|circle|cir|row|mews|"
                r"gardens|grove|hill|walk|trail|alley|plaza")


class _StreetRecognizer(PatternRecognizer):
    """Drops "street" matches whose street word is an English word: "During 1971" is a year,
    not a Germanic street ending in -ring; "reached 220 for three" has no street at all."""

    def __init__(self, lexicon: Lexicon, *args, **kwargs):
        self.lexicon = lexicon
        super().__init__(*args, **kwargs)

    def invalidate_result(self, pattern_text: str) -> Optional[bool]:
        first = re.match(r"[^\W\d_]+", pattern_text)
        if first and len(first.group()) >= 4 and \
                re.search(r"(?i)(?:ring|weg|damm|laan|platz|gasse|allee)$", first.group()):
            return self.lexicon.is_common(first.group())
        # "Sweetie 3", "Brigade 2": English words with a street's ending
        if first and re.search(r"(?i)(?:tie|gata|rinne|gade|hof|baan|kade|torg|boulevard)$", first.group()):
            return self.lexicon.is_common(first.group()) or self.lexicon.is_nounish(first.group()) \
                or self.lexicon.is_name(first.group())
        return False


def street_address_recognizer(lexicon: Lexicon | None = None) -> PatternRecognizer:
    lexicon = lexicon or get_lexicon()
    suffixes = "|".join(sorted((re.escape(s) for s in lexicon.street_suffixes), key=len, reverse=True))
    bare_number = r"\b\d{1,6}[A-Za-z]?(?:[\-/]\d{1,4}[A-Za-z]?)?"
    number = bare_number + ",?"
    unit = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|#)\.?\s*#?[\w\-]{1,6})?"
    # whole words only: "Crest, DelattreBourg" must not end the match inside the town's name
    city_zip = r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2}(?![\w'’\-]))?(?:,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
    cap_word = r"[A-Z][\w'’.\-]*"
    patterns = [
        Pattern("us_capitalised", number + r"\s+(?:" + cap_word + r"\s+){1,4}?(?i:" + suffixes + r")\b\.?"
                + unit + city_zip, 0.65),
        # without capitals the shape is weaker: no comma after the number ("at the age of 14, made me fall")
        Pattern("any_case_core", r"(?i)" + bare_number + r"\s+(?:[a-z][\w'’\-]*\s+){1,3}?(?:" + _STREET_CORE
                + r")\b\.?" + unit, 0.5),
        Pattern("any_case_all", r"(?i)" + bare_number + r"\s+(?:[a-z][\w'’\-]*\s+){1,2}?(?:" + suffixes + r")\b\.?"
                + unit, 0.4),
        Pattern("germanic", r"\b[A-ZÄÖÜ][\wäöüß\-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|"
                r"laan|straat|gatan|vej|veien)\s+\d{1,4}[a-z]?\b", 0.6),
        # name, then a street word written apart, then the number: "Petőfi utca 24.", "Kościelna ulica 7",
        # "Atatürk caddesi 12", "Brīvības iela 5"
        Pattern("street_word_between", r"\b[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-]+(?:\s[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-]+)?\s"
                r"(?i:utca|út|útja|tér|körút|köz|ulica|ulice|třída|náměstí|nábřeží|cesta|trg|šetalište|sokak|sokağı|"
                r"caddesi|bulvarı|iela|gatvė|tänav|prospekt|ulitsa|bulevar|bulevardi|katu|tie)\s+\d{1,4}[a-z]?"
                r"(?:/\d{1,4}[a-z]?)?\b\.?", 0.6),
        # the street word joined to the name: Finnish, Swedish, Danish, Norwegian ("Tahtibulevardi 9",
        # "Kauppakatu 3", "Ekvägen 12", "Søndergade 4")
        Pattern("street_word_joined", r"\b[A-ZÀ-ÖØ-Þ][\wäöüåæøéß\-]{3,}(?:katu|tie|kuja|polku|bulevardi|väylä|rinne|"
                r"gata|vägen|gränd|stigen|gade|stræde|vegen|utca|torget|torg|haugen|baan|boulevard|plein|singel|"
                r"kade|gracht|dreef|hof)\s+\d{1,4}[a-z]?(?:/\d{1,4}[a-z]?)?\b", 0.6),
        # a street word or its abbreviation first, then the name (or a number) and the house number, with
        # "No."/"N°" between: "pl. Brzechwy 75", "Jl. Ciwastra No. 233", "Av. 6 N° 1889", "Calea Victoriei 12"
        Pattern("street_word_first", r"(?<![\w.])(?i:pl\.|plac|al\.|aleja|os\.|osiedle|jl\.|jalan|gg\.|av\.|avda\.|"
                r"cra\.|carrera|cl\.|calle|c/|str\.|strada|bd\.|bulevardul|calea|şos\.|sos\.|şoseaua|soseaua|ulitsa)"
                r"[ \t]*(?:(?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-.]*|\d{1,4}[A-Z]?)[ \t]+){1,3}?"
                r"(?:(?:No\.?|N°|Nº|Nr\.?|nr\.?|#)[ \t]*)?\d{1,5}[a-zA-Z]?(?:[/\-]\d{1,4}[a-zA-Z]?)?(?![\w/])", 0.6),
        Pattern("romance", r"(?i:\b\d{1,4},?\s+)?\b(?:rue|avenue|boulevard|chemin|impasse|allée|calle|avenida|"
                r"via|viale|piazza|rua|praça|plaza|paseo|carrer|ulica|ul\.)\s+(?:(?:de|del|della|la|le|les|"
                r"du|des|dos|da|do|l'|d')\s*)*[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){0,2}(?:,?\s*\d{1,4})?", 0.6),
        Pattern("po_box", r"(?i)\bP\.?\s?O\.?\s?Box\s+\d{1,7}\b", 0.6),
        Pattern("uk_postcode", r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", 0.5),
        # typed in lower case ("leeds ls1 4ap"): the same shape, with the space required
        Pattern("uk_postcode_any_case", r"(?i)\b[a-z]{1,2}\d[a-z\d]?\s\d[a-z]{2}\b", 0.4),
    ]
    return _StreetRecognizer(
        lexicon, supported_entity="STREET_ADDRESS", name="AccordStreetAddressRecognizer", patterns=patterns,
        context=["address", "live", "lives", "living", "ship", "shipping", "deliver", "delivery",
                 "street", "residence", "billing", "mail"],
        global_regex_flags=re.DOTALL | re.MULTILINE,
    )


_GREETINGS = {
    "hi", "hello", "hey", "dear", "thanks", "thank", "thx", "ty", "regards", "cheers", "sincerely",
    "best", "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "attn", "cc", "signed", "agent",
    "customer", "colleague", "manager", "wife", "husband", "son", "daughter", "mother", "father",
    "mom", "dad", "brother", "sister", "friend", "partner", "named", "called", "contact", "from",
    "with", "ask", "asked", "told", "per", "yours", "love", "spoke", "by", "for", "to", "cc'd",
    # verbs of contacting someone: "emailed sarah", "pinged ahmed"
    "emailed", "email", "messaged", "pinged", "ping", "contacted", "phoned", "texted", "informed",
    "notified", "reminded", "thanked", "met", "tell",
}
# stage-name prefixes: any capitalised word after them is a name ("Lil Sly", "DJ Snake", "MC Hammer")
_STAGE_TITLES = {"lil", "dj", "mc"}
_ALIAS_WORDS = {"aka", "a.k.a", "alias"}
_TALK_VERBS = {"spoke", "speak", "spoken", "speaking", "talked", "talk", "talking", "chatted", "chat", "met",
               "meet", "meeting", "emailed", "wrote", "writing", "called", "calling"}
_HEDGES = {"actually", "really", "literally", "just", "still", "now"}
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mme", "herr", "frau", "sr",
           "sra", "señor", "señora", "monsieur", "madame"}
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# words after which a capitalised word names a thing, not a person ("my Mom", "the Bill", "a Tanner")
_DETERMINERS = {"a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "this", "that", "these",
                "those"}
def _joined(gap: str) -> bool:
    """Words separated only by spaces/tabs belong to the same name."""
    return bool(gap) and gap.isspace() and "\n" not in gap


_LINKISH = re.compile(r"(?i)(?:https?://|www\.)\S+|\b[\w\-]+(?:\.[\w\-]+)*\.(?:com|org|net|edu|gov|io|co|uk|de|"
                      r"fr|info|biz|me|tv|ly|app|dev)\b(?:/\S*)?")
_DOT_LETTER = re.compile(r"\w\.[^\W\d_]")


def _outside_links(text: str, words: list) -> list:
    """"example.org", "www.thomas.com": the words of a web address are no names or places."""
    if "/" not in text and not _DOT_LETTER.search(text):  # cheap: most texts hold no address
        return words
    links = [(m.start(), m.end()) for m in _LINKISH.finditer(text)]
    return [w for w in words if not any(a <= w[0] < b for a, b in links)] if links else words


_SOFT_GAP = re.compile(r"[\s,:;.!\-—–~]*")
_IN_SENTENCE_GAP = re.compile(r",?[ \t]+")


class NameListRecognizer(LocalRecognizer):
    """PERSON from first/last-name lists, with case and context rules.

    * a listed name that is not an English word ("Priya", "garcia") is a name in any case;
    * a listed name that is an English noun ("John", "Paris") needs a capital or support;
    * one that is an ordinary word ("Will", "Grace") needs a capital *and* support;
    * support = an adjacent name, a greeting/title before it ("thanks, priya"), or "name is".
    Adjacent capitalised unknown words join a found name (surnames not in the lists).
    Works on its own regex word split, so it does not depend on the NER model.
    """

    STRONG, NOUN, WEAK, NONE = "strong", "noun", "weak", "none"

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or get_lexicon()
        self._kinds: dict[str, str] = {}  # word -> kind; words repeat a lot across rows
        super().__init__(supported_entities=["PERSON"], name="AccordNameListRecognizer",
                         supported_language="en")

    def load(self) -> None:  # lists are loaded in __init__
        pass

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        words = _outside_links(text, [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)])
        gaps = [text[words[i - 1][1]:w[0]] if i else text[:w[0]] for i, w in enumerate(words)]
        kinds = [self._kind(w[2]) for w in words]
        labelled = [(e.start_char, e.end_char) for e in getattr(getattr(nlp_artifacts, "tokens", None), "ents", ())
                    if e.label_ in {"NORP", "LANGUAGE", "EVENT", "LAW", "DATE", "TIME", "WORK_OF_ART"}]
        scores = self._seed_scores(words, gaps, kinds, labelled)
        self._extend(words, gaps, kinds, scores, getattr(nlp_artifacts, "original_text", None) or text)
        return self._to_results(words, gaps, scores)

    # -- classification -------------------------------------------------------------------
    def _kind(self, word: str) -> str:
        kind = self._kinds.get(word)
        if kind is None:
            kind = self._kinds[word] = self._classify(word) if len(self._kinds) < 200_000 else self._classify(word)
        return kind

    def _classify(self, word: str) -> str:
        lex = self.lexicon
        kinds = set()
        for part in re.split(r"['’\-]", word):
            if len(part) < 2:
                continue  # "o" in O'Connor, "s" in wei's
            if not lex.is_name(part):
                kinds.add(self.NONE)
            elif lex.is_common(part):
                kinds.add(self.WEAK)
            elif lex.is_nounish(part):
                kinds.add(self.NOUN)
            else:
                kinds.add(self.STRONG)
        for kind in (self.STRONG, self.NOUN, self.WEAK):
            if kind in kinds:
                return kind
        return self.NONE

    @staticmethod
    def _capitalised(word: str) -> bool:
        return word[:1].isupper() and len(word) >= 2

    def _plain_unknown(self, word: str) -> bool:
        """Not a name in our lists and not an English word: maybe an unlisted name."""
        return len(word) >= 3 and not self.lexicon.is_common(word) and not self.lexicon.is_nounish(word) \
            and not is_noise(word)

    def _triggered(self, words, gaps, i: int) -> bool:
        if re.search(r"\n[ \t]*[-—–~][ \t]*$", gaps[i]):
            return True  # sign-off line: "- priya"
        if i == 0 or not _SOFT_GAP.fullmatch(gaps[i]):
            return False
        prev = words[i - 1][2].lower()
        # a greeting line ends at its line break: "Hello,\nTwo-factor codes ..." starts a sentence
        if prev in _GREETINGS and "\n" not in gaps[i] and not (prev in {"from", "with", "for", "to", "by"}
                                                               and not self._capitalised(words[i][2])
                                                               and self._kind(words[i][2]) not in {self.NOUN, self.STRONG}):
            return True
        before = words[i - 2][2].lower() if i >= 2 else ""
        if prev in _ALIAS_WORDS:
            return True  # "ldshadowlady aka Lizzie"
        if prev in _HEDGES and i >= 3:  # "your last name is actually fox", "i'm really Kishan"
            prev, before = before, words[i - 3][2].lower()
        return prev in {"is", "am", "im", "i'm", "me"} and before in {"name", "i", "call", "calls", "called"}

    def _lone_capital(self, words, gaps, i: int) -> bool:
        """A capital inside a sentence, between lower-case words, on a word English does not
        mostly write in lower case ("Wisdom", "Team"), and not after "my/the/a" ("my Mom")."""
        if i == 0 or not _IN_SENTENCE_GAP.fullmatch(gaps[i]) or not words[i - 1][2].islower() \
                or words[i - 1][2] in _DETERMINERS or words[i][2].isupper() or self.lexicon.is_stop(words[i][2]) \
                or words[i][2].lower() in self.lexicon.lower_case_words \
                or words[i][2].lower().removesuffix("s") in CALENDAR_WORDS:  # "on Sundays", "in May"
            return False
        if i + 1 == len(words):
            return True
        after = gaps[i + 1] + words[i + 1][2]
        # "Wisdom and Discipline", "Article 50": a capitalised pair or a numbered thing, not a person
        return not (_joined(gaps[i + 1]) and self._capitalised(words[i + 1][2])) and not re.match(r"[ \t]*\d", after) \
            and not (words[i + 1][2] in {"and", "or"} and i + 2 < len(words) and self._capitalised(words[i + 2][2]))

    def _seed_scores(self, words, gaps, kinds, labelled=()) -> list[float]:
        """`labelled`: spans NER gave a label other than a person's ("French", "Easter")."""
        scores = [0.0] * len(words)
        # in Title Case text every word has its capital: no word stands out by it
        long_words = [w for _, _, w in words if len(w) >= 4]
        title_case = sum(self._capitalised(w) for w in long_words) > 0.5 * max(len(long_words), 1)
        for i, (_, _, word) in enumerate(words):
            kind, cap = kinds[i], self._capitalised(word)
            after_title = i > 0 and words[i - 1][2].lower() in _TITLES and gaps[i] in {" ", ". "}
            stage_name = i > 0 and words[i - 1][2].lower() in _STAGE_TITLES and gaps[i] == " " \
                and words[i - 1][2][:1].isupper()
            if (after_title and cap and (kind != self.NONE or not self.lexicon.is_common(word))) \
                    or (stage_name and cap and not self.lexicon.is_stop(word)):
                scores[i] = 0.85  # "Mr. Pohjanpalo", not "Mr. President"; "Lil Sly", "DJ Snake"
            elif i >= 2 and word.lower() in self.lexicon.first_names and not self.lexicon.is_stop(word) \
                    and words[i - 1][2].lower() in {"with", "to"} and words[i - 2][2].lower() in _TALK_VERBS \
                    and _joined(gaps[i]) and _joined(gaps[i - 1]):
                scores[i] = 0.7  # "I spoke with carol", "talked to dawn": a first name, whatever else it is
            elif i + 1 < len(words) and words[i + 1][2].lower() in _ALIAS_WORDS and _joined(gaps[i + 1]) \
                    and not self.lexicon.is_stop(word) and (cap or not self.lexicon.is_common(word)):
                scores[i] = 0.7  # the name before "aka": "ldshadowlady aka Lizzie"
            elif kind == self.STRONG and (cap or len(word) >= 3) and not (word.isupper() and len(word) <= 4):
                # a short word in capitals amid mixed case is an acronym first ("IKEA", "FIFA"); the
                # re-cased copy has already lower-cased capitals written as names ("JOHN SMITH")
                scores[i] = 0.9 if cap else 0.6  # 0.9: beats NER's 0.85 "GPE" on a bare first name
            elif kind == self.NOUN and cap:
                scores[i] = 0.7
            elif self._triggered(words, gaps, i) and not self.lexicon.is_stop(word) and (
                    kind in {self.STRONG, self.NOUN} or (kind == self.WEAK and cap)
                    or (kind == self.WEAK and word.lower() in self.lexicon.first_names
                        and word.lower() not in self.lexicon.lower_case_words  # "mom said", "thanks will"
                        and words[i - 1][2].lower() not in {"love", "best", "from", "with", "for", "to", "by"})
                    or (kind == self.NONE and self._plain_unknown(word))):
                scores[i] = 0.7
            elif cap and (kind == self.WEAK or word.lower() in self.lexicon.word_names) and not title_case \
                    and self._lone_capital(words, gaps, i) \
                    and not any(a <= words[i][0] < b for a, b in labelled):
                scores[i] = 0.6  # "any Trump supporters", "a lot Tanner and": a word-name with its capital mid-sentence
            elif (kind in {self.NOUN, self.WEAK} and i + 1 < len(words) and _joined(gaps[i + 1])
                  and word.lower() in self.lexicon.first_names and not self.lexicon.is_stop(word)
                  and word.lower() not in _GREETINGS
                  and words[i + 1][2].lower() in self.lexicon.last_names
                  and self._kind(words[i + 1][2]) in {self.NOUN, self.STRONG}):
                scores[i] = scores[i + 1] = 0.6  # "john smith", "bonnie bennett": a first name and a surname

        return scores

    def _neighbour_is_name_like(self, word: str, kind: str, left_is_name: bool = True) -> bool:
        if word.lower() in _GREETINGS or self.lexicon.is_stop(word):
            return False  # "love", "with", "best": the words around names, never part of them
        if self._capitalised(word):
            return kind != self.NONE or not self.lexicon.is_common(word)
        # a lower-case ordinary word never continues a name ("bennett said", "love you")
        return kind in {self.STRONG, self.NOUN} or (kind == self.NONE and self._plain_unknown(word))

    def _extend(self, words, gaps, kinds, scores: list[float], original: str) -> None:
        """`original`: the text as written (the recognizer reads a re-cased copy)."""
        changed = True
        while changed:
            changed = False
            for i, (_, _, word) in enumerate(words):
                left = i > 0 and scores[i - 1] and _joined(gaps[i])
                # "carole gray", "JOE BROWN": a listed surname that is also a word, right after a first name
                # in lower case or capitals (in mixed case a surname has its capital: "Ramos said" is a verb)
                surname = left and word.lower() in self.lexicon.last_names and not self.lexicon.is_stop(word) \
                    and words[i - 1][2].lower() in self.lexicon.first_names and kinds[i] == self.WEAK \
                    and not original[words[i - 1][0]:words[i - 1][1]].istitle() \
                    and not (i >= 2 and scores[i - 2] and _joined(gaps[i - 1]))  # not a third word: "bonnie bennett said"
                if scores[i] or not (surname or self._neighbour_is_name_like(word, kinds[i], bool(left))):
                    continue
                right = i + 1 < len(words) and scores[i + 1] and _joined(gaps[i + 1])
                # "Siobhan or Oluwaseun", "Ana and Tomás": a capitalised unknown coordinated with a name
                coordinated = (i >= 2 and scores[i - 2] and words[i - 1][2].lower() in {"and", "or", "&"}
                               and self._capitalised(word) and not word.isupper()
                               and (not self.lexicon.is_common(word) or kinds[i] != self.NONE))  # "Hughes and Moody"
                if coordinated:
                    scores[i] = min(scores[i - 2], 0.7)
                    changed = True
                elif left or right:
                    scores[i] = min(max(scores[i - 1] if left else 0, scores[i + 1] if right else 0), 0.7)
                    changed = True

    def _to_results(self, words, gaps, scores: list[float]) -> List[RecognizerResult]:
        results: List[RecognizerResult] = []
        i = 0
        while i < len(words):
            if not scores[i]:
                i += 1
                continue
            start_i, best = i, scores[i]
            while i + 1 < len(words) and scores[i + 1] and _joined(gaps[i + 1]):
                i += 1
                best = max(best, scores[i])
            results.append(RecognizerResult(
                "PERSON", words[start_i][0], words[i][1], best,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
            i += 1
        return results


_PLACE_FIELD = re.compile(r"(?im)^[ \t]*(?:city|town|village|county|province|place of birth|birthplace|hometown)"
                          r"[ \t]*:[ \t]*([^\W\d_][^\n:;@<>]{0,38}[^\W\d_.])[ \t.]*$")
_PLACE_LEADS = {"in", "from", "near", "at", "to", "of", "outside", "around"}
_INSIDE_LEADS = {"in", "near", "outside", "around"}
_LOWER_CASE_PLACE_LEADS = _PLACE_LEADS | {"lives", "live", "moved"}
_AFTER_CITY = re.compile(r"[^\W\d_]{3,},[ \t]$")
# "U.S. officials", "the UK", "in the UAE"; "US" only where the words around it are not shouted ("HELP US")
_COUNTRY_ABBREVIATION = re.compile(r"(?<![\w.])(?:U\.S\.A\.?|U\.S\.|U\.K\.|U\.A\.E\.|USA|UAE|UK|US)(?![\w]|\.\w)")
_SHOUTED_NEIGHBOUR = re.compile(r"(?<![\w.])(?!US\b)[A-Z]{2,}(?![\w.])")
# nouns that follow a place's name: "WEDGECARRUP bridge", "Tamazout station"
_PLACE_PREFIXES = {"north", "south", "east", "west", "new", "old", "port", "lake", "mount", "fort", "upper", "lower",
                   "great", "little", "saint", "st", "san", "santa", "bad"}
_PLACE_NOUNS = {"bridge", "river", "lake", "valley", "station", "airport", "harbour", "harbor", "bay", "island",
                "county", "district", "province", "village", "town", "city", "beach", "mountains", "peninsula"}


# endings that make a town's name in English, German, Dutch, Nordic and Slavic place names
# ("Stewartbury", "Kesselsdorf", "Janestad", "Novigrad"): a word no list knows that ends so is a town
TOWN_SHAPE_RULE = "AccordTownShapeRule"  # the engine keeps it only where the writer gave the town a capital
_PLACE_SUFFIX = re.compile(
    r"(?i)[^\W\d_]{3,}(?:ville|burgh|burg|bury|borough|ford|fort|furt|mouth|port|stad|stadt|chester|caster|"
    r"haven|view|land|side|shire|town|berg|field|dale|worth|wick|stead|dorf|heim|hausen|hofen|ingen|"
    r"bach|brück|brugge|vik|fjord|holm|borg|köping|grad|gorod|polis)")


def _ner_spans(nlp_artifacts, label: str) -> list[tuple[int, int]]:
    doc = getattr(nlp_artifacts, "tokens", None)
    if doc is None or not hasattr(doc, "ents"):
        return []
    return [(e.start_char, e.end_char) for e in doc.ents if e.label_ == label]


class PlaceRecognizer(LocalRecognizer):
    """LOCATION from a gazetteer (countries, states, cities in faker) and 'in <Capitalised>'."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or get_lexicon()
        super().__init__(supported_entities=["LOCATION"], name="AccordPlaceRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def _meta(self) -> dict:
        return {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}

    def _unknown_capital(self, word: str) -> bool:
        return word[:1].isupper() and len(word) >= 3 and not self.lexicon.is_common(word) \
            and not self.lexicon.is_nounish(word) and word.lower() not in self.lexicon.never_names

    def _name_run(self, text: str, words, i: int) -> int:
        """How many words from i make one place name: capitalised words joined by spaces, and
        particles between them ("Frabosa Sottana", "Puntas de Valdés", "Ostrov nad Ohří")."""
        n = 1
        while i + n < len(words) and text[words[i + n - 1][1]:words[i + n][0]] == " ":
            word = words[i + n][2]
            if self._unknown_capital(word) or (word.lower() in self.lexicon.places and word[:1].isupper()):
                n += 1
            elif word.islower() and len(word) <= 4 and i + n + 1 < len(words) \
                    and text[words[i + n][1]:words[i + n + 1][0]] == " " and self._unknown_capital(words[i + n + 1][2]):
                n += 2
            else:
                break
        return n

    def _before_regions(self, text: str, words) -> List[RecognizerResult]:
        """A capitalised word no list knows right before ", <country or US state>" is a town there
        ("Tamazout, Tunisia", "Velmoor, Montana")."""
        found = []
        for k in range(len(words) - 1):
            gap = text[words[k][1]:words[k + 1][0]]
            if gap not in {", ", ",", " "} or not self._unknown_capital(words[k][2]) \
                    or words[k][2].lower() in self.lexicon.places:
                continue
            n = next((n for n in (3, 2, 1) if k + n < len(words) and
                      text[words[k + 1][0]:words[k + n][1]].lower() in self.lexicon.regions), 0)
            # without a comma, only on an address line: "Tamazout Tunisia 3200"
            if not n or (gap == " " and not re.match(r"[ \t,]*\d{3,}", text[words[k + n][1]:])):
                continue
            first = k  # the town may be several words: "Puntas de Valdés Uruguay 80006"
            while first > 0 and text[words[first - 1][1]:words[first][0]] == " " and (
                    self._unknown_capital(words[first - 1][2])
                    or (words[first - 1][2].islower() and len(words[first - 1][2]) <= 4 and first >= 2
                        and self._unknown_capital(words[first - 2][2]))):
                first -= 1
            found.append(RecognizerResult("LOCATION", words[first][0], words[k][1], 0.6,
                                          recognition_metadata=self._meta()))
        return found

    def _town_shaped(self, text: str, words) -> List[RecognizerResult]:
        """A capitalised or ALL-CAPS word no list knows that ends the way town names end ("Rangelfort",
        "Stewartbury", "PRAKALPAWONGLAND") is a town wherever it stands: between commas, in brackets,
        alone on a line. A place prefix before it ("North", "PORT") goes with it."""
        found = []
        lex = self.lexicon
        for k, (start, end, word) in enumerate(words):
            if len(word) < 6 or not word[:1].isupper() or not _PLACE_SUFFIX.fullmatch(word) \
                    or lex.is_common(word) or lex.is_nounish(word) or word.lower() in lex.never_names \
                    or word.lower() in lex.places:
                continue
            first = k
            # any case: the scrubber reads "EAST JAMEELBERG" as "east Jameelberg"
            while first > 0 and words[first - 1][2].lower() in _PLACE_PREFIXES \
                    and text[words[first - 1][1]:words[first][0]] == " ":
                first -= 1
            meta = {RecognizerResult.RECOGNIZER_NAME_KEY: TOWN_SHAPE_RULE,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
            found.append(RecognizerResult("LOCATION", words[first][0], end, 0.5, recognition_metadata=meta))
        return found

    def _beside_place_words(self, text: str, words, orgs) -> List[RecognizerResult]:
        """A capitalised or ALL-CAPS word no list knows, before "bridge", "river", "station" ...:
        the name of that place ("WEDGECARRUP bridge is falling down")."""
        found = []
        for k in range(len(words) - 1):
            word, nxt = words[k][2], words[k + 1][2]
            if nxt.lower() in _PLACE_NOUNS and text[words[k][1]:words[k + 1][0]] == " " and len(word) >= 4 \
                    and word[:1].isupper() and not self.lexicon.is_common(word) and not self.lexicon.is_nounish(word) \
                    and word.lower() not in self.lexicon.never_names:
                found.append(RecognizerResult("LOCATION", words[k][0], words[k][1], 0.6,
                                              recognition_metadata=self._meta()))
        return found

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "LOCATION" not in entities:
            return []
        words = _outside_links(text, [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)])
        orgs = _ner_spans(nlp_artifacts, "ORG")
        results: List[RecognizerResult] = [*self._beside_place_words(text, words, orgs),
                                           *self._before_regions(text, words), *self._town_shaped(text, words)]
        results += [RecognizerResult("LOCATION", m.start(), m.end(), 0.7, recognition_metadata=self._meta())
                    for m in _COUNTRY_ABBREVIATION.finditer(text)
                    if m.group() != "US" or not _SHOUTED_NEIGHBOUR.search(text[max(0, m.start() - 12):m.end() + 12])]
        if ":" in text:  # a form's "City: KELDWICK", "Place of birth: Brennokstad"
            results += [RecognizerResult("LOCATION", m.start(1), m.end(1), 0.6, recognition_metadata=self._meta())
                        for m in _PLACE_FIELD.finditer(text)]
        i = 0
        while i < len(words):
            hit = 0
            for n in (4, 3, 2, 1):  # longest gazetteer match first
                if i + n <= len(words) and words[i][2][:1].isupper():
                    phrase = text[words[i][0]:words[i + n - 1][1]]
                    if phrase.lower() in self.lexicon.places:
                        hit = n
                        break
            score = 0.9
            after_lead = i > 0 and words[i - 1][2].lower() in _LOWER_CASE_PLACE_LEADS \
                and text[words[i - 1][1]:words[i][0]] == " "
            if not hit and after_lead and not words[i][2][:1].isupper():
                # lower-case place after "in"/"from"/...: gazetteer only, and never an ordinary word
                for n in (3, 2, 1):
                    phrase = text[words[i][0]:words[i + n - 1][1]] if i + n <= len(words) else ""
                    if phrase and phrase.lower() in self.lexicon.places and not self.lexicon.is_common(phrase):
                        hit, score = n, 0.5
                        break
            lead = words[i - 1][2].lower() if i > 0 and text[words[i - 1][1]:words[i][0]] == " " else ""
            org = next(((a, b) for a, b in orgs if a == words[i][0]), None)
            if not hit and org and lead in _INSIDE_LEADS:
                # "in WI", "near Haunted House": NER's organisation after "in" is a place
                n = sum(1 for w in words[i:] if w[1] <= org[1])
                hit, score = max(n, 1), 0.6
            elif not hit and lead in _PLACE_LEADS and words[i][2][:1].isupper() and len(words[i][2]) >= 3 \
                    and not self.lexicon.is_common(words[i][2]) and not self.lexicon.is_nounish(words[i][2]):
                hit, score = self._name_run(text, words, i), 0.4
            if not hit and words[i][2] in self.lexicon.state_codes and (
                    lead in _PLACE_LEADS or _AFTER_CITY.search(text, max(0, words[i][0] - 20), words[i][0])):
                hit, score = 1, 0.6  # "in WI", "Madison, WI"
            if hit:
                results.append(RecognizerResult(
                    "LOCATION", words[i][0], words[i + hit - 1][1], score,
                    recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                          RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
                i += hit
            else:
                i += 1
        return results


_HANDLE = re.compile(r"(?<![\w@.])[@#]([A-Za-z0-9_]{2,30})(?![\w@]|\.[A-Za-z])")
_HANDLE_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


class HandleRecognizer(LocalRecognizer):
    """@handles as USERNAME (when the dataset adds that kind); a handle or #tag made of a listed
    name ("@kristina_l", "#JusticeForEinarPohjanpalo" with a listed part) as PERSON always."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or get_lexicon()
        super().__init__(supported_entities=["USERNAME", "PERSON"], name="AccordHandleRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def _names_a_person(self, body: str) -> bool:
        parts = [w for w in _HANDLE_PARTS.findall(body) if len(w) >= 3]
        return any(self.lexicon.is_name(w) and not self.lexicon.is_common(w) and not self.lexicon.is_nounish(w)
                   for w in parts)

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "@" not in text and "#" not in text:
            return []
        results = []
        meta = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
        for m in _HANDLE.finditer(text):
            handle = m.group()[0] == "@"
            if handle and "USERNAME" in entities:
                results.append(RecognizerResult("USERNAME", m.start(), m.end(), 0.8, recognition_metadata=dict(meta)))
            elif "PERSON" in entities and self._names_a_person(m.group(1)):
                results.append(RecognizerResult("PERSON", m.start(), m.end(), 0.7, recognition_metadata=dict(meta)))
        return results


def url_recognizer() -> PatternRecognizer:
    patterns = [Pattern("url", r"(?i)\b(?:https?://|www\.)[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]", 0.7)]
    return PatternRecognizer(supported_entity="URL", name="AccordUrlRecognizer", patterns=patterns)


def accord_recognizers() -> list:
    lexicon = get_lexicon()
    return [
        phone_recognizer(), short_phone_recognizer(), credit_card_recognizer(), luhn_card_recognizer(),
        iban_recognizer(), checked_iban_recognizer(), ssn_recognizer(),
        email_recognizer(), ip_recognizer(), date_of_birth_recognizer(),
        street_address_recognizer(lexicon), NameListRecognizer(lexicon), PlaceRecognizer(lexicon),
        HandleRecognizer(lexicon), url_recognizer(), SubjectNameRecognizer(lexicon),
        AddressBlockRecognizer(lexicon), LabelledPostcodeRecognizer(),
        LabelledAddressRecognizer(lexicon),
    ]


PRESIDIO_RECOGNIZERS = ("CreditCardRecognizer", "IbanRecognizer", "SpacyRecognizer")
ACCORD_RECOGNIZERS = ("AccordPhoneRecognizer", "AccordShortPhoneRecognizer", "AccordCardRecognizer",
                      "AccordLuhnCardRecognizer", "AccordIbanRecognizer", "AccordCheckedIbanRecognizer",
                      "AccordSsnRecognizer", "AccordEmailRecognizer", "AccordIpRecognizer",
                      "AccordDateOfBirthRecognizer", "AccordStreetAddressRecognizer",
                      "AccordNameListRecognizer", "AccordPlaceRecognizer", "AccordHandleRecognizer",
                      "AccordUrlRecognizer", "AccordSubjectNameRecognizer", "AccordAddressBlockRecognizer",
                      "AccordLabelledPostcodeRecognizer", "AccordLabelledAddressRecognizer")


def recognizer_names() -> list[str]:
    return [*PRESIDIO_RECOGNIZERS, *ACCORD_RECOGNIZERS]
