"""The subject's data package: JSON and CSV per table, a readable index.html and the
Art. 15 information, zipped and encrypted as a stream (memory does not grow with rows).

How a table gets into the package:

1. The export step writes the table as it reads it (`TableExport`): rows are taken in
   batches, each batch rendered once to JSON (orjson) and CSV (`csv.writer.writerows`),
   each deflated as a ZIP entry's data and encrypted into its own part in storage. The
   part's description (`part`: name, label, columns, rows, the two files, their CRC and
   sizes) goes into the step's state. Parts stay stored until the package is released and
   built (or the request closes): the review reads them (`table_rows`).
2. `package_build` writes the ZIP. A table without decisions is copied from its parts as
   it is (not rendered or compressed again); with `decisions`
   (dsr/fulfilment/review_rules.py) it is read back row by row from its JSON part, the
   decisions applied, and rendered again, streamed, in batches. Either way the package is
   encrypted once, as it is written.

The CSV holds no formula a spreadsheet would run (`dsr.spreadsheet.csv_safe`); the JSON
keeps every value as the source holds it (dates in ISO 8601, bytes in base64). Parts
written before this format (no `"format": 2`: plain JSON and CSV and a preview file) are
still read and built.

For the review (dsr/fulfilment/review.py):

    package_tables(job) -> list[PackageSource]      the folder each step gets in the ZIP,
                                                    its table parts and its extra files
    table_folders(job) -> dict[step id, folder]     the folder of `TableKey(folder, table)`
    table_rows(part, start=0, limit=None) -> Iterator[list]
        the rows of a stored table (`part` is an entry of step.state["files"]), as value
        lists in `part["columns"]` order, decrypted and parsed as a stream: rows before
        `start` are skipped without being parsed, memory holds one batch. Values are as
        the JSON holds them (str, int, float, bool, None, list, dict; dates as ISO text).
    package_build(*, job, heartbeat=..., decisions=None) -> (DataPackage, parts)
        `decisions`: a `review_rules.ReviewDecisions` (None: everything as exported).
        index.html gets `withheld_grounds`: `decisions.grounds()` (empty without them).

Extra files a person added to a manual step are `step.state["extra_files"]` entries
(`name`, `path` of an encrypted file in storage, `content_type`); they go into the ZIP as
`<folder>/files/<name>`.
"""

from __future__ import annotations

import base64
import bisect
import csv
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from dsr.fulfilment.review_rules import REDACTED, ReviewDecisions, TableDecisions
from dsr.fulfilment.streams import (
    Deflater,
    EncryptedUpload,
    ZipWriter,
    storage_delete,
    stored_chunks,
)
from dsr.models import DataPackage, Job, JobStep, Request, StepStatus, processing_register
from dsr.spreadsheet import csv_safe

PREVIEW_ROWS = 20
PART_FORMAT = 2
# Rows rendered together: big enough that the per-batch calls vanish, small enough that a
# batch of wide rows stays a few MB.
BATCH_ROWS = 2000
# zlib's fastest level: the package's text compresses well already at 1, and the levels
# above cost several times the time for a few per cent.
COMPRESS_LEVEL = 1
# Decompressed text taken from the JSON part at a time when it is read back.
READ_BYTES = 1 << 18
TEXT_FILE_TYPES = ("text/", "application/json", "application/csv")

# Where the subject may complain (LEGAL.md, "Refusal and fees"), by the controller's country.
AUTHORITIES = {
    "BE": {
        "name": "Gegevensbeschermingsautoriteit / Autorité de protection des données",
        "address": "Drukpersstraat 35 / Rue de la Presse 35, 1000 Brussel/Bruxelles",
    },
    "NL": {
        "name": "Autoriteit Persoonsgegevens",
        "address": "Postbus 93374, 2509 AJ Den Haag",
    },
}


