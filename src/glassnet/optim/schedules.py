"""Learning-rate schedules: callables ``epoch -> learning rate`` (epoch counts from 0).

Each is serialisable (``get_config``/``from_config``), so a checkpoint or a search result stores it and
resuming at epoch e gives exactly ``schedule(e)`` again — the schedule's position *is* the epoch.

=====================  ===============================================  =======================
schedule               α(epoch)                                         course name
=====================  ===============================================  =======================
Constant               α₀                                               —
InverseTimeDecay       α₀ / (1 + k·e),  e = epoch / N (⌊·⌋ if stair)     "1/(1 + decay_rate·epoch)"
ExponentialDecay       α₀ · r^e,        e = epoch / N (⌊·⌋ if stair)     "0.95^epoch · α₀"
StepDecay              α₀ · f^⌊epoch / N⌋                                discrete staircase
=====================  ===============================================  =======================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet import defaults
from glassnet._validation import check_bool, check_positive_int, check_real
from glassnet.errors import ConfigError
from glassnet.serialization import Configurable, register


class Schedule(Configurable):
    """Base class: ``schedule(epoch) -> learning rate``."""

    def __init__(self, initial_learning_rate: float) -> None:
        self.initial_learning_rate = check_real(
            type(self).__name__, "initial_learning_rate", initial_learning_rate, low=0.0, low_open=True
        )

    def __call__(self, epoch: int) -> float:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ConfigError(f"A schedule is evaluated at an epoch ≥ 0. Received: epoch={epoch!r}")
        return self._rate(int(epoch))

    def _rate(self, epoch: int) -> float:
        raise NotImplementedError


@register("schedule")
class Constant(Schedule):
    """α(epoch) = α₀."""

    def _rate(self, epoch: int) -> float:
        return self.initial_learning_rate

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate}


class _PeriodicDecay(Schedule):
    """Shared constructor of decays that count ``e = epoch / decay_every`` (floored when ``staircase``)."""

    def __init__(self, initial_learning_rate: float, decay_rate: float, decay_every: int = 1, staircase: bool = False) -> None:
        super().__init__(initial_learning_rate)
        self.decay_rate = self._check_rate(decay_rate)
        self.decay_every = check_positive_int(type(self).__name__, "decay_every", decay_every)
        self.staircase = check_bool(type(self).__name__, "staircase", staircase)

    def _check_rate(self, decay_rate: float) -> float:
        raise NotImplementedError

    def _periods(self, epoch: int) -> float:
        periods = epoch / self.decay_every
        return float(math.floor(periods)) if self.staircase else periods

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_rate": self.decay_rate,
            "decay_every": self.decay_every,
            "staircase": self.staircase,
        }


@register("schedule")
class InverseTimeDecay(_PeriodicDecay):
    """α = α₀ / (1 + k·e) with k = ``decay_rate`` ≥ 0 and e = epoch/N (N = ``decay_every``, floored if staircase)."""

    def _check_rate(self, decay_rate: float) -> float:
        return check_real("InverseTimeDecay", "decay_rate", decay_rate, low=0.0)

    def _rate(self, epoch: int) -> float:
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._periods(epoch))


@register("schedule")
class ExponentialDecay(_PeriodicDecay):
    """α = α₀ · rᵉ with r = ``decay_rate`` in (0, 1] and e = epoch/N (floored if staircase)."""

    def _check_rate(self, decay_rate: float) -> float:
        return check_real("ExponentialDecay", "decay_rate", decay_rate, low=0.0, high=1.0, low_open=True)

    def _rate(self, epoch: int) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._periods(epoch)


@register("schedule")
class StepDecay(Schedule):
    """Discrete drops: α = α₀ · f^⌊epoch / N⌋ (f = ``drop`` in (0, 1], N = ``every`` epochs)."""

    def __init__(self, initial_learning_rate: float, drop: float = defaults.DECAY_RATES["step"], every: int = defaults.STEP_DECAY_EVERY) -> None:
        super().__init__(initial_learning_rate)
        self.drop = check_real("StepDecay", "drop", drop, low=0.0, high=1.0, low_open=True)
        self.every = check_positive_int("StepDecay", "every", every)

    def _rate(self, epoch: int) -> float:
        return self.initial_learning_rate * self.drop ** (epoch // self.every)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "drop": self.drop, "every": self.every}

