"""Ticket, form and address-label shapes found by sweeping generated values through sentence frames.

Each test is one pattern; the examples are made up, none is copied from a development set.
"""
import pytest

from datasets_app.scrubbing import scrub_texts
from tests.datasets_app.scrubbing.assertions import assert_gone, assert_kept


def _out(text: str, config) -> str:
    [(out, _)] = scrub_texts([text], config=config)
    return out


# -- towns by the way their names end ------------------------------------------------------------
@pytest.mark.parametrize("text, town", [
    ("The depot at Wexholm (Kelvardfort) is closed today.", "Kelvardfort"),  # in brackets after a place
    ("The warehouse (Quillonbury) is closed on Sundays.", "Quillonbury"),  # in brackets
    ("Where are you based?\nTorvenstad\nThanks", "Torvenstad"),             # alone on its own line
    ("Delivery address confirmed:\nNORTH KELMARSHAVEN", "KELMARSHAVEN"),   # ALL-CAPS label, with its prefix
])
def test_an_unknown_word_with_a_town_ending_is_a_town(config, text, town):
    out = _out(text, config)
    assert_gone(out, town)
    assert_kept(out, *[w for w in ("depot", "closed", "today", "warehouse", "Sundays", "based", "Thanks", "Delivery",
                                   "confirmed") if w in text])


def test_the_place_prefix_goes_with_the_town(config):
    assert_gone(_out("Delivery address confirmed:\nNORTH KELMARSHAVEN", config), "NORTH KELMARSHAVEN", "NORTH")


def test_a_lower_case_word_with_a_town_ending_stays(config):
    out = _out("the rearside panel and the landside gate need a checkup", config)
    assert_kept(out, "rearside", "landside", "panel", "checkup")


# -- region codes and postcodes after a town -----------------------------------------------------
@pytest.mark.parametrize("text, gone", [
    ("Billing: Kessingworth, QLD 4102", ["Kessingworth", "QLD", "4102"]),  # town read as a name, state, postcode
])
def test_a_region_code_and_postcode_after_a_name_make_it_a_town(config, text, gone):
    out = _out(text, config)
    assert_gone(out, *gone)
    assert_kept(out, "Billing")


@pytest.mark.parametrize("text, code", [
    ("Postcode: 48213\nStatus: open", "48213"),
    ("my zip code is 6020 but the form rejects it", "6020"),
    ("Postal code: 31-482", "31-482"),                     # two groups of digits
])
def test_a_postcode_after_its_label_is_scrubbed(config, text, code):
    out = _out(text, config)
    assert_gone(out, code)
    assert "Postcode" in out or "zip" in out or "Postal" in out


def test_a_number_without_a_postcode_label_stays(config):
    out = _out("Order 48213 shipped, invoice total 6020 units", config)
    assert "48213" in out and "6020" in out


# -- phone shapes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, number", [
    ("Call me on 001-415-662-3190x5521 after five.", "3190"),   # an extension is no part of the length
    ("1-415-662-3190 is my mobile, please call back.", "662-3190"),  # a leading country code
    ("Please call back on 41776205", "41776205"),                # unseparated, after a phone word
    ("Phone: (0412) 556713\nStatus: open", "556713"),            # a long local part after the area code
    ("My number, +(372) 55012345, changed last week.", "55012345"),  # country code in brackets
])
def test_phone_shapes(config, text, number):
    assert_gone(_out(text, config), number)


@pytest.mark.parametrize("text, number", [
    ("Please call back on 7203318846", "7203318846"),     # ten digits without separators after a phone word
    ("Phone: (+372) 512334871\nStatus: open", "512334871"),  # a nine-digit local part after the country code
])
def test_long_unseparated_phones_after_a_phone_word(config, text, number):
    assert_gone(_out(text, config), number)


def test_an_order_number_stays(config):
    out = _out("Order number 20231145 shipped yesterday", config)
    assert "20231145" in out, out


# -- words in another script inside English text --------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("Hi सुरेश पाठक, your parcel has shipped.", "सुरेश पाठक"),                 # Devanagari with its vowel signs
    ("I live in 函館市 and the delivery never arrived.", "函館市"),              # CJK place after "in"
    ("Thanks for the quick help!\nประยุทธ์ ศรีสุข", "ศรีสุข"),                  # Thai signature line
    ("The ticket was opened by the customer (박서연) last week.", "박서연"),    # Hangul in brackets
])
def test_a_word_in_another_script_inside_english_text_is_scrubbed(config, text, value):
    out = _out(text, config)
    assert_gone(out, value)
    assert_kept(out, *[w for w in ("parcel", "shipped", "live", "delivery", "Thanks", "quick", "ticket", "opened",
                                   "customer", "week") if w in text])


def test_text_mostly_in_another_script_is_left_to_the_other_rules(config):
    text = "东京的天气今天很好，我们去公园散步吧 ok"
    assert _out(text, config) == text


# -- a postcode beside a town ---------------------------------------------------------------------
@pytest.mark.parametrize("text, code", [
    ("Shipping label:\n4127 Wexmoor\nplease check", "4127"),          # digits before a town read as a name
    ("Delivery area: K2P 7R4 Lakewood", "K2P 7R4"),                   # Canadian code before the town
    ("Delivery area: Lakewood H3Z 2Y7", "H3Z 2Y7"),                   # ... and after it
    ("Delivery area: D04 X2K7 Kilmore", "D04 X2K7"),                  # Irish code before the town
    ("Billing: Pellowburgh KS 57210", "57210"),                       # "label: Town XX 12345", town read as a name
    ("Invoice to: Tessaburgh NV 61120", "61120"),
])
def test_a_postcode_beside_a_town_goes_with_it(config, text, code):
    out = _out(text, config)
    assert code not in out, out  # short codes of letters and digits: assert_gone would not look at them
    assert_kept(out, text.split()[0].rstrip(":"))


