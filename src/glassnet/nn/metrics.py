"""Scores of predictions against true targets, in NumPy: accuracy, confusion matrix, mean squared error, R².

Each takes ``y_true`` and ``y_pred`` with one row per sample (``(m,)`` or, for regression, ``(m, k)``)
and returns plain Python numbers, so reports can write them as JSON.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of rows whose predicted class equals the true one: (1/m)·Σᵢ [ŷᵢ = yᵢ]; labels ``(m,)``."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    return float(np.count_nonzero(y_true == y_pred)) / y_true.shape[0]


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """``C (n_classes, n_classes)`` of counts: ``C[i, j]`` rows of true class i predicted as class j.

    Labels are class indices 0..n_classes−1; the diagonal holds the correct predictions.
    """
    y_true, y_pred = np.asarray(y_true, dtype=np.int64).reshape(-1), np.asarray(y_pred, dtype=np.int64).reshape(-1)
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _columns(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both as float64 ``(m, k)``: a vector is one column."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_true = y_true.reshape(y_true.shape[0], -1)
    return y_true, np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """(1/(m·k))·Σᵢⱼ (ŷᵢⱼ − yᵢⱼ)² over all m rows and k outputs."""
    y_true, y_pred = _columns(y_true, y_pred)
    return float(np.mean(np.square(y_pred - y_true)))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination, averaged over the k output columns (scikit-learn's default)::

        R²ⱼ = 1 − Σᵢ (yᵢⱼ − ŷᵢⱼ)² / Σᵢ (yᵢⱼ − ȳⱼ)²

    1 is a perfect fit, 0 the score of always predicting the mean ȳⱼ, negative worse than that. A
    constant column (denominator 0) scores 1 when predicted exactly and 0 otherwise, as in scikit-learn.
    Undefined (NaN) for fewer than 2 rows.
    """
    y_true, y_pred = _columns(y_true, y_pred)
    if y_true.shape[0] < 2:
        return float("nan")
    residual = np.sum(np.square(y_true - y_pred), axis=0)
    total = np.sum(np.square(y_true - y_true.mean(axis=0)), axis=0)
    constant = total == 0
    scores = np.where(constant, np.where(residual == 0, 1.0, 0.0), 1.0 - residual / np.where(constant, 1.0, total))
    return float(np.mean(scores))
