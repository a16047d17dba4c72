"""Search spaces (lesson 4): a distribution for each named hyperparameter, and coarse-to-fine narrowing.

Each continuous distribution samples uniformly in a *transformed* coordinate t and maps back:

==================  =======================  ===========================================================
``log:a:b``         t = log10(x)             learning rate, L2: each decade of [a, b] gets equal samples
``one-minus-log``   t = log10(1 − x)         β near 1: [0.9, 0.99] and [0.99, 0.999] get equal samples
``uniform:a:b``     t = x
``int:a:b``         t = x, rounded           integers a…b, each equally likely
``choice:u|v|w``    —                        one of the listed values, each equally likely
==================  =======================  ===========================================================

Narrowing after a round keeps the region around the best trials: in t, the span of the best
trials' values, padded by ``padding`` of the current width on each side, and at most ``shrink`` of
the current width (a window centred on the best trial when the best trials are spread out), always
inside the current range. A choice keeps the values that appear among the best trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from glassnet.errors import ConfigError

KINDS = ("log", "one-minus-log", "uniform", "int", "choice")


class Distribution:
    """Base class: ``sample(rng, n)`` draws n values; ``narrow(best)`` returns a smaller distribution."""

    kind = ""
    #: whether plots should use a log axis for this parameter (of x, or of 1 − x for ``one-minus-log``)
    log_axis = False

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        raise NotImplementedError

    def narrow(self, best: Sequence[Any], shrink: float = 0.5, padding: float = 0.1) -> "Distribution":
        raise NotImplementedError

    def spec(self) -> str:
        """The command-line form, e.g. ``log:0.0001:0.1`` (parsed back by :func:`parse_distribution`)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec()!r})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.spec() == other.spec()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]


