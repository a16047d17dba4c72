"""Generated 2-D data sets (the lab's and the course's planar sets), each drawn from a seeded generator.

Every generator returns ``X (n_samples, 2)`` float64 and ``y (n_samples,)`` integer labels, and takes a
``noise`` (a standard deviation, in the units of the coordinates) and a ``seed``:

=========  =====================================================================  ========  =============
name       how it is drawn                                                         classes   default noise
=========  =====================================================================  ========  =============
moons      scikit-learn's two interleaving half circles                            2         0.2
circles    scikit-learn's two concentric circles (inner radius 0.5)                2         0.1
flower     the course's rose curve r = 4·sin 4t (:func:`make_flower`)              2         0.2
xor        uniform in [−1, 1]², class 1 where x₁·x₂ > 0, then jittered             2         0.1
spiral     two arms r = s, θ = 4π·s + kπ for s in [0.1, 1], k the class            2         0.05
blobs      three Gaussian blobs centred on a circle of radius 2                    3         0.6
=========  =====================================================================  ========  =============
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from glassnet import defaults
from glassnet.data.dataset import Dataset
from glassnet.errors import DataError

PLANAR = ("moons", "circles", "flower", "xor", "spiral", "blobs")
#: the standard deviation of each set's jitter when none is given (also what ``glassnet train --data`` draws)
DEFAULT_NOISE = {"moons": 0.2, "circles": 0.1, "flower": 0.2, "xor": 0.1, "spiral": 0.05, "blobs": 0.6}
CLASS_NAMES = {
    "moons": ("lower", "upper"), "circles": ("outer", "inner"), "flower": ("a", "b"),
    "xor": ("different", "same"), "spiral": ("arm 0", "arm 1"), "blobs": ("blob 0", "blob 1", "blob 2"),
}
#: the most rows a generated set may have (the lab's slider stays well below)
MAX_SAMPLES = 100_000


def make_flower(n_samples: int = 400, petals: int = 4, noise: float = 0.2, seed: int = defaults.SEED) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": two interleaved classes on the petals of a rose curve.

    For class j ∈ {0, 1}, n/2 angles t run evenly over [3.12·j, 3.12·(j+1)] plus N(0, noise²) jitter,
    the radius is r = a·sin(petals·t) + N(0, noise²) with a = 4, and the point is (r·sin t, r·cos t).
    A straight line cannot separate the classes (logistic regression stays near 50 %), a small
    hidden layer can.
    """
    rng = np.random.default_rng(seed)
    half = n_samples // 2
    X = np.empty((2 * half, 2))
    y = np.repeat([0, 1], half)
    for label in (0, 1):
        t = np.linspace(3.12 * label, 3.12 * (label + 1), half) + rng.normal(0.0, noise, half)
        r = 4.0 * np.sin(petals * t) + rng.normal(0.0, noise, half)
        X[label * half : (label + 1) * half] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return X, y


def make_xor(n_samples: int = 400, noise: float = 0.1, seed: int = defaults.SEED) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [−1, 1]², labelled 1 where x₁·x₂ > 0 (same sign), then moved by N(0, noise²).

    No straight line separates the quadrants; two hidden units can.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + rng.normal(0.0, noise, X.shape), y


def make_spiral(n_samples: int = 400, noise: float = 0.05, seed: int = defaults.SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms: for class k, s runs evenly over [0.1, 1], r = s, θ = 4π·s + k·π.

    The point is (r·sin θ, r·cos θ) + N(0, noise²): two turns per arm, hard for a shallow network.
    """
    rng = np.random.default_rng(seed)
    half = n_samples // 2
    s = np.linspace(0.1, 1.0, half)
    X = np.empty((2 * half, 2))
    for label in (0, 1):
        theta = 4.0 * np.pi * s + label * np.pi
        X[label * half : (label + 1) * half] = np.column_stack([s * np.sin(theta), s * np.cos(theta)])
    y = np.repeat([0, 1], half)
    return X + rng.normal(0.0, noise, X.shape), y


def make_blobs(n_samples: int = 400, noise: float = 0.6, seed: int = defaults.SEED, centers: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``centers`` Gaussian blobs N(c_k, noise²·I), c_k = 2·(cos φ_k, sin φ_k), φ_k = π/2 + 2πk/centers.

    Rows are dealt to the blobs in turn (row i belongs to blob i mod centers).
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % centers
    angles = np.pi / 2 + 2.0 * np.pi * np.arange(centers) / centers
    middles = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    return middles[y] + rng.normal(0.0, noise, (n_samples, 2)), y.astype(np.int64)


def _generators() -> dict[str, Callable[[int, float, int], tuple[np.ndarray, np.ndarray]]]:
    from sklearn import datasets

    return {
        "moons": lambda n, noise, seed: datasets.make_moons(n, noise=noise, random_state=seed),
        "circles": lambda n, noise, seed: datasets.make_circles(n, noise=noise, factor=0.5, random_state=seed),
        "flower": lambda n, noise, seed: make_flower(n, noise=noise, seed=seed),
        "xor": make_xor,
        "spiral": make_spiral,
        "blobs": make_blobs,
    }


def planar_dataset(name: str, n_samples: int = 400, noise: float | None = None, seed: int = defaults.SEED) -> Dataset:
    """The generated 2-D set ``name`` as a :class:`Dataset` (``noise=None``: :data:`DEFAULT_NOISE`)."""
    if name not in PLANAR:
        raise DataError(f"Unknown 2-D data set {name!r}; expected one of {', '.join(PLANAR)}.")
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or not 10 <= n_samples <= MAX_SAMPLES:
        raise DataError(f"n_samples expects an integer in [10, {MAX_SAMPLES}]. Received: n_samples={n_samples!r}")
    noise = DEFAULT_NOISE[name] if noise is None else noise
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0.0 <= noise <= 10.0:
        raise DataError(f"noise expects a standard deviation in [0, 10]. Received: noise={noise!r}")
    X, y = _generators()[name](int(n_samples), float(noise), int(seed))
    classes = list(CLASS_NAMES[name])
    task = "binary" if len(classes) == 2 else "multiclass"
    return Dataset(name, np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64), task, classes, ["x1", "x2"])
