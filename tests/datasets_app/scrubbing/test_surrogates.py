"""The surrogate operator: fake values of the same kind, consistent per dataset key, never the
original nor a word of the row; the residual check does not count them but still finds a real
value left beside them."""

import ipaddress
import json
import re

import pytest

from datasets_app.scrubbing import ScrubConfig
from datasets_app.scrubbing.engine import normalise_for_pseudonym
from datasets_app.scrubbing.pipeline import get_engine, residuals_of
from datasets_app.scrubbing.residual import _iban_ok, _luhn_ok, find_residuals
from datasets_app.scrubbing.surrogates import SurrogateFactory, words


@pytest.fixture(scope="module")
def factory():
    return SurrogateFactory(b"dataset-key-1", normalise=normalise_for_pseudonym)


@pytest.fixture(scope="module")
def surrogate_config(config):  # `config` builds the shared analyzer once; this binds the operator on it
    return ScrubConfig(workers=1, operator="surrogate", pseudonym_secret="dataset-key-1")


def test_person_keeps_shape_and_case(factory):
    for original in ["Jane Doe", "JANE DOE", "jane doe", "María José Carreño", "Dr. Jane Doe", "Okafor"]:
        fake = factory.surrogate("PERSON", original)
        assert fake != original and not words(fake) & (words(original) - {"dr"})
        assert len(re.findall(r"\S+", fake)) == len(re.findall(r"\S+", original))
    assert factory.surrogate("PERSON", "JANE DOE").isupper()
    assert factory.surrogate("PERSON", "jane doe").islower()
    assert factory.surrogate("PERSON", "Dr. Jane Doe").startswith("Dr. ")


def test_a_name_written_alone_stays_a_first_or_a_family_name(surrogate_config):
    from faker.providers.person.en_US import Provider

    firsts = set(Provider.first_names)
    lasts = set(Provider.last_names)
    engine = get_engine(surrogate_config)
    assert engine._surrogates.surrogate("PERSON", "Schmidt") in lasts  # listed as a family name only
    assert engine._surrogates.surrogate("PERSON", "Dr. Jane").removeprefix("Dr. ") in lasts  # title: family name
    assert engine._surrogates.surrogate("PERSON", "Jennifer") in firsts


