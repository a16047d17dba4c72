"""The flat layout: every parameter in one vector, and the gradients and each optimizer moment likewise.

A network keeps all its parameters in one flat array, each layer's ``W`` and ``b`` being views into it
(and its gradients in another). It hands that layout over explicitly: ``network.parameters()`` and
``network.gradients()`` are :class:`FlatArrays` — the usual name → array dictionary, which also carries
the flat vector its entries tile (``.flat``) and the layout (``.layout``: names and shapes, in order).
:meth:`~glassnet.optim.optimizers.Optimizer.init` lays each moment out the same way, so an update can
run the element-wise formula once over whole vectors instead of once per parameter: the same
arithmetic in the same order, so the same numbers bit for bit, with a handful of calls per step
instead of a handful per parameter.

Anything else — a plain dictionary, a state loaded as separate arrays, a copy or a pickle (which
become plain dictionaries of separate arrays) — takes the per-parameter path, the readable reference.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

#: the names and shapes of the entries of a flat vector, in order
Layout = tuple[tuple[str, tuple[int, ...]], ...]


class FlatArrays(dict):
    """Named arrays that are consecutive views of the 1-D array ``flat``, in the order of ``layout``.

    Entries cannot be replaced (write into them instead), since a replaced entry would no longer be a
    view of ``flat``. A copy or pickle is a plain ``dict`` of separate arrays: it has no flat layout.
    """

    def __init__(self, flat: np.ndarray, layout: Layout) -> None:
        super().__init__(_views(flat, layout))
        self.flat = flat
        self.layout = layout

    @classmethod
    def zeros_like(cls, other: "FlatArrays") -> "FlatArrays":
        """Zeros in the same layout (one new flat vector)."""
        return cls(np.zeros_like(other.flat), other.layout)

    def __setitem__(self, name: str, value: Any) -> None:
        raise TypeError(f"FlatArrays entries are views of one flat vector; write into {name!r} in place (array[...] = value).")

    def __reduce__(self) -> tuple:
        return (dict, ({name: np.array(value) for name, value in self.items()},))


def layout_of(named: dict[str, np.ndarray]) -> Layout:
    """The layout (names and shapes, in order) of ``named``."""
    return tuple((name, tuple(value.shape)) for name, value in named.items())


def _views(flat: np.ndarray, layout: Layout) -> dict[str, np.ndarray]:
    """Named views into ``flat`` with the shapes of ``layout``, one after another; they must fill it exactly."""
    views, offset = {}, 0
    for name, shape in layout:
        size = int(np.prod(shape, dtype=np.int64))
        views[name] = flat[offset : offset + size].reshape(shape)
        offset += size
    if flat.ndim != 1 or offset != flat.size:
        raise ValueError(f"A layout of {offset} values does not fill a flat vector of shape {flat.shape}.")
    return views


def flat_operands(params: dict, grads: dict, state: dict, moments: tuple[str, ...]) -> tuple | None:
    """``(param, grad, [moment, ...])`` as the flat vectors, when all of them are :class:`FlatArrays` in one layout
    and one dtype; otherwise None (take the per-parameter path). Runs every step, so it is a plain loop."""
    if type(params) is not FlatArrays:
        return None
    layout, dtype = params.layout, params.flat.dtype
    vectors = []
    for array in (grads, *[state[moment] for moment in moments]):
        if type(array) is not FlatArrays or (array.layout is not layout and array.layout != layout) or array.flat.dtype != dtype:
            return None
        vectors.append(array.flat)
    return params.flat, vectors[0], vectors[1:]


def per_parameter_operands(params: dict, grads: dict, state: dict, moments: tuple[str, ...]) -> Iterator[tuple]:
    """``(param, grad, [moment, ...])`` for each parameter name: the reference path."""
    for name, param in params.items():
        yield param, grads[name], [state[moment][name] for moment in moments]
