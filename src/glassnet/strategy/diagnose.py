"""The bias/variance advisor (lesson 5): error rates in, the gaps between them and ranked remedies out.

Given error rates on the data sets of a project — human level (a proxy for the Bayes error),
training, train-dev (same distribution as training, not trained on), dev and test — the gaps are::

    avoidable bias   = train − human            (train − 0, an upper bound, when no human level is given)
    variance         = train-dev − train        (dev − train when there is no train-dev set)
    data mismatch    = dev − train-dev          (only with a train-dev set)
    dev overfitting  = test − dev               (only with both)

The largest gap is the problem to work on first. Gaps within ``tie_tolerance`` (relative) of the
largest are named together as a near-tie, and every gap of at least ``large_fraction`` of the largest
counts as large and gets its remedies. When the training error is already below human level the
avoidable bias cannot be measured (it is reported as ``None``) and progress usually gets slower.

Errors are fractions in [0, 1] or percentages in [0, 100], the same unit for all of them; gaps are
reported in that unit. ``unit="auto"`` reads them as percentages as soon as one exceeds 1.

When even the largest gap is below ``small`` (1 percentage point), no gap is large: the advisor says so
and lists what to try if more is wanted, instead of ranking remedies for noise-sized gaps.

Remedies name the settings to change by their Python parameters (``hidden_layer_sizes``, ``l2``, ...);
the command line passes its own :class:`ParameterNames` (``--layers``, ``--l2``). Given the run's
:class:`RunSettings`, they say what to change from what (a larger network than ``64,32``, the current λ)
and leave out what is already done (no "use Adam" for a run that uses Adam).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

from glassnet.errors import ConfigError

UNITS = ("auto", "fraction", "percent")
ERROR_NAMES = ("human", "train", "train_dev", "dev", "test")
PROBLEMS = ("avoidable_bias", "variance", "data_mismatch", "dev_overfitting")

#: Plain-words labels of the problems, for tables and verdicts.
LABELS = {
    "avoidable_bias": "avoidable bias",
    "variance": "variance",
    "data_mismatch": "data mismatch",
    "dev_overfitting": "overfitting to the dev set",
}

#: Remedies for each problem, most promising first; ``{name}`` is a setting, written as :class:`ParameterNames` says.
REMEDIES: dict[str, tuple[str, ...]] = {
    "avoidable_bias": (
        "Train a bigger network: more hidden units or more layers ({layers}).",
        "Train longer ({epochs}).",
        "Use a better optimizer: momentum, RMSprop or Adam ({optimizer}).",
        "Use less regularisation: a smaller L2 λ ({l2}), a higher dropout keep probability ({keep_prob}).",
        "Try a different architecture, or search the hyperparameters ({search}).",
    ),
    "variance": (
        "Get more training data.",
        "Add regularisation: L2 ({l2}) or dropout ({keep_prob}).",
        "Augment the training data (new examples made from the ones you have).",
        "Use a smaller network ({layers}).",
        "Stop early, when the dev error stops improving.",
    ),
    "data_mismatch": (
        "Make the training data more like the dev/test data (e.g. synthesise examples that look like it).",
        "Collect more training data from the dev/test distribution.",
        "Do error analysis: look at dev examples the model gets wrong to see how dev differs from training.",
    ),
    "dev_overfitting": ("Get a bigger dev set: the model was tuned to this one and it no longer predicts the test error.",),
}

#: What to try when no gap is large but more is wanted.
NEXT_STEPS = (
    "Do error analysis: look at the remaining mistakes to see whether they share a cause worth fixing.",
    "Get bigger dev and test sets, so that differences this small can be measured at all.",
    "Compare with a human-level error ({human_error}): it tells how much avoidable bias is really left.",
)


@dataclass(frozen=True)
class ParameterNames:
    """How remedies and errors name a setting: Python parameters by default; the CLI passes its flags."""

    layers: str = "hidden_layer_sizes"
    epochs: str = "epochs"
    optimizer: str = "optimizer"
    l2: str = "l2"
    keep_prob: str = "keep_prob"
    human_error: str = "human_error"
    search: str = "glassnet.strategy.search"

    def setting(self, name: str, value: Any = None) -> str:
        """``l2`` or ``l2=0.01`` (Python); ``--l2`` or ``--l2 0.01`` (a name that starts with ``--``)."""
        flag = getattr(self, name)
        if value is None:
            return flag
        if flag.startswith("--"):
            return f"{flag} {','.join(map(str, value)) if isinstance(value, tuple) else value}"
        return f"{flag}={value!r}" if isinstance(value, (tuple, str)) else f"{flag}={value:g}"


@dataclass(frozen=True)
class RunSettings:
    """The settings of the run being diagnosed (each None when unknown); they make the remedies specific."""

    optimizer: str | None = None
    hidden: tuple[int, ...] | None = None
    l2: float | None = None
    keep_prob: float | None = None
    epochs: int | None = None


#: A ratio of errors above which a value below 1 among values above 1 is taken for a fraction mixed with percentages.
_MIX_RATIO = 20.0


@dataclass
class Diagnosis:
    """The result of :func:`diagnose`. Gaps are in the unit of the errors (``fraction`` or ``percent``).

    ``focus``     the problem(s) to work on first: the largest gap and any near-tie, largest first
                  (empty when no gap is above ``negligible``)
    ``large``     every problem whose gap is at least ``large_fraction`` of the largest, largest first
    ``remedies``  ranked remedies for each problem in ``large``
    ``notes``     warnings (upper-bound bias, train below human level, negative gaps)
    ``next_steps`` what to try when no gap is large (every gap below ``small``)
    """

    unit: str
    errors: dict[str, float | None]
    avoidable_bias: float | None
    variance: float | None
    data_mismatch: float | None
    dev_overfitting: float | None
    avoidable_bias_is_upper_bound: bool
    train_below_human: bool
    focus: list[str]
    large: list[str]
    remedies: dict[str, list[str]]
    notes: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)

    @property
    def gaps(self) -> dict[str, float | None]:
        """The four gaps by name (None where the inputs do not define it)."""
        return {name: getattr(self, name) for name in PROBLEMS}

    @property
    def verdict(self) -> str:
        """One sentence: what to work on first."""
        if self.next_steps:
            largest = max((value, name) for name, value in self.gaps.items() if value is not None)
            return f"No gap is large: the largest, {LABELS[largest[1]]}, is {self.format_value(largest[0])}."
        if not self.focus:
            if self.train_below_human:
                return "The training error is below human level, so the avoidable bias cannot be measured; no other gap stands out."
            return "No gap stands out: the errors are within the noise of each other."
        labels = [LABELS[name] for name in self.focus]
        if len(labels) == 1:
            text = f"Work on {labels[0]} first."
        else:
            text = f"Near-tie between {' and '.join(labels)}: work on them together."
        others = [LABELS[name] for name in self.large if name not in self.focus]
        if others:
            text += f" {' and '.join(others).capitalize()} {'is' if len(others) == 1 else 'are'} also large."
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form with stable field names."""
        return {
            "unit": self.unit,
            "errors": dict(self.errors),
            **self.gaps,
            "avoidable_bias_is_upper_bound": self.avoidable_bias_is_upper_bound,
            "train_below_human": self.train_below_human,
            "focus": list(self.focus),
            "large": list(self.large),
            "verdict": self.verdict,
            "remedies": {name: list(items) for name, items in self.remedies.items()},
            "notes": list(self.notes),
            "next_steps": list(self.next_steps),
        }

    def format_value(self, value: float | None) -> str:
        """``8.30%`` or ``0.0830``; ``n/a`` for None."""
        if value is None:
            return "n/a"
        return f"{value:.2f}%" if self.unit == "percent" else f"{value:.4f}"

    def to_text(self) -> str:
        """A short table of the gaps, the verdict and the remedies, as plain text."""
        width = max(len(label) for label in LABELS.values())
        lines = ["gap" + " " * (width - 1) + "value"]
        for name in PROBLEMS:
            value = getattr(self, name)
            mark = "  <- focus" if name in self.focus else ("  (large)" if name in self.large else "")
            suffix = " (upper bound)" if name == "avoidable_bias" and self.avoidable_bias_is_upper_bound else ""
            lines.append(f"{LABELS[name]:<{width}}  {self.format_value(value)}{suffix}{mark}")
        lines += ["", self.verdict]
        for name, items in self.remedies.items():
            lines += ["", f"To reduce {LABELS[name]}:"]
            lines += [f"  {rank}. {item}" for rank, item in enumerate(items, start=1)]
        if self.next_steps:
            lines += ["", "If you want more:", *(f"  {rank}. {item}" for rank, item in enumerate(self.next_steps, start=1))]
        if self.notes:
            lines += ["", *(f"Note: {note}" for note in self.notes)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _check_error(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ConfigError(f"{name}_error expects a finite number. Received: {name}_error={value!r}")
    if value < 0:
        raise ConfigError(f"{name}_error expects an error rate ≥ 0. Received: {name}_error={value!r}")
    return float(value)


def _resolve_unit(errors: dict[str, float | None], unit: str) -> str:
    """Decide fraction vs percent and reject values outside the unit's range or a mix of both."""
    if unit not in UNITS:
        raise ConfigError(f"unit expects one of {', '.join(map(repr, UNITS))}. Received: unit={unit!r}")
    given = {name: value for name, value in errors.items() if value is not None}
    if unit == "auto":
        unit = "percent" if any(value > 1.0 for value in given.values()) else "fraction"
        measured = [value for name, value in given.items() if name != "human"]  # human level may be far below
        small = [value for value in measured if 0.0 < value < 1.0]
        if unit == "percent" and small and max(measured) / min(small) > _MIX_RATIO:
            listing = ", ".join(f"{name}_error={value:g}" for name, value in given.items())
            raise ConfigError(
                f"The errors look like a mix of fractions and percentages ({listing}); give them all as fractions "
                "(0.088) or all as percentages (8.8), or set the unit explicitly (unit=...)."
            )
    high = 100.0 if unit == "percent" else 1.0
    for name, value in given.items():
        if value > high:
            expected = "a percentage in [0, 100]" if unit == "percent" else "a fraction in [0, 1]"
            raise ConfigError(f"{name}_error expects {expected}. Received: {name}_error={value:g}")
    return unit


def _gap(high: float | None, low: float | None) -> float | None:
    """high − low, rounded to 12 decimals so that 9.1 − 8.8 reads 0.3 (None when either is missing)."""
    return None if high is None or low is None else round(high - low, 12)


def _measure(errors: dict[str, float | None], notes: list[str]) -> tuple[dict[str, float | None], bool, bool]:
    """The four gaps, whether the avoidable bias is an upper bound, and whether train is below human level."""
    human, train, train_dev, dev, test = (errors[name] for name in ERROR_NAMES)
    upper_bound = human is None
    train_below_human = human is not None and train is not None and train < human
    if upper_bound:
        avoidable_bias: float | None = train
        notes.append("No human-level error was given: the avoidable bias is measured from 0 and is an upper bound.")
    elif train_below_human:
        avoidable_bias = None
        notes.append(
            "The training error is already below human level, so the avoidable bias cannot be measured; "
            "progress will be slower from here (human insight no longer tells you how much is left)."
        )
    else:
        avoidable_bias = _gap(train, human)
    if dev is None and train_dev is None:
        notes.append("Without a train-dev or dev error the variance cannot be measured.")
    variance = _gap(train_dev, train) if train_dev is not None else _gap(dev, train)
    gaps = {"avoidable_bias": avoidable_bias, "variance": variance, "data_mismatch": _gap(dev, train_dev), "dev_overfitting": _gap(test, dev)}
    for name, value in gaps.items():
        if value is not None and value < 0:
            notes.append(f"The {LABELS[name]} gap is negative ({value:+.4g}); it is treated as no problem (noise or a small set).")
    return gaps, upper_bound, train_below_human


def _rank(gaps: dict[str, float | None], floor: float, tie_tolerance: float, large_fraction: float) -> tuple[list[str], list[str]]:
    """``(focus, large)``: the largest gap and its near-ties, and every gap of at least ``large_fraction`` of it."""
    ranked = sorted(((value, name) for name, value in gaps.items() if value is not None and value > floor), reverse=True)
    if not ranked:
        return [], []
    largest = ranked[0][0]
    focus = [name for value, name in ranked if value >= (1.0 - tie_tolerance) * largest]
    return focus, [name for value, name in ranked if value >= large_fraction * largest]


def _width_text(hidden: tuple[int, ...]) -> str:
    return ",".join(map(str, hidden)) if hidden else "none (no hidden layer)"


def _settings_values(settings: RunSettings, names: ParameterNames) -> dict[str, str]:
    """The ``{name}`` fields of :data:`REMEDIES`, made specific to ``settings`` where it is known."""
    values = {name: names.setting(name) for name in ("layers", "epochs", "optimizer", "l2", "keep_prob", "human_error")}
    values["search"] = names.search
    hidden, l2, keep_prob = settings.hidden, settings.l2, settings.keep_prob
    if hidden is not None:
        bigger = tuple(2 * width for width in hidden) if hidden else (32,)
        values["layers"] = f"this run's {_width_text(hidden)} → e.g. {names.setting('layers', bigger)}"
    if settings.epochs is not None:
        values["epochs"] = f"this run's {settings.epochs} → e.g. {names.setting('epochs', 2 * settings.epochs)}"
    if l2 is not None:
        values["l2"] = f"the current λ is {l2:g}" + (f" → e.g. {names.setting('l2', l2 * 10)}" if l2 > 0 else f" → e.g. {names.setting('l2', 1e-3)}")
    if keep_prob is not None:
        values["keep_prob"] = f"now {keep_prob:g} → e.g. {names.setting('keep_prob', round(max(keep_prob - 0.2, 0.5), 2))}"
    return values


def _applies(problem: str, index: int, settings: RunSettings) -> bool:
    """False for a remedy the run has already taken (Adam in use; no regularisation left to remove)."""
    if problem != "avoidable_bias":
        return True
    if index == 2:  # a better optimizer
        return settings.optimizer != "adam"
    if index == 3:  # less regularisation
        return not (settings.l2 == 0 and settings.keep_prob == 1)
    return True


def _remedy_text(problem: str, index: int, template: str, settings: RunSettings, values: dict[str, str], names: ParameterNames) -> str:
    """One remedy with its settings filled in; the few whose wording depends on the run are written here."""
    if problem == "avoidable_bias" and index == 2 and settings.optimizer in ("momentum", "rmsprop"):
        return f"Use Adam instead of {settings.optimizer} ({names.setting('optimizer', 'adam')}): it combines momentum and RMSprop."
    if problem == "avoidable_bias" and index == 3 and settings.l2 is not None:
        smaller = [f"a smaller L2 λ than {settings.l2:g} ({names.setting('l2', settings.l2 / 10)})"] if settings.l2 > 0 else []
        if settings.keep_prob is not None and settings.keep_prob < 1:
            smaller.append(f"a higher keep probability than {settings.keep_prob:g} ({names.setting('keep_prob', 1.0)})")
        if smaller:
            return f"Use less regularisation: {' and '.join(smaller)}."
    if problem == "variance" and index == 3 and settings.hidden:
        smaller = tuple(max(width // 2, 1) for width in settings.hidden)
        return f"Use a smaller network than this run's {_width_text(settings.hidden)} (e.g. {names.setting('layers', smaller)})."
    return template.format(**values)


def _remedies(problems: list[str], settings: RunSettings, names: ParameterNames) -> dict[str, list[str]]:
    values = _settings_values(settings, names)
    return {
        problem: [_remedy_text(problem, index, template, settings, values, names)
                  for index, template in enumerate(REMEDIES[problem]) if _applies(problem, index, settings)]
        for problem in problems
    }


def diagnose(
    train_error: float | None,
    human_error: float | None = None,
    train_dev_error: float | None = None,
    dev_error: float | None = None,
    test_error: float | None = None,
    unit: str = "auto",
    tie_tolerance: float = 0.15,
    large_fraction: float = 0.5,
    negligible: float = 0.001,
    small: float = 0.01,
    settings: RunSettings | None = None,
    names: ParameterNames | None = None,
) -> Diagnosis:
    """Compute the gaps between error rates and say which problem to work on first.

    tie_tolerance   a gap ≥ (1 − tie_tolerance)·largest is a near-tie with the largest (default 0.15)
    large_fraction  a gap ≥ large_fraction·largest is large and gets remedies (default 0.5)
    negligible      gaps at or below this many fractions (0.001 = 0.1 percentage point) are no problem
    small           when every gap is below this many fractions (0.01 = 1 percentage point), no gap is large
    settings        the run's :class:`RunSettings`, so remedies start from what was used
    names           how remedies name settings (default: Python parameters; the CLI passes its flags)

    Raises :class:`ConfigError` when the training error is missing, an error is negative, above 1
    (fractions) or 100 (percentages), or the errors mix fractions and percentages.
    """
    if train_error is None:
        raise ConfigError("diagnose needs the training error (train_error); every gap is measured from it.")
    given = (human_error, train_error, train_dev_error, dev_error, test_error)
    errors = {name: _check_error(name, value) for name, value in zip(ERROR_NAMES, given)}
    unit = _resolve_unit(errors, unit)
    notes: list[str] = []
    gaps, upper_bound, train_below_human = _measure(errors, notes)
    scale = 100.0 if unit == "percent" else 1.0
    focus, large = _rank(gaps, negligible * scale, tie_tolerance, large_fraction)
    settings, names = settings or RunSettings(), names or ParameterNames()
    next_steps: list[str] = []
    if focus and max(gaps[name] or 0.0 for name in focus) < small * scale:  # something to rank, but nothing large
        values = _settings_values(settings, names)
        next_steps = [step.format(**values) for step in NEXT_STEPS if "{human_error}" not in step or errors["human"] is None]
        focus, large = [], []
    return Diagnosis(unit, errors, **gaps, avoidable_bias_is_upper_bound=upper_bound, train_below_human=train_below_human,
                     focus=focus, large=large, remedies=_remedies(large, settings, names), notes=notes, next_steps=next_steps)
