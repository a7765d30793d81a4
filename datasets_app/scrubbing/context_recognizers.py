"""Recognizers that read a word's place in the sentence rather than its spelling.

* ``SubjectNameRecognizer``: a word no list knows, or a listed first name, that opens a sentence
  and is followed by a verb a person does or by a vocative comma ("Bulbulay is so funny",
  "Loey, do you ...", "wow edubes, your video", "Bill is from ...").
* ``AddressBlockRecognizer``: "street number, town, [region] postcode" in any script and case
  ("Lindargata 97, Sandgerði, 245", "Torvvägen 34, LATIKBERG, 912 02", "Λεωφόρος Πανεπιστημίου
  219, ΚΙΑΔΟΣ, FA 5654"): the shape is the evidence, not a street word. Written one part a line
  ("Dunajska 64 / Apt. 284 / TROJANE / Slovenia 1222"), the lines above a "<country> [postcode]"
  line are read back to the street.
"""

from __future__ import annotations

import re
from typing import List

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from .lexicon import CALENDAR_WORDS, Lexicon, get_lexicon

_WORD = re.compile(r"(?<![\w@#./])[^\W\d_][^\W\d_'’\-]*(?![\w@]|\.[^\W\d_])")
# verbs that follow a person as the subject; "'s" as a possessive or "is"
_PERSON_VERBS = {
    "is", "was", "has", "had", "got", "gets", "does", "did", "said", "says", "thinks", "knows", "wants",
    "loves", "likes", "made", "makes", "looks", "looked", "sings", "plays", "played", "needs", "went",
    "lives", "lived", "works", "worked", "moved", "came", "comes", "told", "wrote", "called", "asked",
}
# what a person has: "Euphrosyne's address", "Quorvinne's wife" (anywhere in a sentence)
_PERSONAL_NOUNS = {
    "address", "phone", "number", "email", "e-mail", "birthday", "wife", "husband", "mother", "father", "mom",
    "dad", "son", "daughter", "brother", "sister", "friend", "boyfriend", "girlfriend", "partner", "account",
    "house", "home", "family", "kids", "children", "car", "passport", "profile", "channel", "voice",
}
# interjections and addresses before a vocative name: "wow edubes,", "hey Loey,", "dude croy:"
_OPENERS = {
    "wow", "hey", "hi", "hello", "yo", "dude", "bro", "yea", "yeah", "omg", "lol", "chief", "oh", "ok", "okay",
    "congrats", "congratulations", "sorry", "thanks", "welcome", "bye", "miss", "poor", "go", "dear",
}
_ADDRESSED = re.compile(r"[ \t]+(?:(?:my|ma)[ \t]+(?:brother|bro|sister|sis|friend|dude|man|boy|girl|guy|love|dear)"
                        r"|(u|you))\b(?![ \t]*(?:know|mean|guys)\b)", re.I)
_MY_FRIEND = re.compile(r"(?i:my|ma)[ \t]+(?i:boy|girl|man|dude|bro|sis|guy|homie|buddy)[ \t]+")
_PRONOUNS = {"anybody", "somebody", "nobody", "everybody", "anyone", "someone", "everyone"}
_LAUGH = re.compile(r"(?:[aeiouy]*h[aeiouhy]*){2,}|\w*(\w)\1\1\w*|lm+f?ao+|rofl|lo+l")
_META = {"recognizer_name": "AccordSubjectNameRecognizer"}


def _sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 4):start].rstrip(" \t")
    return not before or before[-1] in ".!?:;\"“”(\n*-|>" or before.endswith(("...", "…"))


