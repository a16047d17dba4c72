"""Options a newcomer meets: train's data options in search, choices checked up front, ignored options said so."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from click.testing import CliRunner

from glassnet.cli.main import main
from glassnet.cli.strategy import search_command
from glassnet.cli.train import train

DATA_OPTIONS = ("data_name", "target", "drop", "task", "split_text", "train_dev")


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def prices_csv(tmp_path_factory):
    """A regression CSV whose first column is a row id (to drop) and whose target is not the last column."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(160, 2))
    price = 3 * X[:, 0] - 2 * X[:, 1] + 0.05 * rng.normal(size=160)
    path = tmp_path_factory.mktemp("prices") / "prices.csv"
    np.savetxt(path, np.column_stack([np.arange(160), X[:, 0], price, X[:, 1]]), delimiter=",", header="id,rooms,price,age", comments="", fmt="%.6f")
    return path


def test_search_and_train_share_one_declaration_of_every_data_option():
    def options(command):
        return {p.name: p for p in command.params if p.name in DATA_OPTIONS}

    in_train, in_search = options(train), options(search_command)
    assert set(in_train) == set(in_search) == set(DATA_OPTIONS)
    for name in DATA_OPTIONS:
        a, b = in_train[name], in_search[name]
        assert (a.opts, a.default, a.help, a.multiple, repr(a.type)) == (b.opts, b.default, b.help, b.multiple, repr(b.type))


def test_search_reads_a_csv_with_the_data_options_of_train_and_labels_regression_errors(tmp_path, prices_csv):
    out = tmp_path / "search"
    result = invoke("search", "--data", prices_csv, "--target", "price", "--drop", "id", "--task", "regression", "--split", "0.7,0.15,0.15",
                    "--train-dev", "0.1", "--trials", "2", "--epochs", "3", "--jobs", "1", "--quiet", "--out", out)
    assert result.exit_code == 0, result.output
    assert "dev 1 − R²" in result.stdout and "dev error" not in result.stdout
    text = (out / "best.toml").read_text()
    assert "dev 1 − R²" in text and "dev accuracy" not in text
    best = tomllib.loads(text)
    assert (best["target"], best["drop"], best["task"], best["split"], best["train_dev"]) == ("price", ["id"], "regression", "0.7,0.15,0.15", 0.1)
    assert "decay_rate" not in best  # no schedule in the search: no rate to ignore
    trained = invoke("train", "--config", out / "best.toml", "--quiet", "--json")
    assert trained.exit_code == 0, trained.output
    assert '"task": "regression"' in trained.stdout and "train_dev_r2" in trained.stdout


@pytest.mark.parametrize("param", ["optimizer=choice:adam|foo", "optimizer=choice:adam,sgd", "activation=choice:relu|swish", "decay=choice:none|cosine"])
def test_a_bad_choice_is_refused_before_any_trial_runs(tmp_path, param):
    result = invoke("search", "--param", param, "--trials", "2", "--jobs", "1", "--out", tmp_path / "never")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "is not one of" in result.output and not (tmp_path / "never").exists()


def test_ignored_options_say_so(tmp_path, prices_csv):
    decay = invoke("train", "--data", "iris", "--epochs", "1", "--quiet", "--decay-rate", "0.5")
    assert decay.exit_code == 0 and "Warning: --decay-rate 0.5 is ignored" in decay.stderr
    assert "Warning" not in invoke("train", "--data", "iris", "--epochs", "1", "--quiet", "--decay", "step", "--decay-rate", "0.5").stderr
    human = invoke("train", "--data", prices_csv, "--target", "price", "--drop", "id", "--epochs", "1", "--quiet", "--human-error", "0.01")
    assert human.exit_code == 0 and "Warning: --human-error is ignored" in human.stderr


def test_the_learning_curve_is_written_in_the_run_folder_and_listed(tmp_path):
    out = tmp_path / "run"
    result = invoke("train", "--data", "iris", "--epochs", "1", "--quiet", "--layers", "4", "--out", out, "--learning-curve")
    assert result.exit_code == 0, result.output
    assert f"learning curve: {out / 'learning_curve.png'}" in result.stdout and (out / "learning_curve.png").is_file()


@pytest.mark.parametrize(
    "args, expected",
    [(["train", "--bogus"], "No such option '--bogus'"), (["trian"], "No such command 'trian'"), (["--bogus"], "No such option '--bogus'"),
     (["train", "--epochs", "x"], "Invalid value for '--epochs'"), (["evaluate"], "Missing argument 'MODEL'")],
)
def test_bad_flags_exit_2_with_one_line(args, expected):
    result = invoke(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0] and "--help" in lines[0], result.output
