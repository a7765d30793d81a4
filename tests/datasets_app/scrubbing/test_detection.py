"""Each entity kind is detected and removed; pseudonyms; residual check."""

import pytest

from datasets_app.scrubbing import ScrubConfig, residual_scan, scrub_texts

CASES = [
    ("PERSON", "My name is John Smith and I need help.", "John Smith"),
    ("PERSON", "hi, this is mary johnson from accounting", "mary johnson"),
    ("PERSON", "CALL ME, THIS IS PRIYA PATEL", "PRIYA PATEL"),
    ("PERSON", "The app crashed again.\nthanks, Priya", "Priya"),
    ("PERSON", "Mary-Jane O'Connor reported the outage.", "Mary-Jane O'Connor"),
    ("PERSON", "Please forward this to Björn Müller today.", "Björn Müller"),
    ("PERSON", "I spoke with Søren Kierkegaard yesterday.", "Søren"),
    ("EMAIL_ADDRESS", "Write to jane.doe+tickets@corp.example.net please", "jane.doe+tickets@corp.example.net"),
    ("PHONE_NUMBER", "Call +44 20 7946 0958 after lunch.", "+44 20 7946 0958"),
    ("PHONE_NUMBER", "My number is (555) 010-2345.", "(555) 010-2345"),
    ("PHONE_NUMBER", "Or try 555.010.2345 instead.", "555.010.2345"),
    ("CREDIT_CARD", "Card 4111-1111-1111-1111 was charged twice.", "4111-1111-1111-1111"),
    ("CREDIT_CARD", "Card 4000 1234 5678 9010 was declined.", "4000 1234 5678 9010"),
    ("IBAN_CODE", "Refund to GB82 WEST 1234 5698 7654 32 please.", "GB82 WEST 1234 5698 7654 32"),
    ("US_SSN", "SSN 123-45-6789 on file.", "123-45-6789"),
    ("IP_ADDRESS", "Requests came from 192.168.10.20 overnight.", "192.168.10.20"),
    ("IP_ADDRESS", "The last login was from 10.0.0.7.", "10.0.0.7"),
    ("PERSON", "Ask for Siobhan or Oluwaseun at the desk.", "Oluwaseun"),
    ("IP_ADDRESS", "Also seen from 2001:db8:85a3::8a2e:370:7334 today.", "2001:db8:85a3::8a2e:370:7334"),
    ("DATE_OF_BIRTH", "Verified caller, DOB: 03/14/1987.", "03/14/1987"),
    ("DATE_OF_BIRTH", "I was born on 14 March 1987 in a small town.", "14 March 1987"),
    ("STREET_ADDRESS", "Ship to 221B Baker Street by Friday.", "221B Baker Street"),
    ("STREET_ADDRESS", "I live at 42 Wallaby Way now.", "42 Wallaby Way"),
    ("LOCATION", "The parcel is stuck in Berlin.", "Berlin"),
    ("PERSON", "emailed sarah yesterday, no reply", "sarah"),
    ("STREET_ADDRESS", "send it to leeds ls1 4ap please", "ls1 4ap"),
    ("LOCATION", "she moved from chicago last year", "chicago"),
]


@pytest.mark.parametrize("entity,text,value", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_entity_detected_and_removed(config, entity, text, value):
    [(out, findings)] = scrub_texts([text], config=config)
    for token in value.split():
        assert token not in out, out
    assert entity in {f.entity_type for f in findings}, (out, findings)


def test_non_birth_dates_and_plain_words_are_kept(config):
    text = "The order placed on 04/02/2024 was delivered late and the box was damaged."
    [(out, _)] = scrub_texts([text], config=config)
    assert out == text


def test_pseudonyms_consistent_across_rows_calls_and_case():
    cfg = ScrubConfig(workers=1, operator="pseudonym", pseudonym_secret="dataset-secret-1")
    first = scrub_texts(["Ticket from John Smith about billing.", "john  smith called again"], config=cfg)
    again = scrub_texts(["Escalated by JOHN SMITH."], config=cfg)
    tokens = [t for out, _ in first + again for t in out.split() if t.startswith("<PERSON_")]
    assert len(tokens) == 3
    assert len({t.strip(".") for t in tokens}) == 1, tokens
    other = scrub_texts(["Ticket from John Smith about billing."],
                        config=ScrubConfig(workers=1, operator="pseudonym", pseudonym_secret="other"))
    assert other[0][0] != first[0][0]


def test_per_entity_operator_override():
    cfg = ScrubConfig(workers=1, operators={"EMAIL_ADDRESS": "pseudonym"}, pseudonym_secret="s")
    [(out, _)] = scrub_texts(["Mail John Smith at js@example.com"], config=cfg)
    assert "<PERSON>" in out and "<EMAIL_ADDRESS_" in out


def test_config_rejects_pseudonym_without_secret_and_hides_secret():
    with pytest.raises(ValueError):
        ScrubConfig(operator="pseudonym")
    described = ScrubConfig(operator="pseudonym", pseudonym_secret="top-secret").as_dict()
    assert "top-secret" not in repr(described)
    assert described["pseudonym_secret_fingerprint"].startswith("sha256:")
    assert described["versions"]["presidio-analyzer"] != "not-installed"


def test_residual_scan_counts_a_planted_leak():
    clean = "Hello <PERSON>, your card <CREDIT_CARD> is fine."
    leaky = "Hello <PERSON>, write to leak@example.com or call (555) 010-2345, card 4111 1111 1111 1111, Priya"
    assert sum(residual_scan([clean]).values()) == 0
    counts = residual_scan([clean, leaky])
    assert counts["EMAIL_ADDRESS"] == 1
    assert counts["PHONE_NUMBER"] == 1
    assert counts["CREDIT_CARD"] == 1
    assert counts["PERSON"] == 1


def test_long_text_is_chunked_and_fully_scrubbed(config):
    filler = "The router keeps dropping the connection every hour. " * 300
    text = filler + "Contact John Smith at js@example.com. " + filler + "Call +44 20 7946 0958."
    [(out, findings)] = scrub_texts([text], config=config)
    assert "js@example.com" not in out and "7946" not in out and "John" not in out
    assert all(text[f.start:f.end] for f in findings)
    assert out.count("router") == text.count("router")


def test_support_vocabulary_is_not_a_name(config):
    [(out, _)] = scrub_texts(["Tel. 555 123 4567. Ping 8.8.8.8 works."], config=config)
    assert out.startswith("Tel. <PHONE_NUMBER>") and "Ping <IP_ADDRESS>" in out
