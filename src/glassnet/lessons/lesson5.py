"""Lesson 5: the learning strategy — human-level error as the Bayes proxy, and following the advisor on real runs."""

from __future__ import annotations

from typing import Any

from glassnet.data.bundled import load_dataset
from glassnet.data.splits import split_dataset
from glassnet.lessons.advice import BiasVarianceCase, advice_checks, follow_advice
from glassnet.lessons.base import Experiment, Measurement


def _measure_strategy(settings: dict[str, Any], seed: int) -> Measurement:
    splits = split_dataset(load_dataset("digits"), seed=seed)
    full = (splits.X_train, splits.X_dev, splits.y_train, splits.y_dev)
    few = settings["few_rows"]
    little = (splits.X_train[:few], splits.X_dev, splits.y_train[:few], splits.y_dev)
    small, big = [settings["small_units"]], [settings["big_units"]] * 2
    cases = {
        "first": BiasVarianceCase(f"{settings['small_units']} hidden units, all {len(splits.y_train)} training rows", full, small,
                                  settings["epochs"], [settings["big_units"]], full),
        "second": BiasVarianceCase(f"2×{settings['big_units']} units, {few} training rows", little, big, settings["epochs"],
                                   big + [settings["big_units"]], full),
    }
    return follow_advice(cases, settings, seed, "The advisor's focus, before and after following it")


STRATEGY = Experiment(
    name="strategy",
    lesson=5,
    claim=("With a human-level error as the Bayes proxy, two real runs get different advice (avoidable bias vs variance), "
           "and following the advice moves the number it named."),
    explanation=(
        "Two runs on the digits data, each diagnosed with a human-level error of 1 % as the proxy for the Bayes error. "
        "A network with a 2-unit bottleneck cannot even fit its training rows: avoidable bias (train − human) is the largest "
        "gap, the advisor's first remedy is a bigger network, and it shrinks that gap. A large network trained on a few "
        "dozen rows fits them perfectly but not the dev set: variance (dev − train) is the largest gap, the first remedy "
        "is more data, and with all training rows that gap shrinks. Grey bars: before; green: after."
    ),
    settings={"data": "digits (60/20/20)", "human_error": 0.01, "small_units": 2, "big_units": 64, "few_rows": 60, "optimizer": "adam",
              "learning_rate": 0.01, "batch_size": 32, "epochs": 40},
    quick_settings={"epochs": 15},
    measure=_measure_strategy,
    checks=lambda n: advice_checks(n, ("first", "avoidable_bias"), ("second", "variance")),
)

EXPERIMENTS = (STRATEGY,)
