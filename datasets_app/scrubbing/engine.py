"""In-process scrubbing: batched spaCy NER + presidio recognizers + span replacement.

One ``ScrubEngine`` per process (building it loads spaCy and the name lists, ~3 s).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Iterable, List, Sequence

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # never fetch at runtime

from ._imports import without_optional_ml_stacks  # noqa: E402

with without_optional_ml_stacks():
    from presidio_analyzer import AnalyzerEngine, PatternRecognizer, RecognizerRegistry, RecognizerResult  # noqa: E402
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer  # noqa: E402
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine  # noqa: E402
    from presidio_analyzer.predefined_recognizers import (  # noqa: E402
        CreditCardRecognizer, IbanRecognizer, SpacyRecognizer,
    )
    from presidio_anonymizer.operators import Custom, Replace  # noqa: E402
    from spacy.util import filter_spans  # noqa: E402

from .config import ScrubConfig  # noqa: E402
from .recognizers import TOWN_SHAPE_RULE, accord_recognizers  # noqa: E402
from .spans import Edit  # noqa: E402
from .lexicon import is_laughter  # noqa: E402
from .whole_text import foreign_script_words, recurring_values  # noqa: E402
from .context_recognizers import numeric_birth_date  # noqa: E402

NER_TO_ENTITY = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION",
                 "FAC": "LOCATION"}
NER_OPTIONAL = {"ORGANIZATION": "ORG", "NRP": "NORP"}  # kinds a steward may add, from the same NER pass
NER_LABELS_TO_IGNORE = ["ORG", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT",
                        "QUANTITY", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "MISC"]
# NER only needs its own pipe; the others cost time and we do not use their output.
UNUSED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
_NEEDS = {  # cheap pre-filter: what a text must contain for the recognizer to match
    "CreditCardRecognizer": "digit", "IbanRecognizer": "digit", "UsSsnRecognizer": "digit",
    "IpRecognizer": "digit", "AccordPhoneRecognizer": "digit", "AccordCardRecognizer": "digit",
    "AccordIbanRecognizer": "digit", "AccordSsnRecognizer": "digit", "AccordIpRecognizer": "digit",
    "AccordDateOfBirthRecognizer": "digit", "AccordStreetAddressRecognizer": "digit",
    "EmailRecognizer": "@", "AccordEmailRecognizer": "@", "AccordShortPhoneRecognizer": "digit",
    "AccordLuhnCardRecognizer": "digit", "AccordCheckedIbanRecognizer": "digit",
    "AccordLabelledPostcodeRecognizer": "digit", "AccordLabelledAddressRecognizer": "digit",
}
# ... and how many digits at least: a card has 12, an SSN 9, an IBAN 8 or more, a phone 6
_MIN_DIGITS = {
    "CreditCardRecognizer": 12, "AccordCardRecognizer": 12, "AccordLuhnCardRecognizer": 12,
    "UsSsnRecognizer": 9, "AccordSsnRecognizer": 9,
    "IbanRecognizer": 8, "AccordIbanRecognizer": 8, "AccordCheckedIbanRecognizer": 8,
    "AccordPhoneRecognizer": 6, "AccordShortPhoneRecognizer": 6,
}
_PRIORITY = {e: i for i, e in enumerate((
    "CREDIT_CARD", "IBAN_CODE", "US_SSN", "EMAIL_ADDRESS", "IP_ADDRESS", "PHONE_NUMBER", "DATE_OF_BIRTH",
    "STREET_ADDRESS", "LOCATION", "PERSON", "USERNAME", "URL", "DATE", "ORGANIZATION", "NRP"))}
_STRUCTURED_FIRST = {"CREDIT_CARD", "IBAN_CODE", "US_SSN", "EMAIL_ADDRESS", "IP_ADDRESS", "PHONE_NUMBER"}
_STRUCTURED = {"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"}


@dataclass(frozen=True)
class Finding:
    entity_type: str
    start: int
    end: int
    score: float

    def as_dict(self) -> dict:
        return {"entity_type": self.entity_type, "start": self.start, "end": self.end,
                "score": round(self.score, 3)}


class _LazyNlpArtifacts(NlpArtifacts):
    """NlpArtifacts whose token lists are built only if context enhancement asks for them.

    Most texts never need them (every result is already above the threshold); when one is
    asked for, one walk over the tokens builds all three.
    """

    def __init__(self, doc, entities, scores, nlp_engine, language: str):  # noqa: D107 - no super(): lazy
        self.entities = entities
        self.scores = scores
        self.tokens = doc
        self.nlp_engine = nlp_engine
        self.language = language
        self._lemmas = None
        self._indices = None
        self._keywords = None

    def _walk(self) -> None:
        """One pass over the tokens for all three lists (each spaCy token built once)."""
        lemmas, indices, keywords = [], [], []
        for t in self.tokens:
            lower = t.lower_  # no lemmatizer: lower-case text stands in
            lemmas.append(lower)
            indices.append(t.idx)
            # presidio's set_keywords, read off the tokens' own lexeme flags instead of a
            # vocabulary lookup per word
            if not (t.is_stop or t.is_punct) and lower != "be":
                keywords.extend(lower.split(":"))
        self._lemmas, self._indices, self._keywords = lemmas, indices, keywords

    @property
    def lemmas(self):
        if self._lemmas is None:
            self._walk()
        return self._lemmas

    @lemmas.setter
    def lemmas(self, value):
        self._lemmas = value

    @property
    def tokens_indices(self):
        if self._indices is None:
            self._walk()
        return self._indices

    @tokens_indices.setter
    def tokens_indices(self, value):
        self._indices = value

    @property
    def keywords(self):
        if self._keywords is None:
            self._walk()
        return self._keywords

    @keywords.setter
    def keywords(self, value):
        self._keywords = value


class _FastSpacyNlpEngine(SpacyNlpEngine):
    """spaCy engine with only NER enabled; lower-cased tokens stand in for lemmas."""

    def load(self) -> None:
        super().load()
        for nlp in self.nlp.values():
            for pipe in UNUSED_PIPES:
                if pipe in nlp.pipe_names and _pipe_is_optional(nlp, pipe):
                    nlp.disable_pipe(pipe)

    def process_batch(self, texts, language: str, batch_size: int = 1, n_process: int = 1, as_tuples: bool = False):
        """Tokenise every text, but run NER only on windows around capitalised, non-vocabulary
        words (where PERSON/LOCATION entities can be). The model's receptive field is a few
        tokens, so a window of NER_WINDOW tokens each side gives the same entities for about
        half the cost; entities are mapped back onto the full document."""
        if as_tuples:
            raise NotImplementedError("as_tuples is not used by Accord")
        nlp = self.nlp[language]
        docs = [nlp.make_doc(str(text)) for text in texts]
        snippets, owners = [], []
        every_capital = bool({"ORG", "NORP"} & set(self.ner_model_configuration.model_to_presidio_entity_mapping))
        for index, doc in enumerate(docs):
            for start, end in _ner_windows(doc, self._lexicon, every_capital):
                span = doc[start:end]
                snippets.append(span.as_doc())  # already tokenised: NER only, no second tokeniser pass
                owners.append((index, span.start_char))
        found: list[list] = [[] for _ in docs]
        for (index, offset), snippet in zip(owners, nlp.pipe(snippets, batch_size=batch_size)):
            for ent in snippet.ents:
                span = docs[index].char_span(ent.start_char + offset, ent.end_char + offset, label=ent.label_,
                                             alignment_mode="expand")
                if span is not None:
                    found[index].append(span)
        for doc, spans in zip(docs, found):
            doc.ents = filter_spans(spans)
            yield doc.text, self._doc_to_nlp_artifact(doc, language)

    @property
    def _lexicon(self):
        from .lexicon import get_lexicon

        return get_lexicon()

    def _doc_to_nlp_artifact(self, doc, language: str) -> NlpArtifacts:
        ents = list(doc.ents)  # doc.ents walks every token: read it once
        scores = [self.ner_model_configuration.default_score] * len(ents)
        entities, scores = self._get_updated_entities(ents, scores)
        artifacts = _LazyNlpArtifacts(doc, entities, scores, self, language)
        # every label, ORG and PRODUCT too; not a number label on a word without digits ("LeQueen" as DATE)
        artifacts.all_spans = [(e.start_char, e.end_char) for e in ents
                               if e.label_ not in _NUMBER_LABELS or any(c.isdigit() for c in e.text)]
        return artifacts


NER_WINDOW = 5
_NUMBER_LABELS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}


def _ner_windows(doc, lexicon, every_capital: bool = False) -> list[tuple[int, int]]:
    """Token ranges around words NER could call a person or place, merged when close. With
    organisations or groups asked for, every capitalised word inside a sentence counts ("the
    United Nations", "European Commission" are English words)."""
    windows: list[tuple[int, int]] = []
    for token in doc:
        text = token.text
        if not (text[:1].isupper() and token.is_alpha) or text == "I":
            continue
        # a capital inside a sentence marks a proper noun even on an English word people are
        # named ("Trump", "Rose"); other capitalised English words ("Order", "Support") need none
        if lexicon.is_common(text) and (text.isupper() or (text.lower() not in lexicon.word_names and not every_capital)
                                        or _sentence_start(doc, token.i)):
            continue
        start, end = max(token.i - NER_WINDOW, 0), min(token.i + NER_WINDOW + 1, len(doc))
        if windows and start <= windows[-1][1] + 2:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _sentence_start(doc, i: int) -> bool:
    if i == 0:
        return True
    prev = doc[i - 1].text
    return prev in {".", "!", "?", ":", '"', "“", "(", "-", "…", "*", "|", ">"} or "\n" in doc[i - 1].whitespace_ or \
        prev.endswith((".", "!", "?")) or doc[i - 1].is_space


def _pipe_is_optional(nlp, pipe: str) -> bool:
    """The NER pipe of the small English model has its own embedding; keep tok2vec otherwise."""
    if pipe != "tok2vec":
        return True
    ner_model = nlp.config["components"].get("ner", {}).get("model", {})
    return "Listener" not in str(ner_model.get("tok2vec", {}).get("@architectures", ""))


def ner_model_configuration(entities: Sequence[str] = ()) -> NerModelConfiguration:
    extra = {label: entity for entity, label in NER_OPTIONAL.items() if entity in entities}
    return NerModelConfiguration(model_to_presidio_entity_mapping={**NER_TO_ENTITY, **extra},
                                 labels_to_ignore=[x for x in NER_LABELS_TO_IGNORE if x not in extra])


def build_analyzer(config: ScrubConfig) -> AnalyzerEngine:
    nlp_engine = _FastSpacyNlpEngine(models=[{"lang_code": config.language, "model_name": config.model}],
                                     ner_model_configuration=ner_model_configuration(config.entities))
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=[config.language])
    # presidio's PhoneRecognizer (phonenumbers) is left out: it cost ~40% of the time and
    # misses numbers it deems invalid; AccordPhoneRecognizer covers phone-shaped numbers.
    # Its Email/SSN/IP recognizers are covered by broader Accord ones; card and IBAN stay
    # because their checksums catch bare numbers without context.
    for recognizer in (CreditCardRecognizer(), IbanRecognizer(),
                       SpacyRecognizer(supported_entities=["PERSON", "LOCATION", *(
                           e for e in NER_OPTIONAL if e in config.entities)])):
        registry.add_recognizer(recognizer)
    for recognizer in accord_recognizers():
        registry.add_recognizer(recognizer)
    enhancer = LemmaContextAwareEnhancer(context_prefix_count=8, context_suffix_count=3,
                                         context_matching_mode="whole_word")
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=[config.language],
                          context_aware_enhancer=enhancer)


