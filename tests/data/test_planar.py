"""The generated 2-D sets: seeded, the documented geometry, and hard for a straight line where they should be."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from glassnet.data.planar import DEFAULT_NOISE, PLANAR, make_blobs, make_spiral, make_xor, planar_dataset
from glassnet.errors import DataError


@pytest.mark.parametrize("name", PLANAR)
def test_every_planar_set_is_seeded_balanced_and_named(name):
    a, b, c = planar_dataset(name, seed=3), planar_dataset(name, seed=3), planar_dataset(name, seed=4)
    assert a.X.shape == (400, 2) and a.X.dtype == np.float32
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)
    counts = np.bincount(a.y)
    assert len(counts) == len(a.class_names) and counts.min() >= 0.8 * counts.mean()  # xor draws its labels, the others deal them


@pytest.mark.parametrize("name", PLANAR)
def test_noise_moves_the_points_and_zero_noise_is_allowed(name):
    quiet, noisy = planar_dataset(name, noise=0.0), planar_dataset(name, noise=DEFAULT_NOISE[name] * 2)
    assert np.all(np.isfinite(quiet.X)) and not np.allclose(quiet.X, noisy.X)


def test_xor_without_noise_labels_each_quadrant_by_the_sign_of_the_product():
    X, y = make_xor(200, noise=0.0, seed=1)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))


def test_spiral_without_noise_has_radius_s_and_two_opposite_arms():
    X, y = make_spiral(20, noise=0.0)
    s = np.linspace(0.1, 1.0, 10)
    assert np.allclose(np.hypot(X[:, 0], X[:, 1]), np.concatenate([s, s]))
    assert np.allclose(X[y == 0], -X[y == 1])  # θ + π is the point reflected through the origin


def test_blobs_sit_around_their_centres_on_a_circle_of_radius_two():
    X, y = make_blobs(3000, noise=0.3, seed=0)
    centres = np.array([X[y == k].mean(axis=0) for k in range(3)])
    assert np.allclose(np.hypot(centres[:, 0], centres[:, 1]), 2.0, atol=0.05)


@pytest.mark.parametrize("name", ["xor", "spiral", "flower", "circles"])
def test_a_straight_line_cannot_separate_the_nonlinear_sets(name):
    data = planar_dataset(name, seed=0)
    assert LogisticRegression().fit(data.X, data.y).score(data.X, data.y) < 0.7


def test_bad_arguments_name_the_value():
    with pytest.raises(DataError, match="noise=-1"):
        planar_dataset("xor", noise=-1)
    with pytest.raises(DataError, match="n_samples=5"):
        planar_dataset("xor", n_samples=5)
    with pytest.raises(DataError, match="'square'"):
        planar_dataset("square")
