"""The ``glassnet`` command line, called in-process through click's runner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.nn import builders
from glassnet.cli.main import main
from glassnet.errors import DataError


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_train_json_prints_one_valid_json_object():
    result = run("train", "--epochs", "2", "--json", "--quiet", "--layers", "16")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["data"] == "digits" and report["epochs_run"] == 2
    for split in ("train", "dev", "test"):
        assert 0.0 <= report[f"{split}_accuracy"] <= 1.0
        assert report[f"{split}_error"] == pytest.approx(1.0 - report[f"{split}_accuracy"], abs=1e-12)
    assert result.stderr == ""  # --quiet: no progress


def test_progress_goes_to_stderr_and_json_stays_clean():
    result = run("train", "--epochs", "3", "--json", "--layers", "8")
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1", "epoch 2", "epoch 3"]


def test_layers_none_trains_softmax_regression(monkeypatch):
    built, original = [], builders.build_network

    def spy(*args, **kwargs):
        network = original(*args, **kwargs)
        built.append(network)
        return network

    monkeypatch.setattr(builders, "build_network", spy)  # the CLI imports it from builders at call time
    result = run("train", "--layers", "none", "--epochs", "10", "--learning-rate", "0.01", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    (network,) = built
    assert [type(layer) for layer in network.layers] == [gn.Dense]
    assert network.layers[0].units == 10 and isinstance(network.loss, gn.SoftmaxCrossEntropy)
    assert json.loads(result.stdout)["test_accuracy"] >= 0.9  # a linear model on digits reaches ~0.95


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_every_optimizer_and_decay_runs(optimizer):
    decay = {"sgd": "inverse-time", "momentum": "none", "rmsprop": "step", "adam": "exponential"}[optimizer]
    result = run(
        "train", "--optimizer", optimizer, "--decay", decay, "--layers", "8", "--activation", "tanh",
        "--learning-rate", "0.1", "--epochs", "2", "--batch-size", "64", "--l2", "0.01", "--json", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["train_accuracy"] > 0.5  # far above chance (0.1) after two epochs


def test_other_bundled_data_sets():
    result = run("train", "--data", "breast-cancer", "--layers", "none", "--epochs", "5", "--learning-rate", "0.01", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["test_accuracy"] >= 0.9


def test_table_output():
    result = run("train", "--epochs", "1", "--quiet", "--layers", "8")
    assert result.exit_code == 0, result.output
    for word in ("train", "dev", "test", "accuracy", "error", "digits"):
        assert word in result.stdout


def test_same_seed_same_results():
    first = json.loads(run("train", "--epochs", "2", "--layers", "8", "--seed", "3", "--json", "--quiet").stdout)
    second = json.loads(run("train", "--epochs", "2", "--layers", "8", "--seed", "3", "--json", "--quiet").stdout)
    first.pop("seconds"), second.pop("seconds")
    assert first == second


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--learning-rate", "0"], "0"),
        (["--learning-rate", "fast"], "fast"),
        (["--batch-size", "0"], "0"),
        (["--epochs", "-3"], "-3"),
        (["--l2", "-0.5"], "-0.5"),
        (["--seed", "-2"], "-2"),
        (["--layers", "64,x"], "64,x"),
        (["--layers", "64,0"], "64,0"),
        (["--optimizer", "nadam"], "nadam"),
        (["--activation", "swish"], "swish"),
        (["--decay", "cosine"], "cosine"),
        (["--data", "mnist"], "mnist"),
        (["--no-such-flag"], "--no-such-flag"),
    ],
)
def test_bad_flags_exit_2_naming_the_value_without_a_traceback(args, named):
    result = run("train", "--quiet", *args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and named in errors[0], result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_debug_shows_the_exception():
    result = run("--debug", "train", "--data", "mnist", "--quiet")
    assert isinstance(result.exception, DataError) and "mnist" in str(result.exception)


def test_version_and_help():
    version = run("--version")
    assert version.exit_code == 0 and version.stdout.strip() == f"glassnet, version {gn.__version__}"
    result = run("train", "--help")
    assert result.exit_code == 0 and "--layers" in result.stdout and "--learning-rate" in result.stdout
