"""Every registered experiment, run quick: its numbers are there, its verdict holds, and the verdict comes
from the numbers — worse numbers (or a broken run, e.g. zero initialisation in the He arm) give "does not hold".

The quick runs come from one ``glassnet lesson all --quick`` (the session fixture ``quick_lessons``).
"""

import pytest

from glassnet.lessons.registry import EXPERIMENTS, get_experiment

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: for each experiment, numbers that contradict its claim (given the quick run's numbers)
FLIPS = {
    "logistic-vs-hidden": lambda n: {"hidden_dev_accuracy": 0.55},
    "vectorization": lambda n: {"speed_ratio": 3.0},
    "activations": lambda n: {"relu_epochs_to_target": None},
    "learning-rate": lambda n: {"too_large_diverged": False, "too_large_rises": 0},
    "initialization": lambda n: {"zeros_unit_spread": 0.3},
    "bias-variance": lambda n: {"small_focus": "variance"},
    "regularization": lambda n: {f"l2_{n['strongest_l2']:g}_gap": n["plain_gap"] + 0.1},
    "mini-batch": lambda n: {"mini_batch_seconds_to_target": None},
    "ewa": lambda n: {"corrected_error_first": n["uncorrected_error_first"]},
    "optimizers": lambda n: {"adam_surface_steps": None},
    "decay": lambda n: {"decayed_final_excess": n["constant_final_excess"] * 2},
    "log-scale": lambda n: {"log_search_trials_below_0.1": 0},
    "batchnorm": lambda n: {"relu_bn_train_error": 0.9},
    "softmax": lambda n: {"max_probability_difference": 0.1},
    "strategy": lambda n: {"second_named_gap_after": n["second_named_gap_before"] + 0.1},
}


def _result(quick_lessons, name):
    _, _, payload = quick_lessons
    return next(result for result in payload["results"] if result["name"] == name)


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=lambda e: e.name)
def test_the_quick_run_measures_numbers_and_the_claim_holds(quick_lessons, experiment):
    _, out, _ = quick_lessons
    result = _result(quick_lessons, experiment.name)
    assert result["verdict"] == "holds", [check for check in result["checks"] if not check["passed"]]
    assert result["numbers"] and result["table"] and result["checks"]
    assert result["quick"] is True and result["settings"] == experiment.resolved_settings(quick=True)
    assert experiment.verdict(result["numbers"]) == "holds"  # the verdict is recomputed from the numbers alone
    assert result["figures"]
    for figure in result["figures"]:
        assert (out / experiment.name / figure["file"]).read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=lambda e: e.name)
def test_numbers_against_the_claim_flip_the_verdict(quick_lessons, experiment):
    numbers = _result(quick_lessons, experiment.name)["numbers"]
    flipped = {**numbers, **FLIPS[experiment.name](numbers)}
    assert experiment.verdict(flipped) == "does not hold"


def test_zero_initialisation_in_the_he_arm_makes_the_claim_fail():
    result = get_experiment("initialization").run(quick=True, overrides={"he_arm_initializer": "zeros"})
    assert result.verdict == "does not hold"
    assert result.numbers["he_unit_spread"] == 0 and abs(result.numbers["he_dev_accuracy"] - 0.5) <= 0.05
    assert [check.passed for check in result.checks][-1] is False  # "He trains" is the check that fails


def test_a_too_large_rate_that_is_not_too_large_makes_the_claim_fail():
    result = get_experiment("learning-rate").run(quick=True, overrides={"large_rate": 0.5})
    assert result.verdict == "does not hold"
    assert result.numbers["too_large_diverged"] is False
