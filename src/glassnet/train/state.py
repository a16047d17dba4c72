"""Optimizer state as data: copy it, put it back, split it for a file.

An optimizer state (see :meth:`glassnet.optim.optimizers.Optimizer.init`) is a dict whose values are
either scalars (the step count ``t``) or dicts of arrays named like the parameters (the moments ``v``
and ``s``). The divergence guard, Ctrl-C and checkpoints all need the same three operations on it, so
they live here once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

State = dict[str, Any]


def copy_state(state: State, into: State | None = None) -> State:
    """A copy of ``state`` with its own arrays; with ``into``, reuse the arrays already there (no allocation
    after the first copy) and return ``into``."""
    target: State = {} if into is None else into
    for key, value in state.items():
        if isinstance(value, dict):
            copies = target.setdefault(key, {})
            for name, array in value.items():
                if name not in copies or copies[name].shape != array.shape or copies[name].dtype != array.dtype:
                    copies[name] = np.empty_like(array)
                np.copyto(copies[name], array)
        else:
            target[key] = value
    return target


def restore_state(state: State, saved: State) -> None:
    """Put ``saved`` (from :func:`copy_state`) back into ``state`` in place, so every holder of ``state`` sees it."""
    for key, value in saved.items():
        if isinstance(value, dict):
            for name, array in value.items():
                np.copyto(state[key][name], array)
        else:
            state[key] = value


def split_state(state: State) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]]]:
    """``(scalars, moments)``: the scalar entries (``t``) and the dicts of arrays (``v``, ``s``), as a file stores them."""
    scalars = {key: value for key, value in state.items() if not isinstance(value, dict)}
    moments = {key: value for key, value in state.items() if isinstance(value, dict)}
    return scalars, moments
