"""Scores in NumPy, worked by hand and checked against scikit-learn's definitions."""

import math

import numpy as np
import pytest
from sklearn import metrics as sk

from glassnet.nn.metrics import accuracy, confusion_matrix, mean_squared_error, r2_score


def test_accuracy_and_confusion_matrix_by_hand():
    y_true, y_pred = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2])
    assert accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    # rows: true class, columns: predicted — true 0 → {0, 1}; true 1 → {1}; true 2 → {2, 0, 2}
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 3), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix([0, 0], [0, 0], 3), [[2, 0, 0], [0, 0, 0], [0, 0, 0]])  # unseen classes: zero rows


def test_regression_scores_by_hand():
    y, prediction = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 6.0])
    assert mean_squared_error(y, prediction) == pytest.approx(4 / 4)  # one error of 2
    assert r2_score(y, prediction) == pytest.approx(1 - 4 / 5)  # Σ(y − ȳ)² = 2.25 + 0.25 + 0.25 + 2.25 = 5
    assert r2_score(y, np.full(4, 2.5)) == 0.0  # the mean itself scores 0


def test_r2_matches_scikit_learn_on_several_outputs_and_constant_columns():
    rng = np.random.default_rng(0)
    y, prediction = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    y[:, 2] = 1.0  # a constant column: 1 if predicted exactly, else 0
    assert r2_score(y, prediction) == pytest.approx(sk.r2_score(y, prediction))
    prediction[:, 2] = 1.0
    assert r2_score(y, prediction) == pytest.approx(sk.r2_score(y, prediction))
    assert mean_squared_error(y, prediction) == pytest.approx(sk.mean_squared_error(y, prediction))
    assert r2_score(y[:, 0], prediction[:, :1]) == pytest.approx(sk.r2_score(y[:, 0], prediction[:, 0]))  # (m,) vs (m, 1)


def test_r2_of_one_row_is_undefined():
    assert math.isnan(r2_score([1.0], [1.0]))
