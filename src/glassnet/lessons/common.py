"""Small helpers the experiments share: data splits, quiet training, errors, and epochs to a target cost."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from glassnet.errors import TrainingDiverged
from glassnet.nn.network import Network
from glassnet.optim.optimizers import Optimizer
from glassnet.train.callbacks import Callback
from glassnet.train.history import History


def split(X: np.ndarray, y: np.ndarray, seed: int, dev_fraction: float = 0.25, standardise: bool = True) -> tuple[np.ndarray, ...]:
    """Stratified, seeded ``X_train, X_dev, y_train, y_dev``; features standardised on the training rows."""
    from sklearn.model_selection import train_test_split

    X_train, X_dev, y_train, y_dev = train_test_split(X, y, test_size=dev_fraction, random_state=seed, stratify=y)
    if standardise:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-8
        X_train, X_dev = (X_train - mean) / std, (X_dev - mean) / std
    return X_train.astype(np.float32), X_dev.astype(np.float32), y_train, y_dev


def moons(rows: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two moons, ``rows`` points with Gaussian ``noise``, drawn from ``seed``."""
    from sklearn.datasets import make_moons

    X, y = make_moons(rows, noise=noise, random_state=seed)
    return X.astype(np.float32), y


def train(network: Network, X: np.ndarray, y: np.ndarray, optimizer: Optimizer, epochs: int, batch_size: int | None,
          dev: tuple[np.ndarray, np.ndarray] | None = None, **options: Any) -> History:
    """``network.fit`` without progress output."""
    return network.fit(X, y, optimizer, epochs=epochs, batch_size=batch_size, validation_data=dev, verbose=0, **options)


class CostRecorder(Callback):
    """A callback that keeps each epoch's cost, so a run that diverges still has its curve up to there."""

    def __init__(self) -> None:
        self.costs: list[float] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.costs.append(float(logs["cost"]))


def train_guarded(network: Network, X: np.ndarray, y: np.ndarray, optimizer: Optimizer, epochs: int,
                  batch_size: int | None) -> tuple[list[float], str | None]:
    """Train; return the cost per epoch and the divergence guard's message (None when it did not fire)."""
    recorder = CostRecorder()
    try:
        train(network, X, y, optimizer, epochs, batch_size, callbacks=[recorder])
    except TrainingDiverged as error:
        return recorder.costs, str(error)
    return recorder.costs, None


def error(network: Network, X: np.ndarray, y: np.ndarray) -> float:
    """Classification error ``1 − accuracy`` at inference."""
    return 1.0 - float(network.score(X, y))


def epochs_to(costs: Sequence[float], target: float) -> int | None:
    """The first epoch (1-based) whose cost is at or below ``target``; None when none is."""
    for index, cost in enumerate(costs):
        if cost <= target:
            return index + 1
    return None


def or_inf(value: float | None) -> float:
    """``value``, or +inf for "never" (so "fewer epochs" comparisons treat a miss as the slowest)."""
    return math.inf if value is None else float(value)


def rounded(value: Any, digits: int = 4) -> Any:
    """A float to ``digits`` significant digits for tables and JSON; other values unchanged."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if not math.isfinite(value) or value == 0 else float(f"{value:.{digits}g}")
    if isinstance(value, np.integer):
        return int(value)
    return value


def rounded_dict(values: dict[str, Any], digits: int = 4) -> dict[str, Any]:
    """:func:`rounded` applied to every value."""
    return {key: rounded(value, digits) for key, value in values.items()}


def dense_weights(network: Network) -> list[np.ndarray]:
    """The weight matrices ``W (n_in, n_out)`` of every Dense layer, first to last (views, not copies)."""
    return [layer.params["W"] for layer in network.layers if "W" in layer.params]
