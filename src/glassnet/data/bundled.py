"""Bundled data sets, no download: scikit-learn's installed ``digits``, ``breast-cancer``, ``iris`` and
``wine``, and the generated 2-D sets ``moons``, ``circles`` and ``flower`` (the course's planar petal
set), each drawn from a seeded generator."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from glassnet import defaults
from glassnet.data.dataset import Dataset
from glassnet.errors import DataError


def _from_sklearn(loader_name: str, name: str) -> Callable[[int], Dataset]:
    """A loader for scikit-learn's installed set ``sklearn.datasets.<loader_name>`` (imported when first loaded)."""

    def load(seed: int) -> Dataset:
        from sklearn import datasets

        bunch = getattr(datasets, loader_name)()
        y = np.asarray(bunch.target)
        classes = [str(c) for c in getattr(bunch, "target_names", np.unique(y))]
        task = "binary" if len(classes) == 2 else "multiclass"
        features = [str(f) for f in getattr(bunch, "feature_names", [f"x{i}" for i in range(bunch.data.shape[1])])]
        return Dataset(name, np.asarray(bunch.data, dtype=np.float32), y.astype(np.int64), task, classes, features)

    return load


def _planar(name: str, X: np.ndarray, y: np.ndarray, classes: Sequence[str]) -> Dataset:
    return Dataset(name, np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64), "binary", list(classes), ["x1", "x2"])


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


def _moons(seed: int) -> Dataset:
    from sklearn import datasets

    return _planar("moons", *datasets.make_moons(400, noise=0.2, random_state=seed), ("lower", "upper"))


def _circles(seed: int) -> Dataset:
    from sklearn import datasets

    return _planar("circles", *datasets.make_circles(400, noise=0.1, factor=0.5, random_state=seed), ("outer", "inner"))

#: ``(rows, features, task, classes)`` of each bundled set, so that listing them loads none
#: (``tests/data/test_bundled.py`` checks every entry against the loaded data)
SIZES: dict[str, tuple[int, int, str, int]] = {
    "digits": (1797, 64, "multiclass", 10),
    "breast-cancer": (569, 30, "binary", 2),
    "iris": (150, 4, "multiclass", 3),
    "wine": (178, 13, "multiclass", 3),
    "moons": (400, 2, "binary", 2),
    "circles": (400, 2, "binary", 2),
    "flower": (400, 2, "binary", 2),
}


#: every bundled set by name: a loader taking the seed of the generated sets (scikit-learn is imported on first load)
_LOADERS: dict[str, Callable[[int], Dataset]] = {
    "digits": _from_sklearn("load_digits", "digits"),
    "breast-cancer": _from_sklearn("load_breast_cancer", "breast-cancer"),
    "iris": _from_sklearn("load_iris", "iris"),
    "wine": _from_sklearn("load_wine", "wine"),
    "moons": _moons,
    "circles": _circles,
    "flower": lambda seed: _planar("flower", *make_flower(seed=seed), ("a", "b")),
}

#: the names of the bundled sets, in the order ``glassnet datasets`` lists them
BUNDLED = tuple(_LOADERS)


def load_dataset(name: str, seed: int = defaults.SEED) -> Dataset:
    """A bundled data set by name; ``seed`` draws the generated ones (moons, circles, flower)."""
    if name not in _LOADERS:
        raise DataError(f"Unknown data set {name!r}; expected one of {', '.join(BUNDLED)} or a .csv/.npz file.")
    return _LOADERS[name](seed)


def describe_bundled() -> list[dict[str, Any]]:
    """One row per bundled set: name, rows, features, task and classes (from :data:`SIZES`, nothing is loaded)."""
    columns = ("rows", "features", "task", "classes")
    return [{"name": name, **dict(zip(columns, SIZES[name]))} for name in BUNDLED]

