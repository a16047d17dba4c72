"""The effect of regularisation and normalisation, measured end to end on data that ships with scikit-learn.

1. Overfitting: a 128-128 ReLU network on 100 noisy two-moons points reaches ~0 % training error
   and ~16 % dev error. L2 and dropout each narrow that gap (and lower the dev error).
2. Depth: an 8-hidden-layer network trained with plain SGD at a large learning rate diverges (ReLU)
   or stalls at chance (sigmoid); the same network with batch norm trains.

Run this file as a script to print the numbers of the README's table for three seeds:
``PYTHONPATH=src python tests/test_regularization_effect.py``.

Both experiments run with one BLAS thread: their matrices are small (at most 32 × 128 × 128), where
threads cost more than they save (on a busy 2-core machine, 5-10× more), and the sums then come out
in the same order on every machine, so the measured numbers repeat.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_moons
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet.nn.builders import build_network
from glassnet.data.bundled import load_dataset
from glassnet.data.splits import split_dataset

OVERFIT_SETTINGS = {"plain": {}, "L2 λ=0.1": {"l2": 0.1}, "dropout keep_prob=0.5": {"keep_prob": 0.5}, "batch norm": {"batchnorm": True}}
DEEP_LAYERS = (32,) * 8


def overfitting_errors(seed: int = 0, **options) -> tuple[float, float]:
    """(train error, dev error) of a 128-128 ReLU network after 400 epochs of Adam on 100 moons points."""
    X, y = make_moons(1100, noise=0.35, random_state=0)
    X = X.astype(np.float32)
    X_train, y_train, X_dev, y_dev = X[:100], y[:100], X[100:], y[100:]
    network = build_network(2, hidden=(128, 128), activation="relu", task="binary", seed=seed, **options)
    with threadpool_limits(limits=1, user_api="blas"):
        network.fit(X_train, y_train, gn.Adam(0.003), epochs=400, batch_size=32, verbose=0)
    return 1.0 - network.score(X_train, y_train), 1.0 - network.score(X_dev, y_dev)


def deep_network_errors(activation: str, batchnorm: bool, learning_rate: float = 1.0, seed: int = 0) -> tuple[float, float] | None:
    """(train error, dev error) on digits after 10 epochs of SGD, or None if training diverged."""
    splits = split_dataset(load_dataset("digits"), seed=0)
    network = build_network(10, hidden=DEEP_LAYERS, activation=activation, batchnorm=batchnorm, seed=seed)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            network.fit(splits.X_train, splits.y_train, gn.SGD(learning_rate), epochs=10, batch_size=32, verbose=0)
    except gn.TrainingDiverged:
        return None
    return 1.0 - network.score(splits.X_train, splits.y_train), 1.0 - network.score(splits.X_dev, splits.y_dev)


@pytest.mark.slow
def test_l2_and_dropout_narrow_the_gap_of_an_overfitting_network():
    plain_train, plain_dev = overfitting_errors()
    plain_gap = plain_dev - plain_train
    # the plain network overfits: (almost) no training error, a dev error far above it (measured 0 % vs 15.8 %)
    assert plain_train <= 0.02 and plain_gap >= 0.12, (plain_train, plain_dev)
    for options, min_narrowing in (({"l2": 0.1}, 0.05), ({"keep_prob": 0.5}, 0.04)):
        train, dev = overfitting_errors(**options)
        # measured: L2 6.0 % / 13.3 % (gap 7.3 %), dropout 5.0 % / 13.7 % (gap 8.7 %)
        assert dev - train <= plain_gap - min_narrowing, (options, train, dev, plain_gap)
        assert dev < plain_dev, (options, dev, plain_dev)  # the gap closes from the dev side too, not only by underfitting


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_batchnorm_trains_a_deep_network_where_plain_sgd_fails(activation):
    plain = deep_network_errors(activation, batchnorm=False)
    # measured at α = 1.0: ReLU diverges in the first epoch; sigmoid stays at chance (90 % error)
    assert plain is None or plain[0] > 0.5, plain
    normalised = deep_network_errors(activation, batchnorm=True)
    assert normalised is not None
    train, dev = normalised
    # measured 5.5 % / 8.1 % (ReLU), 6.1 % / 7.2 % (sigmoid); other seeds up to 10.9 % / 15.0 % at this large α
    assert train < 0.2 and dev < 0.2, normalised


def _print_tables() -> None:  # pragma: no cover - run by hand to refresh the README
    seeds = (0, 1, 2)
    print("setting | train error | dev error | gap  (seeds", seeds, ")")
    for name, options in OVERFIT_SETTINGS.items():
        results = np.array([overfitting_errors(seed, **options) for seed in seeds])
        cells = " | ".join(f"{'/'.join(f'{100 * v:.1f}' for v in column)}" for column in (results[:, 0], results[:, 1], results[:, 1] - results[:, 0]))
        print(f"{name} | {cells}")
    for activation in ("relu", "sigmoid"):
        for batchnorm in (False, True):
            for learning_rate in (1.0, 0.05):
                outcome = [deep_network_errors(activation, batchnorm, learning_rate, seed) for seed in seeds]
                text = ", ".join("diverged" if r is None else f"{100 * r[0]:.1f} / {100 * r[1]:.1f}" for r in outcome)
                print(f"{activation} batchnorm={batchnorm} α={learning_rate}: {text}")


if __name__ == "__main__":  # pragma: no cover
    _print_tables()