def split_text(text: str, limit: int) -> list[str]:
    """Split on whitespace into pieces of at most ~limit chars; ''.join(pieces) == text."""
    if len(text) <= limit:
        return [text]
    pieces, start = [], 0
    while len(text) - start > limit:
        cut = max(text.rfind(" ", start, start + limit), text.rfind("\n", start, start + limit))
        cut = start + limit if cut <= start else cut + 1
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def resolve_overlaps(results: Iterable[RecognizerResult]) -> list[Finding]:
    """Merge overlapping spans into their union so nothing partly detected survives.

    The merged span takes the entity of its longest member (ties: highest score).
    """
    def rank(r) -> tuple:  # deterministic: longest, then a structured entity, then score, then priority
        priority = _PRIORITY.get(r.entity_type, len(_PRIORITY))
        return (r.end - r.start, r.entity_type in _STRUCTURED_FIRST, r.score, -priority)

    ordered = sorted(results, key=lambda r: (r.start, -r.end, -r.score, _PRIORITY.get(r.entity_type, 99)))
    merged: list[Finding] = []
    best: RecognizerResult | None = None
    for result in ordered:
        if merged and result.start < merged[-1].end:
            last = merged[-1]
            if best is None or rank(result) > rank(best):
                best = result
            merged[-1] = Finding(best.entity_type, last.start, max(last.end, result.end),
                                 max(last.score, result.score))
        else:
            best = result
            merged.append(Finding(result.entity_type, result.start, result.end, result.score))
    return merged


