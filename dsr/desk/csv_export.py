"""CSV downloads of the desk (the queue, the reports' tables, the register): one writer, and
no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

# The one rule for every CSV the product writes (the data package uses it too).
from dsr.spreadsheet import csv_safe

__all__ = ["csv_lines", "csv_safe"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[object]]) -> Iterator[str]:
    """CSV text a row at a time (for streaming), every cell made safe."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])
