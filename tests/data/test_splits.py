"""Split indices and the data fingerprint behind ``evaluate --split``."""

from __future__ import annotations

import numpy as np

from glassnet.data.bundled import load_dataset
from glassnet.data.splits import fingerprint, split_dataset, split_indices


def test_split_indices_are_the_rows_of_split_dataset():
    dataset = load_dataset("wine")
    splits = split_dataset(dataset, (0.5, 0.25, 0.25), seed=4, scale=False, train_dev=0.2)
    parts = split_indices(dataset.y, True, (0.5, 0.25, 0.25), seed=4, train_dev=0.2)
    for name, X, y in splits.parts():
        assert np.array_equal(dataset.X[parts[name]], X) and np.array_equal(dataset.y[parts[name]], y)
    rows = np.concatenate(list(parts.values()))
    assert sorted(rows.tolist()) == list(range(len(dataset.y)))  # every row in exactly one part


def test_fingerprint_sees_any_changed_value_or_order():
    dataset = load_dataset("iris")
    base = fingerprint(dataset.X, dataset.y)
    assert base["rows"] == 150 and base["columns"] == 4 and len(base["sha256"]) == 64
    assert fingerprint(dataset.X.astype(np.float64), dataset.y) == base  # the values as read, not the dtype
    X = dataset.X.copy()
    X[7, 2] += 0.1
    assert fingerprint(X, dataset.y) != base
    assert fingerprint(dataset.X[::-1], dataset.y[::-1]) != base