def normalise_for_pseudonym(entity: str, value: str) -> str:
    value = " ".join(value.split()).casefold()
    if entity in _STRUCTURED:
        value = re.sub(r"[^0-9a-z:]", "", value)
    return value


class ScrubEngine:
    def __init__(self, config: ScrubConfig):
        self.config = config
        with without_optional_ml_stacks():  # loading also probes torch for a GPU
            self.analyzer = build_analyzer(config)
        self.nlp_engine = self.analyzer.nlp_engine
        self._replace = Replace()
        self._custom = Custom()
        self._bind_operators(config)
        self._entities = [e for e in config.entities]
        self._recognizers = sorted(  # the registry returns a set: fix the order
            self.analyzer.registry.get_recognizers(language=config.language, entities=self._entities),
            key=lambda r: r.name)
        self._allow = set(config.allow_list)
        from .lexicon import get_lexicon

        self._lexicon = get_lexicon()
        self._never_names = self._lexicon.never_names
        self._context_only = {
            r.name for r in self._recognizers
            if isinstance(r, PatternRecognizer) and r.context and r.name != "AccordDateOfBirthRecognizer"
            and all(p.score < config.score_threshold for p in r.patterns)}

    def _bind_operators(self, config: ScrubConfig) -> None:
        self.config = config
        self._secret = config.pseudonym_secret.encode()
        self._surrogates = None
        if config.uses_surrogates:
            from .surrogates import SurrogateFactory

            self._surrogates = SurrogateFactory(self._secret, normalise=normalise_for_pseudonym,
                                                is_surname=self._is_surname)

    def _is_surname(self, word: str) -> bool:
        key = word.lower()
        return key in self._lexicon.last_names and key not in self._lexicon.first_names

    def with_operators(self, config: ScrubConfig) -> "ScrubEngine":
        """This engine (same analyzer, same detection) replacing with `config`'s operators and key:
        switching operator or dataset costs no model load."""
        clone = copy.copy(self)
        clone._bind_operators(config)
        return clone

    def _analyze_piece(self, text: str, artifacts: NlpArtifacts, original: str | None = None) -> list[RecognizerResult]:
        """AnalyzerEngine.analyze, minus work that cannot change the outcome.

        Recognizers needing digits or '@' are skipped on texts without them, and context
        enhancement only runs on results that are still below the threshold.
        """
        digits = sum(c.isdigit() for c in text)
        has_digit = digits > 0
        has_at = "@" in text
        lowered = text.lower()
        artifacts.original_text = original if original is not None else text  # case as written, same offsets
        threshold = self.config.score_threshold
        results: list[RecognizerResult] = []
        for recognizer in self._recognizers:
            needs = _NEEDS.get(recognizer.name)
            if (needs == "digit" and not has_digit) or (needs == "@" and not has_at) \
                    or digits < _MIN_DIGITS.get(recognizer.name, 0):
                continue
            if recognizer.name in self._context_only and not any(w in lowered for w in recognizer.context):
                continue  # every pattern scores below threshold; without context it cannot matter
            for result in recognizer.analyze(text=text, entities=self._entities, nlp_artifacts=artifacts) or []:
                result.recognition_metadata = result.recognition_metadata or {}
                result.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id)
                result.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_NAME_KEY, recognizer.name)
                results.append(result)
        results = [self._without_edge_words(text, _without_edge_numbers(text, r)) for r in results]
        results = [r for r in results if r.end > r.start]
        sure = [r for r in results if r.score >= threshold]
        unsure = [r for r in results if r.score < threshold]
        if unsure:
            unsure = self.analyzer.context_aware_enhancer.enhance_using_context(
                text, unsure, artifacts, self._recognizers)
            sure += [r for r in unsure if r.score >= threshold]
            low_dates = [r for r in unsure if r.score < threshold and r.entity_type == "DATE_OF_BIRTH"]
            sure += self._dates(text, sure, low_dates)
        sure = _with_house_numbers(text, sure)
        if "PERSON" in self._entities:
            sure += self._unknown_capitalised(text, original if original is not None else text, artifacts, sure)
        if "LOCATION" in self._entities:
            if original is not None and original != text:
                sure += self._capital_places(original, sure)
            sure += self._capital_proper_nouns(text if original is None else original, sure)
        if self._allow:
            source = text if original is None else original
            sure = [r for r in sure if source[r.start:r.end] not in self._allow]
        return [r for r in sure if not self._is_vocabulary(r, text) and not self._recased_guess(r, text, original)]

    def _without_edge_words(self, text: str, result: RecognizerResult) -> RecognizerResult:
        """Laughter is no part of a name ("Awwwww Didga" is "Didga"; "Kekekekekke" alone is
        nobody), nor is a role or support word at a name's edge that NER took in ("Customer
        Eckhart", "Attacking midfielder ..."): English writes those small, and no list names them."""
        if result.entity_type not in {"PERSON", "LOCATION"}:
            return result
        lex = self._lexicon
        words = list(_NAME_TOKEN.finditer(text, result.start, result.end))

        def role_word(m, leading: bool) -> bool:
            # a surname may be a word ("Lydia Short"), a stage name an adjective ("Childish Gambino"):
            # only a leading noun English writes small goes, and only before a word that is no such noun
            key = m.group().lower()
            return result.entity_type == "PERSON" and not lex.is_name(key) and (key in self._never_names or (
                leading and key in lex.lower_case_words and lex.is_nounish(key)))

        def plain(m) -> bool:
            return m.group().lower() not in lex.lower_case_words

        kept = [m for m in words if not is_laughter(m.group())]
        while len(kept) > 1 and role_word(kept[0], leading=True) and plain(kept[1]):
            kept = kept[1:]
        while len(kept) > 1 and role_word(kept[-1], leading=False):
            kept = kept[:-1]
        if len(kept) == len(words):
            return result
        start, end = (kept[0].start(), kept[-1].end()) if kept else (result.start, result.start)
        if kept and (text[result.start:start].strip(" \t").endswith("-") or text[end:result.end].startswith("-")):
            return result  # a hyphenated name part ("Smith-Customer") is left whole
        return RecognizerResult(result.entity_type, start, end, result.score, result.analysis_explanation,
                                result.recognition_metadata)

    def _unknown_capitalised(self, text: str, original: str, artifacts, sure: list) -> list[RecognizerResult]:
        """A capitalised word inside a sentence that is no English word, no listed name or place
        and that NER gave no label at all (not even ORG or PRODUCT) is most likely a name the
        lists lack ("you and Jonyeee!", "comes Skhumba"): PERSON, just above the threshold."""
        lex = self._lexicon
        taken = [(r.start, r.end) for r in sure] + list(getattr(artifacts, "all_spans", []))
        found = []
        for m in _NAME_TOKEN.finditer(original):
            word = m.group()
            if not word[0].isupper() or word.isupper() or _sentence_start_at(original, m.start()):
                continue
            # an English noun is a name here only where English writes it with a capital ("Burnham")
            if lex.is_common(word) or (lex.is_nounish(word) and word.lower() not in lex.proper_nouns) \
                    or lex.is_name(word) or word.lower() in lex.places \
                    or word.lower() in self._never_names or _LAUGH.fullmatch(word.lower()):
                continue
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            found.append(RecognizerResult("PERSON", m.start(), m.end(), self.config.score_threshold + 0.05,
                                          recognition_metadata=dict(_CAPITAL_RULE)))
        return found

    def _capital_places(self, original: str, sure: list) -> list[RecognizerResult]:
        """An ALL-CAPS run after "in/from/to/at/near" inside mixed-case text is a place written the
        way forms and address labels write towns ("in LOWER SLAUGHTER", "from ST. IVES"); NER only
        sees it re-cased. An English word alone there is emphasis ("in GENERAL"), not a town."""
        lex, found = self._lexicon, []
        for m in _CAPS_PLACE.finditer(original):
            words = re.findall(r"[^\W\d_]+", m.group(1))
            letters = sum(len(w) for w in words)
            if letters < 4 or any(a <= m.start(1) < b for a, b in ((r.start, r.end) for r in sure)):
                continue
            if any(w.lower() in self._never_names for w in words):
                continue  # "in JSON", "in AWS": the software, not a town
            unknown = [w for w in words if not lex.is_common(w) and not lex.is_nounish(w)]
            if len(words) == 1 and not unknown and m.group(1).lower() not in lex.places:
                continue
            if len(words) > 1 and not unknown and words[0].lower() not in _PLACE_PREFIXES:
                continue
            found.append(RecognizerResult("LOCATION", m.start(1), m.end(1), 0.6,
                                          recognition_metadata=dict(_CAPS_PLACE_RULE)))
        return found

    def _capital_proper_nouns(self, original: str, sure: list) -> list[RecognizerResult]:
        """In prose written in lower and upper case, an ALL-CAPS word that is no English word is
        how address labels, forms and letters write a town or a family name ("SLUSSFORS is a
        small place", "Jean DUPONT", "ΠΑΤΡΙΚΙ"): either is personal. Short runs are acronyms
        ("NASA", "JSON"), so a word needs five letters and a vowel."""
        letters = [c for c in original if c.isalpha()]
        if sum(c.islower() for c in letters) < 0.6 * len(letters):
            return []  # shouted or label-only text: the re-cased variant's NER decides there
        lex, taken, found = self._lexicon, [(r.start, r.end) for r in sure], []
        for m in _CAPS_WORD.finditer(original):
            word = m.group()
            if len(word) < 5 or not _VOWEL.search(word) or lex.is_common(word) or lex.is_nounish(word) \
                    or word.lower() in lex.lower_case_words \
                    or word.lower() in self._never_names or _LAUGH.fullmatch(word.lower()) \
                    or any(a < m.end() and m.start() < b for a, b in taken):
                continue
            kind = "PERSON" if lex.is_name(word) and word.lower() not in lex.places else "LOCATION"
            found.append(RecognizerResult(kind, m.start(), m.end(), 0.6, recognition_metadata=dict(_CAPS_PLACE_RULE)))
        return found

    def _dates(self, text: str, sure: list, dates: list) -> list[RecognizerResult]:
        """Dates below the birth-context threshold: a date in brackets (or after a comma) right
        after a name is that person's date of birth ("Jane Roe (May 24, 1951)"); with
        scrub_all_dates every other date is scrubbed as DATE."""
        found = []
        names = [(r.start, r.end) for r in sure if r.entity_type == "PERSON"]
        year = datetime.date.today().year
        for r in dates:
            after_name = any(end <= r.start and _DOB_AFTER_NAME.fullmatch(text[end:r.start]) for _, end in names) \
                or numeric_birth_date(text, r.start, r.end, names, year,
                                      without_name=not self.config.scrub_all_dates)  # else it is a DATE
            if after_name:
                found.append(RecognizerResult("DATE_OF_BIRTH", r.start, r.end, 0.6, r.analysis_explanation,
                                              r.recognition_metadata))
            elif self.config.scrub_all_dates:
                found.append(RecognizerResult("DATE", r.start, r.end, 0.6, r.analysis_explanation,
                                              r.recognition_metadata))
        return found

    def _recased_guess(self, result: RecognizerResult, text: str, original: str | None) -> bool:
        """NER on a re-cased variant guesses at every unknown word it was handed with a new
        capital ("respawn", "subplot"): keep its PERSON/LOCATION there only when a word of the
        span is a listed name or place, a proper noun by English usage, or kept its own capital."""
        if original is not None and (result.recognition_metadata or {}).get(
                RecognizerResult.RECOGNIZER_NAME_KEY) == TOWN_SHAPE_RULE:
            return not any(c.isupper() for c in original[result.start:result.end])  # "rearside": a word, not a town
        if original is None or result.entity_type not in {"PERSON", "LOCATION"} or \
                (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) != "SpacyRecognizer":
            return False
        lex = self._lexicon
        for m in _NAME_TOKEN.finditer(text, result.start, result.end):
            word = m.group()
            # ... or a word English writes with a capital ("draymond", "cartman": names written small)
            if original[m.start():m.end()] == word or lex.is_name(word) or word.lower() in lex.places \
                    or (word.lower() in lex.proper_nouns and not lex.is_common(word)):
                return False
        return True

    def _product_name(self, value: str) -> bool:
        """One word of English words joined with inner capitals ("CloudSafe", "PrintJet",
        "MeshNet") names a product or a service; a person's name with an inner capital starts
        with a particle ("McKenzie", "LeBron", "DeShawn") or is listed."""
        parts = _CAMEL_PARTS.findall(value)
        if not _CAMEL.fullmatch(value) or parts[0].lower() in _NAME_PARTICLES or self._lexicon.is_name(value):
            return False
        return all(len(p) >= 2 and (self._lexicon.is_common(p) or p.isupper()) for p in parts)

    def _is_vocabulary(self, result: RecognizerResult, text: str) -> bool:
        """NER sometimes calls support vocabulary ("Tel", "Ping") a person or place, or a
        capitalised English noun alone ("Wisdom and Discipline", "Wind Advisory") a name."""
        if result.entity_type not in {"PERSON", "LOCATION"}:
            return False
        value = text[result.start:result.end]
        if result.entity_type == "PERSON" and (self._product_name(value) or _OWNED.match(value)):
            return True
        if (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) == "SpacyRecognizer" \
                and re.fullmatch(r"[^\W\d_]+", value) and not self._lexicon.is_name(value) \
                and (value.lower() not in self._lexicon.word_names or value.lower() in self._lexicon.lower_case_words) \
                and value.lower() not in self._lexicon.places \
                and value.lower() not in self._lexicon.proper_nouns \
                and (self._lexicon.is_common(value) or self._lexicon.is_nounish(value)):
            return True
        if result.entity_type == "LOCATION" and text[result.start:result.end].lower() in self._lexicon.places:
            return False  # "United States" is made of never-name words, and a place
        words = re.findall(r"[^\W\d_]+", text[result.start:result.end].lower())
        return bool(words) and all(w in self._never_names for w in words)

    # -- analysis -----------------------------------------------------------------------
    def analyze(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings per text (offsets into that text), long texts analysed piecewise."""
        pieces: list[str] = []
        owners: list[tuple[int, int]] = []  # (text index, offset of piece in text)
        for index, text in enumerate(texts):
            offset = 0
            for piece in split_text(text, self.config.chunk_chars):
                if _worth_analysing(piece):
                    pieces.append(piece)
                    owners.append((index, offset))
                offset += len(piece)
        findings: list[list[Finding]] = [[] for _ in texts]
        pieces = [piece.translate(_LETTER_LOOKALIKES) for piece in pieces]
        variants = [case_variant(piece, self._lexicon) for piece in pieces]
        batch = self.nlp_engine.process_batch(variants, self.config.language, batch_size=self.config.batch_size)
        for (index, offset), (variant, artifacts), piece in zip(owners, batch, pieces):
            results = self._analyze_piece(variant, artifacts, original=piece)
            for finding in resolve_overlaps(results):
                findings[index].append(Finding(finding.entity_type, finding.start + offset,
                                               finding.end + offset, finding.score))
        return [self._complete(text, resolve_overlaps_findings(f)) for text, f in zip(texts, findings)]

    # -- whole-text rules ---------------------------------------------------------------
    def _complete(self, text: str, findings: list[Finding]) -> list[Finding]:
        """Rules that need the whole text: a name found once is scrubbed wherever it recurs
        ("My name is Rykus Szöllösi but everyone calls me Rykus"), a header line that is only
        a name is a name, and the parts of one postal address become one span."""
        if "PERSON" in self._entities:
            findings = self._recurring_names(text, findings) + self._header_names(text, findings)
            findings = resolve_overlaps_findings(findings)
        if {"LOCATION", "STREET_ADDRESS"} & set(self._entities):
            findings = _address_blocks(text, findings)
        if {"PERSON", "LOCATION", "STREET_ADDRESS"} <= set(self._entities):
            findings = foreign_script_words(text, findings, lambda e, a, b: Finding(e, a, b, 0.5))
        return recurring_values(text, findings)

    def _covered(self, findings, start: int, end: int) -> bool:
        return any(f.start < end and start < f.end for f in findings)

    def _recurring_names(self, text: str, findings: list[Finding]) -> list[Finding]:
        lex = self._lexicon
        tokens = {m.group().lower(): lex.is_common(m.group()) for f in findings if f.entity_type == "PERSON"
                  for m in _NAME_TOKEN.finditer(text, f.start, f.end)
                  if m.group().lower() not in self._never_names and not lex.is_stop(m.group())}
        if not tokens:
            return findings
        # a name that is also a word ("Jinx", "Rose") recurs only where it is written with a capital
        extra = [Finding("PERSON", m.start(), m.end(), 0.6) for m in _NAME_TOKEN.finditer(text)
                 if m.group().lower() in tokens and (not tokens[m.group().lower()] or m.group()[:1].isupper())
                 and not self._covered(findings, m.start(), m.end())]
        return findings + extra

    def _header_names(self, text: str, findings: list[Finding]) -> list[Finding]:
        """A line of two or three capitalised words that are no English words, in a text of
        several lines: the name heading a CV, a letter or a signature ("Tomomi Arakawa")."""
        if "\n" not in text.strip():
            return []
        lex = self._lexicon
        found = []
        for m in _HEADER_LINE.finditer(text):
            words = m.group(1).split()
            if all(len(w) >= 2 and not lex.is_common(w) and not lex.is_nounish(w) and w.lower() not in self._never_names
                   and w.lower() not in lex.places for w in words) \
                    and not self._covered(findings, m.start(1), m.end(1)):
                found.append(Finding("PERSON", m.start(1), m.end(1), 0.5))
        return found + self._signature(text, findings)

    def _signature(self, text: str, findings: list[Finding]) -> list[Finding]:
        """The last line of a message under a sign-off ("Thanks for the quick help!\nBurns",
        "Regards,\nBerry Walls") is its writer's name, whatever words the name is made of."""
        m = _SIGNATURE.search(text)
        lex = self._lexicon
        # each word with its capital, or written small but a listed name that is no word ("jordan")
        if not m or self._covered(findings, m.start(1), m.end(1)) or any(
                w.lower() in self._never_names or lex.is_stop(w)
                or not (w[:1].isupper() or (lex.is_name(w) and not lex.is_common(w))) for w in m.group(1).split()):
            return []
        return [Finding("PERSON", m.start(1), m.end(1), 0.5)]

    # -- anonymisation ------------------------------------------------------------------
    def replacement(self, entity: str, value: str, *, avoid: str = "") -> str:
        """What replaces `value`. `avoid`: the row it is written into (a surrogate must bring in
        none of its words)."""
        operator = self.config.operator_for(entity)
        if operator == "pseudonym":
            return self._custom.operate(value, {"lambda": lambda v: self.pseudonym(entity, v)})
        if operator == "surrogate":
            return self._surrogates.surrogate(entity, value, avoid=avoid or value)
        return self._replace.operate(value, {"new_value": f"<{entity}>"})

    def pseudonym(self, entity: str, value: str) -> str:
        message = f"{entity}\x00{normalise_for_pseudonym(entity, value)}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:8]
        return f"<{entity}_{digest}>"

    def anonymize(self, text: str, findings: Sequence[Finding], *, avoid: str | None = None) -> str:
        return self.anonymize_with_edits(text, findings, avoid=avoid)[0]

    def anonymize_with_edits(self, text: str, findings: Sequence[Finding], *,
                             avoid: str | None = None) -> tuple[str, list[Edit]]:
        """The scrubbed text and where each replacement went (original and new offsets), which
        span re-mapping and the residual check need."""
        out, edits, cursor, length = [], [], 0, 0
        context = text if avoid is None else avoid
        for f in findings:
            kept = text[cursor:f.start]
            out.append(kept)
            length += len(kept)
            new = self.replacement(f.entity_type, text[f.start:f.end], avoid=context)
            out.append(new)
            edits.append(Edit(f.start, f.end, length, length + len(new), f.entity_type))
            length += len(new)
            cursor = f.end
        out.append(text[cursor:])
        return "".join(out), edits

    def scrub(self, texts: Sequence[str], *, contexts: Sequence[str] | None = None) -> list[tuple[str, list[Finding]]]:
        return [(scrubbed, findings) for scrubbed, findings, _ in self.scrub_with_edits(texts, contexts=contexts)]

    def scrub_with_edits(self, texts: Sequence[str], *,
                         contexts: Sequence[str] | None = None) -> list[tuple[str, list[Finding], list[Edit]]]:
        """`contexts[i]`: the whole row text i belongs to (surrogates avoid its words); default the text."""
        all_findings = self.analyze(texts)
        contexts = contexts if contexts is not None else [None] * len(texts)
        out = []
        for text, findings, context in zip(texts, all_findings, contexts):
            scrubbed, edits = self.anonymize_with_edits(text, findings, avoid=context)
            out.append((scrubbed, findings, edits))
        return out


def resolve_overlaps_findings(findings: List[Finding]) -> list[Finding]:
    """Pieces never overlap, so findings from adjacent pieces just need ordering."""
    return sorted(findings, key=lambda f: f.start)


_CAMEL = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]*|[A-Z]+(?![a-z]))+")
_CAMEL_PARTS = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])")
_NAME_PARTICLES = {"mc", "mac", "de", "di", "da", "du", "la", "le", "lo", "van", "von", "fitz", "st", "ma", "o"}
# "My Router", "Our Printer": what a person owns is no person
_OWNED = re.compile(r"(?:My|Our|Your|His|Her|Their)[ \t]+[A-Z][a-z]+$")
_DOB_AFTER_NAME = re.compile(r"(?i)[ \t]*(?:[(\[,:|]|[-–—]|\n)?[ \t]*(?:(?:b\.|born|dob|d\.o\.b\.?)[ \t]*:?[ \t]*)?")
_HOUSE_NUMBER = re.compile(r"(?<![\w.,:/\-])\d{1,6}[A-Za-z]?,?\s{1,2}$")


