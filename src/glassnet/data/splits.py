"""Train/dev/test splits: seeded, stratified for classification, scaled on the training rows only.

An optional train-dev slice is held out of the training rows (same distribution as train, never
trained on): it separates variance from data mismatch. Standardisation is scikit-learn's
``StandardScaler`` fitted on the training rows only and applied to every part.
"""

from __future__ import annotations

import numpy as np

from glassnet import defaults
from glassnet.data.dataset import Dataset, Splits
from glassnet.errors import DataError


def parse_split(text: str) -> tuple[float, float, float]:
    """``"0.6,0.2,0.2"`` → (0.6, 0.2, 0.2); three positive fractions summing to 1."""
    try:
        parts = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise DataError(f"--split expects three fractions like 0.6,0.2,0.2. Received: {text!r}") from None
    if len(parts) != 3 or any(not (0 < part < 1) for part in parts) or abs(sum(parts) - 1.0) > 1e-6:
        raise DataError(f"--split expects three fractions in (0, 1) that sum to 1. Received: {text!r}")
    return parts  # type: ignore[return-value]


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
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if not 0.0 <= train_dev <= 0.5:
        raise DataError(f"train_dev expects a fraction in [0, 0.5]. Received: train_dev={train_dev!r}")
    train_fraction, dev_fraction, test_fraction = fractions
    classify = dataset.task != "regression"

    def cut(X: np.ndarray, y: np.ndarray, size: float) -> list[np.ndarray]:
        return train_test_split(X, y, test_size=size, random_state=seed, stratify=y if classify else None)

    rows = len(dataset.y)
    try:
        X_rest, X_test, y_rest, y_test = cut(dataset.X, dataset.y, test_fraction)
        X_train, X_dev, y_train, y_dev = cut(X_rest, y_rest, dev_fraction / (train_fraction + dev_fraction))
        X_train_dev = y_train_dev = None
        if train_dev > 0.0:
            X_train, X_train_dev, y_train, y_train_dev = cut(X_train, y_train, train_dev)
    except ValueError as error:
        slice_text = f" with a {train_dev:g} train-dev slice" if train_dev else ""
        per_class = f" stratified over {len(dataset.class_names)} classes, each part needs at least one row per class" if classify else ""
        raise DataError(
            f"{dataset.name}: {rows} rows are too few for a {train_fraction:g}/{dev_fraction:g}/{test_fraction:g} "
            f"train/dev/test split{slice_text}{';' if per_class else ''}{per_class} ({error})"
        ) from None
    scaler = None
    if scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_dev, X_test = (scaler.transform(part).astype(np.float32) for part in (X_train, X_dev, X_test))
        if X_train_dev is not None:
            X_train_dev = scaler.transform(X_train_dev).astype(np.float32)
    return Splits(X_train, y_train, X_dev, y_dev, X_test, y_test, scaler, X_train_dev, y_train_dev)

