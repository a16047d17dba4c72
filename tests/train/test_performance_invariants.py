"""What the speed work must not change, and what it must keep true.

- the hot loop allocates no arrays after the first batch of each size, with clipping and sample
  weights too (the real epoch loop, measured with tracemalloc, which sees NumPy's buffers);
- a float32 network is float32 everywhere: parameters, gradients, optimizer state, activations;
- the fast paths change no numbers: the flat optimizer update equals the per-parameter reference
  bit for bit, and a fixed-seed training run equals a plain reference implementation written out
  in this file (to float32 rounding), with the gradients still passing the finite-difference check;
- the benchmark harness runs end to end (a seconds-long smoke run, not the benchmark itself).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.train.loop import _EpochRunner

ROOT = Path(__file__).resolve().parents[2]
OPTIMIZERS = [gn.SGD(0.05), gn.Momentum(0.05), gn.RMSprop(0.001), gn.Adam(0.001)]


def _digits(rows: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X[:rows] / 16.0).astype(np.float32), y[:rows]


def _network(dtype: str = "float32", seed: int = 0) -> gn.Network:
    layers = [gn.Dense(64), gn.ReLU(), gn.Dense(32), gn.ReLU(), gn.Dense(10)]
    return gn.Network(layers, gn.SoftmaxCrossEntropy(), seed=seed, dtype=dtype)


def _runner(network: gn.Network, optimizer: gn.Optimizer, X: np.ndarray, y: np.ndarray, batch_size: int,
            sample_weight: np.ndarray | None = None, clip_norm: float | None = None):
    X, y = network.prepare(X, y)
    params, grads = network.parameters(), network.gradients()
    state = optimizer.init(params)
    return _EpochRunner(network, optimizer, X, y, sample_weight, batch_size, clip_norm, 1e3), params, grads, state


# ---------------------------------------------------------------------------------------- allocations
def _epoch_peak_bytes(batch_size: int, allocate_per_step: bool = False) -> tuple[int, int, int]:
    """Peak and retained traced bytes of one epoch of the real loop (8 steps, clipping, sample weights),
    run after a warm-up epoch, and the bytes of the epoch's permutation of the row indices.

    ``allocate_per_step`` adds one (m,) float32 temporary to every step: the control that shows the
    measurement sees what a careless step would allocate. NumPy's ufunc buffer is shrunk to 16 elements
    while measuring: broadcasting the bias in ``Z += b`` borrows that buffer (8,192 elements by default,
    a constant that does not depend on the batch), and at its normal size it would hide a smaller
    per-step temporary under the peak.
    """
    rng = np.random.default_rng(1)
    rows = 8 * batch_size
    X, y = rng.standard_normal((rows, 64), dtype=np.float32), rng.integers(0, 10, rows)
    weights = rng.uniform(0.5, 2.0, rows).astype(np.float32)
    network = _network()
    runner, params, grads, state = _runner(network, gn.Adam(0.001), X, y, batch_size, sample_weight=weights, clip_norm=1e-3)
    if allocate_per_step:
        train_step = network._train_step
        network._train_step = lambda *batch: (np.ones(batch[0].shape[0], np.float32), train_step(*batch))[1]
    runner.run_epoch(0, params, grads, state, 0.001)  # warm-up: the buffers for this batch size are allocated here
    moved = network.flat_parameters.copy()
    default_buffer = np.setbufsize(16)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        runner.run_epoch(1, params, grads, state, 0.001)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        np.setbufsize(default_buffer)
    assert not np.array_equal(network.flat_parameters, moved)  # the epoch trained
    return peak - before, after - before, rows * np.dtype(np.intp).itemsize


def test_training_steps_allocate_nothing_that_grows_with_the_batch():
    _epoch_peak_bytes(64), _epoch_peak_bytes(128)  # the first runs in a process also warm Python's own caches
    small_peak, small_kept, small_order = _epoch_peak_bytes(128)
    large_peak, large_kept, large_order = _epoch_peak_bytes(2048)
    finite_check = _network().build(64).flat_parameters.size  # np.isfinite's boolean array, after the steps
    assert finite_check < small_order  # so the peak is the permutation plus what the steps allocate
    # Any array created in a step would scale with the batch: one (m,) float32 vector is 4·m bytes
    # (8,192 at m = 2048), one activation (m, 64) is 256·m. What the steps may allocate besides the
    # permutation (8 bytes per row) is a small constant: Python's own objects and NumPy's iterator bookkeeping.
    assert large_peak - large_order < 4096, (large_peak, large_order)
    assert abs((large_peak - large_order) - (small_peak - small_order)) < 1024, (small_peak, large_peak)
    assert small_kept < 1024 and large_kept < 1024  # nothing accumulates from epoch to epoch


def test_the_allocation_measurement_sees_one_temporary_per_step():
    peak, _, order = _epoch_peak_bytes(2048, allocate_per_step=True)
    assert peak - order >= 4096 + 4096  # one (2048,) float32 temporary per step: the bound above fails


def test_whole_epoch_allocates_only_the_permutation_and_the_final_check():
    X, y = _digits(1024)
    network = _network()
    runner, params, grads, state = _runner(network, gn.Adam(0.001), X, y, batch_size=100)  # last batch: 24 rows
    runner.run_epoch(0, params, grads, state, 0.001)  # first epoch: buffers for both batch sizes
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        runner.run_epoch(1, params, grads, state, 0.001)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    permutation = X.shape[0] * np.dtype(np.intp).itemsize
    finite_check = network.flat_parameters.size  # np.isfinite's boolean array, once per epoch
    ufunc_buffer = 8192 * 4  # NumPy's fixed-size buffer, borrowed inside `Z += b` (see the test above)
    # a shuffled copy of X, as the loop once made, would be 1024 · 64 · 4 = 262,144 bytes
    assert peak - before < permutation + finite_check + ufunc_buffer + 4096


# ---------------------------------------------------------------------------------------- float32
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_float32_network_keeps_float32_everywhere(optimizer):
    X, y = _digits(200)
    network = _network()
    history = network.fit(X.astype(np.float64), y, copy.deepcopy(optimizer), epochs=2, batch_size=64, verbose=0)
    assert network.flat_parameters.dtype == np.float32 and network.flat_gradients.dtype == np.float32
    for name, array in {**network.parameters(), **network.gradients()}.items():
        assert array.dtype == np.float32, name
    for moment, arrays in history.optimizer_state.items():
        if moment != "t":
            assert all(array.dtype == np.float32 for array in arrays.values()), moment
    owners = [*network.layers, network.loss]
    cached = [array for owner in owners for array in owner._workspace._arrays.values()]
    floats = [array for array in cached if array.dtype.kind == "f"]
    assert floats and all(array.dtype == np.float32 for array in floats)  # activations, gradients, probabilities
    assert all(array.dtype.kind in "fbi" for array in cached)  # the rest: boolean masks, integer label positions
    assert network.forward(X[:5]).dtype == np.float32


# ---------------------------------------------------------------------------------------- same numbers
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_flat_update_equals_the_per_parameter_reference_bit_for_bit(optimizer):
    X, y = _digits(64)
    network = _network()
    network.loss_and_gradients(X, y)
    flat_opt, reference_opt = copy.deepcopy(optimizer), copy.deepcopy(optimizer)
    params = network.parameters()
    flat_state = flat_opt.init(params)  # moments laid out like the network's flat parameter array
    separate = {name: value.copy() for name, value in params.items()}  # separate arrays: the reference path
    reference_state = reference_opt.init(separate)
    for step in range(4):
        network.flat_gradients *= 1.0 + step  # a different gradient each step
        flat_opt.update(params, network.gradients(), flat_state, 0.01)
        copies = {name: value.copy() for name, value in network.gradients().items()}
        reference_opt.update(separate, copies, reference_state, 0.01)
    assert flat_opt._flat is not None and reference_opt._flat is None  # each took the path under test
    for name in params:
        np.testing.assert_array_equal(params[name], separate[name])
        for moment in optimizer.moments:
            np.testing.assert_array_equal(flat_state[moment][name], reference_state[moment][name])


def _reference_training(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                        epochs: int, batch_size: int, lr: float) -> list[np.ndarray]:
    """Plain NumPy: Dense–ReLU–Dense–ReLU–Dense, softmax cross-entropy, Adam per array, in float32."""
    weights = [w.copy() for w in weights]  # W0, b0, W1, b1, W2, b2
    v = [np.zeros_like(w) for w in weights]
    s = [np.zeros_like(w) for w in weights]
    t = 0
    for _ in range(epochs):
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            xb, yb = X[order[start : start + batch_size]], y[order[start : start + batch_size]]
            m = xb.shape[0]
            z0 = xb @ weights[0] + weights[1]
            a0 = np.maximum(z0, 0)
            z1 = a0 @ weights[2] + weights[3]
            a1 = np.maximum(z1, 0)
            z2 = a1 @ weights[4] + weights[5]
            p = np.exp(z2 - z2.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            dz2 = (p - np.eye(10, dtype=np.float32)[yb]) / np.float32(m)
            da1 = dz2 @ weights[4].T
            dz1 = da1 * (z1 > 0)
            da0 = dz1 @ weights[2].T
            dz0 = da0 * (z0 > 0)
            grads = [xb.T @ dz0, dz0.sum(0), a0.T @ dz1, dz1.sum(0), a1.T @ dz2, dz2.sum(0)]
            t += 1
            for w, g, vi, si in zip(weights, grads, v, s):
                vi[...] = 0.9 * vi + 0.1 * g
                si[...] = 0.999 * si + 0.001 * g * g
                w -= lr * (vi / (1 - 0.9**t)) / (np.sqrt(si / (1 - 0.999**t)) + 1e-8)
    return weights


def test_fixed_seed_training_matches_a_plain_reference_implementation():
    X, y = _digits(300)
    network = _network(seed=7)
    network.build(X.shape[1])
    initial = [value.copy() for value in network.parameters().values()]
    rng = copy.deepcopy(network.rng)  # the generator that fit will draw its permutations from
    network.fit(X, y, gn.Adam(0.01), epochs=3, batch_size=32, verbose=0)
    expected = _reference_training(initial, X, y, rng, epochs=3, batch_size=32, lr=0.01)
    assert all(w.dtype == np.float32 for w in expected)
    for (name, actual), reference, start in zip(network.parameters().items(), expected, initial):
        assert not np.allclose(actual, start), name  # training moved every array
        np.testing.assert_allclose(actual, reference, rtol=1e-4, atol=2e-5, err_msg=name)


def test_gradients_of_the_fast_kernels_pass_the_finite_difference_check():
    X, y = _digits(16)
    layers = [gn.Dense(12), gn.ReLU(), gn.Dense(8), gn.ReLU(), gn.Dense(10)]
    network = gn.Network(layers, gn.SoftmaxCrossEntropy(), seed=3, dtype="float64")
    result = gn.check_gradients(network, X[:, 20:36].astype(np.float64), y)  # 16 informative pixels
    assert result.difference < 1e-7, str(result)


# ---------------------------------------------------------------------------------------- benchmark smoke
@pytest.mark.slow
def test_benchmark_harness_runs_end_to_end(tmp_path):
    output = tmp_path / "result.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "compare.py"), "--scenarios", "small", "--impls", "glassnet,floor",
               "--repeats", "1", "--small-epochs", "1", "--output", str(output)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "| glassnet |" in completed.stdout and "GEMM floor" in completed.stdout
    report = json.loads(output.read_text())
    cells = report["summary"]["small"]
    assert cells["glassnet"]["32"]["median"] > 0 and cells["floor"]["32"]["median"] > 0
    assert report["ratios"]["small"]["floor"]["32"] == pytest.approx(cells["glassnet"]["32"]["median"] / cells["floor"]["32"]["median"])
    assert cells["glassnet"]["32"]["dtype"] == "float32"
