import pytest

from config.redaction import without_server_paths


@pytest.mark.parametrize("text, expected", [
    ("[Errno 2] No such file or directory: '/srv/accord/var/runs/17/model.bin'",
     "[Errno 2] No such file or directory: '…/model.bin'"),
    ("cannot open /tmp/accord-xyz/shard-0003.jsonl, giving up", "cannot open …/shard-0003.jsonl, giving up"),
    ("under /var/lib/accord/", "under …/"),
])
def test_absolute_paths_keep_only_their_last_part(text, expected):
    assert without_server_paths(text) == expected


@pytest.mark.parametrize("text", [
    "the text/label columns", "see https://example.org/a/b/c", "dates 1/2/2025", "a ratio 3/4",
    "version #4 (sha256 abc…) failed the integrity check", "@SUM(1+1)*cmd|' /C calc'!A0",
])
def test_ordinary_text_is_left_alone(text):
    assert without_server_paths(text) == text
