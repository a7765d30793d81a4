"""What a scrubbed text must have lost or kept, shared by the real-text and context-rule tests."""
import re


def assert_gone(out: str, *values: str) -> None:
    """No word of 3+ letters of any value survives (any case), nor a run of 4+ of its digits."""
    for value in values:
        for word in re.findall(r"[^\W\d_]{3,}", value):
            assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", out, re.I), (word, out)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 4:
            assert digits not in re.sub(r"\D", "", out), (value, out)


def assert_kept(out: str, *words: str) -> None:
    for word in words:
        assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", out), (word, out)
