"""Bundled data sets: every one loads, the generated ones are seeded, and the list of names costs no import."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from glassnet.data.bundled import BUNDLED, describe_bundled, load_dataset, make_flower
from glassnet.errors import DataError


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_set_loads_as_finite_float32_with_class_indices(name):
    dataset = load_dataset(name)
    assert dataset.X.dtype == np.float32 and dataset.X.ndim == 2 and np.all(np.isfinite(dataset.X))
    assert dataset.y.shape == (dataset.X.shape[0],)
    assert set(np.unique(dataset.y)) == set(range(len(dataset.class_names)))
    assert len(dataset.feature_names) == dataset.X.shape[1]


def test_describe_bundled_reports_true_sizes():
    rows = {row["name"]: row for row in describe_bundled()}
    assert list(rows) == list(BUNDLED)
    assert (rows["digits"]["rows"], rows["digits"]["features"], rows["digits"]["classes"]) == (1797, 64, 10)
    assert (rows["iris"]["rows"], rows["iris"]["features"], rows["iris"]["classes"]) == (150, 4, 3)
    assert (rows["flower"]["rows"], rows["flower"]["features"], rows["flower"]["task"]) == (400, 2, "binary")


@pytest.mark.parametrize("name", ["moons", "circles", "flower"])
def test_generated_sets_are_seeded(name):
    a, b, c = load_dataset(name, seed=3), load_dataset(name, seed=3), load_dataset(name, seed=4)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_flower_without_noise_lies_on_the_rose_curve():
    # With noise 0 every point of class j is (r·sin t, r·cos t), r = 4·sin(4t), t evenly spaced in [3.12j, 3.12(j+1)].
    X, y = make_flower(n_samples=10, noise=0.0, seed=0)
    for label in (0, 1):
        t = np.linspace(3.12 * label, 3.12 * (label + 1), 5)
        r = 4.0 * np.sin(4.0 * t)
        assert np.allclose(X[y == label], np.column_stack([r * np.sin(t), r * np.cos(t)]))



def test_the_names_come_without_importing_scikit_learn_and_an_unknown_name_lists_them():
    code = "import sys; from glassnet.data.bundled import BUNDLED; print(len(BUNDLED), 'sklearn' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.split() == [str(len(BUNDLED)), "False"]
    with pytest.raises(DataError, match="Unknown data set 'mnist'; expected one of digits, breast-cancer, iris, wine, moons, circles, flower"):
        load_dataset("mnist")
