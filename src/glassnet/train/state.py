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


def merge_state(fresh: State, scalars: Any, moments: Any, where: str) -> State:
    """The inverse of :func:`split_state` for what a file stored: fill ``fresh`` (from ``optimizer.init``) in place.

    Every moment array of ``fresh`` must be stored with its dtype and shape and be finite, and the stored
    scalars must be exactly ``fresh``'s scalar names, each a non-negative integer (the step count ``t``).
    Anything else raises :class:`~glassnet.errors.ModelFileError` naming ``where`` (the file).
    """
    from glassnet.errors import ModelFileError

    expected = sorted(key for key, value in fresh.items() if not isinstance(value, dict))
    valid = isinstance(scalars, dict) and sorted(scalars) == expected
    if not valid or any(isinstance(value, bool) or not isinstance(value, int) or value < 0 for value in scalars.values()):
        raise ModelFileError(f"{where}: the optimizer's scalar state must be non-negative integers {expected}. Received: {scalars!r:.200}")
    for key, value in fresh.items():
        if not isinstance(value, dict):
            continue
        for name, target in value.items():
            stored = moments.get(key, {}).get(name) if isinstance(moments, dict) else None
            if stored is None or stored.shape != target.shape or stored.dtype != target.dtype or not np.all(np.isfinite(stored)):
                raise ModelFileError(f"{where}: optimizer moment {key}.{name} is missing, non-finite or does not match {target.dtype}{list(target.shape)}.")
            np.copyto(target, stored)
    fresh.update(scalars)
    return fresh
