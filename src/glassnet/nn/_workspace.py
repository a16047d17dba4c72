"""Preallocated scratch arrays for the training hot loop.

A training step reuses the same arrays for activations and gradients on every mini-batch of a given
size, so after the first batch of each shape no memory is allocated. Inference (``training=False``)
never uses the workspace: it returns fresh arrays the caller may keep.
"""

from __future__ import annotations

import numpy as np


class Workspace:
    """Named arrays keyed by ``(name, shape, dtype)``; :meth:`get` returns the same array each time."""

    def __init__(self) -> None:
        self._arrays: dict[tuple, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype | str) -> np.ndarray:
        """An uninitialised array of ``shape``/``dtype``, allocated once per distinct key.

        The key holds ``dtype`` as given (``np.float32`` and ``np.dtype("float32")`` are two keys, so
        at worst one extra array), which keeps this lookup cheap: it runs dozens of times per step.
        """
        key = (name, shape, dtype)
        array = self._arrays.get(key)
        if array is None:
            array = self._arrays[key] = np.empty(shape, dtype=dtype)
        return array

    def __len__(self) -> int:
        return len(self._arrays)
