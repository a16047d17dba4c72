"""Layers: forward values worked by hand, backward against the formulas, caching, dtype and validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from samples import build, registered_params

import glassnet as gn
from glassnet.errors import ConfigError
from glassnet.nn.layers import get_activation


def _built(layer, input_units, dtype="float64", seed=0):
    layer.build(input_units, np.random.default_rng(seed), dtype)
    return layer


def test_dense_forward_and_backward_by_hand():
    dense = _built(gn.Dense(2), 3)
    dense.params["W"][...] = [[1.0, 0.0], [2.0, -1.0], [0.0, 3.0]]  # W (n_in=3, units=2)
    dense.params["b"][...] = [0.5, -0.5]
    X = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, -1.0]])  # 2 samples in rows
    # Z = X @ W + b: row 0: (1+2+0, 0−1+3) + b = (3.5, 1.5); row 1: (2+0+0, 0+0−3) + b = (2.5, −3.5)
    Z = dense.forward(X, training=True)
    np.testing.assert_array_equal(Z, [[3.5, 1.5], [2.5, -3.5]])
    dZ = np.array([[1.0, 0.0], [0.0, 2.0]])
    dX = dense.backward(dZ)
    # dW = Xᵀ @ dZ: column 0 gets row 0 of X (·1), column 1 gets row 1 of X (·2)
    np.testing.assert_array_equal(dense.grads["W"], [[1.0, 4.0], [1.0, 0.0], [1.0, -2.0]])
    # db = Σ_rows dZ = (1, 2)
    np.testing.assert_array_equal(dense.grads["b"], [1.0, 2.0])
    # dX = dZ @ Wᵀ: row 0 = 1·W[:, 0] = (1, 2, 0); row 1 = 2·W[:, 1] = (0, −2, 6)
    np.testing.assert_array_equal(dX, [[1.0, 2.0, 0.0], [0.0, -2.0, 6.0]])


def test_dense_without_bias_has_only_weights():
    dense = _built(gn.Dense(4, use_bias=False), 3)
    assert set(dense.params) == {"W"} and set(dense.grads) == {"W"}
    X = np.ones((2, 3))
    np.testing.assert_allclose(dense.forward(X), X @ dense.params["W"])


def test_dense_first_layer_skips_the_input_gradient():
    dense = _built(gn.Dense(2), 3)
    dense.needs_input_gradient = False
    dense.forward(np.ones((4, 3)), training=True)
    assert dense.backward(np.ones((4, 2))) is None
    np.testing.assert_array_equal(dense.grads["b"], [4.0, 4.0])  # parameter gradients still filled


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (gn.ReLU(), [0.0, 0.0, 0.0, 0.5, 3.0]),
        (gn.LeakyReLU(0.1), [-0.3, -0.05, 0.0, 0.5, 3.0]),  # slope·z for z ≤ 0
        (gn.Tanh(), [math.tanh(v) for v in (-3.0, -0.5, 0.0, 0.5, 3.0)]),
        (gn.Sigmoid(), [1.0 / (1.0 + math.exp(-v)) for v in (-3.0, -0.5, 0.0, 0.5, 3.0)]),
    ],
    ids=["relu", "leaky-relu", "tanh", "sigmoid"],
)
def test_activation_values(layer, expected):
    _built(layer, 5)
    z = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(layer.forward(z), [expected], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    ("layer", "derivative"),
    [
        (gn.ReLU(), lambda z: float(z > 0)),
        (gn.LeakyReLU(0.1), lambda z: 1.0 if z > 0 else 0.1),
        (gn.Tanh(), lambda z: 1.0 - math.tanh(z) ** 2),
        (gn.Sigmoid(), lambda z: math.exp(-z) / (1.0 + math.exp(-z)) ** 2),  # σ′ = e^(−z)/(1+e^(−z))²
    ],
    ids=["relu", "leaky-relu", "tanh", "sigmoid"],
)
def test_activation_backward_is_upstream_times_derivative(layer, derivative):
    _built(layer, 5)
    z = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]])
    dout = np.array([[2.0, -1.0, 4.0, 0.5, 3.0]])
    layer.forward(z, training=True)
    expected = [[d * derivative(v) for d, v in zip(dout[0], z[0])]]
    np.testing.assert_allclose(layer.backward(dout), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("layer", [gn.Sigmoid(), gn.Tanh(), gn.ReLU(), gn.LeakyReLU()], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activations_saturate_without_overflow(layer, dtype):
    # warnings are errors in this suite, so an overflow inside would fail the test
    _built(layer, 4, dtype)
    z = np.array([[-1e4, -50.0, 50.0, 1e4]], dtype=dtype)
    a = layer.forward(z, training=True)
    assert a.dtype == np.dtype(dtype) and np.all(np.isfinite(a))
    assert np.all(np.isfinite(layer.backward(np.ones_like(z))))
    if isinstance(layer, gn.Sigmoid):
        np.testing.assert_array_equal(a[0, [0, 3]], [0.0, 1.0])


@pytest.mark.parametrize("name", registered_params("layer"))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_layer_keeps_dtype_and_shape(name, dtype):
    layer = build("layer", name)
    units = layer.build(4, np.random.default_rng(0), dtype)
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(dtype)
    out = layer.forward(x, training=True)
    assert out.shape == (6, units) and out.dtype == np.dtype(dtype)
    dx = layer.backward(np.ones((6, units), dtype=dtype))
    assert dx.shape == x.shape and dx.dtype == np.dtype(dtype)
    for name_, grad in layer.grads.items():
        assert grad.shape == layer.params[name_].shape and grad.dtype == np.dtype(dtype)


@pytest.mark.parametrize("name", registered_params("layer"))
def test_every_layer_refuses_backward_before_a_training_forward(name):
    layer = build("layer", name)
    units = layer.build(3, np.random.default_rng(0), "float64")
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, units)))
    layer.forward(np.ones((2, 3)), training=False)  # inference caches nothing
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, units)))


@pytest.mark.parametrize("name", registered_params("layer"))
def test_inference_outputs_are_fresh_arrays(name):
    # a caller keeps the result of forward(training=False); the next call must not overwrite it
    layer = build("layer", name)
    layer.build(3, np.random.default_rng(0), "float64")
    first = layer.forward(np.full((2, 3), 0.5))
    kept = first.copy()
    layer.forward(np.full((2, 3), -2.0))
    np.testing.assert_array_equal(first, kept)


def test_training_forward_reuses_its_workspace():
    relu = _built(gn.ReLU(), 3)
    first = relu.forward(np.ones((2, 3)), training=True)
    second = relu.forward(np.ones((2, 3)), training=True)
    assert first is second  # the hot loop allocates nothing after the first batch of a shape


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: gn.Dense(0), r"units=0"),
        (lambda: gn.Dense(2.5), r"units=2\.5"),
        (lambda: gn.Dense(True), r"units=True"),
        (lambda: gn.Dense(3, use_bias="yes"), r"use_bias='yes'"),
        (lambda: gn.Dense(3, initializer="glorot"), r"'glorot'"),
        (lambda: gn.LeakyReLU(1.0), r"slope=1\.0"),
        (lambda: gn.LeakyReLU(-0.1), r"slope=-0\.1"),
        (lambda: get_activation("swish"), r"'swish'.*'relu'"),
    ],
)
def test_bad_arguments_raise_config_error_naming_the_value(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_get_activation_builds_each_cli_name():
    assert type(get_activation("relu")) is gn.ReLU
    assert type(get_activation("leaky-relu")) is gn.LeakyReLU
    assert type(get_activation("tanh")) is gn.Tanh
    assert type(get_activation("sigmoid")) is gn.Sigmoid
    assert get_activation("relu") is not get_activation("relu")  # a new layer each time


def test_dense_initializer_decides_the_weights():
    zeros = _built(gn.Dense(3, initializer="zeros"), 4)
    assert not zeros.params["W"].any()
    he = _built(gn.Dense(3, initializer=gn.he()), 4, seed=5)
    expected = np.random.default_rng(5).standard_normal((4, 3)) * math.sqrt(2.0 / 4)
    np.testing.assert_allclose(he.params["W"], expected, rtol=1e-15)
    assert not he.params["b"].any()
