"""The per-row template helpers give what the Django tags and filters they replace gave."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.templatetags.accord import ago, clip, local_date, status_pill
from agreements.models import Agreement
from datasets_app.models import DatasetVersion


def render(source: str, **context) -> str:
    return Template("{% load accord %}" + source).render(Context(context))


@pytest.mark.parametrize("delta", [
    dt.timedelta(minutes=1), dt.timedelta(minutes=3), dt.timedelta(hours=1), dt.timedelta(hours=2, minutes=1),
    dt.timedelta(days=1), dt.timedelta(days=3, hours=5), dt.timedelta(days=8), dt.timedelta(days=40),
    dt.timedelta(days=400), dt.timedelta(days=800, hours=3),
])
def test_ago_reads_as_django_timesince(delta):
    value = timezone.now() - delta
    assert ago(value) == f"{timesince(value)} ago"


def test_ago_in_the_future_and_empty():
    assert ago(timezone.now() + dt.timedelta(days=2)) == "just now"  # a clock a little ahead: never "-2 days"
    assert ago(None) == ""


@pytest.mark.parametrize("choices, value", [(Agreement.State, s) for s in Agreement.State.values]
                         + [(DatasetVersion.Status, s) for s in DatasetVersion.Status.values])
def test_status_pill_is_the_status_include(choices, value):
    """`{% status_pill v choices=... %}` renders what the include with `get_FOO_display` rendered."""
    label = dict(choices.choices)[value]
    expected = render('{% include "includes/status.html" with status=value label=label %}',
                      value=value, label=label).strip()
    assert status_pill(value, choices=choices) == expected
    assert status_pill(value, label) == expected


def test_status_pill_escapes_and_words_a_bare_code():
    assert status_pill("changes_requested") == '<span class="status status-changes_requested">Changes requested</span>'
    assert status_pill('"><script>', "<b>") == \
        '<span class="status status-&quot;&gt;&lt;script&gt;">&lt;b&gt;</span>'
    assert status_pill("unknown_code", choices=Agreement.State).endswith(">Unknown code</span>")


def test_local_date_is_the_date_filter_in_the_current_time_zone():
    late = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone.utc)
    assert local_date(late) == render('{{ v|date:"Y-m-d" }}', v=late) == "2026-03-01"
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        assert local_date(late) == render('{{ v|date:"Y-m-d" }}', v=late) == "2026-03-02"
    assert local_date(dt.date(2026, 1, 5)) == "2026-01-05" and local_date(None) == ""


@pytest.mark.parametrize("text", ["", "short", "x" * 120, "y" * 121, "word " * 60])
def test_clip_is_truncatechars_for_plain_text(text):
    assert clip(text, 120) == render("{{ v|truncatechars:120 }}", v=text)
