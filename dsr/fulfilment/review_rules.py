"""What an officer decided in a package's review, as the package build applies it.

Pure: no database, no storage, no Django. The review (dsr/fulfilment/review.py) records
the decisions and their Events; `dsr.fulfilment.packages.package_build(decisions=...)`
applies them while it writes the final ZIP. Every decision carries its `Ground`: a reason
code from `REASONS` (Art. 15(4): the copy must not adversely affect the rights of others),
with a free text for `other`.

Semantics (all of them apply to the subject's package only; the parts stay as exported):

- A table is named by `TableKey(folder, table)`: the source's folder in the ZIP (the
  slug `package_build` gives the source, `table_folders(job)` lists them) and the table's
  name (`part["name"]` of the export step's part).
- `TableDecisions.excluded`: the whole table is left out (JSON, CSV and the index preview).
- `TableDecisions.columns`: these columns are left out of the JSON, the CSV header and rows,
  and the index preview.
- `TableDecisions.rows`: rows left out, by 0-based index in the order the part stores them
  (the order `packages.table_rows` yields them).
- `TableDecisions.cells`: the value in (row index, column) becomes `REDACTED` whatever its
  type (an integer too).
- `ReviewDecisions.texts`: each literal text (never a pattern the user writes: it is
  `re.escape`d, so matching is linear, no ReDoS) is matched case-insensitively inside every
  string in every table — values, nested values, column names, labels — and in the rendering
  of numbers and booleans (redacting "1234" reaches the customer number 1234), in
  information.json and in text files (CSV, TXT, JSON) that manual sources added. Each match
  is replaced by `REDACTED`. Binary files (PDF, images) cannot be searched: include or
  exclude them whole (`files`).
- `ReviewDecisions.files`: extra files (added by a manual source) left out, by stored name.

The engine's side (dsr/fulfilment/packages.py):

    package_build(*, job, heartbeat=..., decisions: ReviewDecisions | None = None)
        -> (DataPackage, parts)     the final ZIP; index.html gets `withheld_grounds`
                                    (the list `grounds()` returns, empty without decisions)
    package_tables(job) -> list[PackageSource]   folders and parts, as the build names them
    table_rows(part, start=0, limit=None) -> Iterator[list]   a stored table, row by row

`grounds()` says on what grounds anything was withheld (for index.html and the answer
letter), never what was withheld. `as_json()` / `from_json()` store the decisions (the
texts themselves are in there: keep the JSON encrypted or in the review's own rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REASONS = ("third_party", "trade_secret", "legal_privilege", "other")
REDACTED = "[withheld]"
TEXT_MIN_CHARS = 2
TEXT_MAX_CHARS = 500
OTHER_MAX_CHARS = 500


class DecisionError(ValueError):
    """A decision the build cannot apply (an unknown reason, a blank text); the message
    says what is wrong and can be shown as it is."""


@dataclass(frozen=True)
class Ground:
    reason: str
    text: str = ""

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise DecisionError(f"unknown reason {self.reason!r}; one of {', '.join(REASONS)}")
        if self.reason == "other" and not self.text.strip():
            raise DecisionError("the reason 'other' needs a text")
        if len(self.text) > OTHER_MAX_CHARS:
            raise DecisionError(f"the reason's text is longer than {OTHER_MAX_CHARS} characters")
        if self.reason != "other" and self.text:
            object.__setattr__(self, "text", "")


@dataclass(frozen=True)
class TableKey:
    folder: str
    table: str


@dataclass(frozen=True)
class ColumnExclusion:
    column: str
    ground: Ground


@dataclass(frozen=True)
class RowExclusion:
    row: int
    ground: Ground

    def __post_init__(self) -> None:
        if not isinstance(self.row, int) or self.row < 0:
            raise DecisionError("a row index is a whole number from 0")


@dataclass(frozen=True)
class CellRedaction:
    row: int
    column: str
    ground: Ground

    def __post_init__(self) -> None:
        if not isinstance(self.row, int) or self.row < 0:
            raise DecisionError("a row index is a whole number from 0")


@dataclass(frozen=True)
class TextRedaction:
    text: str
    ground: Ground

    def __post_init__(self) -> None:
        if len(self.text.strip()) < TEXT_MIN_CHARS:
            raise DecisionError(f"a text to redact has at least {TEXT_MIN_CHARS} characters")
        if len(self.text) > TEXT_MAX_CHARS:
            raise DecisionError(f"a text to redact has at most {TEXT_MAX_CHARS} characters")


@dataclass(frozen=True)
class FileExclusion:
    """An extra file left out: its `name` (or stored path) in the step's `extra_files`;
    `folder` the source's folder ("" : that name in any source)."""

    name: str
    ground: Ground
    folder: str = ""


