"""Exports that are safe to open in a spreadsheet."""
from __future__ import annotations

from typing import Any

# OWASP "CSV Injection": a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Neutralise a cell that a spreadsheet would run as a formula: prefix it with a quote.

    Numbers stay numbers (a negative seq or count is not an injection); every string that starts
    with = + - @ tab or CR, including JSON text and names, gets a leading `'`.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
