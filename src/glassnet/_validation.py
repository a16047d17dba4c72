"""Argument checks shared by every constructor: each raises :class:`ConfigError` naming the value."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np

from glassnet.errors import ConfigError


def check_positive_int(owner: str, name: str, value: Any) -> int:
    """Return ``value`` if it is an integer ≥ 1, else raise naming ``owner(name=value)``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ConfigError(f"{owner}({name}=...) expects a positive integer. Received: {name}={value!r}")
    return int(value)


def check_real(
    owner: str,
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``float(value)`` if it is a finite real in the interval, else raise with the interval."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ConfigError(
            f"{owner}({name}=...) expects a number in {left}{low:g}, {high:g}{right}. Received: {name}={value!r}"
        )
    return float(value)


def check_choice(owner: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    if value not in choices:
        raise ConfigError(f"{owner}({name}=...) expects one of {', '.join(map(repr, choices))}. Received: {name}={value!r}")
    return str(value)


def check_bool(owner: str, name: str, value: Any) -> bool:
    """Return ``bool(value)`` if it is True or False (NumPy's bool too), else raise naming ``owner(name=value)``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{owner}({name}=...) expects True or False. Received: {name}={value!r}")
    return bool(value)
