"""Search: parameters from the command line, coarse-to-fine rounds, trials, and the files a search writes.

The distributions themselves (log sampling, narrowing) are tested in ``test_search_space.py``.
"""

import csv
import io
import math
import tomllib

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.search_report import config_to_toml, trials_csv
from glassnet.strategy.search import DEFAULTS, SearchResult, TrialResult, _per_round, load_trial_data, parse_param, run_trial, search
from glassnet.strategy.search_space import Choice, IntUniform, LogUniform, OneMinusLogUniform, Uniform, parse_distribution

# The synthetic objective's optimum: learning rate 3e-3 and β = 0.98 (1 − β = 0.02).
BEST_RATE, BEST_BETA = 3e-3, 0.98


def synthetic_trial(config, seed, data):
    """A stand-in for training: dev error is a bowl in log10 units around (BEST_RATE, BEST_BETA)."""
    error = (math.log10(config["learning_rate"] / BEST_RATE)) ** 2 + (math.log10((1 - config["beta"]) / (1 - BEST_BETA))) ** 2
    if config["learning_rate"] > 0.05:
        return TrialResult(dict(config), seed, "failed", "diverged: learning rate too large")
    return TrialResult(dict(config), seed, "ok", dev_error=error, dev_accuracy=1 - error, train_error=error)


SYNTHETIC_SPACE = {"learning_rate": LogUniform(1e-5, 1e-1), "beta": OneMinusLogUniform(0.9, 0.9999)}


# ------------------------------------------------------------------------------ parsing
def test_parse_param_reads_every_kind_and_converts_choice_values():
    assert parse_param("learning-rate=log:1e-4:1e-1") == ("learning_rate", LogUniform(1e-4, 1e-1))
    assert parse_param("beta=one-minus-log:0.9:0.999") == ("beta", OneMinusLogUniform(0.9, 0.999))
    assert parse_param("keep-prob=uniform:0.5:1") == ("keep_prob", Uniform(0.5, 1.0))
    assert parse_param("epochs=int:5:20") == ("epochs", IntUniform(5, 20))
    name, layers = parse_param("layers=choice:32|64, 32|none")
    assert name == "layers" and layers.options == ["32", "64,32", "none"]
    assert parse_param("batch-size=choice:32|64")[1].options == [32, 64]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("learning-rate", "NAME=DISTRIBUTION"),
        ("momentum=log:0.1:1", "Unknown hyperparameter 'momentum'"),
        ("learning-rate=gauss:0:1", "Unknown distribution 'gauss'"),
        ("learning-rate=log:0:1", "needs low > 0"),
        ("learning-rate=log:1e-1:1e-4", "low < high"),
        ("l2=log:1e-6", "two numbers"),
        ("beta=one-minus-log:0.9:1", "high < 1"),
        ("layers=log:1:100", "takes a list of values"),
        ("layers=choice:32|-4", "positive widths"),
        ("batch-size=choice:32|big", "Cannot read the choice values"),
        ("epochs=int:1.5:4", "integer bounds"),
    ],
)
def test_parse_param_rejects_bad_specs_with_the_value(text, message):
    with pytest.raises(gn.ConfigError) as info:
        parse_param(text)
    assert message in str(info.value)


# ------------------------------------------------------------------------------ coarse to fine
def test_coarse_to_fine_second_round_contains_the_optimum_and_is_narrower():
    result = search(SYNTHETIC_SPACE, None, trials=60, rounds=2, seed=3, trial=synthetic_trial)
    assert len(result.rounds) == 2 and len(result.trials) == 60
    first = {name: parse_distribution(spec) for name, spec in result.rounds[0].items()}
    second = {name: parse_distribution(spec) for name, spec in result.rounds[1].items()}
    assert first == SYNTHETIC_SPACE
    rate, beta = second["learning_rate"], second["beta"]
    assert rate.low <= BEST_RATE <= rate.high and beta.low <= BEST_BETA <= beta.high
    assert math.log10(rate.high / rate.low) < 0.6 * math.log10(1e-1 / 1e-5)
    assert math.log10((1 - beta.low) / (1 - beta.high)) < 0.6 * math.log10(0.1 / 1e-4)
    # The second round samples where the objective is low: its median error is far below the first's.
    errors = {r: [t.dev_error for t in result.trials if t.round == r and t.ok] for r in (1, 2)}
    assert np.median(errors[2]) < 0.5 * np.median(errors[1])
    assert result.failed and all(t.round == 1 for t in result.failed)  # > 0.05 fails; round 2 stays below it
    assert result.best.dev_error < 0.1


