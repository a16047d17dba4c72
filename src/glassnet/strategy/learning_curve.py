"""Learning curves: training and dev error against the number of training rows.

For each fraction f of the training set, a fresh copy of the (untrained) network is trained on the
first ⌈f·m⌉ rows (at least 2) of one seeded permutation (so the subsets are nested) and its error is
measured on that subset and on the whole dev set. Where a subset's last mini-batch would be too small
for BatchNorm, ``fit`` grows the batch, as everywhere (:mod:`glassnet.train.batching`). By default
every point gets the same number of gradient steps (a subset of n rows trains for ⌈epochs·m/n⌉
epochs), so a small subset is fitted as well as the whole set would be and the curves show the effect
of the data, not of shorter training.
Reading the curves:

- variance: a large gap between the curves that shrinks as rows are added — more data will help;
- bias: both curves flatten out high and close together — more data will not help, a bigger
  network or longer training will.

Error is ``1 − accuracy`` for classifiers and ``1 − R²`` for regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from glassnet import defaults
from glassnet.errors import ConfigError
from glassnet.nn.network import Network
from glassnet.optim.optimizers import Optimizer, optimizer_from_config
from glassnet.optim.schedules import Schedule
from glassnet.serialization import serialize

DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 0.75, 1.0)


@dataclass
class LearningCurve:
    """Errors at each training-set size; ``sizes``, ``train_error`` and ``dev_error`` have one entry per point."""

    sizes: list[int]
    train_error: list[float]
    dev_error: list[float]

    @property
    def gap(self) -> list[float]:
        """dev error − train error at each size (the variance the curve shows)."""
        return [dev - train for train, dev in zip(self.train_error, self.dev_error)]

    def to_dict(self) -> dict[str, Any]:
        return {"sizes": list(self.sizes), "train_error": list(self.train_error), "dev_error": list(self.dev_error)}


def _check_fractions(fractions: Sequence[float]) -> list[float]:
    values = list(fractions)
    if not values or any(not isinstance(f, (int, float)) or not 0.0 < f <= 1.0 for f in values):
        raise ConfigError(f"learning_curve(fractions=...) expects fractions in (0, 1]. Received: fractions={fractions!r}")
    return sorted(set(float(f) for f in values))


def learning_curve(
    network: Network,
    optimizer: Optimizer,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_dev: np.ndarray,
    y_dev: np.ndarray,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    epochs: int = defaults.EPOCHS,
    batch_size: int | None = defaults.BATCH_SIZE,
    schedule: Schedule | None = None,
    seed: int = defaults.SEED,
    equal_steps: bool = True,
) -> LearningCurve:
    """Train fresh copies of ``network`` (its config, not its weights) on growing subsets; return the curves.

    ``network`` and ``optimizer`` are templates: each point rebuilds both from their configs, so a
    trained network may be passed and is left untouched. ``seed`` fixes the row permutation.
    ``equal_steps=False`` trains every subset for ``epochs`` epochs instead of equal gradient steps.
    """
    fractions = _check_fractions(fractions)
    rows = len(X_train)
    order = np.random.default_rng(seed).permutation(rows)
    template, optimizer_config = network.get_config(), serialize(optimizer)
    sizes, train_errors, dev_errors = [], [], []
    for fraction in fractions:
        model = Network.from_config(template)
        size = min(rows, max(2, math.ceil(fraction * rows)))
        subset = order[:size]
        X_part, y_part = X_train[subset], y_train[subset]
        point_epochs = math.ceil(epochs * rows / size) if equal_steps else epochs
        model.fit(X_part, y_part, optimizer_from_config(optimizer_config), epochs=point_epochs, batch_size=batch_size, schedule=schedule, verbose=0)
        sizes.append(size)
        train_errors.append(1.0 - model.score(X_part, y_part))
        dev_errors.append(1.0 - model.score(X_dev, y_dev))
    return LearningCurve(sizes, train_errors, dev_errors)
