"""The CLI against crafted files, odd terminals and concurrent runs (issue 15): one line and exit 2, or the right result."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet
from glassnet.cli.main import main
from glassnet.cli.safe_output import csv_cell, escape_controls, r_squared
from glassnet.data.readers import load_data
from glassnet.data.splits import split_indices
from glassnet.estimators.models import GlassClassifier
from glassnet.files.checkpoints import FORMAT as CHECKPOINT_FORMAT
from glassnet.files.checkpoints import checkpoint_paths
from glassnet.files.container import read_container, write_container
from glassnet.files.model_file import Model
from glassnet.files.run_lock import LOCK_NAME, RunLock
from glassnet.nn.builders import build_network

SOURCE = str(Path(glassnet.__file__).resolve().parents[1])
QUICK = ["--layers", "4", "--quiet", "--epochs", "2"]


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def one_error_line(result, *expected):
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output and all(text in lines[0] for text in expected), result.output


def run_cli(*args, env=None, **options):
    environment = {**os.environ, "PYTHONPATH": SOURCE, **(env or {})}
    return subprocess.run([sys.executable, "-m", "glassnet.cli", *map(str, args)], capture_output=True, text=True, env=environment, timeout=120, **options)


def write_csv(path: Path, header, rows) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def blobs(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))  # three features: no decision-boundary plot to draw in every run
    return write_csv(tmp_path_factory.mktemp("blobs") / "blobs.csv", ["a", "b", "c", "kind"], [[*x, "p" if x[0] > 0 else "q"] for x in X])


def rewrite_checkpoint(folder: Path, change) -> None:
    path = checkpoint_paths(folder / "checkpoints")[0]
    parsed, tensors = read_container(path, CHECKPOINT_FORMAT, ("config", "training", "extra"))
    change(parsed)
    write_container(path, CHECKPOINT_FORMAT, parsed, tensors)


# ------------------------------------------------------------------------------------------- case 1
def test_a_checkpoint_cannot_make_resume_write_outside_the_run_folder(tmp_path):
    run, victim = tmp_path / "run", tmp_path / "victim" / "deep" / "owned.png"
    assert invoke("train", "--data", "moons", *QUICK, "--out", run).exit_code == 0
    rewrite_checkpoint(run, lambda parsed: parsed["extra"]["options"].update(learning_curve_path=str(victim)))
    result = invoke("train", "--resume", run, "--epochs", "3")
    assert result.exit_code == 0, result.output
    assert not victim.exists() and not victim.parent.parent.exists()
    assert (run / "owned.png").is_file() and "paths are not taken from a checkpoint" in result.output


@pytest.mark.parametrize("name, value, expected", [
    ("epochs", "x", "--epochs expects an integer"),
    ("batchnorm", 1, "--batchnorm expects true or false"),
    ("hidden", 5, "--layers expects a string"),
    ("optimizer_name", "evil", "--optimizer"),
    ("learning_rate", -1.0, "--learning-rate"),
])
def test_stored_options_are_checked_like_flags(tmp_path, name, value, expected):
    run = tmp_path / "run"
    assert invoke("train", "--data", "moons", *QUICK, "--out", run).exit_code == 0
    rewrite_checkpoint(run, lambda parsed: parsed["extra"]["options"].update({name: value}))
    one_error_line(invoke("train", "--resume", run), "stored option", expected)


# ------------------------------------------------------------------------------------------- case 3
def test_a_config_that_is_a_fifo_or_a_device_is_refused_at_once(tmp_path):
    fifo = tmp_path / "c.toml"
    os.mkfifo(fifo)
    done = run_cli("train", "--config", fifo, "--data", "moons", *QUICK)
    assert done.returncode == 2 and "is a FIFO, not a regular file" in done.stderr and "Traceback" not in done.stderr
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    result = invoke("train", "--config", link, *QUICK)
    assert result.exit_code == 2 and "not a regular file" in result.output
    data_fifo, data_link = tmp_path / "d.csv", tmp_path / "u.npz"
    os.mkfifo(data_fifo)
    data_link.symlink_to("/dev/urandom")
    one_error_line(invoke("train", "--data", data_fifo, *QUICK), "is a FIFO, not a regular file")
    one_error_line(invoke("train", "--data", data_link, *QUICK), "is a device or other special file, not a regular file")


# ------------------------------------------------------------------------------------------- case 5
@pytest.fixture(scope="module")
def hostile_model(tmp_path_factory, blobs):
    """A model whose class names carry a terminal escape and a spreadsheet formula."""
    folder = tmp_path_factory.mktemp("hostile")
    names = ["\x1b[2J\x1b[31mred", '=HYPERLINK("http://evil","x")']
    network = build_network(2, (4,), "relu", "binary", seed=0)
    network.build(2)
    network.layers[-1].params["b"][...] = [-5.0 if i % 2 else 5.0 for i in range(1)]  # P(class 1) high: the formula is predicted
    glassnet.save(Model(network, None, names, ["a", "b"], "kind"), folder / "m.safetensors")
    rows = [[0.5, 0.5, names[0]], [-0.5, 0.1, names[1]]]
    return folder / "m.safetensors", write_csv(folder / "data.csv", ["a", "b", "kind"], rows)


def test_class_names_reach_the_terminal_escaped(hostile_model):
    model, data = hostile_model
    result = invoke("evaluate", model, "--data", data)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\\x1b[31mred" in result.output


def test_predictions_csv_neutralises_formulas_and_controls(tmp_path, hostile_model):
    model, data = hostile_model
    assert invoke("predict", model, "--data", data, "--out", tmp_path / "p.csv").exit_code == 0
    with open(tmp_path / "p.csv", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells) and not any("\x1b" in cell for cell in cells)
    assert "'" + '=HYPERLINK("http://evil","x")' in cells, cells
    assert [csv_cell(text) for text in ("-1.5", "-x", "+1", "@a", "\tA", "ok")] == ["-1.5", "'-x", "+1", "'@a", "\\x09A", "ok"]
    assert escape_controls("a\x07\x9bb") == "a\\x07\\x9bb"


# ------------------------------------------------------------------------------------------- case 7, 8
def test_non_finite_outputs_are_an_error_naming_the_rows(tmp_path, blobs):
    run = tmp_path / "run"
    assert invoke("train", "--data", blobs, *QUICK, "--out", run).exit_code == 0
    model = glassnet.load(run / "model.safetensors")
    for array in model.network.parameters().values():
        array[...] = 10.0
    glassnet.save(model, tmp_path / "tens.safetensors")
    data = write_csv(tmp_path / "far.csv", ["a", "b", "c"], [[0.1, 0.2, 0.0], ["3e38", "3e38", "3e38"], [0.0, 0.0, 0.0]])
    one_error_line(invoke("predict", tmp_path / "tens.safetensors", "--data", data), "not finite", "row(s): 2")
    for array in model.network.parameters().values():
        array[...] = 3e37  # finite weights whose products overflow on every row
    glassnet.save(model, tmp_path / "huge.safetensors")
    one_error_line(invoke("evaluate", tmp_path / "huge.safetensors", "--data", blobs, "--split", "all"), "not finite", "row(s): 1, 2, 3")
    # by default evaluate scores the test rows of the model's own split: the message names them as rows of the data
    recipe = model.split
    test_rows = np.sort(split_indices(load_data(str(blobs)).y, True, recipe.fractions, recipe.seed, recipe.train_dev)["test"])
    result = invoke("evaluate", tmp_path / "huge.safetensors", "--data", blobs)
    one_error_line(result, "not finite", "row(s): ")
    named = [int(n) for n in result.output.split("row(s): ")[1].split(";")[0].replace(", ...", "").split(", ")]
    assert named == sorted(named) and set(named) <= {row + 1 for row in test_rows} and named != list(range(1, len(named) + 1))


def test_a_value_beyond_float32_is_one_line_for_train_and_predict(tmp_path, blobs):
    bad = write_csv(tmp_path / "bad.csv", ["a", "b", "c", "kind"], [[1, 2, 0, "p"], ["1e300", 2, 0, "q"], [0, 1, 0, "p"]])
    one_error_line(invoke("train", "--data", bad, *QUICK), "line 3, column 'a': 1e300 is beyond float32's range")
    run = tmp_path / "run"
    assert invoke("train", "--data", blobs, *QUICK, "--out", run).exit_code == 0
    one_error_line(invoke("predict", run / "model.safetensors", "--data", bad), "line 3, column 'a'")


# ------------------------------------------------------------------------------------------- case 9
def test_resume_refuses_changed_data_unless_allowed(tmp_path, blobs):
    data, run = tmp_path / "d.csv", tmp_path / "run"
    data.write_text(blobs.read_text())
    assert invoke("train", "--data", data, *QUICK, "--out", run).exit_code == 0
    with open(data, "a") as handle:
        handle.write("0.3,0.3,0.3,p\n")
    one_error_line(invoke("train", "--resume", run, "--epochs", "3"), "the data differs", "--allow-changed-data")
    allowed = invoke("train", "--resume", run, "--epochs", "3", "--allow-changed-data")
    assert allowed.exit_code == 0 and "continuing on it" in allowed.output
    moved = tmp_path / "moved.csv"
    data.rename(moved)
    assert invoke("train", "--resume", run, "--epochs", "4", "--data", moved).exit_code == 0  # the same data, moved: accepted


# ------------------------------------------------------------------------------------------- case 13, 16
def test_a_run_folder_in_use_is_refused_and_a_stale_lock_is_taken_over(tmp_path):
    run = tmp_path / "run"
    with RunLock(run):
        one_error_line(invoke("train", "--data", "moons", *QUICK, "--out", run), "is in use by another glassnet run", f"process {os.getpid()}")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    run.mkdir()
    (run / LOCK_NAME).write_text(dead + "\n")
    result = invoke("train", "--data", "moons", *QUICK, "--out", run)
    assert result.exit_code == 0 and f"took over the lock left by process {dead}" in result.output
    assert not (run / LOCK_NAME).exists()


def test_two_concurrent_trains_on_one_folder_cannot_both_run(tmp_path):
    run = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "glassnet.cli", "train", "--data", "wine", "--layers", "8", "--epochs", "100000", "--out", str(run), "--quiet"],
                             env={**os.environ, "PYTHONPATH": SOURCE}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if checkpoint_paths(run / "checkpoints"):
                break
            subprocess.run(["sleep", "0.1"])
        one_error_line(invoke("train", "--data", "moons", *QUICK, "--out", run), f"in use by another glassnet run (process {first.pid})")
    finally:
        first.kill()
        first.wait()
    assert checkpoint_paths(run / "checkpoints")  # the first run's checkpoints are still there


def test_resume_removes_the_temporary_file_of_a_killed_final_write(tmp_path):
    run = tmp_path / "run"
    assert invoke("train", "--data", "moons", *QUICK, "--out", run).exit_code == 0
    leftover = run / ".model.safetensors.k2j4x9_q.tmp"
    leftover.write_bytes(b"\0" * 2_000_000)
    result = invoke("train", "--resume", run, "--epochs", "3")
    assert result.exit_code == 0 and not leftover.exists() and "removed .model.safetensors.k2j4x9_q.tmp" in result.output


# ------------------------------------------------------------------------------------------- case 15
def test_predict_out_never_replaces_the_model_or_the_input(tmp_path, blobs):
    run = tmp_path / "run"
    assert invoke("train", "--data", blobs, *QUICK, "--out", run).exit_code == 0
    model = run / "model.safetensors"
    before = model.read_bytes()
    one_error_line(invoke("predict", model, "--data", blobs, "--out", model), "is the model")
    one_error_line(invoke("predict", model, "--data", blobs, "--out", blobs), "is the input data")
    assert model.read_bytes() == before and glassnet.load(model) is not None


# ------------------------------------------------------------------------------------------- case 17, 18
def test_evaluate_compares_labels_by_value(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = np.where(X[:, 0] > 0, 2.0, 1.0)
    floats = GlassClassifier(hidden_layer_sizes=(4,), epochs=5, random_state=0).fit(X, y)
    glassnet.save(floats, tmp_path / "f.safetensors")
    data = write_csv(tmp_path / "ints.csv", ["x0", "x1", "y"], [[*x, int(v)] for x, v in zip(X, y)])
    result = invoke("evaluate", tmp_path / "f.safetensors", "--data", data, "--target", "y", "--json")
    assert result.exit_code == 0, result.output
    np.savez(tmp_path / "float_y.npz", X=X, y=y)
    assert invoke("evaluate", tmp_path / "f.safetensors", "--data", tmp_path / "float_y.npz").exit_code == 0
    np.savez(tmp_path / "many.npz", X=X, y=np.arange(80))
    one_error_line(invoke("evaluate", tmp_path / "f.safetensors", "--data", tmp_path / "many.npz"), "label '0' is not one of the model's classes")


def test_an_estimator_trained_on_integer_iris_evaluates_on_bundled_iris(tmp_path):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    glassnet.save(GlassClassifier(hidden_layer_sizes=(8,), epochs=60, learning_rate=0.02, random_state=0).fit(X, y), tmp_path / "iris.safetensors")
    result = invoke("evaluate", tmp_path / "iris.safetensors", "--data", "iris", "--json")
    assert result.exit_code == 0, result.output
    assert '"accuracy": 0.' in result.output and float(result.output.split('"accuracy": ')[1].split(",")[0]) > 0.8


def test_predict_ignores_the_target_column(tmp_path, blobs):
    run = tmp_path / "run"
    assert invoke("train", "--data", blobs, *QUICK, "--out", run).exit_code == 0
    odd = write_csv(tmp_path / "odd.csv", ["a", "b", "c", "kind"], [[0.1, 0.2, 0, ""], [0.3, 0.1, 0, "never-seen"]])
    result = invoke("predict", run / "model.safetensors", "--data", odd)
    assert result.exit_code == 0 and len(result.output.strip().splitlines()) == 3, result.output
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    glassnet.save(GlassClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, X[:, 0] > 0), tmp_path / "e.safetensors")
    labelled = write_csv(tmp_path / "l.csv", ["x0", "x1", "label"], [[*x, "anything"] for x in X[:3]])
    result = invoke("predict", tmp_path / "e.safetensors", "--data", labelled)
    assert result.exit_code == 0 and len(result.output.strip().splitlines()) == 4, result.output


# ------------------------------------------------------------------------------------------- case 19
@pytest.mark.parametrize("line, expected", [
    ("batchnorm = 1", "--batchnorm expects true or false"),
    ("learning_curve = true", "--learning-curve expects a string"),
    ("epochs = 2.5", "--epochs expects an integer. Received: 2.5"),
    ("learning_rate = -1.0", "--learning-rate"),
    ('layers = ["a"]', "--layers"),
])
def test_config_types_are_checked_like_flags(tmp_path, line, expected):
    config = tmp_path / "c.toml"
    config.write_text(line + "\n")
    result = invoke("train", "--config", config, "--data", "moons", "--quiet")
    assert result.exit_code == 2 and expected in result.output and "Traceback" not in result.output, result.output
    assert not (tmp_path / "True").exists()


# ------------------------------------------------------------------------------------------- case 20, 22
def test_an_ascii_terminal_gets_r2_instead_of_a_crash(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    data = write_csv(tmp_path / "r.csv", ["a", "b", "c", "t"], [[*x, x[0] * 2.5 + 0.1] for x in X])
    done = run_cli("train", "--data", data, "--task", "regression", *QUICK, env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0 and "R2" in done.stdout and "Traceback" not in done.stderr, done.stderr
    assert r_squared(io.TextIOWrapper(io.BytesIO(), encoding="ascii")) == "R2" and r_squared(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")) == "R²"


def test_a_closed_pipe_ends_quietly(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "glassnet.cli", "train", "--data", "moons", *QUICK], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": SOURCE})
    process.stdout.close()  # the reader is gone before anything is written, as with `| head -0`
    error = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) in (0, 1) and error == "", error
