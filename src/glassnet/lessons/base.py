"""What an experiment is: a claim of the course, the settings it runs with, a measurement and a verdict.

An :class:`Experiment` is data plus two functions:

``measure(settings, seed) -> Measurement``
    trains what it needs with the library's public API and returns the measured ``numbers`` (a flat
    ``{name: value}`` dict the verdict reads), a display ``table`` (rows of ``{column: value}``) and the
    figures (matplotlib ``Figure`` objects, rendered to PNG here).
``checks(numbers) -> list[Check]``
    the conditions the claim makes on those numbers, each one a sentence and a bool.

The verdict is ``"holds"`` when every check passes and ``"does not hold"`` otherwise; it is computed by
:func:`verdict` from the numbers alone, so feeding it other numbers (or running with an ``overrides``
setting that breaks the experiment, e.g. zero initialisation in the He arm) flips it.

``settings`` are the full run's; ``quick_settings`` the values that ``quick=True`` changes. Both are
printed in the report, so every number there says how it was made.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from glassnet.errors import ConfigError

HOLDS = "holds"
DOES_NOT_HOLD = "does not hold"


@dataclass(frozen=True)
class Check:
    """One condition of a claim: a sentence with the measured values in it, and whether it is met."""

    description: str
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.description, "passed": bool(self.passed)}


@dataclass
class FigureImage:
    """A rendered figure: a file-name stem, a title for the report and the PNG bytes."""

    name: str
    title: str
    png: bytes


@dataclass
class Measurement:
    """What ``measure`` returns: key numbers, a display table and figures ``(name, title, Figure)``."""

    numbers: dict[str, Any]
    table: list[dict[str, Any]]
    figures: list[tuple[str, str, Any]] = field(default_factory=list)


@dataclass
class Result:
    """One run of one experiment, ready for a table, a JSON object or the HTML report."""

    name: str
    lesson: int
    claim: str
    explanation: str
    settings: dict[str, Any]
    quick: bool
    seed: int
    numbers: dict[str, Any]
    table: list[dict[str, Any]]
    checks: list[Check]
    figures: list[FigureImage]
    seconds: float

    @property
    def verdict(self) -> str:
        return verdict(self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (figures by name and title; their bytes go to files)."""
        return {
            "name": self.name,
            "lesson": self.lesson,
            "claim": self.claim,
            "verdict": self.verdict,
            "checks": [check.to_dict() for check in self.checks],
            "numbers": _json_safe(self.numbers),
            "table": _json_safe(self.table),
            "settings": dict(self.settings),
            "quick": self.quick,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
            "figures": [{"name": figure.name, "title": figure.title, "file": f"{figure.name}.png"} for figure in self.figures],
            "explanation": self.explanation,
        }


def _json_safe(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, ±inf, which JSON cannot hold) replaced by None."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def verdict(checks: Sequence[Check]) -> str:
    """``"holds"`` when there is at least one check and all pass, else ``"does not hold"``."""
    return HOLDS if checks and all(check.passed for check in checks) else DOES_NOT_HOLD


@dataclass(frozen=True)
class Experiment:
    """A claim of the course made runnable (see the module docstring)."""

    name: str
    lesson: int
    claim: str
    explanation: str
    settings: dict[str, Any]
    quick_settings: dict[str, Any]
    measure: Callable[[dict[str, Any], int], Measurement]
    checks: Callable[[dict[str, Any]], list[Check]]

    def resolved_settings(self, quick: bool = False, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """The settings a run uses: the full ones, the quick changes, then ``overrides`` (known names only)."""
        settings = {**self.settings, **(self.quick_settings if quick else {})}
        unknown = sorted(set(overrides or {}) - set(settings))
        if unknown:
            raise ConfigError(f"Experiment {self.name!r} has no setting {unknown[0]!r}; its settings are {', '.join(sorted(settings))}.")
        return {**settings, **(overrides or {})}

    def verdict(self, numbers: dict[str, Any]) -> str:
        """The verdict these numbers give: :func:`verdict` of :attr:`checks`."""
        return verdict(self.checks(numbers))

    def run(self, quick: bool = False, seed: int = 0, overrides: dict[str, Any] | None = None) -> Result:
        """Measure (quick: smaller settings), render the figures and judge the claim from the numbers."""
        from glassnet.lessons.figures import render_png

        settings = self.resolved_settings(quick, overrides)
        started = time.perf_counter()
        measurement = self.measure(settings, seed)
        figures = [FigureImage(name, title, render_png(figure)) for name, title, figure in measurement.figures]
        seconds = time.perf_counter() - started
        return Result(self.name, self.lesson, self.claim, self.explanation, settings, quick, seed, measurement.numbers,
                      measurement.table, self.checks(measurement.numbers), figures, seconds)