def art15_information(request: Request) -> dict[str, Any]:
    """What Art. 15(1) and (2) require besides the copy, from the organisation's register."""
    organization = request.organization
    # In the subject's language; RegisterIncomplete names what the register lacks in it.
    activities = processing_register(organization, request.language)
    with translation.override(request.language):
        return {
            "controller": {
                "name": organization.legal_name or organization.name,
                "address": ", ".join(
                    part
                    for part in (
                        organization.street_address,
                        f"{organization.postal_code} {organization.city}".strip(),
                        organization.country,
                    )
                    if part
                ),
                "company_number": organization.company_number,
                "privacy_contact": organization.privacy_email,
            },
            "reference": request.reference,
            "processing": [
                {
                    "activity": activity.name,
                    "purpose": activity.purpose,
                    "data_categories": list(activity.data_categories),
                    "legal_basis": str(activity.get_legal_basis_display()),
                    "retention": activity.retention,
                    "source": activity.source,
                    "automated_decision_logic": activity.automated_decision_logic,
                    "recipients": [
                        {
                            "name": recipient.name,
                            "kind": str(recipient.get_kind_display()),
                            "country": recipient.country,
                        }
                        for recipient in activity.recipients
                    ],
                }
                for activity in activities
            ],
            "supervisory_authority": AUTHORITIES.get(organization.country, AUTHORITIES["BE"]),
        }


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def _csv_value(value: Any) -> Any:
    """A value as the index's preview shows it (HTML, escaped by the template)."""
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return value
    return _json_default(value)


def _csv_cell(value: Any) -> Any:
    """A value as the CSV holds it: what the source holds is data, never a formula a
    spreadsheet would run (`=HYPERLINK(...)` typed into a webshop); the JSON keeps it as is."""
    return csv_safe(_csv_value(value))


# --- rendering: rows to JSON and CSV, a batch at a time --------------------------------------

_dumps = partial(orjson.dumps, default=_json_default)
_std_encode = json.JSONEncoder(
    default=_json_default, ensure_ascii=False, separators=(",", ":")
).encode
_NONE = type(None)
_PLAIN_TYPES = frozenset({int, float, bool, _NONE})  # the csv module writes them as they are
_TEXT_TYPES = frozenset({str, _NONE})
_DATETIME_TYPES = frozenset({datetime, _NONE})
# A cheap look over a whole column for anything `csv_safe` could change (it may find more
# than `dsr.spreadsheet.is_formula` would; the column then goes through `csv_safe`).
_FORMULA_SCAN = re.compile(r"^\s*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]", re.MULTILINE)


def _objects_maker(width: int) -> Callable[[Sequence[str], Sequence[Sequence[Any]]], list]:
    """A function making the rows' JSON objects with a dict display (`{k0: r[0], ...}`), a
    few times faster than `dict(zip(columns, row))` per row. Its code holds only indexes:
    the column names come in as values, never as code."""
    if width not in _OBJECT_MAKERS:
        keys = ", ".join(f"k[{index}]: r[{index}]" for index in range(width))
        code = f"lambda k, rows: [{{{keys}}} for r in rows]"
        _OBJECT_MAKERS[width] = eval(code, {"__builtins__": {}})  # noqa: S307
    return _OBJECT_MAKERS[width]


_OBJECT_MAKERS: dict[int, Callable[[Sequence[str], Sequence[Sequence[Any]]], list]] = {}


def _json_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """The rows as JSON objects separated by commas, on one line (no brackets): one
    orjson call for the batch."""
    try:
        objects = _objects_maker(len(columns))(columns, rows)
    except IndexError:  # a row shorter than the columns: the keys it has
        objects = list(map(dict, map(zip, repeat(columns), rows)))
    try:
        return _dumps(objects)[1:-1]
    except (orjson.JSONEncodeError, TypeError):
        # What orjson refuses (an integer beyond 64 bits, a key that is not text): the
        # standard library's encoder, for this batch (it escapes line breaks too).
        return _std_encode(objects)[1:-1].encode()


