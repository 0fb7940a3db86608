"""Cells a spreadsheet would run as a formula, made plain text (CSV injection).

Every CSV the product writes — the desk's downloads (`dsr.desk.csv_export`) and the data
package (`dsr.fulfilment.packages`) — passes each cell through `csv_safe`. Pure: no Django,
no models, so any layer may import it.

What counts as a formula follows OWASP ("CSV Injection"): a text that begins with `=`, `+`,
`-`, `@`, a tab or a carriage return, also after leading spaces or line breaks (spreadsheets
trim them), and, as a precaution, in their full-width forms (U+FF1D and so on). Such a text
gets a leading `'`, which makes a spreadsheet take the cell as text. Numbers stay numbers
(a negative amount is not a formula); JSON keeps every value as it was.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet opening this cell could take it for a formula."""
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def csv_safe(value: object) -> object:
    """The cell to write: a text a spreadsheet would run, prefixed with `'`; else unchanged."""
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    return value