@dataclass(eq=False, repr=False)
class _Interval(Distribution):
    """A continuous range [low, high], sampled uniformly in the coordinate ``to_t``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ConfigError(f"A {self.kind} range needs finite low < high. Received: low={self.low!r}, high={self.high!r}")

    def to_t(self, x: np.ndarray) -> np.ndarray:
        return x

    def from_t(self, t: np.ndarray) -> np.ndarray:
        return t

    def _t_bounds(self) -> tuple[float, float]:
        a, b = (float(v) for v in self.to_t(np.array([self.low, self.high], dtype=np.float64)))
        return min(a, b), max(a, b)

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        t_low, t_high = self._t_bounds()
        return [float(v) for v in self.from_t(rng.uniform(t_low, t_high, size=n))]

    def _narrowed_bounds(self, best: Sequence[Any], shrink: float, padding: float) -> tuple[float, float]:
        """New [low, high] in x: see the module docstring."""
        if not best:
            return self.low, self.high
        t_low, t_high = self._t_bounds()
        width = t_high - t_low
        t_best = self.to_t(np.asarray(best, dtype=np.float64))
        low, high = float(t_best.min()) - padding * width, float(t_best.max()) + padding * width
        if high - low > shrink * width:
            centre = float(t_best[0])
            low, high = centre - shrink * width / 2, centre + shrink * width / 2
        if low < t_low:
            low, high = t_low, min(t_high, t_low + (high - low))
        if high > t_high:
            low, high = max(t_low, t_high - (high - low)), t_high
        x_low, x_high = (float(v) for v in self.from_t(np.array([low, high])))
        return min(x_low, x_high), max(x_low, x_high)

    def narrow(self, best: Sequence[Any], shrink: float = 0.5, padding: float = 0.1) -> Distribution:
        low, high = self._narrowed_bounds(best, shrink, padding)
        return type(self)(low, high)

    def spec(self) -> str:
        return f"{self.kind}:{self.low:.6g}:{self.high:.6g}"


class LogUniform(_Interval):
    """``log-uniform(low, high)``: log10(x) is uniform, so each decade gets the same share of samples."""

    kind = "log"
    log_axis = True

    def __post_init__(self) -> None:
        if not self.low > 0:
            raise ConfigError(f"A log range needs low > 0. Received: low={self.low!r}")
        super().__post_init__()

    def to_t(self, x: np.ndarray) -> np.ndarray:
        return np.log10(x)

    def from_t(self, t: np.ndarray) -> np.ndarray:
        return 10.0**t


class OneMinusLogUniform(_Interval):
    """``1 − log-uniform``: for β near 1, log10(1 − β) is uniform (β ∈ [0.9, 0.999] ↔ 1 − β ∈ [0.001, 0.1])."""

    kind = "one-minus-log"
    log_axis = True

    def __post_init__(self) -> None:
        if not (0 <= self.low and self.high < 1):
            raise ConfigError(f"A one-minus-log range needs 0 ≤ low < high < 1. Received: low={self.low!r}, high={self.high!r}")
        super().__post_init__()

    def to_t(self, x: np.ndarray) -> np.ndarray:
        return np.log10(1.0 - x)

    def from_t(self, t: np.ndarray) -> np.ndarray:
        return 1.0 - 10.0**t


class Uniform(_Interval):
    """``uniform(low, high)``."""

    kind = "uniform"


class IntUniform(_Interval):
    """Integers ``low … high`` (both included), each equally likely."""

    kind = "int"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low != int(self.low) or self.high != int(self.high) or self.low > self.high:
            raise ConfigError(f"An int range needs integer bounds low ≤ high. Received: low={self.low!r}, high={self.high!r}")

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        return [int(v) for v in rng.integers(int(self.low), int(self.high), size=n, endpoint=True)]

    def narrow(self, best: Sequence[Any], shrink: float = 0.5, padding: float = 0.1) -> Distribution:
        low, high = self._narrowed_bounds(best, shrink, padding)
        return IntUniform(math.floor(low), math.ceil(high))

    def spec(self) -> str:
        return f"int:{int(self.low)}:{int(self.high)}"


class Choice(Distribution):
    """One of ``options``, each equally likely."""

    kind = "choice"

    def __init__(self, options: Sequence[Any]) -> None:
        options = list(options)
        if not options:
            raise ConfigError("A choice needs at least one value. Received: an empty list")
        if len({repr(option) for option in options}) != len(options):
            raise ConfigError(f"A choice lists a value twice. Received: {options!r}")
        self.options = options

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        return [self.options[int(i)] for i in rng.integers(0, len(self.options), size=n)]

    def narrow(self, best: Sequence[Any], shrink: float = 0.5, padding: float = 0.1) -> Distribution:
        kept = [option for option in self.options if option in list(best)]
        return Choice(kept or self.options)

    def spec(self) -> str:
        return "choice:" + "|".join(str(option) for option in self.options)


_INTERVALS: dict[str, type[_Interval]] = {"log": LogUniform, "one-minus-log": OneMinusLogUniform, "uniform": Uniform, "int": IntUniform}


def parse_distribution(spec: str, convert: Callable[[str], Any] = str) -> Distribution:
    """``"log:1e-4:1e-1"``, ``"one-minus-log:0.9:0.999"``, ``"uniform:0:1"``, ``"int:16:128"``, ``"choice:a|b"``.

    ``convert`` turns each choice value from text into the parameter's type.
    """
    kind, _, rest = spec.partition(":")
    if kind == "choice":
        try:
            return Choice([convert(part) for part in rest.split("|")])
        except (ValueError, TypeError) as error:
            raise ConfigError(f"Cannot read the choice values in {spec!r}: {error}") from None
    if kind not in _INTERVALS:
        raise ConfigError(f"Unknown distribution {kind!r} in {spec!r}; expected one of {', '.join(KINDS)} (e.g. log:1e-4:1e-1).")
    parts = rest.split(":")
    try:
        low, high = (float(part) for part in parts)
    except ValueError:
        raise ConfigError(f"A {kind} range is written {kind}:LOW:HIGH with two numbers. Received: {spec!r}") from None
    return _INTERVALS[kind](low, high)


SearchSpace = dict[str, Distribution]


def sample_configs(space: SearchSpace, rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    """n configs: each parameter draws its n values in turn (in the order of ``space``)."""
    columns = {name: distribution.sample(rng, n) for name, distribution in space.items()}
    return [{name: columns[name][i] for name in space} for i in range(n)]


def narrow_space(space: SearchSpace, best: Sequence[dict[str, Any]], shrink: float = 0.5, padding: float = 0.1) -> SearchSpace:
    """Each distribution narrowed around the values of ``best`` (configs, best first)."""
    return {name: distribution.narrow([config[name] for config in best], shrink, padding) for name, distribution in space.items()}


def describe_space(space: SearchSpace) -> dict[str, str]:
    """``{name: spec}``: the ranges of one round, as text."""
    return {name: distribution.spec() for name, distribution in space.items()}