@dataclass(frozen=True)
class TableDecisions:
    excluded: Ground | None = None
    columns: tuple[ColumnExclusion, ...] = ()
    rows: tuple[RowExclusion, ...] = ()
    cells: tuple[CellRedaction, ...] = ()

    @property
    def excluded_columns(self) -> frozenset[str]:
        return frozenset(item.column for item in self.columns)

    @property
    def excluded_rows(self) -> frozenset[int]:
        return frozenset(item.row for item in self.rows)

    def cells_by_row(self) -> dict[int, set[str]]:
        by_row: dict[int, set[str]] = {}
        for cell in self.cells:
            by_row.setdefault(cell.row, set()).add(cell.column)
        return by_row

    def is_empty(self) -> bool:
        return self.excluded is None and not (self.columns or self.rows or self.cells)

    def _grounds(self) -> Iterable[Ground]:
        if self.excluded is not None:
            yield self.excluded
        for item in (*self.columns, *self.rows, *self.cells):
            yield item.ground


_EMPTY_TABLE = TableDecisions()


@dataclass(frozen=True)
class ReviewDecisions:
    tables: Mapping[TableKey, TableDecisions] = field(default_factory=dict)
    texts: tuple[TextRedaction, ...] = ()
    files: tuple[FileExclusion, ...] = ()

    def table(self, folder: str, table: str) -> TableDecisions:
        return self.tables.get(TableKey(folder, table), _EMPTY_TABLE)

    @property
    def excluded_files(self) -> frozenset[str]:
        return frozenset(item.name for item in self.files)

    def is_empty(self) -> bool:
        return (
            not self.texts
            and not self.files
            and all(decisions.is_empty() for decisions in self.tables.values())
        )

    def grounds(self) -> list[Ground]:
        """The grounds applied, each once, in a stable order (reason, then text)."""
        found: set[Ground] = set()
        for decisions in self.tables.values():
            found.update(decisions._grounds())
        found.update(item.ground for item in (*self.texts, *self.files))
        return sorted(found, key=lambda ground: (REASONS.index(ground.reason), ground.text))

    def text_pattern(self) -> re.Pattern[str] | None:
        """One case-insensitive pattern of every literal text (longest first), or None."""
        texts = sorted({item.text for item in self.texts}, key=lambda text: (-len(text), text))
        if not texts:
            return None
        return re.compile("|".join(re.escape(text) for text in texts), re.IGNORECASE)

    def redact_text(self, value: str) -> str:
        pattern = self.text_pattern()
        return pattern.sub(REDACTED, value) if pattern is not None else value

    # Storage as JSON (the review keeps it; the worker's task reads it back).

    def as_json(self) -> dict[str, Any]:
        def ground(value: Ground) -> dict[str, str]:
            return {"reason": value.reason, "text": value.text}

        return {
            "tables": [
                {
                    "folder": key.folder,
                    "table": key.table,
                    "excluded": ground(value.excluded) if value.excluded else None,
                    "columns": [
                        {"column": item.column, "ground": ground(item.ground)}
                        for item in value.columns
                    ],
                    "rows": [
                        {"row": item.row, "ground": ground(item.ground)} for item in value.rows
                    ],
                    "cells": [
                        {"row": item.row, "column": item.column, "ground": ground(item.ground)}
                        for item in value.cells
                    ],
                }
                for key, value in self.tables.items()
            ],
            "texts": [{"text": item.text, "ground": ground(item.ground)} for item in self.texts],
            "files": [
                {"name": item.name, "folder": item.folder, "ground": ground(item.ground)}
                for item in self.files
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ReviewDecisions:
        """Decisions from `as_json()`'s form; DecisionError when something is malformed."""
        data = data or {}
        try:

            def ground(value: Mapping[str, Any]) -> Ground:
                return Ground(str(value["reason"]), str(value.get("text") or ""))

            tables: dict[TableKey, TableDecisions] = {}
            for item in data.get("tables", []):
                key = TableKey(str(item["folder"]), str(item["table"]))
                tables[key] = TableDecisions(
                    excluded=ground(item["excluded"]) if item.get("excluded") else None,
                    columns=tuple(
                        ColumnExclusion(str(c["column"]), ground(c["ground"]))
                        for c in item.get("columns", [])
                    ),
                    rows=tuple(
                        RowExclusion(_index(r["row"]), ground(r["ground"]))
                        for r in item.get("rows", [])
                    ),
                    cells=tuple(
                        CellRedaction(_index(c["row"]), str(c["column"]), ground(c["ground"]))
                        for c in item.get("cells", [])
                    ),
                )
            return cls(
                tables=tables,
                texts=tuple(
                    TextRedaction(str(t["text"]), ground(t["ground"]))
                    for t in data.get("texts", [])
                ),
                files=tuple(
                    FileExclusion(str(f["name"]), ground(f["ground"]), str(f.get("folder") or ""))
                    for f in data.get("files", [])
                ),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise DecisionError(f"malformed review decisions: {error!r}") from error


def _index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DecisionError("a row index is a whole number from 0")
    return value
