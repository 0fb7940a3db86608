"""Dates written the way each language writes them in a letter.

English "5 March 2026", Dutch "5 maart 2026", French "5 mars 2026" and "1er mars 2026"
(French writes the first day of a month as an ordinal). Month names are spelled out here
rather than taken from a locale, so a letter never depends on the machine's locale.
"""

from __future__ import annotations

from datetime import date

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}


def written_date(value: date, language: str) -> str:
    month = MONTHS[language][value.month - 1]
    day = "1er" if language == "fr" and value.day == 1 else str(value.day)
    return f"{day} {month} {value.year}"


def place_and_date(place: str, value: date, language: str) -> str:
    """The line above the letter: "Gent, 5 maart 2026" / "Gent, le 5 mars 2026"."""
    written = written_date(value, language)
    return f"{place}, le {written}" if language == "fr" else f"{place}, {written}"