def _without_edge_numbers(text: str, r: RecognizerResult) -> RecognizerResult:
    """NER sometimes takes a number beside a name into it ("Maestro 675964982945"): the union
    with the card would then be tagged PERSON. Numbers are for the number recognizers."""
    if r.entity_type not in {"PERSON", "LOCATION"} or \
            (r.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) != "SpacyRecognizer":
        return r
    value = text[r.start:r.end]
    if not any(c.isdigit() for c in value):
        return r
    lead = re.match(r"(?:\S*\d\S*\s+)+", value)
    trail = re.search(r"(?:\s+\S*\d\S*)+$", value)
    start = r.start + (lead.end() if lead else 0)
    end = r.end - (len(trail.group()) if trail else 0)
    return RecognizerResult(r.entity_type, start, max(start, end), r.score, r.analysis_explanation,
                            r.recognition_metadata)


def _with_house_numbers(text: str, results: list) -> list:
    """A house number just before a place is part of the address: "6750 Gottlieb Ranch", not
    "6750 <LOCATION>"."""
    out = []
    for r in results:
        if r.entity_type in {"LOCATION", "STREET_ADDRESS"}:
            m = _HOUSE_NUMBER.search(text, max(0, r.start - 10), r.start)
            if m and text[r.start:r.start + 1].isupper():
                r = RecognizerResult(r.entity_type, m.start(), r.end, r.score, r.analysis_explanation,
                                     r.recognition_metadata)
        out.append(r)
    return out