_NUMBER_TYPES = frozenset({int, float})
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _csv_quoted(value: str) -> str:
    """A field as `csv.writer` (QUOTE_MINIMAL) writes it."""
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_column(column: Sequence[Any]) -> list[str] | None:
    """A column of a batch as CSV fields, for the common types with a few C-level calls
    per column instead of calls per value; None for a column of other types."""
    kinds = set(map(type, column))
    if kinds <= _NUMBER_TYPES:
        try:
            text = _dumps(column).decode()
        except orjson.JSONEncodeError:
            return list(map(str, column))
        if "e" in text or "null" in text:  # Python writes 1e+16, nan and inf its own way
            return list(map(str, column))
        return text[1:-1].split(",")
    if kinds <= _PLAIN_TYPES:
        return ["" if value is None else str(value) for value in column]
    if kinds <= _TEXT_TYPES:
        values = list(column) if _NONE not in kinds else ["" if v is None else v for v in column]
        if _FORMULA_SCAN.search("\n".join(values)):
            values = list(map(csv_safe, values))
        if _NEEDS_QUOTES.search("\x00".join(values)):
            values = list(map(_csv_quoted, values))
        return values
    if kinds <= _DATETIME_TYPES:
        values = orjson.loads(_dumps(column))  # ISO 8601, as datetime.isoformat writes it
        return values if _NONE not in kinds else ["" if v is None else v for v in values]
    return None


def _csv_rows(writer: Any, rows: Sequence[Sequence[Any]], width: int) -> str | None:
    """The batch as CSV text, column by column; or, for rows of uneven width, a single
    column or other types, written through `writer` value by value (returns None)."""
    if width > 1 and set(map(len, rows)) == {width}:
        columns = []
        for column in zip(*rows, strict=True):
            fields = _csv_column(column)
            if fields is None:
                break
            columns.append(fields)
        else:
            return "\r\n".join(map(",".join, zip(*columns, strict=True))) + "\r\n"
    writer.writerows([list(map(_csv_cell, row)) for row in rows])
    return None


