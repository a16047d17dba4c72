"""Bundled data sets, no download: scikit-learn's installed ``digits``, ``breast-cancer``, ``iris`` and
``wine``, and the generated 2-D sets ``moons``, ``circles``, ``flower`` (the course's planar petal
set), ``xor``, ``spiral`` and ``blobs``, each drawn from a seeded generator (:mod:`glassnet.data.planar`)
with its default noise."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from glassnet.data.dataset import Dataset
from glassnet.data.planar import PLANAR, make_flower, planar_dataset
from glassnet.errors import DataError

__all__ = ["BUNDLED", "describe_bundled", "load_dataset", "make_flower"]


def _from_sklearn(loader: Callable[..., Any], name: str) -> Dataset:
    bunch = loader()
    y = np.asarray(bunch.target)
    classes = [str(c) for c in getattr(bunch, "target_names", np.unique(y))]
    task = "binary" if len(classes) == 2 else "multiclass"
    features = [str(f) for f in getattr(bunch, "feature_names", [f"x{i}" for i in range(bunch.data.shape[1])])]
    return Dataset(name, np.asarray(bunch.data, dtype=np.float32), y.astype(np.int64), task, classes, features)


def _bundled() -> dict[str, Callable[[int], Dataset]]:
    from sklearn import datasets

    return {
        "digits": lambda seed: _from_sklearn(datasets.load_digits, "digits"),
        "breast-cancer": lambda seed: _from_sklearn(datasets.load_breast_cancer, "breast-cancer"),
        "iris": lambda seed: _from_sklearn(datasets.load_iris, "iris"),
        "wine": lambda seed: _from_sklearn(datasets.load_wine, "wine"),
        **{name: (lambda seed, name=name: planar_dataset(name, seed=seed)) for name in PLANAR},
    }


BUNDLED = ("digits", "breast-cancer", "iris", "wine", *PLANAR)


def load_dataset(name: str, seed: int = 0) -> Dataset:
    """A bundled data set by name; ``seed`` draws the generated 2-D ones (moons, circles, flower, xor, spiral, blobs)."""
    loaders = _bundled()
    if name not in loaders:
        raise DataError(f"Unknown data set {name!r}; expected one of {', '.join(BUNDLED)} or a .csv/.npz file.")
    return loaders[name](seed)


def describe_bundled() -> list[dict[str, Any]]:
    """One row per bundled set: name, rows, features, task and classes (seed 0)."""
    rows = []
    for name in BUNDLED:
        dataset = load_dataset(name)
        rows.append(
            {"name": name, "rows": int(dataset.X.shape[0]), "features": int(dataset.X.shape[1]), "task": dataset.task, "classes": len(dataset.class_names)}
        )
    return rows

