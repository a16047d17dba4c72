"""Optional one-pass optimizer kernels, compiled with numba when it is installed (``pip install 'glassnet[fast]'``).

The NumPy update in :mod:`glassnet.optim.optimizers` makes 6–13 passes over every parameter (one per
ufunc). At small batch sizes that costs more than the matrix products: Adam over 535k float32
parameters takes ~1.4 ms in NumPy and ~0.3 ms here, in one loop that reads each value once.

Each kernel performs *the same float operations in the same order* as the NumPy reference, with the
constants rounded to the array's dtype exactly as NumPy rounds a Python float operand, so the results
are bit-for-bit identical (tests compare the two paths). ``error_model="numpy"`` drops Python's
zero-division check from ``/`` so the loop vectorises; no fast-math, so IEEE semantics are kept.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any, Callable

import numpy as np

#: numba is optional (without it the NumPy reference path is used) and is imported only when a kernel is
#: first compiled: importing it costs ~0.2 s, which commands that never train should not pay
_NUMBA_INSTALLED = find_spec("numba") is not None


def available() -> bool:
    """True when numba is installed, so :func:`kernel` can compile."""
    return _NUMBA_INSTALLED


def _momentum(param, grad, v, beta, one_minus_beta, lr):  # pragma: no cover - compiled
    for i in range(param.shape[0]):
        vi = v[i] * beta + grad[i] * one_minus_beta  # v ← β·v + (1 − β)·dW
        v[i] = vi
        param[i] -= vi * lr  # W ← W − α·v


def _rmsprop(param, grad, s, beta, one_minus_beta, epsilon, lr):  # pragma: no cover - compiled
    for i in range(param.shape[0]):
        gi = grad[i]
        si = s[i] * beta + (gi * gi) * one_minus_beta  # s ← β·s + (1 − β)·dW²
        s[i] = si
        param[i] -= (gi / (np.sqrt(si) + epsilon)) * lr  # W ← W − α·dW/(√s + ε)


def _adam(param, grad, v, s, beta1, one_minus_beta1, beta2, one_minus_beta2, inverse_correction2, epsilon, step):  # pragma: no cover
    for i in range(param.shape[0]):
        gi = grad[i]
        vi = v[i] * beta1 + gi * one_minus_beta1  # v ← β₁·v + (1 − β₁)·dW
        si = s[i] * beta2 + (gi * gi) * one_minus_beta2  # s ← β₂·s + (1 − β₂)·dW²
        v[i] = vi
        s[i] = si
        # W ← W − [α/(1 − β₁ᵗ)]·v / (√(s/(1 − β₂ᵗ)) + ε)
        param[i] -= (vi / (np.sqrt(si * inverse_correction2) + epsilon)) * step


_PYTHON_KERNELS: dict[str, Callable[..., None]] = {"momentum": _momentum, "rmsprop": _rmsprop, "adam": _adam}
_COMPILED: dict[str, Callable[..., None]] = {}


def kernel(name: str) -> Callable[..., None]:
    """The compiled kernel ``"momentum"``, ``"rmsprop"`` or ``"adam"`` (compiled on first use, cached on disk)."""
    compiled = _COMPILED.get(name)
    if compiled is None:
        if not _NUMBA_INSTALLED:
            raise RuntimeError("numba is not installed; install the extra: pip install 'glassnet[fast]'")
        from numba import njit

        compiled = _COMPILED[name] = njit(error_model="numpy", cache=True, nogil=True)(_PYTHON_KERNELS[name])
    return compiled


def usable(*arrays: np.ndarray) -> bool:
    """True when every operand is a contiguous 1-D float32/float64 array of one dtype (the flat layout)."""
    first = arrays[0]
    return all(
        array.ndim == 1 and array.flags.c_contiguous and array.dtype == first.dtype and array.shape == first.shape
        for array in arrays
    ) and first.dtype in (np.float32, np.float64)


def constants(dtype: np.dtype, *values: float) -> list[Any]:
    """Python floats rounded to ``dtype`` — what NumPy does to a Python scalar operand (NEP 50)."""
    return [dtype.type(value) for value in values]
