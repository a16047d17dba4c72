"""Backprop against centred finite differences, in float64: every layer, every loss, random stacks.

Each check appends its relative difference to the test report's ``user_properties`` as
``gradcheck_difference``, so a plugin (or ``--junitxml`` with ``junit_family=legacy``) can report the largest.
"""

from __future__ import annotations

import numpy as np
import pytest
from samples import build, registered_params

import glassnet as gn
from glassnet.nn.gradcheck import relative_difference

TOLERANCE = 1e-7


@pytest.fixture
def assert_gradients(request):
    """Run ``check_gradients`` and assert the relative difference, recording it."""
    def check(network, X, y, sample_weight=None):
        if not network.built:
            network.build(X.shape[1])
        result = gn.check_gradients(network, X, y, sample_weight=sample_weight)
        request.node.user_properties.append(("gradcheck_difference", result.difference))
        assert result.difference < TOLERANCE, str(result)
        assert set(result.per_parameter) == set(network.parameters())
        return result

    return check


def _data(rng, rows, features, loss):
    X = rng.standard_normal((rows, features))
    if isinstance(loss, gn.BinaryCrossEntropy):
        return X, rng.integers(0, 2, rows)
    if isinstance(loss, gn.SoftmaxCrossEntropy):
        return X, rng.integers(0, 3, rows)
    return X, rng.standard_normal((rows, 2))


def _output_units(loss):
    return {gn.BinaryCrossEntropy: 1, gn.SoftmaxCrossEntropy: 3}.get(type(loss), 2)


@pytest.mark.parametrize("name", registered_params("layer"))
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_every_layer_type(name, l2, assert_gradients):
    layer = build("layer", name)
    network = gn.Network([gn.Dense(5), layer, gn.Dense(3)], gn.SoftmaxCrossEntropy(), l2=l2, seed=3, dtype="float64")
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((7, 4)), rng.integers(0, 3, 7)
    assert_gradients(network, X, y)


@pytest.mark.parametrize("name", registered_params("layer"))
def test_every_layer_type_as_first_layer(name, assert_gradients):
    # first position: the network skips this layer's input gradient; its parameter gradients must still be right
    network = gn.Network([build("layer", name), gn.Dense(2)], gn.MeanSquaredError(), seed=4, dtype="float64")
    rng = np.random.default_rng(6)
    assert_gradients(network, rng.standard_normal((6, 3)), rng.standard_normal((6, 2)))


@pytest.mark.parametrize("name", registered_params("loss"))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_every_loss(name, weighted, assert_gradients):
    loss = build("loss", name)
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(_output_units(loss))], loss, l2=0.1, seed=1, dtype="float64")
    rng = np.random.default_rng(2)
    X, y = _data(rng, 8, 3, loss)
    weights = rng.uniform(0.2, 3.0, 8) if weighted else None
    assert_gradients(network, X, y, sample_weight=weights)


def test_single_output_regression(assert_gradients):
    network = gn.Network([gn.Dense(3), gn.Sigmoid(), gn.Dense(1)], gn.MeanSquaredError(), seed=8, dtype="float64")
    rng = np.random.default_rng(9)
    assert_gradients(network, rng.standard_normal((5, 2)), rng.standard_normal(5))


def _random_stack(rng: np.random.Generator, l2: float) -> gn.Network:
    activations = [gn.ReLU, gn.Tanh, gn.Sigmoid, lambda: gn.LeakyReLU(0.05)]
    layers: list[gn.Layer] = []
    for _ in range(rng.integers(0, 4)):  # 0 to 3 hidden layers
        initializer = ["he", "xavier", "normal"][rng.integers(0, 3)]
        layers += [gn.Dense(int(rng.integers(1, 7)), initializer=initializer, use_bias=bool(rng.integers(0, 2)))]
        layers.append(activations[rng.integers(0, len(activations))]())
    loss = [gn.BinaryCrossEntropy, gn.SoftmaxCrossEntropy, gn.MeanSquaredError][rng.integers(0, 3)]()
    layers.append(gn.Dense(_output_units(loss)))
    return gn.Network(layers, loss, l2=l2, seed=int(rng.integers(0, 2**31)), dtype="float64")


@pytest.mark.parametrize("l2", [0.0, 0.5], ids=["l2-off", "l2-on"])
@pytest.mark.parametrize("seed", range(12))
def test_random_stacks(seed, l2, assert_gradients):
    rng = np.random.default_rng(1000 + seed)
    network = _random_stack(rng, l2)
    X, y = _data(rng, int(rng.integers(1, 9)), int(rng.integers(1, 6)), network.loss)
    # random weights *and biases*: with the zero biases of a fresh network, a row that a ReLU zeroes out
    # entirely puts the next pre-activation at exactly b = 0 — a kink where no derivative exists and centred
    # differences average the two slopes (seen as differences up to 5e-2 over a few hundred seeds)
    network.build(X.shape[1])
    network.flat_parameters[:] = rng.normal(0.0, 0.7, network.flat_parameters.size)
    assert_gradients(network, X, y)


def test_check_runs_on_a_float64_copy_and_leaves_the_network_untouched():
    network = gn.Network([gn.Dense(3), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)  # float32
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 2)), rng.integers(0, 2, 6)
    network.build(2)
    before = network.flat_parameters.copy()
    rng_state = network.rng.bit_generator.state
    result = gn.check_gradients(network, X, y)
    assert result.difference < TOLERANCE  # float64 inside, although the network computes in float32
    np.testing.assert_array_equal(network.flat_parameters, before)
    assert network.flat_parameters.dtype == np.float32
    assert network.rng.bit_generator.state == rng_state


def test_check_catches_a_wrong_backward(monkeypatch):
    # a Tanh whose backward uses g' = 1 − A instead of 1 − A² must be flagged far above the tolerance
    def wrong_backward(self, dout):
        return dout * (1.0 - self._a)

    monkeypatch.setattr(gn.Tanh, "backward", wrong_backward)
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(2)], gn.MeanSquaredError(), seed=2, dtype="float64")
    rng = np.random.default_rng(3)
    result = gn.check_gradients(network, rng.standard_normal((5, 3)), rng.standard_normal((5, 2)))
    assert result.difference > 1e-3
    assert result.worst_parameter.startswith("layers.0.")  # the error enters below the Tanh
    assert "relative difference" in str(result)


def test_check_catches_a_missing_l2_gradient(monkeypatch):
    # L2 that adds the cost term but forgets (λ/m)·W in the gradient
    def cost_only(self, m):
        return self.l2 / (2.0 * m) * sum(float(np.vdot(w, w)) for w in self._regularized_weights())

    monkeypatch.setattr(gn.Network, "_apply_l2", cost_only)
    network = gn.Network([gn.Dense(3)], gn.SoftmaxCrossEntropy(), l2=1.0, seed=0, dtype="float64")
    rng = np.random.default_rng(4)
    result = gn.check_gradients(network, rng.standard_normal((4, 2)), rng.integers(0, 3, 4))
    assert result.difference > 1e-3 and result.worst_parameter == "layers.0.W"


def test_relative_difference_formula():
    # ‖g − g̃‖ / (‖g‖ + ‖g̃‖) with g = (3, 4), g̃ = (0, 0): 5 / (5 + 0) = 1
    assert relative_difference(np.array([3.0, 4.0]), np.zeros(2)) == 1.0
    # g = (1, 0), g̃ = (0, 1): √2 / (1 + 1)
    assert relative_difference(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2)
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0
