"""``glassnet search`` end to end on digits: table, trials.csv, plot, best.toml, and ``train --config``."""

import csv
import json
import tomllib

import pytest
from click.testing import CliRunner

from glassnet.cli.main import main
from glassnet.cli.train import train

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PARAMS = ["--param", "learning-rate=log:1e-3:3e-2", "--param", "l2=log:1e-6:1e-2", "--param", "layers=choice:32|64,32", "--param", "beta=one-minus-log:0.8:0.99"]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    out = tmp_path_factory.mktemp("search")
    args = ["search", "--data", "digits", "--trials", "4", "--rounds", "2", "--epochs", "4", "--jobs", "1", *PARAMS, "--out", str(out)]
    result = CliRunner().invoke(main, args)
    return result, out


@pytest.mark.slow
def test_search_writes_table_csv_plot_and_best_config(searched):
    result, out = searched
    assert result.exit_code == 0, result.output
    assert "glassnet search: 4 trials, 0 failed" in result.stdout
    assert "round 1/2: learning_rate=log:0.001:0.03" in result.stderr and "round 2/2" in result.stderr
    assert "best dev error by round: " in result.stdout
    rows = list(csv.DictReader((out / "trials.csv").read_text().splitlines()))
    assert len(rows) == 4 and all(row["status"] == "ok" for row in rows)
    errors = [float(row["dev_error"]) for row in rows]
    assert errors == sorted(errors)
    assert all(1e-3 <= float(row["learning_rate"]) <= 3e-2 and 0.8 <= float(row["beta"]) <= 0.99 for row in rows)
    assert {row["epochs"] for row in rows} == {"4"}  # the fixed values reach the trials
    assert (out / "search.png").read_bytes()[:8] == PNG_MAGIC
    best = tomllib.loads((out / "best.toml").read_text())
    assert best["learning_rate"] == float(rows[0]["learning_rate"]) and best["layers"] == rows[0]["layers"]
    assert best["l2"] == float(rows[0]["l2"]) and best["beta"] == float(rows[0]["beta"]) and best["epochs"] == 4
    assert 1 - errors[0] > 0.9  # four epochs on digits with a searched learning rate: well above chance (0.1)
    train_options = {opt for param in train.params for opt in param.opts}
    assert {f"--{key.replace('_', '-')}" for key in best} <= train_options  # what train --config maps keys to


@pytest.mark.slow
def test_train_runs_the_best_config(searched):
    result, out = searched
    assert result.exit_code == 0, result.output
    best_dev_error = float(next(csv.DictReader((out / "trials.csv").read_text().splitlines()))["dev_error"])
    trained = CliRunner().invoke(main, ["train", "--config", str(out / "best.toml"), "--json", "--quiet"])
    assert trained.exit_code == 0, trained.output
    report = json.loads(trained.stdout)
    assert report["epochs_run"] == 4
    # Same data split, config and seed as the best trial: the same dev error, to within a sample or two.
    assert abs(report["dev_error"] - best_dev_error) <= 2 / 360


def test_search_json_reports_the_best_config(tmp_path):
    args = ["search", "--trials", "2", "--epochs", "1", "--jobs", "1", "--param", "learning-rate=log:1e-3:1e-2", "--out", str(tmp_path), "--json", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["trials"] == 2 and report["failed"] == 0
    assert report["rounds"] == [{"learning_rate": "log:0.001:0.01"}]
    assert report["round_best_dev_error"] == [report["best"]["dev_error"]]
    assert 1e-3 <= report["best"]["config"]["learning_rate"] <= 1e-2 and report["best"]["config"]["layers"] == "64,32"
    assert set(report["files"]) == {"trials_csv", "plot", "best_config"}
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "momentum=log:0.1:1"], "Unknown hyperparameter 'momentum'"),
        (["--param", "learning-rate=log:0:1"], "needs low > 0"),
        (["--param", "l2=log:1e-6:1e-1", "--param", "l2=log:1e-5:1e-1"], "given twice"),
        (["--jobs", "0"], "--jobs 0"),
        (["--trials", "2", "--rounds", "3"], "rounds=3"),
    ],
)
def test_search_bad_input_exits_2_with_one_line(args, message, tmp_path):
    result = CliRunner().invoke(main, ["search", "--out", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_search_where_every_trial_fails_exits_2_after_writing_the_csv(tmp_path):
    args = ["search", "--trials", "2", "--epochs", "2", "--jobs", "1", "--optimizer", "sgd", "--param", "learning-rate=log:1e5:1e6", "--out", str(tmp_path), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "Every trial of the search failed: diverged" in result.output
    rows = list(csv.DictReader((tmp_path / "trials.csv").read_text().splitlines()))
    assert [row["status"] for row in rows] == ["failed", "failed"]
    assert not (tmp_path / "best.toml").exists()


def test_best_config_names_the_searched_data_so_train_config_uses_it(tmp_path):
    args = ["search", "--data", "wine", "--trials", "2", "--epochs", "2", "--jobs", "1", "--param", "learning-rate=log:1e-3:1e-2", "--out", str(tmp_path), "--json", "--quiet"]
    searched = CliRunner().invoke(main, args)
    assert searched.exit_code == 0, searched.output
    assert tomllib.loads((tmp_path / "best.toml").read_text())["data"] == "wine"
    trained = CliRunner().invoke(main, ["train", "--config", str(tmp_path / "best.toml"), "--json", "--quiet"])
    assert trained.exit_code == 0, trained.output
    report = json.loads(trained.stdout)
    assert report["data"] == "wine" and report["dev_error"] == pytest.approx(json.loads(searched.stdout)["best"]["dev_error"], abs=1 / 36)
