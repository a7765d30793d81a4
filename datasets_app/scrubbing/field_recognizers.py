"""Recognizers for values a label names: "Postcode: 34526", "my zip code is 6020".

A postcode alone is a number like any other; the word before it is the evidence. Scrubbed as part
of a STREET_ADDRESS (a postcode narrows a person's home to a few streets).
"""

from __future__ import annotations

import re
from typing import List

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from .lexicon import Lexicon, get_lexicon

_POSTCODE_LABEL = (r"(?i:post[ \t]?code|postal[ \t]+code|zip(?:[ \t\-]?code)?|post[ \t]+code|postleitzahl|plz"
                   r"|code[ \t]+postal|cep|pin[ \t]?code)")
# digits with an optional letter prefix and a second group ("34526", "163 40", "NL-1012", "08595-123");
# Canadian and British shapes ("E1H 3L4", "SW1A 1AA")
# and any other upper-case group of letters and digits with a second group ("21-529", "P31 K7X2")
_POSTCODE_VALUE = (r"(?:[A-Z]{1,2}[ \t\-]?)?\d{3,8}(?:[ \t\-]\d{2,4})?(?:[ \t][A-Z]{2})?"
                   r"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
                   r"|(?=[A-Z\d \t\-]*\d[A-Z\d \t\-]*\d)[A-Z\d]{2,4}[ \t\-][A-Z\d]{3,4}")
_LABELLED_POSTCODE = re.compile(r"\b" + _POSTCODE_LABEL + r"\b[ \t]*(?:(?i:is|was|:|=|#|-|no\.?)[ \t]*){0,2}"
                                r"\(?(" + _POSTCODE_VALUE + r")(?![\w\-/.,]\d|\w)")


class LabelledPostcodeRecognizer(LocalRecognizer):
    """A postcode after the word that names it, in a form or a sentence."""

    def __init__(self):
        super().__init__(supported_entities=["STREET_ADDRESS"], name="AccordLabelledPostcodeRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "STREET_ADDRESS" not in entities:
            return []
        meta = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
        return [RecognizerResult("STREET_ADDRESS", m.start(1), m.end(1), 0.6, recognition_metadata=dict(meta))
                for m in _LABELLED_POSTCODE.finditer(text)]


_ADDRESS_LABEL = re.compile(
    r"(?im)^[ \t]*(?:(?:home|street|postal|mailing|billing|shipping|delivery|new|old|current|my|full|correct|"
    r"permanent)[ \t]+)?(?:address|ship(?:ping)?[ \t]+to|deliver(?:y)?[ \t]+to|send[ \t]+to|mail[ \t]+to|adresse|"
    r"anschrift|adres|adresa|direcci[oó]n|endere[cç]o|indirizzo)[ \t]*:[ \t]*")
_LABEL_LINE = re.compile(r"[^\W\d_][\w \t]{0,25}:")  # the next field of a form ("Phone: ...")
_ADDRESS_VALUE_MAX = 90


class LabelledAddressRecognizer(LocalRecognizer):
    """The value of a form's "Address:" / "Ship to:" field: the rest of its line, or the short lines
    under it up to a blank line or the next "Label:" line, when a digit is among them ("Address:
    Flat 4, House No. 4, Kalabagan", "SHIP TO:\\nUSCGC Harlow\\nFPO AE 28162"). Whatever the street
    word or the country's way of writing it, the label says what it is."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or get_lexicon()
        super().__init__(supported_entities=["STREET_ADDRESS"], name="AccordLabelledAddressRecognizer",
                         supported_language="en")

    def _prose(self, value: str) -> bool:
        """"see my last message, 2 lines up": two lower-case English words make a sentence, not an
        address ("utca", "nr.", "phố" are no English words)."""
        words = re.findall(r"(?<![\w.])[a-z]{2,}(?![\w.])", value)
        return sum(1 for w in words if self.lexicon.is_common(w)) >= 2

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "STREET_ADDRESS" not in entities:
            return []
        meta = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
        found = []
        for m in _ADDRESS_LABEL.finditer(text):
            line_end = text.find("\n", m.end())
            line_end = len(text) if line_end < 0 else line_end
            start, end = m.end(), line_end
            if not text[start:end].strip():  # the value is on the lines below
                start, end, pos = line_end + 1, line_end, line_end + 1
                for _ in range(4):
                    nxt = text.find("\n", pos)
                    nxt = len(text) if nxt < 0 else nxt
                    line = text[pos:nxt]
                    if not line.strip() or _LABEL_LINE.match(line.strip()) or len(line) > 60:
                        break
                    end, pos = nxt, nxt + 1
                    if pos > len(text):
                        break
            value = text[start:end].rstrip(" \t.")
            if not value.strip() or len(value) > _ADDRESS_VALUE_MAX or not any(c.isdigit() for c in value) \
                    or self._prose(value):
                continue
            lead = len(value) - len(value.lstrip())
            found.append(RecognizerResult("STREET_ADDRESS", start + lead, start + len(value), 0.6,
                                          recognition_metadata=dict(meta)))
        return found