def test_seeded_search_is_reproducible_and_the_seed_matters():
    def run(seed):
        return [(t.config, t.dev_error) for t in search(SYNTHETIC_SPACE, None, trials=12, rounds=2, seed=seed, trial=synthetic_trial).trials]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_trials_are_split_evenly_over_rounds():
    assert _per_round(30, 2) == [15, 15]
    assert _per_round(7, 3) == [3, 2, 2]
    with pytest.raises(gn.ConfigError, match="rounds=4"):
        _per_round(3, 4)


def test_search_needs_a_space_and_a_success():
    with pytest.raises(gn.ConfigError, match="at least one hyperparameter"):
        search({}, None)
    with pytest.raises(gn.ConfigError, match="Received: shrink=1.5"):
        search(SYNTHETIC_SPACE, None, trials=2, shrink=1.5, trial=synthetic_trial)
    failing = search({"learning_rate": LogUniform(0.1, 1.0)}, None, trials=3, trial=synthetic_trial, base={"beta": 0.9})
    assert failing.best is None and len(failing.failed) == 3
    with pytest.raises(gn.GlassnetError, match="Every trial of the search failed: diverged"):
        failing.best_config()


# ------------------------------------------------------------------------------ real trials
@pytest.fixture(scope="module")
def iris():
    return load_trial_data("iris", seed=0)


def test_run_trial_trains_measures_and_is_pure(iris):
    config = {"learning_rate": 0.02, "layers": "16", "epochs": 15, "beta": 0.9}
    first = run_trial(config, 0, iris)
    assert first.ok, first.reason
    assert first.epochs_run == 15 and len(first.history["dev_accuracy"]) == 15
    assert first.dev_error == pytest.approx(1 - first.dev_accuracy)
    assert first.dev_accuracy > 0.85  # iris with 15 epochs of Adam; chance is 1/3
    again = run_trial(config, 0, iris)
    assert (again.dev_error, again.train_error, again.history) == (first.dev_error, first.train_error, first.history)
    other_seed = run_trial(config, 1, iris)
    assert other_seed.history != first.history


def test_a_diverging_or_invalid_trial_is_recorded_as_failed(iris):
    diverged = run_trial({"learning_rate": 1e6, "optimizer": "sgd", "epochs": 3}, 0, iris)
    assert diverged.status == "failed" and diverged.reason.startswith("diverged:")
    invalid = run_trial({"optimizer": "sgd", "beta": 0.9}, 0, iris)
    assert invalid.status == "failed" and "has no β" in invalid.reason


# ------------------------------------------------------------------------------ output files
def test_best_config_toml_has_train_option_keys_and_parses():
    config = {**DEFAULTS, "learning_rate": 0.0031, "l2": 1e-05, "layers": "64,32", "beta": 0.97, "seed": 2}
    text = config_to_toml(config, ["dev error 0.0300"])
    assert text.startswith("# dev error 0.0300\n")
    assert 'layers = "64,32"\n' in text and "learning_rate = 0.0031\n" in text and "l2 = 1e-05\n" in text
    parsed = tomllib.loads(text)
    assert parsed == {key: config[key] for key in parsed}
    # decay_rate is None (each schedule's own default) and so left out, as `glassnet train` leaves it
    assert set(parsed) == {"layers", "activation", "optimizer", "learning_rate", "beta", "batch_size", "epochs", "l2", "decay", "seed"}
    assert tomllib.loads(config_to_toml({"layers": 'a"b\\c'}))["layers"] == 'a"b\\c'


