"""Lesson 1, vectorisation: one forward/backward pass as explicit Python loops vs the library's array code,
and the rank-1 broadcasting pitfall (``(n,)`` against ``(n, 1)`` silently becomes ``(n, n)``)."""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np

from glassnet.lessons.base import Check, Experiment, Measurement
from glassnet.lessons.common import rounded
from glassnet.lessons.figures import bars, finish, panels
from glassnet.nn.layers import Dense, Tanh
from glassnet.nn.losses import BinaryCrossEntropy
from glassnet.nn.network import Network


def loop_pass(X: list[list[float]], y: list[float], W1: list[list[float]], b1: list[float], W2: list[float], b2: float) -> tuple[float, dict[str, Any]]:
    """Cost and gradients of ``tanh(X @ W1 + b1) @ W2 + b2`` with a sigmoid cross-entropy, one scalar at a time.

    X (m, n) as lists, W1 (n, h), b1 (h,), W2 (h,), b2 scalar: the course's formulas with a loop over samples i,
    hidden units j and inputs k instead of matrix products. Returns the mean cost and ``dW1, db1, dW2, db2``.
    """
    m, n, h = len(X), len(W1), len(b1)
    dW1 = [[0.0] * h for _ in range(n)]
    db1, dW2, db2, cost = [0.0] * h, [0.0] * h, 0.0, 0.0
    for i in range(m):
        hidden = []
        for j in range(h):
            z = b1[j]
            for k in range(n):
                z += X[i][k] * W1[k][j]
            hidden.append(math.tanh(z))
        logit = b2 + sum(hidden[j] * W2[j] for j in range(h))
        p = 1.0 / (1.0 + math.exp(-logit))
        cost -= (y[i] * math.log(p) + (1.0 - y[i]) * math.log(1.0 - p)) / m
        dlogit = (p - y[i]) / m
        db2 += dlogit
        for j in range(h):
            dW2[j] += hidden[j] * dlogit
            dz = dlogit * W2[j] * (1.0 - hidden[j] ** 2)
            db1[j] += dz
            for k in range(n):
                dW1[k][j] += X[i][k] * dz
    return cost, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _best_time(function: Callable[[], Any], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def _gradient_difference(network: Network, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Largest |loop − vectorised| over the cost and every gradient entry, and the vectorised cost."""
    params = network.parameters()
    W1, b1, W2, b2 = (params[name] for name in ("layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"))
    cost, grads = network.loss_and_gradients(X, y)
    loop_cost, loop_grads = loop_pass(X.tolist(), y.tolist(), W1.tolist(), b1.tolist(), W2[:, 0].tolist(), float(b2[0]))
    pairs = [(grads["layers.0.W"], loop_grads["dW1"]), (grads["layers.0.b"], loop_grads["db1"]),
             (grads["layers.2.W"][:, 0], loop_grads["dW2"]), (grads["layers.2.b"], [loop_grads["db2"]])]
    worst = max(float(np.max(np.abs(np.asarray(vector) - np.asarray(loop)))) for vector, loop in pairs)
    return max(worst, abs(cost - loop_cost)), float(cost)


def _measure(settings: dict[str, Any], seed: int) -> Measurement:
    rng = np.random.default_rng(seed)
    m, n, h = settings["samples"], settings["features"], settings["hidden_units"]
    X = rng.normal(size=(m, n))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.float64)
    network = Network([Dense(h, initializer="xavier"), Tanh(), Dense(1, initializer="xavier")], BinaryCrossEntropy(), seed=seed, dtype="float64")
    network.build(n)
    difference, _ = _gradient_difference(network, X, y)
    params = network.parameters()
    lists = (X.tolist(), y.tolist(), params["layers.0.W"].tolist(), params["layers.0.b"].tolist(),
             params["layers.2.W"][:, 0].tolist(), float(params["layers.2.b"][0]))
    loop_seconds = _best_time(lambda: loop_pass(*lists), settings["repeats"])
    vector_seconds = _best_time(lambda: network.loss_and_gradients(X, y), 20 * settings["repeats"])
    pitfall = _broadcast_pitfall(settings["pitfall_rows"], rng)
    numbers = {"loop_seconds": rounded(loop_seconds), "vectorised_seconds": rounded(vector_seconds),
               "speed_ratio": rounded(loop_seconds / vector_seconds, 3), "max_gradient_difference": rounded(difference, 3), **pitfall}
    table = [
        {"implementation": "explicit loops over samples, units and inputs", "seconds per pass": numbers["loop_seconds"]},
        {"implementation": "vectorised (Network.loss_and_gradients)", "seconds per pass": numbers["vectorised_seconds"]},
        {"implementation": "ratio loop / vectorised", "seconds per pass": numbers["speed_ratio"]},
        {"implementation": f"rank-1 y {tuple(pitfall['rank1_shape'])} − p (n, 1) gives", "seconds per pass": str(tuple(pitfall["broadcast_shape"]))},
        {"implementation": "after y.reshape(-1, 1)", "seconds per pass": str(tuple(pitfall["fixed_shape"]))},
    ]
    return Measurement(numbers, table, [
        ("speed", "Time of one forward/backward pass", _speed_figure(loop_seconds, vector_seconds, m, n, h)),
        ("broadcast", "The rank-1 pitfall", _pitfall_figure(settings["pitfall_rows"], seed)),
    ])


def _broadcast_pitfall(rows: int, rng: np.random.Generator) -> dict[str, Any]:
    """Mean absolute error of predictions ``(n, 1)`` against labels ``(n,)``: wrong by broadcasting, right after reshape."""
    labels = rng.integers(0, 2, size=rows).astype(np.float64)
    predictions = labels.reshape(-1, 1)  # perfect predictions: the true error is 0
    wrong, fixed = predictions - labels, predictions - labels.reshape(-1, 1)
    return {"rank1_shape": list(labels.shape), "broadcast_shape": list(wrong.shape), "fixed_shape": list(fixed.shape),
            "error_with_rank1": rounded(float(np.mean(np.abs(wrong)))), "error_after_reshape": rounded(float(np.mean(np.abs(fixed))))}


def _speed_figure(loop_seconds: float, vector_seconds: float, m: int, n: int, h: int) -> Any:
    figure, (axes,) = panels(1, 1, 5.5, 3.8)
    bars(axes, ["loop", "vectorised"], [loop_seconds * 1e3, vector_seconds * 1e3])
    finish(axes, f"One pass, {m} samples × {n} inputs, {h} hidden units: {loop_seconds / vector_seconds:.0f}× faster",
           "implementation", "time per forward + backward pass (ms, log scale)", legend=False, log_y=True)
    return figure


def _pitfall_figure(rows: int, seed: int) -> Any:
    labels = np.random.default_rng(seed).integers(0, 2, size=rows).astype(np.float64)
    predictions = labels.reshape(-1, 1)
    figure, (left, right) = panels(2, 1, 4.2, 3.8)
    for axes, values, title in ((left, predictions - labels, f"p (n,1) − y (n,) → shape {(predictions - labels).shape}"),
                                (right, predictions - labels.reshape(-1, 1), "p − y.reshape(-1, 1) → shape (n, 1)")):
        image = axes.imshow(values, cmap="coolwarm", vmin=-1, vmax=1, aspect="equal")
        finish(axes, title, "column index", "row index (sample)", legend=False)
        axes.set_xticks(range(values.shape[1]))
        axes.grid(False)
    figure.colorbar(image, ax=[left, right], label="p − y for perfect predictions (should all be 0)")
    return figure


def _checks(n: dict[str, Any]) -> list[Check]:
    rows = n["rank1_shape"][0]
    return [
        Check(f"both passes compute the same cost and gradients (largest difference {n['max_gradient_difference']:.1e} < 1e-9)",
              n["max_gradient_difference"] < 1e-9),
        Check(f"the vectorised pass is orders of magnitude faster: {n['speed_ratio']:.0f}× ≥ 100×", n["speed_ratio"] >= 100),
        Check(f"(n,) against (n, 1) silently broadcasts to {tuple(n['broadcast_shape'])} = (n, n) and reports error "
              f"{n['error_with_rank1']:.2f} for perfect predictions", n["broadcast_shape"] == [rows, rows] and n["error_with_rank1"] > 0),
        Check(f"reshape(-1, 1) gives shape {tuple(n['fixed_shape'])} and error {n['error_after_reshape']:.2f}",
              n["fixed_shape"] == [rows, 1] and n["error_after_reshape"] == 0),
    ]


VECTORIZATION = Experiment(
    name="vectorization",
    lesson=1,
    claim=("A vectorised forward/backward pass is orders of magnitude faster than explicit loops over samples and units; "
           "a rank-1 (n,) array broadcast against (n, 1) silently becomes (n, n), and reshape fixes it."),
    explanation=(
        "First figure: the time of one forward and backward pass of a one-hidden-layer tanh network, written once as Python loops "
        "over samples, hidden units and inputs and once as the library's matrix products (both give the same cost and "
        "gradients to about 1e-15). The ratio grows with the size: at 64 samples × 20 inputs × 16 units we measured only about "
        "60×, because the vectorised pass then costs mostly fixed Python overhead. Second figure: perfect predictions of shape (n, 1) minus labels of shape (n,) should be all "
        "zeros, but broadcasting pairs every prediction with every label and builds an (n, n) matrix, so the "
        "'error' is about 0.5 instead of 0 — no exception, just a wrong number. y.reshape(-1, 1) gives the intended "
        "(n, 1) column. glassnet keeps every array 2-D for this reason."
    ),
    settings={"samples": 256, "features": 64, "hidden_units": 32, "repeats": 3, "pitfall_rows": 8},
    quick_settings={"samples": 128, "repeats": 1},
    measure=_measure,
    checks=_checks,
)

EXPERIMENTS = (VECTORIZATION,)
