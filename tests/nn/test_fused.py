"""The fused passes (numba) give the NumPy reference's numbers bit for bit, and the network uses them."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import fused
from glassnet.nn.layers import DenseReLU, fuse_stages
from glassnet.optim import kernels

pytestmark = pytest.mark.skipif(not kernels.available(), reason="numba is not installed")


def _numpy_only(monkeypatch):
    monkeypatch.setattr(fused, "compile_loop", lambda *args: None)


def _both(monkeypatch, run):
    """``run()`` with the compiled loops, then with the NumPy reference; both results."""
    compiled = run()
    with monkeypatch.context() as patch:
        _numpy_only(patch)
        reference = run()
    return compiled, reference


def _awkward(rng, shape, dtype):
    """Random values with exact zeros, negative zeros and ties, where a comparison or a sign could differ."""
    values = rng.standard_normal(shape).astype(dtype)
    values.reshape(-1)[::7] = 0.0
    values.reshape(-1)[3::11] = -0.0
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_loop_equals_its_numpy_reference_bit_for_bit(monkeypatch, dtype):
    rng = np.random.default_rng(0)
    z, b = _awkward(rng, (33, 17), dtype), _awkward(rng, (17,), dtype)
    b[:3] = -z[0, :3]  # Z + b exactly 0 in three places
    da, labels = _awkward(rng, (33, 17), dtype), rng.integers(0, 17, 33)
    assert fused.compiled("bias_relu", z, b, z, z) is not None  # the compiled path is really under test

    def run():
        mask, a, dz, db = (np.empty_like(z), np.empty_like(z), np.empty_like(z), np.empty_like(b))
        fused.bias_relu(z.copy(), b, mask, a)
        fused.relu_backward_bias(da, mask, dz, db)
        loss = gn.SoftmaxCrossEntropy()
        cost = loss.forward(z.copy(), labels)
        return [mask, a, dz, db, np.array(cost), loss.backward().copy()]

    compiled, reference = _both(monkeypatch, run)
    for got, expected in zip(compiled, reference):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        assert np.array_equal(np.signbit(got), np.signbit(expected))  # −0.0 stays −0.0


def _network() -> gn.Network:
    layers = [gn.Dense(24), gn.ReLU(), gn.Dense(12), gn.ReLU(), gn.Dense(5)]
    return gn.Network(layers, gn.SoftmaxCrossEntropy(), l2=1e-3, seed=4)


def test_training_through_fused_stages_equals_training_layer_by_layer():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((150, 9)), rng.integers(0, 5, 150)
    results = []
    for use_fused in (True, False):
        network = _network()
        network.fused = network.loss.fused = use_fused
        network.fit(X, y, gn.Adam(0.01), epochs=3, batch_size=16, verbose=0)
        cost, gradients = network.loss_and_gradients(X[:40], y[:40])
        results.append((network.flat_parameters.copy(), cost, gradients))
    (fused_weights, fused_cost, fused_grads), (weights, cost, grads) = results
    np.testing.assert_array_equal(fused_weights, weights)
    assert fused_cost == cost
    for name in grads:
        np.testing.assert_array_equal(fused_grads[name], grads[name])


def test_dense_followed_by_relu_becomes_one_stage_and_nothing_else_does():
    dense, relu, last = gn.Dense(4), gn.ReLU(), gn.Dense(2)
    stages = fuse_stages([dense, relu, last])
    assert isinstance(stages[0], DenseReLU) and stages[0].dense is dense and stages[0].relu is relu and stages[1] is last
    unfused = [gn.Dense(4, use_bias=False), gn.ReLU(), gn.Dense(4), gn.LeakyReLU(), gn.Dense(4), gn.Tanh(), gn.ReLU()]
    assert fuse_stages(unfused) == unfused
    network = _network().build(9)
    assert [type(stage).__name__ for stage in network._stages] == ["DenseReLU", "DenseReLU", "Dense"]
