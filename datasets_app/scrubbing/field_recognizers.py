"""Recognizers for values a label names: "Postcode: 34526", "my zip code is 6020".

A postcode alone is a number like any other; the word before it is the evidence. Scrubbed as part
of a STREET_ADDRESS (a postcode narrows a person's home to a few streets).
"""

from __future__ import annotations

import re
from typing import List

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

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
