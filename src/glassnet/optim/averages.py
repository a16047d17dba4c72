"""Exponentially weighted averages (lesson 3), with bias correction.

    v₀ = 0,   v_t = β·v_{t−1} + (1 − β)·θ_t,   corrected: v_t / (1 − βᵗ)

v_t averages roughly the last 1/(1 − β) values (β = 0.9 → about 10). Starting from v₀ = 0 makes the
early v_t too small; dividing by 1 − βᵗ removes that bias (at t = 1 the corrected value is θ₁ exactly).
Works on floats and on arrays (element-wise). :func:`update_average` is the step itself, in place on an
array and without temporaries: :class:`ExponentialMovingAverage` keeps v and t around it, and BatchNorm's
running statistics and the optimizers' moments (in their NumPy formulas) call it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validation import check_bool, check_real


def update_average(average: np.ndarray, value: np.ndarray, beta: float, scratch: np.ndarray) -> np.ndarray:
    """``v ← β·v + (1 − β)·θ`` in place on ``average`` (any shape; ``value`` and ``scratch`` of the same shape).

    ``scratch`` receives (1 − β)·θ; it may be ``value`` itself. The float operations are those of the
    compiled optimizer kernels, in the same order, so both give the same bits. Returns ``average``.
    """
    average *= beta
    np.multiply(value, 1.0 - beta, out=scratch)
    average += scratch
    return average


class ExponentialMovingAverage:
    """Running EWA of a scalar or array: ``update(θ)`` returns the bias-corrected average."""

    def __init__(self, beta: float = 0.9, bias_correction: bool = True) -> None:
        self.beta = check_real("ExponentialMovingAverage", "beta", beta, low=0.0, high=1.0, high_open=True)
        self.bias_correction = check_bool("ExponentialMovingAverage", "bias_correction", bias_correction)
        self.t = 0
        self.average: Any = 0.0  # v_t, uncorrected

    def update(self, value: Any) -> Any:
        """Fold in θ_t and return the (corrected, if enabled) average."""
        value = np.asarray(value, dtype=np.float64)
        if self.t == 0:
            self.average = np.zeros_like(value)  # v₀ = 0, in θ's shape
        update_average(self.average, value, self.beta, np.empty_like(value))
        self.t += 1
        return self.value

    @property
    def value(self) -> Any:
        """v_t / (1 − βᵗ) with bias correction, else v_t; NaN before the first update."""
        if self.t == 0:
            return float("nan")
        result = self.average / (1.0 - self.beta**self.t) if self.bias_correction else self.average.copy()
        return float(result) if np.ndim(result) == 0 else result

    def get_config(self) -> dict[str, Any]:
        return {"beta": self.beta, "bias_correction": self.bias_correction}
