"""Class labels compared by value: one name for every spelling of a label, the same at training and evaluation.

``label_name`` maps a label to the class name a model stores: ``3``, ``3.0``, ``"3"`` and ``"3.0"`` are all
``"3"``; ``0.5`` and ``"0.50"`` are ``"0.5"``; an integer beyond 2**53 (not exactly representable as a float)
keeps every digit, so two such labels never merge; text is kept as written (stripped). Targets become indices
``0..K−1`` into the sorted class names (numbers by value, then text).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Sequence

import numpy as np

from glassnet.data.dataset import MAX_INFERRED_CLASSES
from glassnet.errors import DataError

#: integers up to this magnitude are exact in float64; larger integer labels are kept as text
EXACT_INTEGER = 2**53
_INTEGER = re.compile(r"[+-]?\d{1,4000}")


def label_name(value: Any) -> str:
    """The class name of one label (see the module docstring)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _float_name(float(value))
    text = str(value).strip()
    if _INTEGER.fullmatch(text):
        return str(int(text))
    try:
        number = float(text)
    except ValueError:
        return text
    return _float_name(number) if math.isfinite(number) else text


def _float_name(value: float) -> str:
    return str(int(value)) if math.isfinite(value) and value.is_integer() else repr(value)


def _order(name: str) -> tuple[int, Decimal, str]:
    """Numbers by exact value first, then text alphabetically."""
    try:
        number = Decimal(name)
    except InvalidOperation:
        return (1, Decimal(0), name)
    return (0, number, "") if number.is_finite() else (1, Decimal(0), name)


def try_numbers(raw: np.ndarray) -> np.ndarray | None:
    """``raw`` as float64 when every value is a number, else None (works on object arrays of any string length)."""
    if raw.dtype.kind in "biuf":
        return raw.astype(np.float64)
    try:
        return np.array([float(str(value).strip()) for value in raw.tolist()], dtype=np.float64)
    except ValueError:
        return None


def encode_target(raw: np.ndarray, task: str, where: str, lines: Sequence[int], row_word: str = "line") -> tuple[np.ndarray, str, list[str]]:
    """Targets → ``(y, task, class_names)``: indices 0..K−1 for classes, float32 values for regression.

    ``task="auto"`` reads numbers that are all integers with at most 20 distinct values as class
    labels, any other numbers as a regression target, and text as class labels.
    """
    raw = np.asarray(raw) if raw.dtype.kind != "U" else raw.astype(object)
    numeric = try_numbers(raw)
    if numeric is not None:
        bad = np.flatnonzero(~np.isfinite(numeric))
        if bad.size:
            raise DataError(f"{where}, {row_word} {lines[bad[0]]}: {raw[bad[0]]} is not allowed; targets must be finite (no NaN or inf).")
    names_of_rows: list[str] | None = None
    if task == "auto":
        if numeric is None:
            task = "classification"
        else:
            integral = bool(np.all(numeric == np.round(numeric)))
            if integral and np.abs(numeric).max(initial=0) > EXACT_INTEGER:  # count by exact value, not by rounded float
                names_of_rows = [label_name(value) for value in raw.tolist()]
                distinct = len(set(names_of_rows))
            else:
                distinct = np.unique(numeric).size
            task = "classification" if integral and distinct <= MAX_INFERRED_CLASSES else "regression"
    if task == "regression":
        if numeric is None:
            i = next(i for i, value in enumerate(raw.tolist()) if try_numbers(np.asarray([value], dtype=object)) is None)
            raise DataError(f"{where}, {row_word} {lines[i]}: {str(raw[i]).strip()!r} is not a number; a regression target must be numeric.")
        return numeric.astype(np.float32), "regression", []
    labels = names_of_rows if names_of_rows is not None else [label_name(value) for value in raw.tolist()]
    names = sorted(set(labels), key=_order)
    if "" in names:
        raise DataError(f"{where}, {row_word} {lines[labels.index('')]}: an empty class label; every row needs a label.")
    if len(names) < 2:
        raise DataError(f"{where}: has only one class ({names[0]!r}); classification needs at least two classes.")
    index = {name: k for k, name in enumerate(names)}
    y = np.array([index[label] for label in labels], dtype=np.int64)
    return y, ("binary" if len(names) == 2 else "multiclass"), names


def labels_to_indices(raw: np.ndarray, class_names: Sequence[str], where: str, lines: Sequence[int], row_word: str = "line") -> np.ndarray:
    """Map labels read from a file onto a model's ``class_names``, both compared by :func:`label_name`; an unknown label names its line."""
    index: dict[str, int] = {}
    for k, name in enumerate(class_names):
        index.setdefault(label_name(name), k)
    labels = [label_name(value) for value in np.asarray(raw).tolist()]
    for i, label in enumerate(labels):
        if label not in index:
            shown = ", ".join(repr(name) for name in list(class_names)[:12]) + (", ..." if len(class_names) > 12 else "")
            raise DataError(f"{where}, {row_word} {lines[i]}: label {label!r:.200} is not one of the model's classes [{shown}].")
    return np.array([index[label] for label in labels], dtype=np.int64)
