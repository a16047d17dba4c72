"""Learning curves: nested subsets of the training rows, fresh networks, equal gradient steps, and the one
BatchNorm batch-size policy of ``fit``."""

import numpy as np
import pytest

import glassnet as gn
import glassnet.train.loop as loop
from glassnet.nn.builders import build_network
from glassnet.nn.network import Network
from glassnet.plots import plot_learning_curve
from glassnet.strategy.learning_curve import learning_curve

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_learning_curve_dev_error_falls_with_more_data_and_leaves_the_template_alone(tmp_path):
    from glassnet.data.bundled import load_dataset
    from glassnet.data.splits import split_dataset

    splits = split_dataset(load_dataset("digits"), seed=0)
    network = build_network(10, (32,), seed=0)
    network.build(splits.X_train.shape[1])
    before = network.flat_parameters.copy()
    curve = learning_curve(network, gn.Adam(0.01), splits.X_train, splits.y_train, splits.X_dev, splits.y_dev, fractions=(0.05, 0.3, 1.0), epochs=4)
    rows = len(splits.X_train)
    assert curve.sizes == [int(np.ceil(0.05 * rows)), int(np.ceil(0.3 * rows)), rows]
    assert np.array_equal(network.flat_parameters, before)
    # 54 digits images cannot teach what 1077 do: the dev error must drop clearly, and the gap shrink.
    assert curve.dev_error[0] > curve.dev_error[-1] + 0.1
    assert curve.gap[0] > curve.gap[-1]
    assert all(train <= dev for train, dev in zip(curve.train_error, curve.dev_error))
    path = plot_learning_curve(curve, tmp_path / "lc.png")
    assert path.read_bytes()[:8] == PNG_MAGIC


@pytest.fixture
def recorded_fits(monkeypatch):
    """Every ``Network.fit`` call's (rows, epochs, batch size fit trained with), still training for real."""
    calls, real_fit, real_policy = [], Network.fit, loop.training_batch_size

    def fit(self, X, y, *args, **kwargs):
        calls.append({"rows": len(X), "epochs": kwargs["epochs"]})
        return real_fit(self, X, y, *args, **kwargs)

    def policy(*args, **kwargs):
        calls[-1]["batch_size"] = real_policy(*args, **kwargs)
        return calls[-1]["batch_size"]

    monkeypatch.setattr(Network, "fit", fit)
    monkeypatch.setattr(loop, "training_batch_size", policy)
    return calls


def test_with_batch_norm_the_subset_keeps_its_size_and_fit_grows_the_batch(recorded_fits):
    # 30 rows at 0.5 → 15 rows in batches of 7 would be 7 + 7 + 1, and BatchNorm cannot train on one row
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), np.tile([0, 1], 15)
    network = gn.Network([gn.Dense(4, use_bias=False), gn.BatchNorm(), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    curve = learning_curve(network, gn.Adam(0.01), X, y, X, y, fractions=(0.5, 1.0), epochs=1, batch_size=7)
    assert curve.sizes == [15, 30]
    assert [call["batch_size"] for call in recorded_fits] == [8, 7]  # 15 = 8 + 7; 30 = 4·7 + 2 needs no change
    assert all(0.0 <= error <= 1.0 for error in curve.train_error + curve.dev_error)


def test_equal_steps_trains_small_subsets_for_more_epochs(recorded_fits):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, 40)
    network = build_network(2, (4,), seed=0)
    learning_curve(network, gn.SGD(0.1), X, y, X, y, fractions=(0.25, 0.5, 1.0), epochs=3, batch_size=10)
    assert [(call["rows"], call["epochs"]) for call in recorded_fits] == [(10, 12), (20, 6), (40, 3)]  # ⌈3·40/n⌉
    recorded_fits.clear()
    learning_curve(network, gn.SGD(0.1), X, y, X, y, fractions=(0.25, 1.0), epochs=3, batch_size=10, equal_steps=False)
    assert [call["epochs"] for call in recorded_fits] == [3, 3]


def test_regression_error_is_one_minus_r2():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 2))
    y = X @ np.array([1.5, -2.0]) + 0.1 * rng.normal(size=80)
    network = build_network(1, (), task="regression", seed=0, dtype="float64")
    curve = learning_curve(network, gn.Adam(0.05), X[:60], y[:60], X[60:], y[60:], fractions=(1.0,), epochs=60, batch_size=20)
    model = build_network(1, (), task="regression", seed=0, dtype="float64")
    assert curve.sizes == [60]
    assert 0.0 <= curve.dev_error[0] < 0.05  # a linear target: R² close to 1 once trained
    assert curve.to_dict() == {"sizes": [60], "train_error": curve.train_error, "dev_error": curve.dev_error}
    assert model.get_config() == network.get_config()  # the template was not built or trained


@pytest.mark.parametrize("fractions", [(), (0.5, 1.5), (0.0,), ("half",)])
def test_fractions_outside_zero_one_are_refused_with_the_value(fractions):
    network = build_network(2, (), task="binary")
    X, y = np.zeros((10, 2), np.float32), np.arange(10) % 2
    with pytest.raises(gn.ConfigError, match=r"fractions in \(0, 1\]. Received: fractions="):
        learning_curve(network, gn.SGD(0.1), X, y, X, y, fractions=fractions)


def test_repeated_fractions_give_one_point_each_in_increasing_order():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(20, 2)), np.arange(20) % 2
    curve = learning_curve(build_network(1, (), task="binary"), gn.SGD(0.1), X, y, X, y, fractions=(1.0, 0.5, 0.5), epochs=1, batch_size=5)
    assert curve.sizes == [10, 20]
