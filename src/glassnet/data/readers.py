"""User data files. Arrays are ``X (n_samples, n_features)`` float32 and ``y (n_samples,)``.

User data comes from a CSV file with a header row (the
target is the last column unless named) or an NPZ file holding arrays ``X`` and ``y``; every bad input
raises :class:`DataError` naming the file, the row or column, and what was expected.

Classification targets are stored as indices ``0..K-1`` with ``class_names[k]`` the label as the user
wrote it (a string such as ``"setosa"``, or ``"3"`` for a numeric label 3). A split is train/dev/test
(60/20/20 by default), stratified for classification and seeded, with an optional train-dev slice
held out of the training rows (same distribution as train, never trained on: it separates variance
from data mismatch). Standardisation is scikit-learn's ``StandardScaler`` fitted on the training rows
only and applied to every part.
"""

from __future__ import annotations

import csv
import math
import re
import zipfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from glassnet import defaults
from glassnet.data.bundled import BUNDLED, load_dataset
from glassnet.data.dataset import Dataset, MAX_INFERRED_CLASSES, TASK_CHOICES
from glassnet.errors import DataError


def load_data(source: str, target: str | None = None, task: str = "auto", seed: int = defaults.SEED, drop: Sequence[str] = ()) -> Dataset:
    """A bundled set by name, or a user's ``.csv`` / ``.npz`` file.

    ``target`` names the CSV target column; ``drop`` lists CSV columns to leave out (e.g. a saved row index).
    """
    if task not in TASK_CHOICES:
        raise DataError(f"task expects one of {', '.join(TASK_CHOICES)}. Received: task={task!r}")
    if drop and (source in BUNDLED or Path(source).suffix.lower() != ".csv"):
        raise DataError(f"--drop applies to CSV columns; {source!r} is not a CSV file.")
    if source in BUNDLED:
        if target is not None:
            raise DataError(f"--target applies to CSV files; the bundled set {source!r} has its own target.")
        dataset = load_dataset(source, seed)
        if task == "regression":
            raise DataError(f"The bundled set {source!r} is a classification set; --task regression needs a CSV or NPZ file.")
        return dataset
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise DataError(f"Unknown data set {source!r}; expected one of {', '.join(BUNDLED)} or a path ending in .csv or .npz.")
    if not path.is_file():
        raise DataError(f"{source}: no such file.")
    if suffix == ".npz":
        if target is not None:
            raise DataError(f"{source}: --target applies to CSV files; an NPZ file holds arrays X and y.")
        return load_npz(path, task)
    return load_csv(path, target, task, drop)


#: a column name that pandas makes up for a header cell that was empty (``Unnamed: 0``)
_UNNAMED = re.compile(r"^Unnamed: \d+$")


def check_column_names(names: Sequence[str], source: str | Path) -> None:
    """Refuse a column with an empty or made-up (``Unnamed: 0``) name: it is almost always a saved row index.

    Works on the header names alone, whatever parsed the file. The hint names the way out: name the
    column, save without the index (pandas: ``to_csv(index=False)``), or leave it out with ``--drop``.
    """
    for position, name in enumerate(names, start=1):
        if not name.strip() or _UNNAMED.match(name.strip()):
            shown = "an empty name" if not name.strip() else f"the name {name.strip()!r}"
            raise DataError(
                f"{source}: column {position} has {shown}, the mark of a saved row index (pandas writes one unless "
                f"to_csv(index=False)); name it, or leave it out with --drop {name.strip() or chr(39) * 2} (Python: drop=[{name.strip()!r}])."
            )