def test_trials_csv_is_sorted_by_dev_error_with_failures_last():
    trials = [
        TrialResult({"learning_rate": 0.1}, 0, "failed", "diverged: boom", trial=0),
        TrialResult({"learning_rate": 0.01}, 0, "ok", dev_error=0.2, dev_accuracy=0.8, train_error=0.1, trial=1),
        TrialResult({"learning_rate": 0.001}, 0, "ok", dev_error=0.05, dev_accuracy=0.95, train_error=0.01, trial=2),
    ]
    rows = list(csv.DictReader(io.StringIO(trials_csv(SearchResult(trials, [{}], dict(DEFAULTS))))))
    assert [row["trial"] for row in rows] == ["2", "1", "0"]
    assert rows[0]["dev_error"] == "0.05" and rows[0]["learning_rate"] == "0.001" and rows[0]["layers"] == "64,32"
    assert rows[2]["status"] == "failed" and rows[2]["reason"] == "diverged: boom" and rows[2]["dev_error"] == ""


def echo_trial(config, seed, data):
    """Succeeds with the batch size as its error, to see the values a trial receives."""
    return TrialResult(dict(config), seed, "ok", dev_error=float(config["batch_size"]), dev_cost=0.0)


def test_integer_hyperparameters_sampled_on_a_log_range_arrive_as_integers():
    result = search({"batch_size": LogUniform(16, 256)}, None, trials=40, trial=echo_trial, base={"epochs": 3})
    sizes = [t.config["batch_size"] for t in result.trials]
    assert all(type(size) is int and 16 <= size <= 256 for size in sizes)
    assert len(set(sizes)) > 10 and all(t.config["epochs"] == 3 and t.config["layers"] == DEFAULTS["layers"] for t in result.trials)


def test_dropout_and_batchnorm_are_searchable_when_build_network_has_them(iris):
    import inspect

    from glassnet.nn.builders import build_network

    space = {"keep_prob": Uniform(0.7, 0.95), "batchnorm": Choice([False, True])}
    if {"keep_prob", "batchnorm"} <= set(inspect.signature(build_network).parameters):
        result = search(space, iris, trials=2, base={"epochs": 3, "layers": "8"})
        assert all(t.ok for t in result.trials), [t.reason for t in result.trials]
        assert all(0.7 <= t.config["keep_prob"] <= 0.95 for t in result.trials)
    else:
        with pytest.raises(gn.ConfigError, match="cannot build networks with keep_prob, batchnorm"):
            search(space, iris, trials=2)


@pytest.mark.parametrize(("decay", "second_epoch_rate"), [
    ("exponential", 0.01 * 0.95),  # α₀·r¹ with r = 0.95 (the bug multiplied by 0.1 per epoch)
    ("step", 0.01),                # no drop before epoch 10 (drops by 0.5, not 0.1)
    ("inverse-time", 0.01 / 1.1),  # α₀/(1 + 0.1·1)
])
def test_a_search_trial_decays_with_each_schedules_own_default_rate(decay, second_epoch_rate):
    """Regression: search applied decay_rate=0.1 to every schedule, while `glassnet train` uses 0.1 / 0.95 / 0.5."""
    data = load_trial_data("iris", seed=0)
    result = run_trial({**DEFAULTS, "epochs": 12, "learning_rate": 0.01, "decay": decay}, 0, data)
    assert result.ok, result.reason
    rates = result.history["learning_rate"]
    assert rates[1] == pytest.approx(second_epoch_rate, rel=1e-12)
    if decay == "step":
        assert rates[10] == pytest.approx(0.01 * 0.5, rel=1e-12)  # α₀·0.5^⌊10/10⌋
