"""Train/dev/test splits: seeded, stratified for classification, scaled on the training rows only.

An optional train-dev slice is held out of the training rows (same distribution as train, never
trained on): it separates variance from data mismatch. Standardisation is scikit-learn's
``StandardScaler`` fitted on the training rows only and applied to every part.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from glassnet import defaults
from glassnet.data.dataset import Dataset, Splits
from glassnet.errors import DataError


def parse_split(text: str) -> tuple[float, float, float]:
    """``"0.6,0.2,0.2"`` → (0.6, 0.2, 0.2); three positive fractions summing to 1."""
    try:
        parts = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise DataError(f"parse_split(text=...) expects three fractions like 0.6,0.2,0.2. Received: text={text!r}") from None
    if len(parts) != 3 or any(not (0 < part < 1) for part in parts) or abs(sum(parts) - 1.0) > 1e-6:
        raise DataError(f"parse_split(text=...) expects three fractions in (0, 1) that sum to 1. Received: text={text!r}")
    return parts  # type: ignore[return-value]


def fingerprint(X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """``{"rows", "columns", "sha256"}`` of a data set as read: the SHA-256 runs over the rows of ``X``
    (little-endian float32, one row after another) and then ``y`` (class indices as little-endian int64,
    regression values as little-endian float32), so it does not depend on how the file was parsed."""
    digest = hashlib.sha256(np.ascontiguousarray(X, dtype="<f4").tobytes())
    targets = np.asarray(y)
    digest.update(np.ascontiguousarray(targets, dtype="<f4" if targets.dtype.kind == "f" else "<i8").tobytes())
    return {"rows": int(X.shape[0]), "columns": int(X.shape[1]), "sha256": digest.hexdigest()}


def describe_fingerprint(data: Any) -> str:
    """A :func:`fingerprint` for a message: ``"1000 rows × 4 columns, sha256 1a2b3c4d…"`` (``"unknown"`` for anything else)."""
    if not isinstance(data, dict):
        return "unknown"
    return f"{data.get('rows')!s:.20} rows × {data.get('columns')!s:.20} columns, sha256 {str(data.get('sha256'))[:12]}…"


@dataclass(frozen=True)
class SplitRecipe:
    """How a model's data was split: enough to find its train/dev/test rows again in the same file.

    ``data`` is the :func:`fingerprint` of the data set; ``drop`` the CSV columns left out.
    """

    seed: int
    fractions: tuple[float, float, float]
    train_dev: float
    data: dict[str, Any]
    drop: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, dataset: Dataset, fractions: Sequence[float], seed: int, train_dev: float, drop: Sequence[str] = ()) -> "SplitRecipe":
        """The recipe of splitting ``dataset`` with these settings (as :func:`split_dataset` does)."""
        return cls(int(seed), tuple(float(f) for f in fractions), float(train_dev), fingerprint(dataset.X, dataset.y), tuple(drop))  # type: ignore[arg-type]

    def matches(self, X: np.ndarray, y: np.ndarray) -> bool:
        """True when ``X, y`` are the rows the model was trained, tuned and tested on (same fingerprint)."""
        return fingerprint(X, y) == self.data

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "fractions": list(self.fractions), "train_dev": self.train_dev, "data": dict(self.data), "drop": list(self.drop)}


def split_indices(y: np.ndarray, classify: bool, fractions: Sequence[float] = (0.6, 0.2, 0.2), seed: int = 0, train_dev: float = 0.0) -> dict[str, np.ndarray]:
    """Row indices of each part, ``{"train", "train_dev", "dev", "test"}`` (``train_dev`` empty without a slice).

    Seeded, and stratified on ``y`` when ``classify``: the same arguments give the same rows, which is
    how ``glassnet evaluate --split test`` finds a model's test rows again.
    """
    from sklearn.model_selection import train_test_split

    train_fraction, dev_fraction, test_fraction = fractions

    def cut(rows: np.ndarray, size: float) -> list[np.ndarray]:
        return train_test_split(rows, test_size=size, random_state=seed, stratify=y[rows] if classify else None)

    rest, test = cut(np.arange(len(y)), test_fraction)
    train, dev = cut(rest, dev_fraction / (train_fraction + dev_fraction))
    train_dev_rows = np.empty(0, dtype=int)
    if train_dev > 0.0:
        train, train_dev_rows = cut(train, train_dev)
    return {"train": train, "train_dev": train_dev_rows, "dev": dev, "test": test}


def split_dataset(
    dataset: Dataset,
    fractions: tuple[float, float, float] = defaults.SPLIT,
    seed: int = defaults.SEED,
    scale: bool = True,
    train_dev: float = 0.0,
) -> Splits:
    """Seeded train/dev/test split (stratified for classification), scaled on the training rows.

    ``train_dev`` in [0, 0.5] holds that fraction of the training split out as the train-dev slice.
    """
    from sklearn.preprocessing import StandardScaler

    if not 0.0 <= train_dev <= 0.5:
        raise DataError(f"train_dev expects a fraction in [0, 0.5]. Received: train_dev={train_dev!r}")
    train_fraction, dev_fraction, test_fraction = fractions
    classify = dataset.task != "regression"
    rows = len(dataset.y)
    try:
        parts = split_indices(dataset.y, classify, fractions, seed, train_dev)
    except ValueError as error:
        slice_text = f" with a {train_dev:g} train-dev slice" if train_dev else ""
        per_class = f" stratified over {len(dataset.class_names)} classes, each part needs at least one row per class" if classify else ""
        raise DataError(
            f"{dataset.name}: {rows} rows are too few for a {train_fraction:g}/{dev_fraction:g}/{test_fraction:g} "
            f"train/dev/test split{slice_text}{';' if per_class else ''}{per_class} ({error})"
        ) from None
    X_train, X_dev, X_test = (dataset.X[parts[name]] for name in ("train", "dev", "test"))
    y_train, y_dev, y_test = (dataset.y[parts[name]] for name in ("train", "dev", "test"))
    X_train_dev = y_train_dev = None
    if train_dev > 0.0:
        X_train_dev, y_train_dev = dataset.X[parts["train_dev"]], dataset.y[parts["train_dev"]]
    scaler = None
    if scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_dev, X_test = (scaler.transform(part).astype(np.float32) for part in (X_train, X_dev, X_test))
        if X_train_dev is not None:
            X_train_dev = scaler.transform(X_train_dev).astype(np.float32)
    return Splits(X_train, y_train, X_dev, y_dev, X_test, y_test, scaler, X_train_dev, y_train_dev)
