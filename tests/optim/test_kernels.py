"""The optional numba kernels must reproduce the NumPy reference update bit for bit."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.optim import kernels as _fused

pytestmark = pytest.mark.skipif(not _fused.available(), reason="numba (the 'fast' extra) is not installed")

OPTIMIZERS = [
    lambda: gn.Momentum(0.05, beta=0.8),
    lambda: gn.RMSprop(0.01, beta=0.95, epsilon=1e-6),
    lambda: gn.Adam(0.01, beta1=0.85, beta2=0.99, epsilon=1e-7),
]


def _train(make_optimizer, fused: bool, dtype: str) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((120, 10)), rng.integers(0, 3, 120)
    network = gn.Network([gn.Dense(16), gn.ReLU(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=5, dtype=dtype)
    optimizer = make_optimizer()
    optimizer.fused = fused
    history = network.fit(X, y, optimizer, epochs=4, batch_size=16, verbose=0)
    return network.flat_parameters.copy(), history.optimizer_state


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make_optimizer", OPTIMIZERS, ids=["momentum", "rmsprop", "adam"])
def test_fused_training_is_bit_identical_to_the_numpy_reference(make_optimizer, dtype):
    reference, reference_state = _train(make_optimizer, fused=False, dtype=dtype)
    fused, fused_state = _train(make_optimizer, fused=True, dtype=dtype)
    assert reference.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(fused, reference)
    for moment in make_optimizer().moments:
        for name, value in reference_state[moment].items():
            np.testing.assert_array_equal(fused_state[moment][name], value)


def test_the_kernel_really_runs_when_enabled(monkeypatch):
    calls = []
    real = _fused.kernel

    def spy(name):
        calls.append(name)
        return real(name)

    monkeypatch.setattr(_fused, "kernel", spy)
    _train(OPTIMIZERS[2], fused=True, dtype="float32")
    assert calls and set(calls) == {"adam"}
    calls.clear()
    _train(OPTIMIZERS[2], fused=False, dtype="float32")
    assert calls == []


def test_separate_arrays_give_the_same_result_on_either_path():
    # Separate (non-flat) arrays go through the per-parameter loop: the 2-D one always takes the NumPy
    # path, the 1-D one may take the kernel. Either way the numbers must not change.
    rng = np.random.default_rng(0)
    params = {"a": rng.standard_normal((3, 4)).astype(np.float32), "b": rng.standard_normal(5).astype(np.float32)}
    grads = {name: rng.standard_normal(value.shape).astype(np.float32) for name, value in params.items()}
    results = []
    for fused in (False, True):
        optimizer = gn.Adam(0.1)
        optimizer.fused = fused
        copy = {name: value.copy() for name, value in params.items()}
        state = optimizer.init(copy)
        optimizer.update(copy, grads, state)
        optimizer.update(copy, grads, state)
        results.append(copy)
    for name in params:
        np.testing.assert_array_equal(results[0][name], results[1][name])
        assert not np.array_equal(results[0][name], params[name])


# ------------------------------------------------------------------------------ the NumPy fallback
def _without_compiled_kernels(monkeypatch, njit, reason):
    monkeypatch.setattr(_fused, "njit", njit)
    monkeypatch.setattr(_fused, "unavailable", reason)
    monkeypatch.setattr(_fused, "_COMPILED", {})


def test_without_numba_the_numpy_formulas_run_and_give_the_same_weights(monkeypatch):
    compiled, compiled_state = _train(OPTIMIZERS[2], fused=True, dtype="float32")
    _without_compiled_kernels(monkeypatch, None, "numba is not installed")
    assert not _fused.available() and not OPTIMIZERS[2]().fused  # a new optimizer defaults to the NumPy formula
    assert _fused.kernel("adam") is None
    fallback, fallback_state = _train(OPTIMIZERS[2], fused=True, dtype="float32")  # asks for the kernel, gets NumPy
    np.testing.assert_array_equal(fallback, compiled)
    np.testing.assert_array_equal(fallback_state["s"]["layers.0.W"], compiled_state["s"]["layers.0.W"])


def test_a_kernel_that_cannot_compile_falls_back_to_numpy_and_says_why(monkeypatch):
    reference, _ = _train(OPTIMIZERS[0], fused=False, dtype="float64")

    def broken_compiler(*args, **kwargs):
        raise RuntimeError("no LLVM target for this CPU")

    _without_compiled_kernels(monkeypatch, broken_compiler, None)
    assert _fused.available()
    fallback, _ = _train(OPTIMIZERS[0], fused=True, dtype="float64")
    np.testing.assert_array_equal(fallback, reference)
    assert "numba could not compile the" in _fused.unavailable and "no LLVM target" in _fused.unavailable
    assert not _fused.available()
