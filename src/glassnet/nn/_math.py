"""The numerical functions shared by layers, losses, the network and the training loop.

``sigmoid`` and ``softmax`` work on float32 or float64 arrays without overflow warnings for inputs
up to ±1e4 and beyond, and write into ``out`` when given (no temporaries); ``squared_norm`` and
``l2_norm`` read an array of any shape as one vector.
"""

from __future__ import annotations

import math

import numpy as np


def squared_norm(a: np.ndarray) -> float:
    """‖a‖² = Σ aᵢ² over every entry of ``a`` (any shape), as one BLAS dot product: no temporary array."""
    return float(np.vdot(a, a))


def l2_norm(a: np.ndarray) -> float:
    """‖a‖₂ = √(Σ aᵢ²) over every entry of ``a`` (any shape)."""
    return math.sqrt(squared_norm(a))


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), computed as ½·(1 + tanh(z/2)), which never overflows.

    The tanh form is exact algebra (σ(z) = ½ + ½·tanh(z/2)); it saturates to exactly 0 or 1 for
    |z| ≳ 17 (float32) instead of evaluating e^(−z) = inf.
    """
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def softmax(
    z: np.ndarray,
    out: np.ndarray | None = None,
    *,
    row_max: np.ndarray | None = None,
    row_sums: np.ndarray | None = None,
    row_scratch: np.ndarray | None = None,
) -> np.ndarray:
    """Softmax of each row of ``z (m, k)`` (rows are samples), with the row maximum subtracted so e^z never overflows::

        pᵢⱼ = e^(zᵢⱼ − maxⱼ zᵢⱼ) / Σⱼ e^(zᵢⱼ − maxⱼ zᵢⱼ)

    The optional arrays make the call allocation-free (the training loss passes them): ``row_max`` and
    ``row_sums`` ``(m, 1)`` receive maxⱼ zᵢⱼ and the denominator Σⱼ e^(zᵢⱼ − max), which the fused
    cross-entropy needs (ℓᵢ = log Σⱼ e^(zᵢⱼ − max) − (z_iy − max)); ``row_scratch`` ``(m, k)`` holds each
    per-row value repeated across the row before it is applied, since broadcasting an ``(m, 1)``
    column over a few columns makes NumPy allocate an iterator buffer on every call.
    """
    row_max = np.maximum.reduce(z, axis=1, keepdims=True, out=row_max)
    out = np.subtract(z, _spread(row_max, row_scratch), out=out)
    np.exp(out, out=out)
    row_sums = np.add.reduce(out, axis=1, keepdims=True, out=row_sums)
    out /= _spread(row_sums, row_scratch)
    return out


def _spread(column: np.ndarray, row_scratch: np.ndarray | None) -> np.ndarray:
    """``column (m, 1)`` copied across every column of ``row_scratch`` (or left to broadcast when there is none)."""
    if row_scratch is None:
        return column
    np.copyto(row_scratch, column)
    return row_scratch