def _drop_columns(path: Path, header: list[str], cells: np.ndarray, drop: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The header and cells without the ``drop`` columns; an unknown name raises :class:`DataError`."""
    unknown = [name for name in drop if name not in header]
    if unknown:
        raise DataError(f"{path}: no column named {unknown[0]!r} to drop; the columns are {_list(header)}.")
    keep = [i for i, name in enumerate(header) if name not in set(drop)]
    return [header[i] for i in keep], cells[:, keep]


def read_csv_table(path: str | Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (as strings) and the file line number of each row; checks shape, not values."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            while header is not None and _blank(header):
                header = next(reader, None)
            rows, lines = [], []
            for row in reader:
                if _blank(row):
                    continue
                rows.append(row)
                lines.append(reader.line_num)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.") from None
    except (UnicodeDecodeError, csv.Error, OSError) as error:
        raise DataError(f"{path}: cannot be read as a UTF-8 CSV file ({error}).") from None
    if header is None:
        raise DataError(f"{path}: the file is empty; expected a header row and data rows.")
    header = [name.strip() for name in header]
    if not rows:
        raise DataError(f"{path}: only a header row, no data rows.")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise DataError(f"{path}: duplicate column names {duplicates} in the header; each column needs its own name.")
    for row, line in zip(rows, lines):
        if len(row) != len(header):
            raise DataError(f"{path}: line {line} has {len(row)} values; the header has {len(header)} columns.")
    return header, rows, lines


def _blank(row: list[str]) -> bool:
    """A blank line: no cells, or one empty cell (every real table here has at least two columns)."""
    return not row or (len(row) == 1 and not row[0].strip())


def _numbers(path: Path, cells: np.ndarray, columns: Sequence[str], lines: Sequence[int], what: str) -> np.ndarray:
    """Parse a 2-D array of strings as finite float64, naming the line and column of the first bad cell."""
    try:
        values = np.char.strip(cells).astype(np.float64)
    except ValueError:  # find the first bad cell to name it
        values = np.empty(cells.shape)
        for (i, j), cell in np.ndenumerate(cells):
            try:
                values[i, j] = float(cell)
            except ValueError:
                shown = "an empty value" if not cell.strip() else repr(cell.strip())
                raise DataError(f"{path}: line {lines[i]}, column {columns[j]!r}: {shown} is not a number; {what} must be numeric.") from None
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        i, j = bad[0]
        raise DataError(f"{path}: line {lines[i]}, column {columns[j]!r}: {cells[i, j].strip()} is not allowed; {what} must be finite numbers (no NaN or inf).")
    return values


def load_csv(path: str | Path, target: str | None = None, task: str = "auto", drop: Sequence[str] = ()) -> Dataset:
    """A CSV file with a header row; ``target`` (default: the last column) is the label or value column.

    ``drop`` names columns to leave out; every other column needs a real name (:func:`check_column_names`).
    """
    path = Path(path)
    header, rows, lines = read_csv_table(path)
    if target is not None and target in drop:
        raise DataError(f"{path}: column {target!r} is both the target and dropped; drop other columns only.")
    header, cells = _drop_columns(path, header, np.array(rows, dtype=str), drop)
    check_column_names(header, path)
    if len(header) < 2:
        raise DataError(f"{path}: has {len(header)} column; expected at least one feature column and a target column.")
    target = header[-1] if target is None else target
    if target not in header:
        raise DataError(f"{path}: no column named {target!r} for --target; the columns are {_list(header)}.")
    index = header.index(target)
    features = [name for name in header if name != target]
    X = _numbers(path, np.delete(cells, index, axis=1), features, lines, "feature values").astype(np.float32)
    y, task, classes = encode_target(cells[:, index], task, f"{path}: column {target!r}", lines)
    return Dataset(str(path), X, y, task, classes, features, target)


def load_npz(path: str | Path, task: str = "auto") -> Dataset:
    """An NPZ file with arrays ``X (n_samples, n_features)`` (numeric) and ``y (n_samples,)``; never unpickles."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path}: not an NPZ file (an NPZ is a zip archive of arrays, as written by numpy.savez).")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in ("X", "y") if key not in archive.files]
            if missing:
                raise DataError(f"{path}: missing array {missing[0]!r}; expected arrays 'X' and 'y'. Found: {_list(archive.files)}.")
            X, y_raw = archive["X"], archive["y"]
    except DataError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path}: cannot be read as an NPZ file of numeric arrays ({error}).") from None
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{path}: array 'X' must be 2-D (n_samples, n_features) with at least one row and column. Received shape {X.shape}.")
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: array 'X' must be numeric. Received dtype {X.dtype}.")
    if y_raw.ndim != 1 or y_raw.shape[0] != X.shape[0]:
        raise DataError(f"{path}: array 'y' must be 1-D with one value per row of X ({X.shape[0]}). Received shape {y_raw.shape}.")
    bad = np.argwhere(~np.isfinite(X))
    if bad.size:
        raise DataError(f"{path}: X[{bad[0][0]}, {bad[0][1]}] is {X[tuple(bad[0])]}; feature values must be finite numbers (no NaN or inf).")
    y_text = y_raw.astype(str) if y_raw.dtype.kind in "US" else y_raw
    y, task, classes = encode_target(np.asarray(y_text), task, f"{path}: array 'y'", list(range(X.shape[0])), row_word="index")
    return Dataset(str(path), X.astype(np.float32), y, task, classes, [f"x{i}" for i in range(X.shape[1])], "y")


