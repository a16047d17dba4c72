"""The CSV engine: a header row and data rows read as a stream into compact columns.

Memory is proportional to the data: every cell is parsed as it is read into one float64 buffer
(8 bytes a cell, NaN where a cell is not a number), and only the columns a caller asks for are
also kept as text (one Python string per cell). A row is never stored as a list of strings and no
fixed-width string array is built, so one very long cell costs its own length, not rows × its length.
The file must be a regular file (:func:`~glassnet.files.safe_read.open_regular_file`); a cell longer
than the csv module's field limit (131,072 characters) is refused with the line.
"""

from __future__ import annotations

import csv
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from glassnet.errors import DataError
from glassnet.files.safe_read import open_regular_file


@dataclass
class CsvTable:
    """A CSV file's header and rows: ``values (n_rows, n_columns)`` float64 (NaN where a cell is not a number),
    ``lines (n_rows,)`` the file line of each row, ``text`` the stripped cells of the columns asked for, and
    ``not_numbers`` the first cell of each column that is not a number, as ``(row, text)``."""

    path: Path
    header: list[str]
    values: np.ndarray
    lines: np.ndarray
    text: dict[int, list[str]] = field(default_factory=dict)
    not_numbers: dict[int, tuple[int, str]] = field(default_factory=dict)


def _blank(row: list[str]) -> bool:
    """A blank line: no cells, or one empty cell (every real table here has at least two columns)."""
    return not row or (len(row) == 1 and not row[0].strip())


def _parse_row(row: list[str], row_index: int, not_numbers: dict[int, tuple[int, str]]) -> list[float]:
    """The cells of ``row`` as floats; a cell that is not a number becomes NaN and, if it is its column's first, is recorded."""
    try:
        return [float(cell) for cell in row]
    except ValueError:
        values = []
        for column, cell in enumerate(row):
            try:
                values.append(float(cell))
            except ValueError:
                values.append(float("nan"))
                not_numbers.setdefault(column, (row_index, cell.strip()))
        return values


def read_csv_table(path: str | Path, text_columns: Callable[[list[str]], Iterable[int]] = lambda header: ()) -> CsvTable:
    """Read ``path`` (UTF-8, header row first; blank lines skipped); ``text_columns(header)`` picks the columns kept as text.

    Every row must have as many cells as the header; otherwise :class:`DataError` names the line.
    """
    path = Path(path)
    values, lines, not_numbers = array("d"), array("q"), {}
    try:
        with open_regular_file(path, DataError, "r", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            while header is not None and _blank(header):
                header = next(reader, None)
            if header is None:
                raise DataError(f"{path}: the file is empty; expected a header row and data rows.")
            header = [name.strip() for name in header]
            kept = sorted(set(text_columns(header)))
            text: dict[int, list[str]] = {column: [] for column in kept}
            for row in reader:
                if _blank(row):
                    continue
                if len(row) != len(header):
                    raise DataError(f"{path}: line {reader.line_num} has {len(row)} values; the header has {len(header)} columns.")
                values.extend(_parse_row(row, len(lines), not_numbers))
                for column in kept:
                    text[column].append(row[column].strip())
                lines.append(reader.line_num)
    except (UnicodeDecodeError, csv.Error, OSError) as error:
        raise DataError(f"{path}: cannot be read as a UTF-8 CSV file ({error}).") from None
    if not lines:
        raise DataError(f"{path}: only a header row, no data rows.")
    table = np.frombuffer(values, dtype=np.float64).reshape(len(lines), len(header))
    return CsvTable(path, header, table, np.frombuffer(lines, dtype=np.int64), text, not_numbers)


def cell_text(table: CsvTable, row: int, column: int) -> str:
    """The stripped text of one cell, read again from the file (for error messages only; the table keeps numbers)."""
    with open_regular_file(table.path, DataError, "r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for cells in reader:
            if reader.line_num == table.lines[row] and len(cells) == len(table.header):
                return cells[column].strip()
    return repr(float(table.values[row, column]))
