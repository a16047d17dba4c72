"""The two shapes data takes in glassnet: a raw :class:`Dataset` and its scaled :class:`Splits`.

Arrays are ``X (n_samples, n_features)`` float32 and ``y (n_samples,)``. Classification targets are
indices ``0..K-1`` with ``class_names[k]`` the label as the user wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

TASK_CHOICES = ("auto", "classification", "regression")
#: an integer-valued numeric target with at most this many distinct values is read as class labels
MAX_INFERRED_CLASSES = 20


@dataclass
class Dataset:
    """Raw features and targets with their names. ``task`` is ``binary``, ``multiclass`` or ``regression``."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    target_name: str = "target"


@dataclass
class Splits:
    """Scaled train/dev/test arrays (and the optional train-dev slice) with the scaler fitted on the training rows."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    scaler: Any = None
    X_train_dev: np.ndarray | None = None
    y_train_dev: np.ndarray | None = None

    def parts(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``[(name, X, y), ...]`` for train, train_dev (when present), dev and test."""
        named = [("train", self.X_train, self.y_train)]
        if self.X_train_dev is not None and self.y_train_dev is not None:
            named.append(("train_dev", self.X_train_dev, self.y_train_dev))
        return named + [("dev", self.X_dev, self.y_dev), ("test", self.X_test, self.y_test)]

