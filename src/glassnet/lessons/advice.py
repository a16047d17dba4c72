"""Follow the bias/variance advisor for real: train, diagnose, take its first remedy, train again, diagnose again.

Used by the ``bias-variance`` (lesson 2) and ``strategy`` (lesson 5) experiments. The remedy taken is
chosen from the diagnosis, not fixed in advance: when the advisor's focus is avoidable bias its first
remedy is a bigger network, when it is variance its first remedy is more training data, and the
case carries what each of those means for its data (``bigger_hidden``, ``more_data``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.lessons.base import Check, Measurement
from glassnet.lessons.common import error, rounded, train
from glassnet.lessons.figures import colour, finish, panels
from glassnet.nn.builders import build_network
from glassnet.optim.optimizers import Adam
from glassnet.strategy.diagnose import LABELS, REMEDIES, Diagnosis, diagnose

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # X_train, X_dev, y_train, y_dev


@dataclass
class BiasVarianceCase:
    """A run to diagnose: its data and network, and what the two first remedies would change."""

    title: str
    data: Split
    hidden: list[int]
    epochs: int
    bigger_hidden: list[int]
    more_data: Split


@dataclass
class CaseResult:
    """Errors and diagnosis before and after taking the advisor's first remedy."""

    title: str
    before: Diagnosis
    after: Diagnosis | None
    remedy: str
    action: str
    errors: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def focus(self) -> str:
        return self.before.focus[0] if self.before.focus else "none"

    def gap(self, diagnosis: Diagnosis | None) -> float | None:
        """The gap the advisor named first, in ``diagnosis`` (None when there is none)."""
        if diagnosis is None or self.focus == "none":
            return None
        if self.focus == "avoidable_bias" and diagnosis.train_below_human:  # the advisor leaves it unmeasured: below 0
            return diagnosis.errors["train"] - diagnosis.errors["human"]
        return diagnosis.gaps[self.focus]

    def numbers(self) -> dict[str, Any]:
        return {"focus": self.focus, "first_remedy": self.remedy, "action": self.action,
                "named_gap_before": rounded(self.gap(self.before)), "named_gap_after": rounded(self.gap(self.after)),
                **{f"{run}_{split}_error": rounded(value) for run, values in self.errors.items() for split, value in values.items()}}

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for run, diagnosis in (("before", self.before), ("after", self.after)):
            if diagnosis is None:
                continue
            gaps = diagnosis.gaps
            rows.append({"case": self.title, "run": run if run == "before" else f"after: {self.action}",
                         "train error": rounded(self.errors[run]["train"]), "dev error": rounded(self.errors[run]["dev"]),
                         "avoidable bias": rounded(gaps["avoidable_bias"]), "variance": rounded(gaps["variance"]),
                         "advisor's focus": ", ".join(LABELS[name] for name in diagnosis.focus) or "none"})
        return rows


def _errors(data: Split, hidden: list[int], epochs: int, learning_rate: float, seed: int) -> dict[str, float]:
    X_train, X_dev, y_train, y_dev = data
    classes = len(np.unique(y_train))
    network = build_network(classes, hidden, "relu", "binary" if classes == 2 else "multiclass", seed=seed)
    train(network, X_train, y_train, Adam(learning_rate), epochs, 32)
    return {"train": error(network, X_train, y_train), "dev": error(network, X_dev, y_dev)}


def run_case(case: BiasVarianceCase, human_error: float, learning_rate: float, seed: int) -> CaseResult:
    """Train the case, ask :func:`diagnose` what to work on, take its first remedy, and diagnose again."""
    before = _errors(case.data, case.hidden, case.epochs, learning_rate, seed)
    diagnosis = diagnose(before["train"], human_error=human_error, dev_error=before["dev"], unit="fraction")
    focus = diagnosis.focus[0] if diagnosis.focus else "none"
    result = CaseResult(case.title, diagnosis, None, REMEDIES[focus][0] if focus in REMEDIES else "none", "none", {"before": before})
    if focus == "avoidable_bias":
        result.action = f"bigger network {case.bigger_hidden}"
        after = _errors(case.data, case.bigger_hidden, case.epochs, learning_rate, seed)
    elif focus == "variance":
        result.action = f"more data: {len(case.data[2])} → {len(case.more_data[2])} training rows"
        after = _errors(case.more_data, case.hidden, case.epochs, learning_rate, seed)
    else:
        return result
    result.errors["after"] = after
    result.after = diagnose(after["train"], human_error=human_error, dev_error=after["dev"], unit="fraction")
    return result


def follow_advice(cases: dict[str, BiasVarianceCase], settings: dict[str, Any], seed: int, title: str) -> Measurement:
    """:func:`run_case` for each named case (``settings`` gives ``human_error`` and ``learning_rate``): numbers
    prefixed by the case's key, the before/after rows, and :func:`advice_figure`."""
    results = [run_case(case, settings["human_error"], settings["learning_rate"], seed) for case in cases.values()]
    numbers: dict[str, Any] = {"human_error": settings["human_error"]}
    table: list[dict[str, Any]] = []
    for key, result in zip(cases, results):
        numbers.update({f"{key}_{name}": value for name, value in result.numbers().items()})
        table += result.rows()
    return Measurement(numbers, table, [("gaps", title, advice_figure(results))])


def advice_checks(n: dict[str, Any], *expected: tuple[str, str]) -> list[Check]:
    """For each ``(key, problem)``: the advisor named ``problem`` first, and its first remedy shrank that gap."""
    checks = []
    for key, problem in expected:
        focus, before, after = n[f"{key}_focus"], n[f"{key}_named_gap_before"], n[f"{key}_named_gap_after"]
        checks.append(Check(f"{key}: the advisor names {LABELS[problem]} first (it named {LABELS.get(focus, focus)})", focus == problem))
        improved = before is not None and after is not None and after < before
        checks.append(Check(f"{key}: its first remedy ({n[f'{key}_action']}) shrinks that gap: {before} → {after}", improved))
    return checks


def advice_figure(results: list[CaseResult]) -> Any:
    """Per case, the avoidable bias and variance before and after the remedy (grouped bars)."""
    figure, axes = panels(len(results), 1, 4.8, 3.8)
    for panel, result in zip(axes, results):
        positions = np.arange(2)
        for offset, (run, diagnosis) in zip((-0.2, 0.2), (("before", result.before), ("after", result.after))):
            gaps = diagnosis.gaps if diagnosis is not None else {}
            values = [max(0.0, gaps.get(name) or 0.0) * 100 for name in ("avoidable_bias", "variance")]
            drawn = panel.bar(positions + offset, values, width=0.4, color=colour(run), label=run)
            panel.bar_label(drawn, fmt="%.1f", fontsize=8)
        panel.set_xticks(positions, ["avoidable bias\n(train − human)", "variance\n(dev − train)"], fontsize=8)
        finish(panel, f"{result.title}\nadvisor: work on {LABELS.get(result.focus, 'nothing')}", "gap", "gap (percentage points)")
    return figure