_NAME_TOKEN = re.compile(r"(?<![\w@#])[^\W\d_]{3,}(?![\w])")
_CAP_NAME = r"[A-ZÀ-ÖØ-Þ][^\W\d_]+(?:[-'’][^\W\d_]+)?"
_CAPS_PLACE = re.compile(r"(?<![\w])(?i:in|from|to|at|near|outside|around)[ \t]+"
                         r"((?:ST\.|[^\W\d_a-z]{2,})(?:[ \t\-](?:ST\.|[^\W\d_a-z]{2,})){0,2})(?![\w.])")
# math symbols that stand in for Greek capitals in real data ("ΧΑΝ∆ΡΙΑ" with U+2206): the analysed
# copy reads them as the letters, one character for one so every offset holds
_LETTER_LOOKALIKES = str.maketrans({"\u2206": "\u0394", "\u2211": "\u03a3", "\u2126": "\u03a9", "\u00b5": "\u03bc"})
_CAPS_WORD = re.compile(r"(?<![\w@#/.])[^\W\d_a-z]+(?:-[^\W\d_a-z]+)*(?![\w@]|\.\w)")
_VOWEL = re.compile(r"[AEIOUYÀ-ÖØ-ÝΑΕΗΙΟΥΩАЕИОУЫЭЮЯ]")
_PLACE_PREFIXES = {"north", "south", "east", "west", "upper", "lower", "great", "little", "new", "old", "st",
                   "saint", "bad", "port", "fort", "mount", "san", "santa", "los", "las", "le", "la", "el"}