def test_numbers_look_valid_but_come_from_ranges_that_identify_nobody(factory):
    card = factory.surrogate("CREDIT_CARD", "4111 1111 1111 1111")
    assert re.fullmatch(r"4000 00\d\d \d{4} \d{4}", card) and _luhn_ok(card)
    iban = factory.surrogate("IBAN_CODE", "DE89 3704 0044 0532 0130 00")
    assert iban.startswith("DE") and len(iban) == len("DE89 3704 0044 0532 0130 00") and _iban_ok(iban)
    assert iban.replace(" ", "") != "DE89370400440532013000"
    phone = factory.surrogate("PHONE_NUMBER", "(415) 867-2671")
    assert re.fullmatch(r"\(\d{3}\) 555-01\d\d", phone)  # NANP fiction block
    assert re.sub(r"\d", "9", factory.surrogate("PHONE_NUMBER", "+44 20 7946 0958")) == "+99 99 9999 9999"
    assert factory.surrogate("US_SSN", "123-45-6789").startswith("9")  # area 9XX is never an SSN
    for original in ["83.12.44.1", "2a00:1450:4007:80a::200e"]:
        ip = ipaddress.ip_address(factory.surrogate("IP_ADDRESS", original))
        assert any(ip in ipaddress.ip_network(n) for n in
                   ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
    email = factory.surrogate("EMAIL_ADDRESS", "jane.doe@gmail.com")
    assert re.fullmatch(r"[\w.]+@example\.(com|org|net)", email) and "jane" not in email


@pytest.mark.parametrize("original,pattern", [
    ("1985-03-02", r"\d{4}-\d{2}-\d{2}"), ("March 3, 1951", r"[A-Z][a-z]+ \d{1,2}, \d{4}"),
    ("03/02/1985", r"\d{2}/\d{2}/\d{4}"), ("3 March 1951", r"\d{1,2} [A-Z][a-z]+ \d{4}")])
def test_dates_are_shifted_in_the_same_format(factory, original, pattern):
    fake = factory.surrogate("DATE_OF_BIRTH", original)
    assert fake != original and re.fullmatch(pattern, fake)


def test_one_person_one_fake_per_key_and_another_fake_under_another_key(factory):
    other = SurrogateFactory(b"dataset-key-2", normalise=normalise_for_pseudonym)
    again = SurrogateFactory(b"dataset-key-1", normalise=normalise_for_pseudonym)  # another version, shard, process
    assert factory.surrogate("PERSON", "Jane Doe") == again.surrogate("PERSON", "Jane Doe")
    assert factory.surrogate("PERSON", "Jane  Doe").split() == factory.surrogate("PERSON", "Jane Doe").split()
    assert factory.surrogate("PERSON", "JANE DOE") == factory.surrogate("PERSON", "Jane Doe").upper()
    dashed, spaced = (factory.surrogate("PHONE_NUMBER", p) for p in ("415-867-2671", "(415) 867 2671"))
    assert dashed[-4:] == spaced[-4:]  # one number, however written: the same digits
    assert other.surrogate("PERSON", "Jane Doe") != factory.surrogate("PERSON", "Jane Doe")


def test_a_surrogate_never_brings_in_a_word_of_its_row(factory):
    first = factory.surrogate("PERSON", "Jane Doe")
    # the row happens to mention someone called like the fake: another draw is taken
    row = f"Jane Doe and {first} met."
    fake = factory.surrogate("PERSON", "Jane Doe", avoid=row)
    assert fake != first and not words(fake) & words(row)


def test_engine_surrogates_are_consistent_across_rows_and_batches(surrogate_config):
    engine = get_engine(surrogate_config)
    one = engine.scrub(["Please ask Maria Garcia to call back."])[0][0]
    two = engine.scrub(["nothing here", "Shipping issue: Maria Garcia wrote yesterday, cc Tomasz Wójcik."])[1][0]
    assert "Maria" not in one + two and "Garcia" not in one + two and "Wójcik" not in two
    name_one = one.removeprefix("Please ask ").removesuffix(" to call back.")
    assert name_one in two and len(name_one.split()) == 2


def test_residual_check_skips_surrogates_but_finds_a_real_value_beside_them(surrogate_config, monkeypatch):
    """The surrogates look like PII to the residual pass by design; it skips exactly the offsets
    the scrubber wrote, so a real value the scrubber missed, right beside them, still counts."""
    engine = get_engine(surrogate_config)
    text = "Contact Maria Garcia at maria.garcia@gmail.com or jane.roe@corp.com, card 4111 1111 1111 1111."
    analyze = type(engine).analyze

    def missing_one(self, texts):  # the scrubber misses the second e-mail
        return [[f for f in found if text[f.start:f.end] != "jane.roe@corp.com"] for found in analyze(self, texts)]

    monkeypatch.setattr(type(engine), "analyze", missing_one)
    scrubbed, findings, edits = engine.scrub_with_edits([text])[0]
    assert "jane.roe@corp.com" in scrubbed and "Maria" not in scrubbed and "4111" not in scrubbed
    assert {f.entity_type for f in findings} >= {"PERSON", "EMAIL_ADDRESS", "CREDIT_CARD"}
    naive = find_residuals(scrubbed)
    assert ("EMAIL_ADDRESS", "jane.roe@corp.com") in naive and len(naive) > 1  # surrogates look real
    assert residuals_of(scrubbed, edits) == [("EMAIL_ADDRESS", "jane.roe@corp.com")]


def test_every_operator_shares_one_analyzer(config):
    tag = get_engine(config)
    surrogate = get_engine(ScrubConfig(workers=1, operator="surrogate", pseudonym_secret="k"))
    assert surrogate.analyzer is tag.analyzer and surrogate is not tag


def test_surrogate_operator_needs_the_dataset_key():
    with pytest.raises(ValueError, match="non-empty pseudonym_secret"):
        ScrubConfig(operator="surrogate")
    assert ScrubConfig(operator="surrogate", pseudonym_secret="k").as_dict()["operator"] == "surrogate"


def test_a_surrogate_avoids_the_words_of_every_column_of_its_row(tmp_path, surrogate_config):
    """The fake drawn for a name must not be a person the same row names in another column."""
    from datasets_app.scrubbing import scrub_file
    from datasets_app.scrubbing.synthetic import write_jsonl

    engine = get_engine(surrogate_config)
    usual = engine.scrub(["Please ask Maria Garcia to call back."])[0][0]
    fake = usual.removeprefix("Please ask ").removesuffix(" to call back.")
    rows = [{"subject": f"cc {fake}", "body": "Please ask Maria Garcia to call back."}]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(rows, src)
    scrub_file(src, dst, text_fields=["subject", "body"], config=surrogate_config)
    body = json.loads(dst.read_text())["body"]
    assert "Maria" not in body and "Garcia" not in body
    assert not words(body) & words(fake), (fake, body)