# -- the value of an address field ----------------------------------------------------------------
@pytest.mark.parametrize("text, gone", [
    ("Address: Flat 7, Plot No. 12, Kalibagh\n\nThanks!", ["Kalibagh", "Plot No. 12"]),  # no street word at all
    ("SHIP TO: AV. 214 B N° 31", ["214", "N° 31"]),                                           # ALL-CAPS, "N°"
    ("Address:\nUSNS Pellham\nFPO AP 40317\n\nThanks!", ["Pellham", "40317"]),               # the lines below the label
])
def test_the_value_of_an_address_field_is_an_address(config, text, gone):
    out = _out(text, config)
    for value in gone:
        assert value not in out, out
    assert_gone(out, *gone)
    assert_kept(out, *[w for w in ("Address", "Thanks") if w in text])


@pytest.mark.parametrize("text", [
    "Address: same as billing\nOrder: 4411",
    "Shipping address: see my last message, 2 lines up",
])
def test_an_address_field_without_an_address_keeps_its_words(config, text):
    out = _out(text, config)
    assert_kept(out, *[w for w in ("same", "billing", "Order", "see", "last", "message", "lines") if w in text])


# -- streets whose street word is not English -----------------------------------------------------
@pytest.mark.parametrize("text, street", [
    ("Dombovari utca 14. is where the parcel should go.", "Dombovari utca 14"),    # Hungarian, word apart
    ("The old address (Szegedi utca 243.) is wrong.", "243"),                      # the number was left
    ("The flat, Berkova ulica 12, has no lift.", "12,"),                           # Slovene/Croatian
    ("Meet at Zelena cesta 1184 tomorrow.", "Zelena cesta 1184"),
    ("Tammelankatu 7 is where the parcel should go.", "Tammelankatu 7"),           # Finnish, word joined
    ("Please send it to Kuusirinne 14, thanks.", "Kuusirinne 14"),
])
def test_a_street_with_a_foreign_street_word(config, text, street):
    out = _out(text, config)
    assert street not in out, out
    assert_gone(out, street)
    assert_kept(out, *[w for w in ("parcel", "where", "address", "wrong", "Please", "send", "thanks", "flat", "lift",
                                   "Meet", "tomorrow") if w in text])


def test_an_english_word_ending_like_a_street_stays(config):
    out = _out("My Sweetie 3 plush and the Brigade 2 game arrived broken", config)
    assert_kept(out, "Sweetie", "Brigade", "plush", "arrived", "broken")


def test_latin_letters_glued_to_a_word_in_another_script_go_with_it(config):
    out = _out("The depot (خليلmouth) is closed today.", config)  # Arabic has no capitals: no town-ending rule
    assert "mouth" not in out and "خليل" not in out, out
    assert_kept(out, "depot", "closed", "today")


# -- a region code after a town read as a name; streets written street-word first -------------------
@pytest.mark.parametrize("text, gone", [
    ("We moved to Ouellette, MB last year.", ["Ouellette", ", MB"]),
    ("Our new office is in Bergeron, QC since May.", ["Bergeron", ", QC"]),
])
def test_a_region_code_after_a_town_after_in_or_to(config, text, gone):
    out = _out(text, config)
    for value in gone:
        assert value not in out, out
    assert_kept(out, *[w for w in ("moved", "last", "year", "office", "since") if w in text])


@pytest.mark.parametrize("text, street", [
    ("The old address (pl. Wrzosowa 48) is wrong.", "48"),                   # Polish "plac" abbreviated
    ("Jl. Kenanga No. 317 is where the parcel should go.", "317"),           # Indonesian, "No." before the number
    ("The old address (Av. 9 N° 4417) is wrong.", "4417"),                   # a number for a name, then "N°"
    ("The old address (Lindetorget 8) is wrong.", "Lindetorget"),            # Swedish square, joined
    ("The old address (Pieterhof 6) is wrong.", "Pieterhof"),                # Dutch court, joined
])
def test_more_street_shapes(config, text, street):
    out = _out(text, config)
    assert street not in out, out
    assert_kept(out, *[w for w in ("address", "wrong", "where", "parcel") if w in text])


def test_a_lower_case_iban_followed_by_a_short_word(config):  # 20 characters: the spaced pattern took " pls"
    out = _out("refund to iban at742011182215634901 pls", config)
    assert "at742011182215634901" not in out, out
    assert_kept(out, "refund")


def test_a_form_label_around_a_name_in_another_script(config):
    out = _out("Contact person: झुमरीलाल तिलैयावाला (कुंडलपुर)", config)  # few English letters, more Devanagari ones
    for value in ("झुमरीलाल", "तिलैयावाला", "कुंडलपुर"):
        assert value not in out, out
    assert_kept(out, "Contact", "person")


@pytest.mark.parametrize("text, code", [
    ("Delivery area: 48213 Port Elvira", "48213"),               # a place prefix, a town read as a name
    ("Shipping label:\n2907 East Marguerite\nplease check", "2907"),
    ("Delivery area: 7461 KD Zwartewaal", "7461 KD"),             # Dutch
    ("Delivery area: 58-214 Wroclawek", "58-214"),                # Polish
    ("Delivery area: 49730115 Barreirinha", "49730115"),          # Brazilian, eight digits
])
def test_more_postcodes_before_a_town(config, text, code):
    out = _out(text, config)
    assert code not in out, out
    assert_kept(out, text.split()[0].rstrip(":"))