_CAPS_PLACE_RULE = {RecognizerResult.RECOGNIZER_NAME_KEY: "AccordCapsPlaceRule",
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: "caps-place-rule"}
_CAPITAL_RULE = {RecognizerResult.RECOGNIZER_NAME_KEY: "AccordCapitalRule",
                 RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: "capital-rule"}
_HEADER_LINE = re.compile(r"^[ \t]*(" + _CAP_NAME + r"(?:[ \t]+" + _CAP_NAME + r"){1,2})[ \t]*$",
                          re.MULTILINE)
_ADDRESS = {"LOCATION", "STREET_ADDRESS"}
# a sign-off line, then a last line of one to three words and nothing after it
_SIGNATURE = re.compile(r"(?m)^[^\n]*\b(?i:thanks?|thank you|thx|regards|cheers|best|sincerely|cordially|yours|"
                        r"love|greetings|respectfully)\b[^\n]*\n[ \t]*-?[ \t]*"
                        r"([^\W\d_][\w'’\-]+(?:[ \t]+[^\W\d_][\w'’\-]+){0,2})[ \t.!]*\Z")
_UNIT = r"(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|bldg|building)\b\.?"
# between two parts of one address: commas, line breaks, house/unit numbers, region codes
_ADDRESS_GLUE = re.compile(r"(?:[\s,#\-]|\b\d{1,6}[A-Za-z]?\b|\b[A-Z]{1,3}\b|\b" + _UNIT + r")*")
# after an address: a postcode (", RO 27002", " 9443", " 163 40") or a unit line
# postcodes of letters and digits: Canadian "E1H 3L4", Irish "P05 9E2C", British "SW1A 1AA"
_ALNUM_POSTCODE = r"[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|[A-Z]\d{2}[ \t]?[A-Z\d]{4}|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
# digits ("34526", "163 40", Brazilian "49746507"), Polish "74-308", Dutch "9911 AK", or letters and digits
_POSTCODE = (r"(?:(?:[A-Z]{1,3}[ \t\-]?)?\d{3,8}(?:[ \t\-]\d{2,4})?|\d{2}-\d{3}|\d{4}[ \t]?[A-Z]{2}|"
             + _ALNUM_POSTCODE + r")")
