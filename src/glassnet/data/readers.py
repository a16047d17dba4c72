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

import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from glassnet import defaults
from glassnet.data.bundled import BUNDLED, load_dataset
from glassnet.data.csv_table import CsvTable, cell_text
from glassnet.data.csv_table import read_csv_table as read_table
from glassnet.data.dataset import Dataset, TASK_CHOICES
from glassnet.data.labels import encode_target, labels_to_indices  # noqa: F401 - part of this module's interface
from glassnet.data.npz import read_npz_arrays
from glassnet.errors import DataError

#: the largest magnitude float32 holds (about 3.4e38); larger inputs are refused, not turned into inf
FLOAT32_MAX = float(np.finfo(np.float32).max)


def load_data(source: str, target: str | None = None, task: str = "auto", seed: int = defaults.SEED, drop: Sequence[str] = ()) -> Dataset:
    """A bundled set by name, or a user's ``.csv`` / ``.npz`` file.

    ``target`` names the CSV target column; ``drop`` lists CSV columns to leave out (e.g. a saved row index).
    """
    if task not in TASK_CHOICES:
        raise DataError(f"task expects one of {', '.join(TASK_CHOICES)}. Received: task={task!r}")
    if drop and (source in BUNDLED or Path(source).suffix.lower() != ".csv"):
        raise DataError(f"load_data(drop=...) applies to CSV columns; {source!r} is not a CSV file.")
    if source in BUNDLED:
        if target is not None:
            raise DataError(f"load_data(target=...) applies to CSV files; the bundled set {source!r} has its own target.")
        dataset = load_dataset(source, seed)
        if task == "regression":
            raise DataError(f"The bundled set {source!r} is a classification set; load_data(task='regression') needs a CSV or NPZ file.")
        return dataset
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise DataError(f"Unknown data set {source!r}; expected one of {', '.join(BUNDLED)} or a path ending in .csv or .npz.")
    if suffix == ".npz":
        if target is not None:
            raise DataError(f"{source}: load_data(target=...) applies to CSV files; an NPZ file holds arrays X and y.")
        return load_npz(path, task)
    return load_csv(path, target, task, drop)


#: a column name that pandas makes up for a header cell that was empty (``Unnamed: 0``)
_UNNAMED = re.compile(r"^Unnamed: \d+$")


def check_column_names(names: Sequence[str], source: str | Path) -> None:
    """Refuse a column with an empty or made-up (``Unnamed: 0``) name: it is almost always a saved row index.

    Works on the header names alone, whatever parsed the file. The hint names the way out: name the
    column, save without the index (pandas: ``to_csv(index=False)``), or leave it out with ``drop=``.
    """
    for position, name in enumerate(names, start=1):
        if not name.strip() or _UNNAMED.match(name.strip()):
            shown = "an empty name" if not name.strip() else f"the name {name.strip()!r}"
            raise DataError(
                f"{source}: column {position} has {shown}, the mark of a saved row index (pandas writes one unless "
                f"to_csv(index=False)); name it, or leave it out with load_data(drop=[{name.strip()!r}])."
            )


def read_csv_table(path: str | Path, text_columns: Callable[[list[str]], Iterable[int]] = lambda header: ()) -> CsvTable:
    """The CSV engine's table (:mod:`glassnet.data.csv_table`) with the header checked first: distinct column names."""

    def checked(header: list[str]) -> Iterable[int]:
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            raise DataError(f"{path}: duplicate column names {duplicates} in the header; each column needs its own name.")
        return text_columns(header)

    return read_table(path, checked)


def _numbers(table: CsvTable, columns: Sequence[int], what: str) -> np.ndarray:
    """The cells of ``columns`` as float32 ``(n_rows, len(columns))``: numbers, finite and within float32's range.

    The first bad cell (in reading order) is named by its line and column. Checked column by column on the
    table itself, so no float64 copy of the selection is made.
    """
    path, header = table.path, table.header
    bad = [(table.not_numbers[column][0], position, table.not_numbers[column][1]) for position, column in enumerate(columns) if column in table.not_numbers]
    if bad:
        row, position, text = min(bad)
        shown = "an empty value" if not text else repr(text)
        raise DataError(f"{path}: line {table.lines[row]}, column {header[columns[position]]!r}: {shown} is not a number; {what} must be numeric.")
    problems = [_first_out_of_range(table.values[:, column]) for column in columns]
    found = [(row, position) for position, row in enumerate(problems) if row is not None]
    if found:
        row, position = min(found)
        column = columns[position]
        _check_range(table.values[row : row + 1, [column]], lambda i, j: f"{path}: line {table.lines[row]}, column {header[column]!r}", what,
                     lambda i, j: cell_text(table, row, column))
    X = np.empty((len(table.lines), len(columns)), dtype=np.float32)
    for position, column in enumerate(columns):
        X[:, position] = table.values[:, column]
    return X


def _first_out_of_range(values: np.ndarray) -> int | None:
    """The first index of a NaN, ±inf or |value| > float32's maximum in a 1-D array, or None."""
    if np.isfinite(values).all() and -FLOAT32_MAX <= values.min() and values.max() <= FLOAT32_MAX:
        return None
    return int(np.flatnonzero(~(np.abs(values) <= FLOAT32_MAX))[0])