def encode_target(raw: np.ndarray, task: str, where: str, lines: Sequence[int], row_word: str = "line") -> tuple[np.ndarray, str, list[str]]:
    """Targets → ``(y, task, class_names)``: indices 0..K−1 for classes, float32 values for regression.

    ``task="auto"`` reads numbers that are all integers with at most 20 distinct values as class
    labels, any other numbers as a regression target, and text as class labels.
    """
    numeric = _try_numbers(raw)
    if numeric is not None:
        bad = np.flatnonzero(~np.isfinite(numeric))
        if bad.size:
            raise DataError(f"{where}, {row_word} {lines[bad[0]]}: {raw[bad[0]]} is not allowed; targets must be finite (no NaN or inf).")
    if task == "auto":
        if numeric is None:
            task = "classification"
        else:
            integral = bool(np.all(numeric == np.round(numeric)))
            task = "classification" if integral and np.unique(numeric).size <= MAX_INFERRED_CLASSES else "regression"
    if task == "regression":
        if numeric is None:
            i = next(i for i, value in enumerate(raw) if _try_numbers(np.asarray([value])) is None)
            raise DataError(f"{where}, {row_word} {lines[i]}: {str(raw[i]).strip()!r} is not a number; a regression target must be numeric.")
        return numeric.astype(np.float32), "regression", []
    labels = np.array([_label(value) for value in (numeric if numeric is not None else np.char.strip(raw.astype(str)))])
    if numeric is not None:
        order = np.unique(numeric)
        names = [_label(value) for value in order]
    else:
        names = sorted(set(labels.tolist()))
    if "" in names:
        i = int(np.flatnonzero(labels == "")[0])
        raise DataError(f"{where}, {row_word} {lines[i]}: an empty class label; every row needs a label.")
    if len(names) < 2:
        raise DataError(f"{where}: has only one class ({names[0]!r}); classification needs at least two classes.")
    index = {name: k for k, name in enumerate(names)}
    y = np.array([index[label] for label in labels], dtype=np.int64)
    return y, ("binary" if len(names) == 2 else "multiclass"), names


def _try_numbers(raw: np.ndarray) -> np.ndarray | None:
    if raw.dtype.kind in "biuf":
        return raw.astype(np.float64)
    try:
        return np.char.strip(raw.astype(str)).astype(np.float64)
    except ValueError:
        return None


def _label(value: Any) -> str:
    """The class name of a label: integral numbers without ``.0`` (``3.0`` → ``"3"``), text as written."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def labels_to_indices(raw: np.ndarray, class_names: Sequence[str], where: str, lines: Sequence[int]) -> np.ndarray:
    """Map labels read from a file onto a model's ``class_names``; an unknown label names its line."""
    numeric = _try_numbers(raw)
    labels = [_label(value) for value in (numeric if numeric is not None else np.char.strip(raw.astype(str)))]
    index = {name: k for k, name in enumerate(class_names)}
    for i, label in enumerate(labels):
        if label not in index:
            raise DataError(f"{where}, line {lines[i]}: label {label!r} is not one of the model's classes {_list(list(class_names))}.")
    return np.array([index[label] for label in labels], dtype=np.int64)


def read_features_csv(path: str | Path, feature_names: Sequence[str], target_name: str | None = None,
                      ignore: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray | None, list[int]]:
    """Feature columns of a CSV in the model's order, plus the raw target column if present.

    Columns are matched by name (any order); a missing feature column or an extra column other than
    the target and the ``ignore`` columns (those dropped in training) raises :class:`DataError` listing both.
    """
    path = Path(path)
    header, rows, lines = read_csv_table(path)
    missing = [name for name in feature_names if name not in header]
    extra = [name for name in header if name not in feature_names and name != target_name and name not in ignore]
    if missing or extra:
        raise DataError(
            f"{path}: the columns do not match the model: missing {_list(missing)}, unexpected {_list(extra)}; "
            f"expected the feature columns {_list(list(feature_names))}" + (f" (and optionally {target_name!r})." if target_name else ".")
        )
    cells = np.array(rows, dtype=str)
    X = _numbers(path, cells[:, [header.index(name) for name in feature_names]], list(feature_names), lines, "feature values")
    target = cells[:, header.index(target_name)] if target_name in header else None
    return X.astype(np.float32), target, lines


def _list(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(name) for name in names[:limit])
    return f"[{shown}{', ...' if len(names) > limit else ''}]"


