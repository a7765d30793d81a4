"""Span re-mapping on offsets alone (no engine): before, after, overlapping, containing, several
replacements, growing and shrinking ones, unicode; token columns cut back into as many tokens."""

import pytest

from datasets_app.scrubbing.spans import Edit, SpanError, blank_edits, remap_span, remap_spans, split_tokens


def _apply(text, replacements):
    """(new text, edits) for [(start, end, new value, entity)] in order: what the engine does."""
    out, edits, cursor, length = [], [], 0, 0
    for start, end, new, entity in replacements:
        out.append(text[cursor:start])
        length += start - cursor
        out.append(new)
        edits.append(Edit(start, end, length, length + len(new), entity))
        length += len(new)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), edits


TEXT = "Call Jo Smith about Router X2 today"
#       0    5        14    20        30


@pytest.mark.parametrize("new_name", ["<PERSON>", "<PERSON_1a2b3c4d>", "Marta Kowalczyk-Lewandowska", "Al"])
def test_spans_before_after_overlapping_and_containing_a_replacement(new_name):
    new, edits = _apply(TEXT, [(5, 13, new_name, "PERSON")])
    assert new == f"Call {new_name} about Router X2 today"
    before = remap_span(0, 4, edits)          # "Call": untouched, before
    after = remap_span(20, 29, edits)         # "Router X2": after, shifted
    overlapping = remap_span(8, 19, edits)    # "Smith about": starts inside the name
    containing = remap_span(0, 19, edits)     # "Call Jo Smith about"
    inside = remap_span(8, 13, edits)         # "Smith": strictly inside the replaced value
    assert new[slice(*before)] == "Call"
    assert new[slice(*after)] == "Router X2"
    assert new[slice(*overlapping)] == f"{new_name} about"  # union of the span and the replacement
    assert new[slice(*containing)] == f"Call {new_name} about"
    assert new[slice(*inside)] == new_name


def test_several_replacements_and_unicode():
    text = "Zoë Ångström → Ürümqi, ☎ 555-0101; product Café Über 2"
    zoe = text.index("Zoë")
    city = text.index("Ürümqi")
    phone = text.index("555")
    product = text.index("Café")
    new, edits = _apply(text, [(zoe, zoe + 12, "Łukasz Żółć", "PERSON"), (city, city + 6, "<LOCATION>", "LOCATION"),
                               (phone, phone + 8, "212-555-0143", "PHONE_NUMBER")])
    span = remap_span(product, product + 11, edits)
    assert new[slice(*span)] == "Café Über 2"
    # a span over the city and the phone takes both replacements whole
    both = remap_span(city + 2, phone + 3, edits)
    assert new[slice(*both)] == "<LOCATION>, ☎ 212-555-0143"


def test_span_touching_a_replacement_does_not_take_it():
    text = "JohnRouter"
    new, edits = _apply(text, [(0, 4, "<PERSON>", "PERSON")])
    assert new[slice(*remap_span(4, 10, edits))] == "Router"
    assert new[slice(*remap_span(0, 4, edits))] == "<PERSON>"


def test_remap_spans_writes_only_start_end_label_and_refuses_anything_else():
    new, edits = _apply(TEXT, [(5, 13, "Ann", "PERSON")])
    out = remap_spans([{"start": 20, "end": 29, "label": "PRODUCT"}], edits, text_length=len(TEXT))
    assert out == [{"start": 15, "end": 24, "label": "PRODUCT"}]
    # G2: a span may not carry the surface text (which would hold the original name)
    with pytest.raises(SpanError, match="exactly start, end and label"):
        remap_spans([{"start": 5, "end": 13, "label": "PER", "text": "Jo Smith"}], edits, text_length=len(TEXT))
    with pytest.raises(SpanError, match="outside its text"):
        remap_spans([{"start": 30, "end": 99, "label": "PRODUCT"}], edits, text_length=len(TEXT))
    with pytest.raises(SpanError, match="integers"):
        remap_spans([{"start": True, "end": 3, "label": "PRODUCT"}], edits, text_length=len(TEXT))


def test_split_tokens_keeps_one_token_per_token():
    tokens = ["Call", "Jo", "Smith", "about", "Router", "X2", "(jo@x.com)."]
    joined = " ".join(tokens)
    email = joined.index("jo@x.com")
    replacements = [(5, 13, "Marta Nowak", "PERSON"), (email, email + 8, "ab@example.org", "EMAIL_ADDRESS")]
    new, edits = _apply(joined, replacements)
    assert split_tokens(tokens, new, edits) == ["Call", "Marta", "Nowak", "about", "Router", "X2", "(ab@example.org)."]
    # a tag over two tokens: both hold it (the B- and I- tags keep their tokens)
    new, edits = _apply(joined, [(5, 13, "<PERSON>", "PERSON")])
    assert split_tokens(tokens, new, edits)[:4] == ["Call", "<PERSON>", "<PERSON>", "about"]
    # more words than tokens: the last token of the group takes the rest
    new, edits = _apply(joined, [(5, 13, "Anna Maria Nowak", "PERSON")])
    out = split_tokens(tokens, new, edits)
    assert len(out) == len(tokens) and out[1:3] == ["Anna", "Maria Nowak"]


def test_blank_edits_hides_only_what_the_scrubber_wrote():
    new, edits = _apply("Jo and Ann", [(0, 2, "Maria Lopez", "PERSON")])
    blanked = blank_edits(new, edits)
    assert blanked == " " * len("Maria Lopez") + " and Ann"