def _check_range(values: np.ndarray, where: Callable[[int, int], str], what: str, shown: Callable[[int, int], str] | None = None) -> None:
    """Refuse NaN, ±inf and magnitudes beyond float32's largest value (~3.4e38), naming the first such cell."""
    shown = shown or (lambda i, j: f"{values[i, j]:g}")
    finite = np.isfinite(values)
    if not finite.all():
        i, j = np.argwhere(~finite)[0]
        raise DataError(f"{where(i, j)}: {shown(i, j)} is not allowed; {what} must be finite numbers (no NaN or inf).")
    large = np.abs(values) > FLOAT32_MAX
    if large.any():
        i, j = np.argwhere(large)[0]
        raise DataError(f"{where(i, j)}: {shown(i, j)} is beyond float32's range (±{FLOAT32_MAX:.4g}); {what} must fit in float32.")


def load_csv(path: str | Path, target: str | None = None, task: str = "auto", drop: Sequence[str] = ()) -> Dataset:
    """A CSV file with a header row; ``target`` (default: the last column) is the label or value column.

    ``drop`` names columns to leave out; every other column needs a real name (:func:`check_column_names`).
    """
    path = Path(path)
    chosen: list[int] = []

    def target_column(header: list[str]) -> list[int]:
        chosen.append(_target_index(path, header, target, drop))
        return chosen

    table = read_csv_table(path, target_column)
    index = chosen[0]
    features = [j for j, name in enumerate(table.header) if j != index and name not in drop]
    X = _numbers(table, features, "feature values")
    where = f"{path}: column {table.header[index]!r}"
    y, task, classes = encode_target(np.asarray(table.text[index], dtype=object), task, where, table.lines)
    return Dataset(str(path), X, y, task, classes, [table.header[j] for j in features], table.header[index])


def _target_index(path: Path, header: list[str], target: str | None, drop: Sequence[str]) -> int:
    """The target column's place in ``header``, once the header without the ``drop`` columns is checked.

    An unknown or target ``drop`` name, a badly named column (:func:`check_column_names`), fewer than two
    columns left or an unknown ``target`` raises :class:`DataError`.
    """
    if target is not None and target in drop:
        raise DataError(f"{path}: column {target!r} is both the target and dropped; drop other columns only.")
    unknown = [name for name in drop if name not in header]
    if unknown:
        raise DataError(f"{path}: no column named {unknown[0]!r} to drop; the columns are {_list(header)}.")
    kept = [name for name in header if name not in drop]
    check_column_names(kept, path)
    if len(kept) < 2:
        raise DataError(f"{path}: has {len(kept)} column; expected at least one feature column and a target column.")
    name = kept[-1] if target is None else target
    if name not in kept:
        raise DataError(f"{path}: no column named {name!r} for load_data(target=...); the columns are {_list(kept)}.")
    return header.index(name)


def load_npz(path: str | Path, task: str = "auto") -> Dataset:
    """An NPZ file with arrays ``X (n_samples, n_features)`` (numeric) and ``y (n_samples,)``; never unpickles."""
    path = Path(path)
    X, y_raw = read_npz_checked(path)
    y, task, classes = encode_target(y_raw, task, f"{path}: array 'y'", range(X.shape[0]), row_word="index")
    return Dataset(str(path), X.astype(np.float32), y, task, classes, [f"x{i}" for i in range(X.shape[1])], "y")


def read_npz_checked(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``X (n, d)`` (finite, within float32) and the raw ``y (n,)`` of an NPZ file (:mod:`glassnet.data.npz`)."""
    X, y_raw = read_npz_arrays(path)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{path}: array 'X' must be 2-D (n_samples, n_features) with at least one row and column. Received shape {X.shape}.")
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: array 'X' must be numeric. Received dtype {X.dtype}.")
    if y_raw.ndim != 1 or y_raw.shape[0] != X.shape[0]:
        raise DataError(f"{path}: array 'y' must be 1-D with one value per row of X ({X.shape[0]}). Received shape {y_raw.shape}.")
    _check_range(X.astype(np.float64, copy=False), lambda i, j: f"{path}: X[{i}, {j}]", "feature values")
    return X, (y_raw.astype(object) if y_raw.dtype.kind in "US" else y_raw)


def read_features_csv(path: str | Path, feature_names: Sequence[str], target_name: str | None = None,
                      ignore_extra_last: bool = False, ignore: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray | None, list[int]]:
    """Feature columns of a CSV in the model's order, the raw target column (text) if present, and each row's line.

    Columns are matched by name (any order); a missing feature column or an extra column other than
    the target and the ``ignore`` columns (those dropped in training) raises :class:`DataError` listing both.
    With ``ignore_extra_last`` (a model that does not know its target's name), one extra column in the last
    place is taken as the target.
    """
    path = Path(path)
    found: dict[str, str] = {}

    def target_columns(header: list[str]) -> list[int]:
        missing = [name for name in feature_names if name not in header]
        extra = [name for name in header if name not in feature_names and name != target_name and name not in ignore]
        if ignore_extra_last and target_name is None and extra == header[-1:]:
            found["target"], extra = header[-1], []
        if missing or extra:
            raise DataError(
                f"{path}: the columns do not match the model: missing {_list(missing)}, unexpected {_list(extra)}; "
                f"expected the feature columns {_list(list(feature_names))}" + (f" (and optionally {target_name!r})." if target_name else ".")
            )
        target = found.get("target", target_name)
        return [header.index(target)] if target in header else []

    table = read_csv_table(path, target_columns)
    X = _numbers(table, [table.header.index(name) for name in feature_names], "feature values")
    target = np.asarray(next(iter(table.text.values())), dtype=object) if table.text else None
    return X, target, table.lines.tolist()


def _list(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(name) for name in names[:limit])
    return f"[{shown}{', ...' if len(names) > limit else ''}]"


