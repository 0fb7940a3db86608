"""Read the reports page back: its tables as rows of cell texts, and CSV downloads."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

NONE = "\u2013"  # the en dash the page shows where there is no figure


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id", "").startswith("table-"):
            self._table = self.tables.setdefault(attributes["id"][len("table-") :], [])
        elif self._table is not None and tag == "tr":
            self._table.append([])
        elif self._table is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """{table slug: [header row, body rows..., footer row]} as the page shows them."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def csv_rows(response) -> list[list[str]]:
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    return list(csv.reader(io.StringIO(body)))


def on_screen(rows: list[list[str]]) -> list[list[str]]:
    """CSV cells as the page writes them (an empty figure is a dash there)."""
    return [[cell if cell != "" else NONE for cell in row] for row in rows]
