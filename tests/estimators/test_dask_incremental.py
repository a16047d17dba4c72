"""Data larger than memory: dask-ml's ``Incremental`` feeds a Dask array to ``partial_fit`` one chunk at a time."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

try:
    import dask.array as da
    from dask_ml.wrappers import Incremental
except ImportError:  # the `test` extra installs it; without it this file has nothing to check
    pytest.skip("dask-ml is not installed (pip install 'glassnet[test]' or 'dask-ml')", allow_module_level=True)

ROWS, CHUNK, PASSES = 2000, 500, 3


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(ROWS, 5))
    return X, np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")


def test_incremental_on_a_dask_array_is_partial_fit_chunk_by_chunk():
    """Each pass of ``Incremental.partial_fit`` over the 4 chunks (in order) equals 4 ``partial_fit`` calls on those
    rows, bit for bit — so training never needs more than one chunk in memory. A single ``partial_fit`` on all
    rows at once gives other weights, so this would fail if dask-ml computed the whole array first."""
    X, y = data()
    X_dask, y_dask = da.from_array(X, chunks=CHUNK), da.from_array(y, chunks=CHUNK)
    incremental = Incremental(gn.GlassClassifier(hidden_layer_sizes=(8,), random_state=0), scoring="accuracy", shuffle_blocks=False)
    by_hand = gn.GlassClassifier(hidden_layer_sizes=(8,), random_state=0)
    whole = gn.GlassClassifier(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(PASSES):
        incremental.partial_fit(X_dask, y_dask, classes=["no", "yes"])
        for start in range(0, ROWS, CHUNK):
            by_hand.partial_fit(X[start : start + CHUNK], y[start : start + CHUNK], classes=["no", "yes"])
        whole.partial_fit(X, y, classes=["no", "yes"])
    trained = incremental.estimator_
    assert trained.t_ == by_hand.t_ == PASSES * ROWS
    assert all(np.array_equal(a, b) for a, b in zip(trained.coefs_, by_hand.coefs_))
    assert not all(np.array_equal(a, b) for a, b in zip(trained.coefs_, whole.coefs_))
    predictions = incremental.predict(X_dask)
    assert isinstance(predictions, da.Array)  # predicted chunk by chunk too
    np.testing.assert_array_equal(predictions.compute(), by_hand.predict(X))
    assert incremental.score(X_dask, y_dask) == pytest.approx(np.mean(by_hand.predict(X) == y))
