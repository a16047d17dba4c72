"""One timed training run of one implementation, in its own process; prints one JSON line.

``compare.py`` starts this file once per (implementation, scenario, batch size, repeat), so PyTorch's
and OpenBLAS's thread pools never share a process. Usage::

    python benchmarks/worker.py '{"impl": "glassnet", "scenario": "big", "batch_size": 128, ...}'

Every implementation trains the same network on the same data (generated here from the same seed)
for the same number of epochs, reshuffling each epoch, and is timed after a short warm-up that
allocates its buffers. The result is samples per second over the whole timed run.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

#: scenario -> layer widths (input first) and whether hidden layers get batch norm + dropout
SCENARIOS: dict[str, dict[str, Any]] = {
    "big": {"widths": (784, 512, 256, 10), "regularised": False},
    "regularised": {"widths": (784, 512, 256, 10), "regularised": True},
    "small": {"widths": (64, 32, 10), "regularised": False},
}
KEEP_PROB = 0.8
LEARNING_RATE = 1e-3
WARMUP_BATCHES = 4


def make_data(scenario: str, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``X (samples, n_in)`` float32 and integer labels: synthetic for big, scikit-learn's digits for small."""
    if scenario == "small":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X, y = (X / 16.0).astype(np.float32), y.astype(np.int64)
        return X[:samples], y[:samples]
    widths = SCENARIOS[scenario]["widths"]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, widths[0]), dtype=np.float32)
    return X, rng.integers(0, widths[-1], samples).astype(np.int64)


def glassnet_network(scenario: str, seed: int) -> Any:
    """The scenario's network in glassnet (Dense without bias before BatchNorm, as the layer suggests)."""
    import glassnet as gn

    widths, regularised = SCENARIOS[scenario]["widths"], SCENARIOS[scenario]["regularised"]
    layers: list[Any] = []
    for units in widths[1:-1]:
        if regularised:
            layers += [gn.Dense(units, use_bias=False), gn.BatchNorm(), gn.ReLU(), gn.Dropout(keep_prob=KEEP_PROB)]
        else:
            layers += [gn.Dense(units), gn.ReLU()]
    layers.append(gn.Dense(widths[-1]))
    return gn.Network(layers, gn.SoftmaxCrossEntropy(), seed=seed)


def torch_network(scenario: str) -> Any:
    """The same network in PyTorch (BatchNorm1d momentum 0.1 is glassnet's EWA β = 0.9)."""
    from torch import nn

    widths, regularised = SCENARIOS[scenario]["widths"], SCENARIOS[scenario]["regularised"]
    modules: list[Any] = []
    for n_in, units in zip(widths[:-2], widths[1:-1]):
        if regularised:
            modules += [nn.Linear(n_in, units, bias=False), nn.BatchNorm1d(units, eps=1e-5, momentum=0.1), nn.ReLU(),
                        nn.Dropout(1.0 - KEEP_PROB)]
        else:
            modules += [nn.Linear(n_in, units), nn.ReLU()]
    modules.append(nn.Linear(widths[-2], widths[-1]))
    return nn.Sequential(*modules)


def run_glassnet(spec: dict, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    import glassnet as gn
    from glassnet.optim import kernels

    if spec["impl"] == "glassnet-numpy":  # as if numba could not be imported: every pass runs in NumPy
        kernels.njit, kernels.unavailable = None, "switched off for the benchmark's NumPy row"
    network, batch = glassnet_network(spec["scenario"], spec["seed"]), spec["batch_size"]
    network.fit(X[: WARMUP_BATCHES * batch], y[: WARMUP_BATCHES * batch], gn.Adam(LEARNING_RATE), epochs=1, batch_size=batch,
                verbose=0)
    optimizer = gn.Adam(LEARNING_RATE)
    started = time.perf_counter()
    history = network.fit(X, y, optimizer, epochs=spec["epochs"], batch_size=batch, verbose=0)
    seconds = time.perf_counter() - started
    dtypes = {str(value.dtype) for value in network.parameters().values()}
    return {"seconds": seconds, "final_cost": history.cost[-1], "dtype": ",".join(sorted(dtypes)), "compiled": kernels.available()}


def run_torch(spec: dict, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    import torch
    import torch.nn.functional as F

    fused = spec["impl"] in ("torch-fused", "torch-fused-ftz")
    if spec["impl"] == "torch-fused-ftz":
        torch.set_flush_denormal(True)
    torch.manual_seed(spec["seed"])
    model = torch_network(spec["scenario"])
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, fused=True if fused else None)
    X_all, y_all = torch.from_numpy(X), torch.from_numpy(y)
    batch, rows = spec["batch_size"], X.shape[0]
    generator = torch.Generator().manual_seed(spec["seed"])

    def train(rows_used: int, epochs: int) -> float:
        model.train()
        cost = 0.0
        for _ in range(epochs):
            order = torch.randperm(rows_used, generator=generator)
            total = 0.0
            for start in range(0, rows_used, batch):
                index = order[start : start + batch]
                optimizer.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(X_all[index]), y_all[index])
                loss.backward()
                optimizer.step()
                total += loss.item() * index.shape[0]
            cost = total / rows_used
        return cost

    train(min(rows, WARMUP_BATCHES * batch), 1)
    started = time.perf_counter()
    final_cost = train(rows, spec["epochs"])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "final_cost": final_cost, "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
            "torch_threads": torch.get_num_threads(), "torch_version": torch.__version__}