_ADDRESS_TAIL = re.compile(r",?[ \t]*(?:(?:[A-Z]{1,3}[ \t\-]?)?\d{3,6}(?:[ \t\-]\d{2,4})?(?:[ \t][A-Z]{2})?\b"
                           r"|(?:" + _ALNUM_POSTCODE + r")(?![\w\-])"
                           r"|\s*\b" + _UNIT + r"\s*#?\d{1,5}[A-Za-z]?\b)")
# a postcode before a town ("M3T 5X6 Lakeview", "AZ1737 Qaxbul"), at a line's start, after a colon or a bracket
# ... with a place prefix between them ("34526 Port Elvira", "2627 East Kellyton", "V2T5C8 LA TUQUE")
_POSTCODE_BEFORE = re.compile(r"(?:^|(?<=[\n:(]))[ \t]*(" + _POSTCODE + r")[ \t]+(?:(?i:north|south|east|west|new|"
                              r"old|port|fort|mount|upper|lower|great|little|saint|st\.?|san|santa|los|las|la|le|el|"
                              r"les|bad|ó)[ \t]+)?$")
# a line "label: Town 12345" or "Town 12345" alone: a town read as a name, then its postcode
_LINE_HEAD = re.compile(r"(?:^|(?<=\n))[^\S\n]*(?:[^\W\d_][\w \t]{0,20}:[ \t]*)?$")
_POSTCODE_LINE_END = re.compile(r"[ \t]+(" + _POSTCODE + r")[ \t.]*(?=\n|$)")
_TOWN_AFTER = re.compile(r",[ \t]*[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:[ \t][A-ZÀ-ÖØ-Þ][\w'’\-]+){0,2}(?![\w'’\-])")
_REGION_AFTER = re.compile(r",[ \t]*[A-Z]{2,3}(?![\w'’\-@])")
# a region code and a postcode after a word: it was a town ("Jordan, TAS 4885", "Lyon 69002" is _ADDRESS_TAIL's)
_REGION_POSTCODE_AFTER = re.compile(r",?[ \t]*[A-Z]{2,3}[ \t]+(?:\d{4,6}(?:-\d{4})?|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)"
                                    r"(?![\w\-])")
_PLACE_LEAD = re.compile(r"\b(?i:in|from|to|near|at|outside|around)[ \t]+$")
_UNIT_BEFORE = re.compile(r"\b" + _UNIT + r"[ \t]*#?[ \t]*$")
# before an address: a street written name-then-number ("Ysitie 71", "Costanera 1898\n Suite 518\n")
_ADDRESS_HEAD = re.compile(r"(?:^|(?<=[\s:]))([^\W\d_][\w'’.\-]*(?:[ \t][\w'’.\-]+){0,3}[ \t]\d{1,5}[A-Za-z]?)"
                           r"[ \t]*(?:,|\n)\s*(?:" + _UNIT + r"\s*#?\d{1,5}[A-Za-z]?[ \t]*(?:,|\n)\s*)?$")


