"""The CLI with real data: train on files, run folders, --config, --resume, evaluate, predict, datasets, bad input."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from safetensors.numpy import load_file

from glassnet.files.checkpoints import latest_checkpoint
from glassnet.cli.main import main
from glassnet.errors import DataError

FAST = ["--epochs", "40", "--layers", "16", "--learning-rate", "0.02", "--quiet"]


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def fruit_csv(tmp_path_factory):
    """300 rows, three string classes decided by the features (learnable well above chance)."""
    folder = tmp_path_factory.mktemp("fruit")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    kinds = np.where(X[:, 0] + X[:, 1] > 0.5, "apple", np.where(X[:, 2] > 0, "pear", "plum"))
    path = folder / "fruit.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sweetness", "size", "colour", "kind"])
        writer.writerows([[f"{v:.5f}" for v in row] + [kind] for row, kind in zip(X, kinds)])
    return path, X, kinds


@pytest.fixture(scope="module")
def fruit_run(tmp_path_factory, fruit_csv):
    out = tmp_path_factory.mktemp("run") / "fruit-run"
    result = invoke("train", "--data", fruit_csv[0], "--out", out, "--json", *FAST)
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_train_on_csv_with_string_labels_writes_a_complete_run_folder(fruit_run):
    out, report = fruit_run
    assert sorted(p.name for p in out.iterdir()) == ["checkpoints", "curves.png", "history.csv", "metrics.json", "model.safetensors"]
    assert report["task"] == "multiclass" and report["test_accuracy"] > 0.85
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] == report["test_accuracy"]
    rows = list(csv.DictReader((out / "history.csv").read_text().splitlines()))
    assert [int(row["epoch"]) for row in rows] == list(range(1, 41)) and float(rows[-1]["cost"]) < float(rows[0]["cost"])


def test_predict_writes_the_class_names(tmp_path, fruit_csv, fruit_run):
    path, X, kinds = fruit_csv
    out, _ = fruit_run
    shuffled = tmp_path / "new.csv"  # columns in another order, no target column
    with open(shuffled, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["colour", "sweetness", "size"])
        writer.writerows([[f"{row[2]:.5f}", f"{row[0]:.5f}", f"{row[1]:.5f}"] for row in X])
    result = invoke("predict", out / "model.safetensors", "--data", shuffled, "--out", tmp_path / "preds.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "preds.csv").read_text().splitlines()))
    assert list(rows[0]) == ["prediction", "p(apple)", "p(pear)", "p(plum)"]
    predicted = np.array([row["prediction"] for row in rows])
    assert set(predicted) == {"apple", "pear", "plum"} and np.mean(predicted == kinds) > 0.9
    for row in rows:
        probabilities = [float(row[f"p({k})"]) for k in ("apple", "pear", "plum")]
        assert abs(sum(probabilities) - 1) < 1e-5 and row["prediction"] == ("apple", "pear", "plum")[int(np.argmax(probabilities))]


def test_evaluate_reports_accuracy_and_confusion_matrix(fruit_csv, fruit_run):
    out, trained = fruit_run
    # the file the model was trained on: by default its 60 test rows, scored as train scored them
    default = json.loads(invoke("evaluate", out / "model.safetensors", "--data", fruit_csv[0], "--json").stdout)
    assert default["split"] == "test" and default["rows"] == 60 and default["accuracy"] == trained["test_accuracy"]
    dev = json.loads(invoke("evaluate", out / "model.safetensors", "--data", fruit_csv[0], "--split", "dev", "--json").stdout)
    assert dev["rows"] == 60 and dev["accuracy"] == trained["dev_accuracy"]
    result = invoke("evaluate", out / "model.safetensors", "--data", fruit_csv[0], "--split", "all", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    matrix = np.array(report["confusion_matrix"])
    assert report["rows"] == 300 and matrix.sum() == 300
    assert report["class_names"] == ["apple", "pear", "plum"]
    assert report["accuracy"] == pytest.approx(np.trace(matrix) / 300) and report["error"] == pytest.approx(1 - report["accuracy"])
    assert "confusion matrix" in invoke("evaluate", out / "model.safetensors", "--data", fruit_csv[0]).stdout


def test_regression_end_to_end(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 2))
    price = 3.0 * X[:, 0] - 2.0 * X[:, 1] + 0.05 * rng.normal(size=240)
    path = tmp_path / "houses.csv"
    np.savetxt(path, np.column_stack([X, price]), delimiter=",", header="rooms,age,price", comments="", fmt="%.6f")
    result = invoke("train", "--data", path, "--out", tmp_path / "run", "--json", *FAST)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "regression" and report["test_r2"] > 0.95  # inferred from the float target
    assert not (tmp_path / "run" / "boundary.png").exists()
    predicted = invoke("predict", tmp_path / "run" / "model.safetensors", "--data", path)
    values = np.array([float(line) for line in predicted.stdout.splitlines()[1:]])
    assert predicted.stdout.startswith("prediction\n") and np.corrcoef(values, price)[0, 1] > 0.98
    evaluated = json.loads(invoke("evaluate", tmp_path / "run" / "model.safetensors", "--data", path, "--split", "all", "--json").stdout)
    assert evaluated["r2"] > 0.95 and evaluated["mse"] == pytest.approx(np.mean((values - price) ** 2), rel=1e-4)


def test_moons_run_writes_a_decision_boundary(tmp_path):
    result = invoke("train", "--data", "moons", "--out", tmp_path, "--epochs", "5", "--quiet", "--train-dev", "0.1")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "boundary.png").read_bytes().startswith(b"\x89PNG") and "train-dev" in result.stdout


def test_datasets_lists_every_bundled_set_with_sizes():
    rows = json.loads(invoke("datasets", "--json").stdout)
    assert [row["name"] for row in rows] == ["digits", "breast-cancer", "iris", "wine", "moons", "circles", "flower", "xor", "spiral", "blobs"]
    assert rows[1] == {"name": "breast-cancer", "rows": 569, "features": 30, "task": "binary", "classes": 2}
    assert "flower" in invoke("datasets").stdout


def test_config_file_sets_options_and_flags_override(tmp_path):
    config = tmp_path / "best.toml"
    config.write_text('data = "iris"\nlayers = [8]\nlearning_rate = 0.05\nepochs = 3\nsplit = "0.5,0.25,0.25"\nquiet = true\n')
    from_file = json.loads(invoke("train", "--config", config, "--json").stdout)
    assert from_file["data"] == "iris" and from_file["epochs_run"] == 3
    overridden = json.loads(invoke("train", "--config", config, "--epochs", "2", "--json").stdout)
    assert overridden["epochs_run"] == 2
    same = json.loads(invoke("train", "--data", "iris", "--layers", "8", "--learning-rate", "0.05", "--epochs", "3", "--split", "0.5,0.25,0.25", "--quiet", "--json").stdout)
    assert same["test_accuracy"] == from_file["test_accuracy"] and same["train_accuracy"] == from_file["train_accuracy"]


@pytest.mark.parametrize(
    "text, expected",
    [("bogus = 1\n", "unknown setting 'bogus'"), ("epochs = \n", "not valid TOML"), ('epochs = "many"\n', "--epochs expects an integer. Received: 'many'")],
)
def test_bad_config_files_exit_2(tmp_path, text, expected):
    config = tmp_path / "c.toml"
    config.write_text(text)
    result = invoke("train", "--config", config)
    assert result.exit_code == 2 and expected in result.output


def test_resume_continues_a_run_bit_exactly(tmp_path):
    args = ["--data", "wine", "--layers", "8", "--learning-rate", "0.02", "--decay", "exponential", "--decay-rate", "0.9", "--quiet", "--json"]
    assert invoke("train", *args, "--epochs", "6", "--out", tmp_path / "straight").exit_code == 0
    assert invoke("train", *args, "--epochs", "3", "--out", tmp_path / "split").exit_code == 0
    resumed = invoke("train", "--resume", tmp_path / "split", "--epochs", "6", "--json", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["epochs_run"] == 6
    a, b = load_file(tmp_path / "straight" / "model.safetensors"), load_file(tmp_path / "split" / "model.safetensors")
    assert set(a) == set(b) and all(np.array_equal(a[name], b[name]) for name in a)
    assert (tmp_path / "straight" / "history.csv").read_text().count("\n") == (tmp_path / "split" / "history.csv").read_text().count("\n") == 7
    refused = invoke("train", "--resume", tmp_path / "split", "--layers", "4")
    assert refused.exit_code == 2 and "only --epochs, --max-epochs, --json, --quiet, --data and --allow-changed-data" in refused.output and "--layers" in refused.output
    missing = invoke("train", "--resume", tmp_path / "nothing")
    assert missing.exit_code == 2 and "no checkpoint" in missing.output


def bad_files(folder):
    def write(name, text):
        (folder / name).write_text(text)
        return folder / name

    np.savez(folder / "nox.npz", Z=np.zeros((3, 2)), y=np.zeros(3))
    return [
        (["--data", folder / "missing.csv"], "missing.csv: no such file"),
        (["--data", write("empty.csv", "")], "empty.csv: the file is empty"),
        (["--data", write("header.csv", "a,b,y\n")], "header.csv: only a header row"),
        (["--data", write("ragged.csv", "a,b,y\n1,2,0\n1,2\n")], "ragged.csv: line 3 has 2 values; the header has 3 columns"),
        (["--data", write("text.csv", "a,b,y\n1,2,0\n3,abc,1\n")], "text.csv: line 3, column 'b': 'abc' is not a number"),
        (["--data", write("nan.csv", "a,b,y\n1,NaN,0\n3,4,1\n")], "nan.csv: line 2, column 'b': NaN is not allowed"),
        (["--data", write("inf.csv", "a,b,y\n1,2,0\n3,4,1\ninf,4,1\n")], "inf.csv: line 4, column 'a': inf is not allowed"),
        (["--data", write("t.csv", "a,b,y\n1,2,0\n3,4,1\n"), "--target", "label"], "t.csv: no column named 'label' for --target"),
        (["--data", write("one.csv", "a,y\n1,cat\n2,cat\n3,cat\n")], "one.csv: column 'y': has only one class ('cat')"),
        (["--data", write("few.csv", "a,y\n1,0\n2,1\n3,0\n4,1\n")], "few.csv: 4 rows are too few for a 0.6/0.2/0.2 train/dev/test split"),
        (["--data", folder / "nox.npz"], "nox.npz: missing array 'X'"),
        (["--data", "imagenet"], "Unknown data set 'imagenet'"),
        (["--data", "iris", "--split", "0.5,0.6,0.1"], "--split expects three fractions in (0, 1) that sum to 1"),
    ]


def test_every_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path):
    for args, expected in bad_files(tmp_path):
        out = tmp_path / "out"
        result = invoke("train", *args, "--out", out, "--quiet")
        assert result.exit_code == 2, (args, result.output)
        message = result.output.strip().splitlines()
        assert len(message) == 1 and message[0].startswith("Error: ") and expected in message[0], (expected, result.output)
        assert "Traceback" not in result.output and not out.exists()


def test_debug_shows_the_exception(tmp_path):
    result = CliRunner().invoke(main, ["--debug", "train", "--data", str(tmp_path / "missing.csv")])
    assert isinstance(result.exception, DataError)


def test_predict_and_evaluate_refuse_mismatched_files(tmp_path, fruit_run):
    out, _ = fruit_run
    model = out / "model.safetensors"
    wrong_columns = tmp_path / "w.csv"
    wrong_columns.write_text("sweetness,size,weight\n1,2,3\n")
    result = invoke("predict", model, "--data", wrong_columns, "--out", tmp_path / "preds.csv")
    assert result.exit_code == 2 and "missing ['colour'], unexpected ['weight']" in result.output
    assert not (tmp_path / "preds.csv").exists()
    unknown_label = tmp_path / "u.csv"
    unknown_label.write_text("sweetness,size,colour,kind\n1,2,3,apple\n1,2,3,kiwi\n")
    result = invoke("evaluate", model, "--data", unknown_label)
    assert result.exit_code == 2 and "line 3: label 'kiwi' is not one of the model's classes" in result.output
    no_target = tmp_path / "n.csv"
    no_target.write_text("sweetness,size,colour\n1,2,3\n")
    assert "evaluation needs the true labels" in invoke("evaluate", model, "--data", no_target).output
    not_a_model = invoke("predict", no_target, "--data", no_target)
    assert not_a_model.exit_code == 2 and "not a safetensors file" in not_a_model.output


@pytest.mark.slow
def test_ctrl_c_saves_a_checkpoint_exits_130_and_resume_finishes(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    out = tmp_path / "run"
    command = [sys.executable, "-m", "glassnet.cli", "train", "--data", "wine", "--layers", "8", "--epochs", "100000", "--out", str(out), "--quiet"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list((out / "checkpoints").glob("checkpoint-*.safetensors")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Interrupted: the state after epoch" in stderr and f"glassnet train --resume {out}" in stderr and "Traceback" not in stderr
    saved = latest_checkpoint(out / "checkpoints").epoch
    assert saved >= 1
    result = invoke("train", "--resume", out, "--epochs", saved + 2, "--json", "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["epochs_run"] == saved + 2 and (out / "model.safetensors").exists()


def test_an_output_path_that_cannot_be_written_exits_2_with_one_line(tmp_path, fruit_run, fruit_csv):
    out, _ = fruit_run
    missing = tmp_path / "no-such-folder" / "preds.csv"
    result = invoke("predict", out / "model.safetensors", "--data", fruit_csv[0], "--out", missing)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "no-such-folder" in errors[0] and "No such file or directory" in errors[0], result.stderr
    assert "Traceback" not in result.output
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    result = invoke("train", "--data", "iris", "--out", blocked / "run", "--epochs", "1", "--quiet")
    assert result.exit_code == 2 and "a-file" in result.stderr and "Traceback" not in result.output, result.output


def test_regression_with_a_one_row_split_prints_strict_json_and_a_table(tmp_path):
    # 5 rows split 0.6/0.2/0.2: dev and test hold one row each, where R² is undefined
    path = tmp_path / "five.csv"
    path.write_text("a,b\n1,1.5\n2,2.7\n3,3.1\n4,4.9\n5,5.2\n")

    def refuse(constant):
        raise AssertionError(f"not JSON: {constant}")

    result = invoke("train", "--data", path, "--epochs", "2", "--json", "--quiet", "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout, parse_constant=refuse)
    assert report["dev_r2"] is None and report["test_r2"] is None and report["dev_mse"] >= 0.0
    json.loads((tmp_path / "run" / "metrics.json").read_text(), parse_constant=refuse)
    table = invoke("train", "--data", path, "--epochs", "2", "--quiet")
    assert table.exit_code == 0, table.output
    assert "n/a" in table.stdout


@pytest.fixture(scope="module")
def house_prices(tmp_path_factory):
    """400 houses priced around 2e5: linear in four features plus noise (LinearRegression: test R² 0.976)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 4)) * [1.0, 20.0, 5.0, 0.3]
    price = 2e5 + X @ [3e4, -800.0, 2e3, 1e4] + rng.normal(scale=5e3, size=400)
    path = tmp_path_factory.mktemp("houses") / "houses.csv"
    np.savetxt(path, np.column_stack([X, price]), delimiter=",", header="rooms,age,garden,distance,price", comments="", fmt="%.6f")
    return path


