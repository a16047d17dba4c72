"""Data sets and splits. Arrays are ``X (n_samples, n_features)`` float32 and ``y (n_samples,)``.

Bundled sets come from scikit-learn's installed package (no download). A split is train/dev/test
(60/20/20 by default), stratified for classification and seeded; standardisation is fitted on the
training split only (scikit-learn's ``StandardScaler``) and applied to all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import DataError


@dataclass
class Dataset:
    """Raw features and targets with their names. ``task`` is ``binary``, ``multiclass`` or ``regression``."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)


@dataclass
class Splits:
    """Scaled train/dev/test arrays and the scaler fitted on the training rows."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    scaler: Any = None


def _from_sklearn(loader: Callable[..., Any], name: str) -> Dataset:
    bunch = loader()
    y = np.asarray(bunch.target)
    classes = [str(c) for c in getattr(bunch, "target_names", np.unique(y))]
    task = "binary" if len(classes) == 2 else "multiclass"
    features = [str(f) for f in getattr(bunch, "feature_names", [f"x{i}" for i in range(bunch.data.shape[1])])]
    return Dataset(name, np.asarray(bunch.data, dtype=np.float32), y.astype(np.int64), task, classes, features)


def _bundled() -> dict[str, Callable[[int], Dataset]]:
    from sklearn import datasets

    return {
        "digits": lambda seed: _from_sklearn(datasets.load_digits, "digits"),
        "breast-cancer": lambda seed: _from_sklearn(datasets.load_breast_cancer, "breast-cancer"),
        "iris": lambda seed: _from_sklearn(datasets.load_iris, "iris"),
        "wine": lambda seed: _from_sklearn(datasets.load_wine, "wine"),
    }


BUNDLED = ("digits", "breast-cancer", "iris", "wine")


def load_dataset(name: str, seed: int = 0) -> Dataset:
    """A bundled data set by name (``digits``, ``breast-cancer``, ``iris``, ``wine``)."""
    loaders = _bundled()
    if name not in loaders:
        raise DataError(f"Unknown data set {name!r}; expected one of {', '.join(sorted(loaders))}.")
    return loaders[name](seed)


def parse_split(text: str) -> tuple[float, float, float]:
    """``"0.6,0.2,0.2"`` → (0.6, 0.2, 0.2); three positive fractions summing to 1."""
    try:
        parts = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise DataError(f"--split expects three fractions like 0.6,0.2,0.2. Received: {text!r}") from None
    if len(parts) != 3 or any(not (0 < part < 1) for part in parts) or abs(sum(parts) - 1.0) > 1e-6:
        raise DataError(f"--split expects three fractions in (0, 1) that sum to 1. Received: {text!r}")
    return parts  # type: ignore[return-value]


def split_dataset(dataset: Dataset, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2), seed: int = 0, scale: bool = True) -> Splits:
    """Seeded train/dev/test split (stratified for classification), scaled on the training rows."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    train_fraction, dev_fraction, test_fraction = fractions
    stratify = dataset.y if dataset.task != "regression" else None
    try:
        X_rest, X_test, y_rest, y_test = train_test_split(
            dataset.X, dataset.y, test_size=test_fraction, random_state=seed, stratify=stratify
        )
        stratify_rest = y_rest if stratify is not None else None
        X_train, X_dev, y_train, y_dev = train_test_split(
            X_rest, y_rest, test_size=dev_fraction / (train_fraction + dev_fraction), random_state=seed, stratify=stratify_rest
        )
    except ValueError as error:
        raise DataError(f"Cannot split {dataset.name!r} ({len(dataset.y)} rows) into {fractions}: {error}") from None
    scaler = None
    if scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_dev, X_test = (scaler.transform(part).astype(np.float32) for part in (X_train, X_dev, X_test))
    return Splits(X_train, y_train, X_dev, y_dev, X_test, y_test, scaler)