def _address_blocks(text: str, findings: list[Finding]) -> list[Finding]:
    """Join the parts of a postal address into one STREET_ADDRESS span: "2986 Papineau Avenue\n
    Apt. 446\n Montreal" was a street, a leftover unit and a city; the house number or postcode
    beside a city was left in the text."""
    out: list[Finding] = []
    for f in findings:
        if f.entity_type == "STREET_ADDRESS" or (f.entity_type == "LOCATION" and any(
                c.isdigit() for c in text[f.start:f.end])):  # "50 Point Walter Road, PALMYRA" read as a place
            town = _TOWN_AFTER.match(text, f.end)  # "5370 Taylor Crest, DelattreBourg": the town goes too
            if town:
                f = Finding(f.entity_type, f.start, town.end(), f.score)
        if f.entity_type == "PERSON" and (_REGION_POSTCODE_AFTER.match(text, f.end) or (
                _POSTCODE_LINE_END.match(text, f.end) and _LINE_HEAD.search(text, max(0, f.start - 30), f.start))):
            f = Finding("LOCATION", f.start, f.end, f.score)  # "Jordan, TAS 4885", "Billing: Jordan 4885": a town
        if f.entity_type == "PERSON" and _REGION_AFTER.match(text, f.end) and _PLACE_LEAD.search(
                text, max(0, f.start - 16), f.start):
            f = Finding("LOCATION", f.start, f.end, f.score)  # "moved to Gagnon, MB": a town and its province
        if f.entity_type in _ADDRESS or f.entity_type == "PERSON":  # the postcode is at a line's start or after ":"
            before = _POSTCODE_BEFORE.search(text, max(0, f.start - 16), f.start)
            if before and any(c.isdigit() for c in before.group(1)):
                f = Finding("STREET_ADDRESS", before.start(1), f.end, f.score)
        if f.entity_type in _ADDRESS:
            tail = _ADDRESS_TAIL.match(text, f.end)
            if tail and tail.end() > f.end and any(c.isdigit() for c in tail.group()):
                f = Finding("STREET_ADDRESS", f.start, tail.end(), f.score)
            region = _REGION_AFTER.match(text, f.end)  # "Encruzilhada, VC", "Orange, NSW": the region goes too
            if region:
                f = Finding(f.entity_type, f.start, region.end(), f.score)
            unit = _UNIT_BEFORE.search(text, max(0, f.start - 16), f.start)
            if unit:
                f = Finding(f.entity_type, unit.start(), f.end, f.score)
            head = _ADDRESS_HEAD.search(text, max(0, f.start - 60), f.start)
            if head and head.group(1)[:1].isupper() and (not out or out[-1].end <= head.start(1)):
                f = Finding("STREET_ADDRESS", head.start(1), f.end, f.score)
        if out and out[-1].entity_type in _ADDRESS and f.entity_type in _ADDRESS:
            glue = text[out[-1].end:f.start]
            if len(glue) <= 40 and _ADDRESS_GLUE.fullmatch(glue) and (
                    any(c.isdigit() for c in glue) or "STREET_ADDRESS" in {out[-1].entity_type, f.entity_type}):
                out[-1] = Finding("STREET_ADDRESS", out[-1].start, f.end, max(out[-1].score, f.score))
                continue
        if out and f.start < out[-1].end:  # a widened span may now overlap its neighbour
            out[-1] = Finding(out[-1].entity_type, out[-1].start, max(out[-1].end, f.end), max(out[-1].score, f.score))
            continue
        out.append(f)
    return out


# whole words only: not "GB" of "GB82", nor "martin" of "www.martin.com"
_ALPHA_RUN = re.compile(r"(?<![\w@#./])[^\W\d_]+(?![\w@/]|\.[^\W\d_])")
_LAUGH = re.compile(r"(?:[aeiouy]*h[aeiouhy]*){2,}|\w*(\w)\1\1\w*|lm+f?ao+|rofl|lo+l")  # hahaha, sooo, lmao


def case_variant(text: str, lexicon=None) -> str:
    """The text as NER and the lexicon recognizers see it: same length, same offsets, but
    lower-case and ALL-CAPS words re-cased the way names usually are written.

    spaCy's small model finds names by their capital letter, so "ask kristina or caleb" and
    "MEETING WITH JOHANSSON IN HARSTAD" hide them. ALL-CAPS words in a run of two or more
    (or in a mostly upper-case text) are lower-cased first; then every lower-case word that
    is not an ordinary English word ("kristina", "johansson", "harstad") gets a capital.
    Single capitalised acronyms in mixed text ("NBA") stay as they are.
    """
    if lexicon is None:
        from .lexicon import get_lexicon

        lexicon = get_lexicon()
    words = list(_ALPHA_RUN.finditer(text))
    if not words:
        return text
    caps = [len(m.group()) >= 2 and m.group().isupper() for m in words]
    letters = sum(len(m.group()) for m in words)
    shouting = sum(len(m.group()) for m, c in zip(words, caps) if c) > 0.6 * letters
    out = list(text)
    for k, m in enumerate(words):
        word = m.group()
        if caps[k] and (shouting or (k > 0 and caps[k - 1]) or (k + 1 < len(words) and caps[k + 1])):
            word = word.lower()
        if (word.islower() and len(word) >= 3 and not lexicon.is_common(word)
                and (not lexicon.is_nounish(word) or word in lexicon.first_names  # "adam", "simon"; not "video"
                     # "tolkien", "burnham": nouns English writes capitalised; a listed name among them
                     # ("drake", "mars") would be a name by the list alone once capitalised
                     or (word in lexicon.proper_nouns and not lexicon.is_name(word)))
                and not _after_apostrophe(text, m.start()) and not _LAUGH.fullmatch(word)):
            word = word[:1].upper() + word[1:]
        if word != m.group() and len(word) == len(m.group()):
            out[m.start():m.end()] = word
    _title_case_places(text, words, caps, out, lexicon)
    return "".join(out)


def _title_case_places(text: str, words: list, caps: list[bool], out: list[str], lexicon) -> None:
    """An ALL-CAPS run that names a place of several words ("NEW YORK", "SAN JOSE") is written
    the way the gazetteer and NER know it, "New York", not "new York"."""
    k = 0
    while k < len(words):
        for n in (3, 2):
            run = words[k:k + n]
            if len(run) == n and all(caps[k:k + n]) and all(
                    text[a.end():b.start()] == " " for a, b in zip(run, run[1:])) \
                    and text[run[0].start():run[-1].end()].lower() in lexicon.places:
                for m in run:
                    out[m.start():m.end()] = m.group()[:1] + m.group()[1:].lower()
                k += n - 1
                break
        k += 1


def _sentence_start_at(text: str, start: int) -> bool:
    before = text[max(0, start - 4):start].rstrip(" \t")
    return not before or before[-1] in ".!?:;\"“”(\n*-|>#@" or before.endswith(("...", "…"))


def _after_apostrophe(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] in "'’"


def _worth_analysing(text: str) -> bool:
    return any(c.isalnum() for c in text)
