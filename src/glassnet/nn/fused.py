"""Fused element-wise passes of a training step: numba loops, each beside the NumPy code it replaces (the reference).

A step walks each activation several times in NumPy, one ufunc per operation. Three places are fused
into one pass each (compiled by :func:`glassnet.optim.kernels.compile_loop`, which falls back to the
NumPy code when numba is missing or cannot compile):

- **Dense → ReLU, forward**: after ``Z = X @ W`` (BLAS), ``Z + b``, the mask ``Z + b > 0`` and
  ``A = (Z + b) ⊙ mask`` in one pass instead of four ufuncs (:func:`bias_relu`);
- **ReLU → Dense, backward**: ``dZ = dA ⊙ mask`` and ``db = Σ_rows dZ`` in one pass instead of two
  (:func:`relu_backward_bias`);
- **softmax cross-entropy**: the row maximum, ``s = z − max z`` and ``s_y`` in one pass
  (:func:`shift_rows`); ``ℓ −= s_y`` and ``p = e^s / Σ e^s`` in another (:func:`normalise_rows`); and
  the gradient ``(p − onehot(y))/m`` in one (:func:`softmax_gradient`). The exponentials, the row sums
  and the logarithms stay NumPy calls: a compiled ``exp`` or ``log`` (or another summation order)
  would round differently from NumPy's vectorised ones, and the two paths must give the same bits.

Every loop does the same float operations in the same order and precision as the NumPy code it
replaces (an add, a compare, a multiply by exactly 1 or 0; column sums accumulated row after row
from the first row, as NumPy reduces over axis 0; constants rounded to the array's dtype), so the
results are bit-for-bit identical; ``tests/nn/test_fused.py`` checks each against its reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.optim.kernels import compile_loop


def _bias_relu(z, b, mask, a):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            value = z[i, j] + b[j]  # Z + b
            keep = 1.0 if value > 0 else 0.0  # mask = [Z + b > 0]; value·1.0 and value·0.0 are exact in any precision
            mask[i, j] = keep
            a[i, j] = value * keep  # A = (Z + b) ⊙ mask


def _relu_backward_bias(da, mask, dz, db):  # pragma: no cover - compiled
    for j in range(da.shape[1]):  # the first row starts the column sums, as in NumPy's reduction
        value = da[0, j] * mask[0, j]
        dz[0, j] = value
        db[j] = value
    for i in range(1, da.shape[0]):
        for j in range(da.shape[1]):
            value = da[i, j] * mask[i, j]  # dZ = dA ⊙ mask
            dz[i, j] = value
            db[j] += value  # db = Σ_rows dZ


def _shift_rows(logits, labels, shifted, picked):  # pragma: no cover - compiled
    for i in range(logits.shape[0]):
        row_max = logits[i, 0]
        for j in range(1, logits.shape[1]):
            value = logits[i, j]
            if value > row_max or value != value:  # max(z), NaN propagating as np.maximum does
                row_max = value
        for j in range(logits.shape[1]):
            shifted[i, j] = logits[i, j] - row_max  # s = z − max(z)
        picked[i] = shifted[i, min(max(labels[i], 0), logits.shape[1] - 1)]  # s_y (a label out of range is clipped)


def _normalise_rows(probabilities, sums, losses, picked):  # pragma: no cover - compiled
    for i in range(probabilities.shape[0]):
        losses[i] -= picked[i]  # ℓ = log Σ e^s − s_y
        for j in range(probabilities.shape[1]):
            probabilities[i, j] /= sums[i]  # p = e^s / Σ e^s


def _softmax_gradient(probabilities, labels, scale, one, grad):  # pragma: no cover - compiled
    for i in range(probabilities.shape[0]):
        for j in range(probabilities.shape[1]):
            grad[i, j] = probabilities[i, j] * scale
        label = min(max(labels[i], 0), probabilities.shape[1] - 1)
        grad[i, label] = (probabilities[i, label] - one) * scale  # (p − onehot(y)) / m


_FLOATS = ("float32", "float64")
_SIGNATURES = {
    "bias_relu": [f"void({k}[:, ::1], {k}[::1], {k}[:, ::1], {k}[:, ::1])" for k in _FLOATS],
    "relu_backward_bias": [f"void({k}[:, ::1], {k}[:, ::1], {k}[:, ::1], {k}[::1])" for k in _FLOATS],
    "shift_rows": [f"void({k}[:, ::1], int64[::1], {k}[:, ::1], {k}[::1])" for k in _FLOATS],
    "normalise_rows": [f"void({k}[:, ::1], {k}[::1], {k}[::1], {k}[::1])" for k in _FLOATS],
    "softmax_gradient": [f"void({k}[:, ::1], int64[::1], {k}, {k}, {k}[:, ::1])" for k in _FLOATS],
}
_LOOPS = {"bias_relu": _bias_relu, "relu_backward_bias": _relu_backward_bias, "shift_rows": _shift_rows,
          "normalise_rows": _normalise_rows, "softmax_gradient": _softmax_gradient}


def compiled(name: str, *arrays: np.ndarray) -> Any:
    """The compiled loop ``name``, or None when numba cannot provide it or an operand does not fit it; the
    caller then runs its NumPy code. ``arrays`` are the operands that may come from outside the step's own
    buffers (which are always C-contiguous, in the network's dtype): each must be C-contiguous and of the
    first one's dtype, float32 or float64 (integer labels: int64).
    """
    dtype = arrays[0].dtype
    if dtype != np.float32 and dtype != np.float64:
        return None
    for array in arrays:
        if not array.flags.c_contiguous or (array.dtype != dtype and array.dtype != np.int64):
            return None
    return compile_loop(name, _LOOPS[name], _SIGNATURES[name])


def bias_relu(z: np.ndarray, b: np.ndarray, mask: np.ndarray, a: np.ndarray) -> None:
    """``mask = [Z + b > 0]`` (1.0/0.0) and ``A = (Z + b) ⊙ mask`` for ``Z (m, n)``, ``b (n,)``; may change ``z``."""
    loop = compiled("bias_relu", z)
    if loop is not None:
        loop(z, b, mask, a)
        return
    z += b
    np.greater(z, 0, out=a)  # the float 1.0/0.0 of the comparison, then A = Z ⊙ mask, as ReLU.forward does
    np.copyto(mask, a)
    np.multiply(z, mask, out=a)


def relu_backward_bias(da: np.ndarray, mask: np.ndarray, dz: np.ndarray, db: np.ndarray) -> None:
    """``dZ = dA ⊙ mask`` and ``db = Σ_rows dZ`` for ``dA, mask (m, n)``; writes ``dz`` and ``db``."""
    loop = compiled("relu_backward_bias", mask, da)
    if loop is not None:
        loop(da, mask, dz, db)
        return
    np.multiply(da, mask, out=dz)
    np.add.reduce(dz, axis=0, out=db)


def shift_rows(logits: np.ndarray, labels: np.ndarray, shifted: np.ndarray, picked: np.ndarray) -> bool:
    """``s = z − max(z)`` per row into ``shifted (m, k)`` and ``s_y`` into ``picked (m,)``; False when not compiled.

    A label outside 0..k−1 (``prepare_targets`` lets none through) is clipped into the row, so no memory
    outside the arrays is read.
    """
    loop = compiled("shift_rows", shifted, logits, labels) if labels.dtype == np.int64 else None
    if loop is not None:
        loop(logits, labels, shifted, picked)
    return loop is not None


def normalise_rows(probabilities: np.ndarray, sums: np.ndarray, losses: np.ndarray, picked: np.ndarray) -> bool:
    """``ℓ −= s_y`` and ``p = e^s / Σ e^s`` per row, in place; False when not compiled."""
    loop = compiled("normalise_rows", probabilities)
    if loop is not None:
        loop(probabilities, sums, losses, picked)
    return loop is not None


def softmax_gradient(probabilities: np.ndarray, labels: np.ndarray, scale: float, grad: np.ndarray) -> bool:
    """``grad = (p − onehot(y))·scale``; False (nothing written) when not compiled. ``scale`` and 1 are rounded
    to the dtype on the call, as NumPy rounds a Python scalar operand."""
    loop = compiled("softmax_gradient", probabilities, labels) if labels.dtype == np.int64 else None
    if loop is not None:
        loop(probabilities, labels, scale, 1.0, grad)
    return loop is not None