class SubjectNameRecognizer(LocalRecognizer):
    """A sentence's subject or a vocative that no word list explains is most often a name in
    chat and social text; the verb or the comma after it is the evidence, not its capital."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or get_lexicon()
        super().__init__(supported_entities=["PERSON"], name="AccordSubjectNameRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def _candidate(self, word: str) -> bool:
        lex, key = self.lexicon, word.lower()
        if len(word) < 3 or (word.isupper() and len(word) > 1) or key in CALENDAR_WORDS or key in _PRONOUNS \
                or _LAUGH.fullmatch(key) \
                or key in lex.never_names or lex.is_stop(word) or key in lex.places:
            return False
        if key in lex.first_names:  # a first name that is also a word ("Bill", "joke") needs its capital
            return word[:1].isupper() or not lex.is_common(word)
        return not lex.is_common(word) and not lex.is_nounish(word) and not lex.is_name(word)

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        words = list(_WORD.finditer(text))
        found = []
        for k, m in enumerate(words):
            word, key = m.group(), m.group().lower()
            if not self._candidate(word):
                continue
            if word[:1].isupper() and re.match(r"['’]s[ \t]+(\w+)", text[m.end():m.end() + 20]) and \
                    re.match(r"['’]s[ \t]+(\w+)", text[m.end():m.end() + 20]).group(1).lower() in _PERSONAL_NOUNS:
                found.append(RecognizerResult("PERSON", m.start(), m.end(), 0.6,
                                              recognition_metadata={**_META, "recognizer_identifier": self.id}))
                continue
            opened = _sentence_start(text, m.start())
            after_opener = False
            if not opened and k > 0:
                prev = words[k - 1]
                after_opener = prev.group().lower() in _OPENERS and \
                    re.fullmatch(r"[ \t,!]*", text[prev.end():m.start()]) is not None
                opened = after_opener and _sentence_start(text, prev.start())
            # "Poor Jimmy", "hey Tanner": a listed first name with its capital after an interjection;
            # "my boy iDubbbz": an unlisted word after "my boy/girl/man"
            if (after_opener and word[:1].isupper() and key in self.lexicon.first_names) or (
                    k > 1 and key not in self.lexicon.first_names and not word.islower()
                    and _MY_FRIEND.fullmatch(text[words[k - 2].start():m.start()])):
                found.append(RecognizerResult("PERSON", m.start(), m.end(), 0.6,
                                              recognition_metadata={**_META, "recognizer_identifier": self.id}))
                continue
            if not opened:
                continue
            after = text[m.end():m.end() + 3]
            # "Loey, do you", "dude croy: ...", "Skhumba my brother", "hangwani u see now"
            addressed = _ADDRESSED.match(text, m.end())
            # "u/you" after a first name that is also a word is no vocative: "Love you"
            # "Reason: refund", "Order: 42": an English word before a colon is a form's label
            label = after.lstrip(" \t").startswith(":") and self.lexicon.is_common(word)
            vocative = (re.match(r"[ \t]*[,:](?![\d/])", after) is not None and not label) or (
                addressed is not None and (addressed.group(1) is None or not self.lexicon.is_common(word)))
            nxt = words[k + 1] if k + 1 < len(words) else None
            subject = (text.startswith(("'s ", "’s "), m.end())
                       or (nxt is not None and re.fullmatch(r"[ \t]+", text[m.end():nxt.start()]) is not None
                           and nxt.group().lower() in _PERSON_VERBS))
            if vocative or subject:
                found.append(RecognizerResult("PERSON", m.start(), m.end(), 0.6,
                                              recognition_metadata={**_META, "recognizer_identifier": self.id}))
        return found


_L = r"(?:[^\W\d_]|∆)"  # a letter; ∆ stands in for Greek Δ in some generated data
_NAME_WORDS = _L + r"[\w'’.∆\-]*(?:[ \t][\w'’.∆\-]+){0,3}"
_ADDRESS_BLOCK = re.compile(
    r"(?<![\w'’.\-])(" + _NAME_WORDS + r")[ \t](\d{1,5}[A-Za-z]?)\.?,[ \t]*"
    r"(" + _L + r"[\w'’∆\-]*(?:[ \t\-][\w'’∆\-]+){0,3}),"
    r"[ \t]*(?:[A-Za-z]{1,3}[ \t\-]?)?\d{3,6}(?:[ \t\-]\d{2,4})?(?![\w\-])")


# the last line of a postal address: a country or US state, an optional "(Greek)"-style qualifier
# and a postcode ("Slovenia 1222", "Cyprus (Greek) 5732", "United Kingdom LS6 2QP", "Netherlands 8431 TC")
_REGION_LINE = re.compile(r"([^\W\d_][^\W\d_ .'’\-]*(?:[ .'’\-]+[^\W\d_]+){0,3})(?:[ \t]*\([^()\n]{1,20}\))?"
                          r"(?:[ \t,]+[A-Z0-9]{1,4}[ \t\-]?[A-Z0-9]{1,4}(?:[ \t][A-Z]{2})?)?[ \t.]*")
_LINE_LEAD = re.compile(r"[^\w\n(∆]*")  # bullets and stray marks before a line's words ("??? ", " - ")
_ADDRESS_LINE_MAX = 48
# "at Hammarvägen 67", "address: Ηλίου 64", "off at Paysandu 4724 St.": one word no list knows and a
# house number closing the sentence after a word that leads to a place
_STREET_AFTER_LEAD = re.compile(r"(?i:\b(?:at|on|address:?|to))[ \t]+(" + _L + r"[^\W\d_]{3,})[ \t](\d{1,5}[a-z]?)"
                                r"(?:[ \t]+(?:St|Street|Rd|Ave)\.?)?(?=[ \t]*(?:$|[.,;!?)]?[ \t]*(?:$|\n)))", re.M)


def _capital(word: str) -> bool:
    return word[:1].isupper() or word[:1] == "∆"


class AddressBlockRecognizer(LocalRecognizer):
    """Street name, house number, town and postcode separated by commas: a postal address in any
    language, whatever its street word. The street and the town must start with a capital."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or get_lexicon()
        super().__init__(supported_entities=["STREET_ADDRESS"], name="AccordAddressBlockRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def _street_start(self, words_before_number: str) -> int | None:
        """Where the street's name starts: after the last lower-case English word ("Meet me at
        Højbovej 62", "send it to Hraunás 21"), at a capital."""
        words = list(re.finditer(r"\S+", words_before_number))
        k = len(words)
        while k > 0 and not (words[k - 1].group().islower() and self.lexicon.is_common(words[k - 1].group())):
            k -= 1
        return next((w.start() for w in words[k:] if _capital(w.group())), None)

    def _address_line(self, line: str) -> bool:
        """A line that can be one part of a postal address: short, no sentence marks, and no
        lower-case English word beyond a short particle ("Puntas de Valdés", "ul. Kętrzyńskiego")."""
        if not line or len(line) > _ADDRESS_LINE_MAX or any(c in line for c in "?!:;@<>"):
            return False
        words = re.findall(r"[^\W\d_]+", line)
        return len(words) <= 6 and not any(
            w.islower() and len(w) > 3 and self.lexicon.is_common(w) for w in words)

    def _line_blocks(self, text: str) -> List[tuple[int, int]]:
        """The parts of an address written one a line, read upwards from its "<country>
        [postcode]" line: the town, "Apt./Suite" and the street (the lines with digits), never
        above the street (a company or a person's name there is for other rules)."""
        lines, pos = [], 0
        for raw in text.split("\n"):
            lead = _LINE_LEAD.match(raw).end()
            body = raw[lead:].rstrip()
            lines.append((pos + lead, pos + lead + len(body), body))
            pos += len(raw) + 1
        spans = []
        for k, (start, end, body) in enumerate(lines):
            m = _REGION_LINE.fullmatch(body)
            region = m.group(1).lower() if m else ""
            if k == 0 or not m or (region not in self.lexicon.regions and "the " + region not in self.lexicon.regions):
                continue
            rest = start + m.end(1) + len(body[m.end(1):]) - len(body[m.end(1):].lstrip(" \t,"))
            if rest < end:  # "(Greek) 5732", "LS6 2QP"
                spans.append((rest, end))
            taken, seen_digits = 0, False
            for j in range(k - 1, -1, -1):
                a, b, line = lines[j]
                if not line:
                    continue
                digits = any(c.isdigit() for c in line)
                if taken >= 4 or (seen_digits and not digits) or not self._address_line(line):
                    break
                spans.append((a, b))
                taken, seen_digits = taken + 1, seen_digits or digits
        return spans

    def analyze(self, text: str, entities: List[str], nlp_artifacts: NlpArtifacts = None) -> List[RecognizerResult]:
        if "STREET_ADDRESS" not in entities or not any(c.isdigit() for c in text):
            return []
        found = []
        if "\n" in text:
            found = [RecognizerResult("STREET_ADDRESS", a, b, 0.6, recognition_metadata={
                "recognizer_name": self.name, "recognizer_identifier": self.id}) for a, b in self._line_blocks(text)]
        for m in _STREET_AFTER_LEAD.finditer(text):
            street = m.group(1)
            if _capital(street) and not self.lexicon.is_common(street) and not self.lexicon.is_nounish(street):
                found.append(RecognizerResult("STREET_ADDRESS", m.start(1), m.end(), 0.5, recognition_metadata={
                    "recognizer_name": self.name, "recognizer_identifier": self.id}))
        for m in _ADDRESS_BLOCK.finditer(text):
            town = m.group(3)
            # the match may start a few words early ("one to Hraunás 21, ..."): the street starts
            # at its first capitalised word
            start = self._street_start(m.group(1))
            # the scrubber reads ALL-CAPS runs lower-cased ("ΠΑΛΑΙΟΧΩΡΙ, KA" -> "παλαιοχωρι, ka")
            if start is None or not (_capital(town) or (town.islower() and not self.lexicon.is_common(town))):
                continue
            found.append(RecognizerResult(
                "STREET_ADDRESS", m.start(1) + start, m.end(), 0.6,
                recognition_metadata={"recognizer_name": self.name, "recognizer_identifier": self.id}))
        return found


_YEAR = re.compile(r"(?<!\d)(\d{4}|\d{2})(?!\d)")


def numeric_birth_date(text: str, start: int, end: int, person_spans, today_year: int,
                       without_name: bool = True) -> bool:
    """A date written in digits ("03/17/1962", "1962-03-17") is taken for a date of birth when its
    year is at least twelve years back, or at least five years back on the same line as a person's
    name and close to it: dates of birth are mostly written so in forms, notes and tickets, and a
    digit-only date costs no reader a word (HIPAA counts every date tied to a person anyway)."""
    value = text[start:end]
    if any(c.isalpha() or c == ":" for c in value):  # words, or a time: a timestamp is no birth date
        return False
    years = [int(y) for y in _YEAR.findall(value)]
    year = next((y for y in years if y >= 1000), None)
    if year is None and years:
        year = years[-1] + (1900 if years[-1] > today_year % 100 else 2000)
    if year is None or not 1900 <= year <= today_year - 5:
        return False
    if without_name and year <= today_year - 12:
        return True  # an order, a visit or a ticket is rarely that old; a birth date usually is
    for a, b in person_spans:
        lo, hi = (b, start) if b <= start else (end, a)
        if hi - lo <= 100 and "\n" not in text[lo:hi]:
            return True
    return False