def linear_regression_test_r2(path):
    from sklearn.linear_model import LinearRegression

    from glassnet.data.readers import load_data
    from glassnet.data.splits import split_dataset

    splits = split_dataset(load_data(str(path)), seed=0)
    return LinearRegression().fit(splits.X_train, splits.y_train).score(splits.X_test, splits.y_test)


def test_house_prices_reach_linear_regression_with_the_defaults_and_predict_in_dollars(tmp_path, house_prices):
    result = invoke("train", "--data", house_prices, "--out", tmp_path / "run", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    report, reference = json.loads(result.stdout), linear_regression_test_r2(house_prices)
    assert reference > 0.9 and report["test_r2"] >= reference - 0.02, (report["test_r2"], reference)
    evaluated = json.loads(invoke("evaluate", tmp_path / "run" / "model.safetensors", "--data", house_prices, "--json").stdout)
    assert evaluated["r2"] > reference - 0.02 and evaluated["mse"] < 1e8  # on the price scale: errors of ~5e3 dollars
    unscaled = json.loads(invoke("train", "--data", house_prices, "--no-scale-target", "--epochs", "40", "--json", "--quiet").stdout)
    assert unscaled["test_r2"] < 0.0  # what the defaults gave before: the output cannot climb to 2e5


def test_a_converging_run_resumes_exactly_and_a_finished_one_says_so(tmp_path):
    args = ["--data", "wine", "--layers", "8", "--learning-rate", "0.02", "--quiet", "--json"]
    straight = json.loads(invoke("train", *args, "--out", tmp_path / "straight").stdout)
    assert straight["epochs_run"] == 110 and straight["stopped"].startswith("converged")  # this run converges after 110 epochs
    assert invoke("train", *args, "--max-epochs", "105", "--out", tmp_path / "split").exit_code == 0
    assert latest_checkpoint(tmp_path / "split" / "checkpoints").callback_states[0]["waited"] == 5  # the cut is inside a plateau
    resumed = invoke("train", "--resume", tmp_path / "split", "--max-epochs", "200", "--json", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["epochs_run"] == 110 and json.loads(resumed.stdout)["stopped"] == straight["stopped"]
    a, b = load_file(tmp_path / "straight" / "model.safetensors"), load_file(tmp_path / "split" / "model.safetensors")
    assert all(np.array_equal(a[name], b[name]) for name in a)
    complete = invoke("train", "--resume", tmp_path / "split")
    assert complete.exit_code == 0 and complete.output.strip().endswith("the run is already complete (converged after 110 epochs); "
                                                                         "nothing to train. Give --epochs N above 110 to train on.")
    too_few = invoke("train", "--resume", tmp_path / "split", "--epochs", "110")
    assert too_few.exit_code == 2 and too_few.output.count("\n") == 1
    assert "--epochs 110: the run in" in too_few.output and "has already trained 110 epochs" in too_few.output