def run_sklearn(spec: dict, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    widths = SCENARIOS[spec["scenario"]]["widths"]
    if SCENARIOS[spec["scenario"]]["regularised"]:
        return {"skipped": "MLPClassifier has neither dropout nor batch norm"}
    model = MLPClassifier(
        hidden_layer_sizes=widths[1:-1], activation="relu", solver="adam", alpha=0.0, batch_size=spec["batch_size"],
        learning_rate_init=LEARNING_RATE, max_iter=spec["epochs"], shuffle=True, random_state=spec["seed"], tol=0.0,
        n_iter_no_change=spec["epochs"] + 1, early_stopping=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "final_cost": float(model.loss_), "dtype": str(model.coefs_[0].dtype)}


def run_floor(spec: dict, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The floor of one training step, what the hardware allows any engine (DESIGN, *Performance model*).

    floor step = its matrix products (forward, dW, dX per layer; no dX for the first), at the faster of
                 one BLAS thread and the library's count, on preallocated arrays
               + one read and one write of the parameters, the gradients and Adam's two moments
                 (2 × 4 arrays × 4 bytes × parameters) at the memory bandwidth measured on arrays of that size
    """
    from threadpoolctl import threadpool_limits

    widths, batch = SCENARIOS[spec["scenario"]]["widths"], spec["batch_size"]
    steps = spec["epochs"] * -(-X.shape[0] // batch)
    products = {}
    for threads in (1, None):
        with threadpool_limits(limits=threads, user_api="blas"):
            products[threads] = _products_seconds_per_step(widths, batch, X, spec["seed"], steps)
    parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(widths[:-1], widths[1:]))
    state_bytes = 2 * 4 * 4 * parameters
    bandwidth = _bandwidth(parameters)
    step = min(products.values()) + state_bytes / bandwidth
    return {"seconds": step * X.shape[0] * spec["epochs"] / batch, "dtype": "float32",
            "products_ms_per_step": {str(threads): seconds * 1e3 for threads, seconds in products.items()},
            "memory_ms_per_step": state_bytes / bandwidth * 1e3, "bandwidth_gb_per_s": bandwidth / 1e9, "state_bytes": state_bytes}


def _products_seconds_per_step(widths: tuple[int, ...], batch: int, X: np.ndarray, seed: int, steps: int) -> float:
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n_in, n_out), dtype=np.float32) * 0.05 for n_in, n_out in zip(widths[:-1], widths[1:])]
    weight_grads = [np.empty_like(w) for w in weights]
    activations = [np.ascontiguousarray(X[:batch])] + [np.empty((batch, n), np.float32) for n in widths[1:]]
    deltas = [rng.standard_normal((batch, n), dtype=np.float32) for n in widths[1:]]
    input_grads = [None] + [np.empty((batch, n), np.float32) for n in widths[1:-1]]

    def step() -> None:
        for layer, w in enumerate(weights):
            np.matmul(activations[layer], w, out=activations[layer + 1])
        for layer in reversed(range(len(weights))):
            np.matmul(activations[layer].T, deltas[layer], out=weight_grads[layer])
            if layer:
                np.matmul(deltas[layer], weights[layer].T, out=input_grads[layer])

    for _ in range(WARMUP_BATCHES):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps


def _bandwidth(parameters: int, rounds: int = 7) -> float:
    """Bytes per second of ``c = a + b`` (best round) on float32 arrays that together are as large as the
    optimizer's working set (parameters, gradients and two moments: 4 × 4 bytes × ``parameters``)."""
    size = -(-4 * parameters // 3)
    a, b, c = (np.ones(size, np.float32) for _ in range(3))
    repeats = max(1, 50_000_000 // (12 * size))
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeats):
            np.add(a, b, out=c)
        best = min(best, (time.perf_counter() - started) / repeats)
    return 12 * size / best


RUNNERS: dict[str, Callable[[dict, np.ndarray, np.ndarray], dict[str, Any]]] = {
    "glassnet": run_glassnet,
    "glassnet-numpy": run_glassnet,
    "torch": run_torch,
    "torch-fused": run_torch,
    "torch-fused-ftz": run_torch,
    "sklearn": run_sklearn,
    "floor": run_floor,
}


def blas_info() -> list[dict[str, Any]]:
    """The BLAS/OpenMP libraries loaded in this process, as threadpoolctl reports them."""
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "num_threads", "architecture", "version", "threading_layer")
    return [{key: info.get(key) for key in keys if info.get(key) is not None} for info in threadpool_info()]


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    X, y = make_data(spec["scenario"], spec["samples"], spec["seed"])
    result = RUNNERS[spec["impl"]](spec, X, y)
    if "seconds" in result:
        result["samples_per_second"] = X.shape[0] * spec["epochs"] / result["seconds"]
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    result["blas"] = blas_info()
    print(json.dumps({**spec, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
