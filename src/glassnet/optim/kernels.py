"""One-pass optimizer kernels, compiled with numba (a core dependency), with the NumPy formulas as fallback.

The NumPy update in :mod:`glassnet.optim.optimizers` makes 6–13 passes over every parameter (one per
ufunc). At small batch sizes that costs more than the matrix products: Adam over 535k float32
parameters takes ~1.2 ms in NumPy and ~0.3 ms here, in one loop that reads each value once.

Each kernel performs *the same float operations in the same order* as the NumPy formula, with the
constants rounded to the array's dtype exactly as NumPy rounds a Python float operand, so the results
are bit-for-bit identical (tests compare the two paths, in float32 and float64). ``error_model="numpy"`` drops Python's
zero-division check from ``/`` so the loop vectorises; no fast-math, so IEEE semantics are kept.

Each kernel restates its formula per element rather than calling
:func:`glassnet.optim.averages.update_average`: that function is one NumPy pass per operation, which is
exactly the cost the kernel exists to avoid.

When numba cannot be imported, or a kernel cannot be compiled on this machine, :func:`kernel` returns
None and the optimizers run their NumPy formulas (same numbers, slower); :data:`unavailable` says why.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

_NOT_LOADED: Any = object()
#: numba's ``njit`` once imported (numba is imported on first use: it takes about a second), None without numba
njit: Any = _NOT_LOADED
#: why compiled kernels are not used (None while they are)
unavailable: str | None = None


def available() -> bool:
    """True when numba is importable and no kernel has failed to compile."""
    global njit, unavailable
    if njit is _NOT_LOADED:
        try:
            from numba import njit as loaded  # a heavy library, imported only when training needs it
        except ImportError:
            loaded, unavailable = None, "numba is not installed"
        njit = loaded
    return njit is not None and unavailable is None


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


def _momentum_constants(optimizer: Any, lr: float, t: int) -> tuple[float, ...]:
    return optimizer.beta, 1.0 - optimizer.beta, lr


def _rmsprop_constants(optimizer: Any, lr: float, t: int) -> tuple[float, ...]:
    return optimizer.beta, 1.0 - optimizer.beta, optimizer.epsilon, lr


def _adam_constants(optimizer: Any, lr: float, t: int) -> tuple[float, ...]:
    beta1, beta2 = optimizer.beta1, optimizer.beta2
    return beta1, 1.0 - beta1, beta2, 1.0 - beta2, 1.0 / (1.0 - beta2**t), optimizer.epsilon, lr / (1.0 - beta1**t)


#: name -> (the loop, its number of array operands, the scalar constants it takes for an optimizer, α and t)
_KERNELS: dict[str, tuple[Callable[..., None], int, Callable[..., tuple[float, ...]]]] = {
    "momentum": (_momentum, 3, _momentum_constants),
    "rmsprop": (_rmsprop, 3, _rmsprop_constants),
    "adam": (_adam, 4, _adam_constants),
}
_COMPILED: dict[str, Callable[..., None]] = {}


def _signatures(arrays: int, scalars: int) -> list[str]:
    """float32 and float64 signatures, so both compile up front (a failure shows here, not mid-training)."""
    return [f"void({', '.join([f'{kind}[::1]'] * arrays + [kind] * scalars)})" for kind in ("float32", "float64")]


def kernel(name: str) -> Callable[..., None] | None:
    """The compiled kernel ``"momentum"``, ``"rmsprop"`` or ``"adam"`` (compiled on first use, cached on disk),
    or None when numba is missing or cannot compile here."""
    compiled = _COMPILED.get(name)  # the common case, once per step: no signature strings built
    if compiled is not None:
        return compiled
    loop, arrays, _ = _KERNELS[name]
    return compile_loop(name, loop, _signatures(arrays, loop.__code__.co_argcount - arrays))


def compile_loop(name: str, loop: Callable[..., Any], signatures: list[str]) -> Callable[..., Any] | None:
    """``loop`` compiled by numba for ``signatures`` (once, then cached in memory and on disk), or None when
    numba is missing or fails to compile it — the one place that decides between compiled and NumPy code.

    ``error_model="numpy"`` lets a division vectorise (no zero-division check); no fast-math.
    """
    global unavailable
    compiled = _COMPILED.get(name)
    if compiled is None:
        if not available():
            return None
        try:
            compiled = njit(signatures, error_model="numpy", cache=True, nogil=True)(loop)
        except Exception as error:  # noqa: BLE001 - any compiler failure means: use the NumPy formulas
            unavailable = f"numba could not compile the {name} kernel ({type(error).__name__}: {error})"
            return None
        _COMPILED[name] = compiled
    return compiled


def usable(*arrays: np.ndarray) -> bool:
    """True when every operand is a contiguous 1-D float32/float64 array of one dtype (the flat layout)."""
    first = arrays[0]
    return all(
        array.ndim == 1 and array.flags.c_contiguous and array.dtype == first.dtype and array.shape == first.shape
        for array in arrays
    ) and first.dtype in (np.float32, np.float64)


def run(name: str, optimizer: Any, param: np.ndarray, grad: np.ndarray, moments: list[np.ndarray], lr: float, t: int) -> bool:
    """Apply ``optimizer``'s update with kernel ``name`` in one pass, if it is compiled and the operands fit;
    return False (having changed nothing) otherwise."""
    if not usable(param, grad, *moments):
        return False
    compiled = kernel(name)
    if compiled is None:
        return False
    # Python floats: numba rounds each to the array's dtype on the call (round to nearest), exactly as
    # NumPy rounds a Python scalar operand (NEP 50), so the kernel sees the reference's constants
    compiled(param, grad, *moments, *_KERNELS[name][2](optimizer, lr, t))
    return True