class _Renderer:
    """One table's JSON and CSV, written a batch of rows at a time into two Deflaters."""

    def __init__(self, columns: list[str], json_out: Deflater, csv_out: Deflater) -> None:
        self.columns = columns
        self.rows = 0
        self.preview: list[list[Any]] = []
        self._json_out = json_out
        self._csv_out = csv_out
        self._csv_buffer = io.StringIO()
        self._csv = csv.writer(self._csv_buffer)
        json_out.write(b"[")
        self._csv.writerow([_csv_cell(column) for column in columns])
        self._csv_flush()

    def _csv_flush(self) -> None:
        self._csv_out.write(self._csv_buffer.getvalue().encode())
        self._csv_buffer.seek(0)
        self._csv_buffer.truncate()

    def batch(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.rows < PREVIEW_ROWS:
            for row in rows[: PREVIEW_ROWS - self.rows]:
                self.preview.append([_csv_value(value) for value in row])
        # One line per batch: the reader splits the part into batches at line breaks.
        self._json_out.write((b",\n" if self.rows else b"\n") + _json_rows(self.columns, rows))
        text = _csv_rows(self._csv, rows, len(self.columns))
        if text is None:
            self._csv_flush()
        else:
            self._csv_out.write(text.encode())
        self.rows += len(rows)

    def finish(self) -> tuple[dict[str, int], dict[str, int]]:
        self._json_out.write(b"\n]\n")
        return self._json_out.finish(), self._csv_out.finish()


class TableExport:
    """One table of the package, written as it is read: `write(row)` or `write_many(rows)`.

    On a clean exit the two parts (JSON and CSV, each deflated and encrypted) are saved
    under `prefix` and `on_saved` receives their description (the `part`); on an error they
    are thrown away.
    """

    def __init__(
        self,
        *,
        prefix: str,
        name: str,
        label: str,
        columns: list[str],
        on_saved: Callable[[dict[str, Any]], None],
    ) -> None:
        self.prefix = prefix
        self.name = slugify(name) or "table"
        self.label = label
        self.columns = [str(column) for column in columns]
        self.on_saved = on_saved
        self._batch: list[Sequence[Any]] = []

    @property
    def rows(self) -> int:
        return self._renderer.rows + len(self._batch)

    def __enter__(self) -> TableExport:
        self._json_upload, self._csv_upload = EncryptedUpload(), EncryptedUpload()
        self._renderer = _Renderer(
            self.columns,
            Deflater(self._json_upload.stream.write, COMPRESS_LEVEL),
            Deflater(self._csv_upload.stream.write, COMPRESS_LEVEL),
        )
        return self

    def write(self, row: Sequence[Any]) -> None:
        self._batch.append(row)
        if len(self._batch) >= BATCH_ROWS:
            self._renderer.batch(self._batch)
            self._batch = []

    def write_many(self, rows: Iterable[Sequence[Any]]) -> None:
        """Many rows at once (a fetched batch): no call per row."""
        self._batch.extend(rows)
        while len(self._batch) >= BATCH_ROWS:
            self._renderer.batch(self._batch[:BATCH_ROWS])
            del self._batch[:BATCH_ROWS]

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if error is not None:
            self._json_upload.discard()
            self._csv_upload.discard()
            return
        self._renderer.batch(self._batch)
        self._batch = []
        json_zip, csv_zip = self._renderer.finish()
        self.on_saved(
            {
                "format": PART_FORMAT,
                "name": self.name,
                "label": self.label,
                "columns": self.columns,
                "rows": self._renderer.rows,
                "json": self._json_upload.save(f"{self.prefix}/{self.name}.json.enc"),
                "csv": self._csv_upload.save(f"{self.prefix}/{self.name}.csv.enc"),
                "json_zip": json_zip,
                "csv_zip": csv_zip,
                "batch_rows": BATCH_ROWS,
            }
        )


def parts_delete(files: list[dict[str, Any]]) -> None:
    for info in files:
        for kind in ("json", "csv", "preview"):
            storage_delete(info.get(kind) or "")


# --- reading a stored table back ------------------------------------------------------------


def _json_lines(part: dict[str, Any]) -> Iterator[bytes]:
    """The JSON part's lines that hold rows: `{...},{...}` (a batch of `part["batch_rows"]`
    rows; one row a line in parts from before), each maybe with a trailing comma."""
    inflate = zlib.decompressobj(-15) if part.get("format") == PART_FORMAT else None
    rest = b""

    def pieces() -> Iterator[bytes]:
        for chunk in stored_chunks(part["json"]):
            if inflate is None:
                yield chunk
                continue
            yield inflate.decompress(chunk, READ_BYTES)
            while inflate.unconsumed_tail:
                yield inflate.decompress(inflate.unconsumed_tail, READ_BYTES)

    for piece in pieces():
        if b"\n" not in piece:
            rest += piece
            continue
        lines = (rest + piece).split(b"\n")
        rest = lines.pop()
        for line in lines:
            if line.startswith(b"{"):
                yield line
    if rest.startswith(b"{"):
        yield rest


def _parse(line: bytes) -> list[dict[str, Any]]:
    return orjson.loads(b"[" + line.rstrip(b",") + b"]")


def _values(columns: Sequence[str], rows: list[dict[str, Any]]) -> list[Sequence[Any]]:
    """The rows' values in `columns` order (a column a row lacks is None)."""
    if len(columns) > 1:
        try:
            return list(map(itemgetter(*columns), rows))
        except KeyError:
            pass
    return [tuple(row.get(column) for column in columns) for row in rows]


def _row_batches(part: dict[str, Any], columns: Sequence[str]) -> Iterator[list[Sequence[Any]]]:
    for line in _json_lines(part):
        yield _values(columns, _parse(line))


def table_rows(
    part: dict[str, Any], start: int = 0, limit: int | None = None
) -> Iterator[list[Any]]:
    """The stored table's rows from `start` (0-based, in stored order), at most `limit`, each
    a list of values in `part["columns"]` order. Streams: decrypts and inflates the part
    chunk by chunk, memory holds one batch; batches before `start` are not parsed."""
    columns = list(part.get("columns", []))
    per_line = int(part.get("batch_rows", 1))
    skip, left = max(0, start), limit
    if left is not None and left <= 0:
        return
    for line in _json_lines(part):
        if skip >= per_line:
            skip -= per_line
            continue
        rows = _values(columns, _parse(line))
        for values in rows[skip:]:
            yield list(values)
            if left is not None:
                left -= 1
                if not left:
                    return
        skip = 0


def part_rows(part: dict[str, Any]) -> Iterator[list[Any]]:
    """Every row of a stored table (`table_rows` from the start)."""
    return table_rows(part)


# --- the tables and files of a job, as the package names them -------------------------------


@dataclass
class PackageSource:
    step: JobStep
    folder: str
    tables: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


def package_tables(job: Job) -> list[PackageSource]:
    """Every step of the job in order, with the ZIP folder it gets (the source's name as a
    slug, made unique), its table parts and extra files (only when the step is done)."""
    sources, folders = [], set()
    for step in job.steps.select_related("source").order_by("position", "pk"):
        folder = slugify(step.source.name) or f"source-{step.position}"
        while folder in folders:
            folder += "-1"
        folders.add(folder)
        done = step.status == StepStatus.DONE
        sources.append(
            PackageSource(
                step=step,
                folder=folder,
                tables=list(step.state.get("files", [])) if done else [],
                files=list(step.state.get("extra_files", [])) if done else [],
            )
        )
    return sources


def table_folders(job: Job) -> dict[int, str]:
    return {source.step.pk: source.folder for source in package_tables(job)}


# --- applying the review's decisions --------------------------------------------------------


def _redact_value(value: Any, pattern: re.Pattern[str]) -> Any:
    """Every match of the texts replaced, in a value of any JSON type (numbers as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, (bool, int, float)):
        text = str(value)
        json_text = orjson.dumps(value).decode()
        if pattern.search(text) or pattern.search(json_text):
            return pattern.sub(REDACTED, text)
        return value
    if isinstance(value, dict):
        return {
            str(_redact_value(str(key), pattern)): _redact_value(item, pattern)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_redact_value(item, pattern) for item in value]
    return _redact_value(str(value), pattern)


def _redact_rows(
    rows: list[Sequence[Any]], pattern: re.Pattern[str], width: int
) -> list[Sequence[Any]]:
    """Text redactions over a batch, column by column: one search over a whole column of
    text decides whether any value in it needs replacing."""
    if not rows:
        return rows
    if not width or set(map(len, rows)) != {width}:
        return [[_redact_value(value, pattern) for value in row] for row in rows]
    columns: list[Any] = list(zip(*rows, strict=True))
    sub = partial(pattern.sub, REDACTED)
    for index, column in enumerate(columns):
        kinds = set(map(type, column)) - {_NONE}
        if not kinds:
            continue
        if kinds == {str}:
            if pattern.search("\x00".join(filter(None, column))):
                columns[index] = [sub(value) if value else value for value in column]
        elif kinds <= {int, float, bool}:
            # Python's text and JSON's (true, 1e+16 / 1e16): one search over each whole
            # column; a match across a separator only sends the column value by value.
            if pattern.search("\x00".join(map(str, column))) or pattern.search(
                orjson.dumps(column).decode()
            ):
                columns[index] = [_redact_value(value, pattern) for value in column]
        else:
            columns[index] = [_redact_value(value, pattern) for value in column]
    return list(zip(*columns, strict=True))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        candidate, number = name, 1
        while candidate in seen:
            number += 1
            candidate = f"{name} ({number})"
        seen[candidate] = 1
        unique.append(candidate)
    return unique


def _reviewed_rows(
    part: dict[str, Any],
    decisions: TableDecisions,
    pattern: re.Pattern[str] | None,
    kept: list[str],
    heartbeat: Callable[[], None],
) -> Iterator[list[Sequence[Any]]]:
    """The table's rows in batches with the decisions applied: rows left out, cells
    redacted, columns left out, texts replaced."""
    position = {column: index for index, column in enumerate(kept)}
    cells = {
        row: sorted(position[column] for column in columns if column in position)
        for row, columns in decisions.cells_by_row().items()
    }
    cell_rows = sorted(row for row, indexes in cells.items() if indexes)
    excluded = sorted(decisions.excluded_rows)
    start = 0
    for batch in _row_batches(part, kept):
        end = start + len(batch)
        low, high = bisect.bisect_left(cell_rows, start), bisect.bisect_left(cell_rows, end)
        for row in cell_rows[low:high]:
            values = list(batch[row - start])
            for index in cells[row]:
                values[index] = REDACTED
            batch[row - start] = values
        low, high = bisect.bisect_left(excluded, start), bisect.bisect_left(excluded, end)
        if low < high:
            drop = {row - start for row in excluded[low:high]}
            batch = [values for offset, values in enumerate(batch) if offset not in drop]
        if pattern is not None:
            batch = _redact_rows(batch, pattern, len(kept))
        start = end
        heartbeat()
        yield batch


# --- the package ----------------------------------------------------------------------------


def _throttled(heartbeat: Callable[[], None], seconds: float = 10.0) -> Callable[[], None]:
    """`heartbeat` at most every `seconds` (it writes to the database)."""
    import time

    last = [time.monotonic()]

    def beat() -> None:
        now = time.monotonic()
        if now - last[0] >= seconds:
            last[0] = now
            heartbeat()

    return beat


def _safe_name(name: str, pattern: re.Pattern[str] | None, fallback: str) -> str:
    """A path component in the ZIP, or `fallback` when it holds a redacted text."""
    return fallback if pattern is not None and pattern.search(name) else name


def _copy_table(archive: ZipWriter, path: str, part: dict[str, Any]) -> list[list[Any]]:
    """Put a table into the ZIP as it was exported; returns the index's preview."""
    if part.get("format") == PART_FORMAT:
        for kind in ("json", "csv"):
            archive.add_deflated(
                f"{path}.{kind}", chunks=stored_chunks(part[kind]), **part[f"{kind}_zip"]
            )
        return [
            ["" if value is None else value for value in values]
            for values in table_rows(part, 0, PREVIEW_ROWS)
        ]
    # A part from before the deflated format: plain JSON and CSV, and a preview file.
    for kind in ("json", "csv"):
        with archive.open(f"{path}.{kind}") as entry:
            for chunk in stored_chunks(part[kind]):
                entry.write(chunk)
    if part.get("preview"):
        return json.loads(b"".join(stored_chunks(part["preview"])) or b"[]")
    return []


def _review_table(
    archive: ZipWriter,
    path: str,
    part: dict[str, Any],
    decisions: TableDecisions,
    pattern: re.Pattern[str] | None,
    heartbeat: Callable[[], None],
) -> tuple[list[str], int, list[list[Any]]]:
    """Render a table again with the decisions applied, through two temporary encrypted
    files (the ZIP takes one entry at a time); returns its columns, rows and preview."""
    excluded = decisions.excluded_columns
    kept = [column for column in part.get("columns", []) if column not in excluded]
    columns = list(kept)
    if pattern is not None:
        columns = _unique([pattern.sub(REDACTED, column) for column in kept])
    json_file, csv_file = EncryptedUpload(local=True), EncryptedUpload(local=True)
    try:
        renderer = _Renderer(
            columns,
            Deflater(json_file.stream.write, COMPRESS_LEVEL),
            Deflater(csv_file.stream.write, COMPRESS_LEVEL),
        )
        for batch in _reviewed_rows(part, decisions, pattern, kept, heartbeat):
            renderer.batch(batch)
        json_zip, csv_zip = renderer.finish()
        archive.add_deflated(f"{path}.json", chunks=json_file.chunks(), **json_zip)
        archive.add_deflated(f"{path}.csv", chunks=csv_file.chunks(), **csv_zip)
    finally:
        json_file.discard()
        csv_file.discard()
    return columns, renderer.rows, renderer.preview


def _add_file(
    archive: ZipWriter, path: str, info: dict[str, Any], pattern: re.Pattern[str] | None
) -> None:
    """An extra file as stored; a text file with the texts replaced line by line."""
    text = str(info.get("content_type", "")).startswith(TEXT_FILE_TYPES)
    with archive.open(path) as entry:
        if pattern is None or not text:
            for chunk in stored_chunks(info["path"]):
                entry.write(chunk)
            return
        rest = b""
        for chunk in stored_chunks(info["path"]):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            if lines:
                body = b"\n".join(lines).decode("utf-8", "replace")
                entry.write(pattern.sub(REDACTED, body).encode() + b"\n")
        entry.write(pattern.sub(REDACTED, rest.decode("utf-8", "replace")).encode())


def package_build(
    *,
    job: Job,
    heartbeat: Callable[[], None] = lambda: None,
    decisions: ReviewDecisions | None = None,
) -> tuple[DataPackage, list[dict[str, Any]]]:
    """Zip every export step's tables and files with the index and the Art. 15 information,
    encrypted as it is written; with `decisions`, what the review withheld is left out.

    Returns the DataPackage (file stored, row not yet saved) and the part files it was made
    from, which the caller deletes once the package is saved."""
    request = job.request
    package = DataPackage(
        job=job,
        request=request,
        expires_at=timezone.now() + timedelta(days=settings.PACKAGE_DAYS),
        max_downloads=settings.PACKAGE_MAX_DOWNLOADS,
    )
    decisions = decisions if decisions is not None and not decisions.is_empty() else None
    pattern = decisions.text_pattern() if decisions is not None else None
    excluded_files = decisions.files if decisions is not None else ()
    beat = _throttled(heartbeat)
    redact = partial(_redact_value, pattern=pattern) if pattern else (lambda value: value)
    upload = EncryptedUpload()
    sources: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    try:
        archive = ZipWriter(upload.stream, level=COMPRESS_LEVEL)
        for number, source in enumerate(package_tables(job), start=1):
            folder = _safe_name(source.folder, pattern, f"source-{number}")
            tables = []
            for count, part in enumerate(source.tables, start=1):
                table = decisions.table(source.folder, part["name"]) if decisions else None
                if table is not None and table.excluded is not None:
                    continue
                path = f"{folder}/{_safe_name(part['name'], pattern, f'table-{count}')}"
                if table is None or (pattern is None and table.is_empty()):
                    columns, rows = list(part["columns"]), part["rows"]
                    preview = _copy_table(archive, path, part)
                else:
                    columns, rows, preview = _review_table(
                        archive, path, part, table, pattern, beat
                    )
                tables.append(
                    {
                        "label": redact(part["label"]),
                        "columns": columns,
                        "rows": rows,
                        "json": f"{path}.json",
                        "csv": f"{path}.csv",
                        "preview": redact(preview) if pattern else preview,
                        "more": rows > len(preview),
                    }
                )
                beat()
            files = []
            for count, info in enumerate(source.files, start=1):
                if any(
                    item.name in (info.get("name"), info.get("path"))
                    and item.folder in ("", source.folder)
                    for item in excluded_files
                ):
                    continue
                name = str(info.get("name") or f"file-{count}").replace("/", "_")
                path = f"{folder}/files/{_safe_name(name, pattern, f'file-{count}')}"
                _add_file(archive, path, info, pattern)
                files.append({"name": path.rsplit("/", 1)[-1], "path": path})
                beat()
            parts += source.tables
            sources.append(
                {
                    "name": redact(source.step.source.name),
                    "status": source.step.status,
                    "entries": redact(source.step.result),
                    "tables": tables,
                    "files": files,
                }
            )
        information = redact(art15_information(request))
        archive.writestr(
            "information.json",
            json.dumps(information, ensure_ascii=False, indent=2).encode(),
        )
        with translation.override(request.language):
            index = render_to_string(
                "fulfilment/package_index.html",
                {
                    "request_obj": request,
                    "organization": request.organization,
                    "information": information,
                    "sources": sources,
                    "created_at": timezone.now(),
                    "withheld_grounds": decisions.grounds() if decisions is not None else [],
                },
            )
        archive.writestr("index.html", index.encode())
        archive.close()
        package.size = upload.stream.plaintext_bytes
        package.sha256 = upload.stream.plaintext_sha256.hexdigest()
        package.file.name = upload.save(
            f"packages/{request.organization_id}/{package.token}.zip.enc"
        )
    except BaseException:
        upload.discard()
        raise
    return package, parts


def package_chunks(package: DataPackage) -> Iterator[bytes]:
    """The package's ZIP, decrypted chunk by chunk, for the download response."""
    return stored_chunks(package.file.name)
