"""Bundled data sets, no download: scikit-learn's installed ``digits``, ``breast-cancer``, ``iris`` and
``wine``, and the generated 2-D sets ``moons``, ``circles``, ``flower`` (the course's planar petal
set), ``xor``, ``spiral`` and ``blobs``, each drawn from a seeded generator (:mod:`glassnet.data.planar`)
with its default noise."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from glassnet import defaults
from glassnet.data.dataset import Dataset
from glassnet.data.planar import PLANAR, make_flower, planar_dataset
from glassnet.errors import DataError

__all__ = ["BUNDLED", "describe_bundled", "load_dataset", "make_flower"]


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
    "xor": (400, 2, "binary", 2),
    "spiral": (400, 2, "binary", 2),
    "blobs": (400, 2, "multiclass", 3),
}


#: every bundled set by name: a loader taking the seed of the generated sets (scikit-learn is imported on first load)
_LOADERS: dict[str, Callable[[int], Dataset]] = {
    "digits": _from_sklearn("load_digits", "digits"),
    "breast-cancer": _from_sklearn("load_breast_cancer", "breast-cancer"),
    "iris": _from_sklearn("load_iris", "iris"),
    "wine": _from_sklearn("load_wine", "wine"),
    **{name: (lambda seed, name=name: planar_dataset(name, seed=seed)) for name in PLANAR},
}

#: the names of the bundled sets, in the order ``glassnet datasets`` lists them
BUNDLED = tuple(_LOADERS)


def load_dataset(name: str, seed: int = defaults.SEED) -> Dataset:
    """A bundled data set by name; ``seed`` draws the generated 2-D ones (moons, circles, flower, xor, spiral, blobs)."""
    if name not in _LOADERS:
        raise DataError(f"Unknown data set {name!r}; expected one of {', '.join(BUNDLED)} or a .csv/.npz file.")
    return _LOADERS[name](seed)


def describe_bundled() -> list[dict[str, Any]]:
    """One row per bundled set: name, rows, features, task and classes (from :data:`SIZES`, nothing is loaded)."""
    columns = ("rows", "features", "task", "classes")
    return [{"name": name, **dict(zip(columns, SIZES[name]))} for name in BUNDLED]

