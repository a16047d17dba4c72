"""Inverted dropout: mask statistics, identity at inference, mask reuse, seeding, gradients, CLI."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.nn.builders import build_network
from glassnet.cli.main import main


def built_dropout(keep_prob: float, seed: int = 0, dtype: str = "float32") -> gn.Dropout:
    layer = gn.Dropout(keep_prob)
    layer.build(20, np.random.default_rng(seed), dtype)
    return layer


@pytest.mark.parametrize("keep_prob", [0, 0.0, -0.2, 1.0001, 2, float("nan"), float("inf"), "0.5", True, None])
def test_rejects_keep_prob_outside_zero_one(keep_prob):
    with pytest.raises(gn.ConfigError, match=r"expects a number in \(0, 1\]\. " + re.escape(f"Received: keep_prob={keep_prob!r}")):
        gn.Dropout(keep_prob)


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8])
def test_mean_activation_is_preserved_and_kept_units_are_scaled(keep_prob):
    layer = built_dropout(keep_prob)
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=(500, 20)).astype(np.float32)
    draws = 20
    kept, total = 0, 0.0
    for _ in range(draws):
        out = layer.forward(x, training=True)
        assert out.dtype == np.float32
        dropped = out == 0
        kept += np.count_nonzero(~dropped)
        # kept units are exactly x / keep_prob (inverted dropout), dropped ones exactly 0
        np.testing.assert_allclose(out[~dropped], x[~dropped] / keep_prob, rtol=1e-6)
        total += float(out.sum(dtype=np.float64))
    n = draws * x.size
    # the fraction kept is Binomial(n, p)/n, standard deviation √(p(1−p)/n); allow 5σ
    assert abs(kept / n - keep_prob) < 5 * np.sqrt(keep_prob * (1 - keep_prob) / n)
    # Σ out over all draws has mean draws·Σx (E[D/p] = 1) and variance draws·Σx²·(1−p)/p; allow 5σ.
    # A dropout that forgot to divide by keep_prob would be off by (1 − p)·draws·Σx, hundreds of σ.
    expected = draws * float(x.sum(dtype=np.float64))
    sigma = np.sqrt(draws * float((x.astype(np.float64) ** 2).sum()) * (1 - keep_prob) / keep_prob)
    assert abs(total - expected) < 5 * sigma
    assert 5 * sigma < 0.05 * expected  # the bound is tight enough to mean something (≤ 2.4 % here)


def test_inference_is_the_identity():
    layer = built_dropout(0.5)
    x = np.random.default_rng(2).normal(size=(7, 20)).astype(np.float32)
    state = layer.rng.bit_generator.state
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    assert layer.rng.bit_generator.state == state  # no random numbers drawn at inference


def test_keep_prob_one_is_the_identity_in_both_modes_and_draws_nothing():
    layer = built_dropout(1.0)
    x = np.random.default_rng(3).normal(size=(6, 20)).astype(np.float32)
    dout = np.random.default_rng(4).normal(size=(6, 20)).astype(np.float32)
    state = layer.rng.bit_generator.state
    np.testing.assert_array_equal(layer.forward(x, training=True), x)
    np.testing.assert_array_equal(layer.backward(dout), dout)
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    assert layer.rng.bit_generator.state == state


def test_backward_reuses_the_forward_mask():
    keep_prob = 0.6
    layer = built_dropout(keep_prob, dtype="float64")
    out = layer.forward(np.ones((50, 20)), training=True)  # = D / keep_prob
    dout = np.random.default_rng(5).normal(size=(50, 20))
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, dout * out)
    assert 0 < np.count_nonzero(dx == 0) < dx.size  # some units dropped, some kept


def test_masks_differ_between_steps_and_repeat_for_the_same_seed():
    x = np.ones((40, 20), dtype=np.float32)
    first, second = built_dropout(0.5, seed=7), built_dropout(0.5, seed=7)
    step1 = first.forward(x, training=True).copy()
    step2 = first.forward(x, training=True).copy()
    assert not np.array_equal(step1 == 0, step2 == 0)
    np.testing.assert_array_equal(second.forward(x, training=True), step1)
    np.testing.assert_array_equal(second.forward(x, training=True), step2)
    other = built_dropout(0.5, seed=8)
    assert not np.array_equal(other.forward(x, training=True) == 0, step1 == 0)


def test_network_dropout_masks_come_from_the_network_seed():
    X = np.random.default_rng(6).normal(size=(30, 4)).astype(np.float32)

    def training_logits(seed: int) -> np.ndarray:
        network = gn.Network([gn.Dense(16), gn.ReLU(), gn.Dropout(0.5), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=seed)
        network.build(4)
        network.load_state_arrays(reference.state_arrays())  # same weights, so only the masks can differ
        return network.forward(X, training=True)

    reference = gn.Network([gn.Dense(16), gn.ReLU(), gn.Dropout(0.5), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=0)
    reference.build(4)
    np.testing.assert_array_equal(training_logits(11), training_logits(11))
    assert not np.array_equal(training_logits(11), training_logits(12))
    np.testing.assert_array_equal(reference.forward(X), reference.forward(X))  # inference is deterministic


@pytest.mark.parametrize("keep_prob", [0.5, 0.8, 1.0])
@pytest.mark.parametrize("activation", [gn.ReLU, gn.Tanh])
def test_gradient_check_through_dropout_with_a_fixed_mask(keep_prob, activation):
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(10, 5)), rng.integers(0, 3, size=10)
    network = gn.Network(
        [gn.Dense(8), activation(), gn.Dropout(keep_prob), gn.Dense(6), activation(), gn.Dropout(keep_prob), gn.Dense(3)],
        gn.SoftmaxCrossEntropy(),
        l2=0.05,
        seed=3,
        dtype="float64",
    )
    network.build(5)
    for layer in network.layers:  # biases start at 0; move them so no ReLU input sits exactly on its kink
        if isinstance(layer, gn.Dense):  # (a row whose units were all dropped would give Z = b = 0)
            layer.params["b"][...] = rng.uniform(0.1, 0.3, size=layer.params["b"].shape)
    result = gn.check_gradients(network, X, y)
    assert result.difference < 1e-7, str(result)


def test_dropout_as_first_layer_skips_the_input_gradient():
    network = gn.Network([gn.Dropout(0.5), gn.Dense(2)], gn.SoftmaxCrossEntropy(), seed=0, dtype="float64")
    rng = np.random.default_rng(10)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=8)
    network.build(3)
    assert network.layers[0].needs_input_gradient is False
    network.loss_and_gradients(X, y)  # runs Dropout.backward, which must return None without failing
    assert gn.check_gradients(network, X, y).difference < 1e-7


@pytest.mark.parametrize("keep_prob", [0.5, 1.0])
def test_backward_before_a_training_forward_is_an_error(keep_prob):
    layer = built_dropout(keep_prob)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 20), dtype=np.float32))
    layer.forward(np.ones((2, 20), dtype=np.float32), training=False)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 20), dtype=np.float32))


def test_config_round_trip_and_copy():
    layer = gn.Dropout(0.65)
    assert gn.Dropout.from_config(layer.get_config()) == layer
    network = build_network(3, hidden=(8,), keep_prob=0.65, seed=4)
    twin = gn.Network.from_config(network.get_config())
    assert [type(layer).__name__ for layer in twin.layers] == ["Dense", "ReLU", "Dropout", "Dense"]
    assert twin.layers[2].keep_prob == 0.65


def test_build_network_adds_dropout_after_each_hidden_activation_only_when_asked():
    names = [type(layer).__name__ for layer in build_network(10, hidden=(16, 8), keep_prob=0.8).layers]
    assert names == ["Dense", "ReLU", "Dropout", "Dense", "ReLU", "Dropout", "Dense"]
    assert all(layer.keep_prob == 0.8 for layer in build_network(10, hidden=(16, 8), keep_prob=0.8).layers if isinstance(layer, gn.Dropout))
    assert not any(isinstance(layer, gn.Dropout) for layer in build_network(10, hidden=(16, 8)).layers)
    with pytest.raises(gn.ConfigError, match="keep_prob=0"):
        build_network(10, hidden=(), keep_prob=0)


def test_cli_train_with_keep_prob():
    result = CliRunner().invoke(main, ["train", "--keep-prob", "0.8", "--epochs", "3", "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dev_accuracy"] > 0.75  # 3 epochs at α = 0.001: about 0.88; chance is 0.1


@pytest.mark.parametrize("value", ["0", "1.5", "-0.3"])
def test_cli_rejects_keep_prob_outside_zero_one(value):
    result = CliRunner().invoke(main, ["train", "--keep-prob", value, "--epochs", "1", "--quiet"])
    assert result.exit_code == 2
    assert value in result.output and "keep-prob" in result.output
    assert "Traceback" not in result.output
