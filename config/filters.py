"""Filters shared by the apps' filtersets. Every query-string value is validated into something the
database accepts: a bad one answers 400 with the reason, never a 500 from the database."""
from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

# Real-world offsets run from UTC-12:00 to UTC+14:00; PostgreSQL refuses displacements past ±15:59.
MAX_UTC_OFFSET = dt.timedelta(hours=14)


class BoundedIsoDateTimeField(IsoDateTimeField):
    default_error_messages = {
        "offset": "The time-zone offset %(offset)s is out of range (UTC-14:00 to UTC+14:00).",
        "range": "The date/time is out of range once converted to UTC.",
    }

    def strptime(self, value, format):
        value = str(value)
        if "\x00" in value:
            raise ValueError("NUL in date/time")
        return super().strptime(value, format)

    def clean(self, value):
        parsed = super().clean(value)
        if parsed is None:
            return parsed
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(self.error_messages["offset"], code="offset",
                                        params={"offset": parsed.strftime("%z") or str(offset)})
        try:
            # Sent to the database in UTC: no displacement it could refuse.
            return parsed.astimezone(dt.timezone.utc)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["range"], code="range") from None


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField
