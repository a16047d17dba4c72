"""Target scaling for regression: train on a standardised target, predict on the original scale.

A network's output starts near 0 and Adam moves each weight by about α per step, so a target of
order 2e5 is out of reach in any reasonable number of epochs, and the mean squared error is dominated
by the target's scale. Standardising each target column on the training rows fixes both::

    ỹ = (y − μ) / σ        (μ, σ per column, from the training rows; σ = 1 for a constant column)
    ŷ = σ·f(x) + μ          (the prediction, back on the original scale)

``y`` is ``(m,)`` or ``(m, k)``; μ and σ are ``(k,)``. The scaler is scikit-learn's ``StandardScaler``
(the same object as the feature scaler, so model files store and validate both the same way);
``sample_weight`` gives the weighted mean and variance, so a weight of k counts as k copies of a row.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def fit_target_scaler(y: Any, sample_weight: Any = None) -> Any:
    """A ``StandardScaler`` fitted on the target ``y (m,)`` or ``(m, k)`` (rows weighted by ``sample_weight (m,)``)."""
    from sklearn.preprocessing import StandardScaler

    values = np.asarray(y, dtype=np.float64)
    return StandardScaler().fit(values.reshape(values.shape[0], -1), sample_weight=sample_weight)


def scale_target(scaler: Any, y: Any) -> np.ndarray:
    """ỹ = (y − μ)/σ in float64, with the shape of ``y`` (``(m,)`` or ``(m, k)``)."""
    values = np.asarray(y, dtype=np.float64)
    return ((values.reshape(values.shape[0], -1) - scaler.mean_) / scaler.scale_).reshape(values.shape)


def unscale_target(scaler: Any, outputs: Any) -> np.ndarray:
    """ŷ = σ·outputs + μ in float64, with the shape of ``outputs`` (``(m,)`` or ``(m, k)``); None = no scaling."""
    values = np.asarray(outputs, dtype=np.float64)
    if scaler is None:
        return values
    return (values.reshape(values.shape[0], -1) * scaler.scale_ + scaler.mean_).reshape(values.shape)
