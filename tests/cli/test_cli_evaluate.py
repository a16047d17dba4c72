"""What ``evaluate`` and ``predict`` print and write: one number format per kind, 80 columns, big confusion matrices."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.cli import formats
from glassnet.cli.main import main
from glassnet.files.model_file import Model


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def test_formats_per_kind_of_value():
    assert formats.rate(0.97222) == "0.9722" and formats.rate(None) == "n/a"
    assert formats.score(7.19064e10) == "7.191e+10" and formats.score(-6.217887937164245) == "-6.218" and formats.score(0.98) == "0.9800"
    assert formats.metric("accuracy", 1.0) == "1.0000" and formats.metric("mse", 1.0) == "1.000"
    assert formats.prediction(0.123456789) == "0.1234568" and formats.prediction(351234.56) == "351234.6"


@pytest.fixture(scope="module")
def many_classes(tmp_path_factory):
    """A 15-class model (untrained weights are enough to score) and a CSV of its features and labels."""
    folder = tmp_path_factory.mktemp("many")
    names = [f"class-{k:02d}" for k in range(15)]
    network = gn.Network([gn.Dense(15)], gn.SoftmaxCrossEntropy(), seed=0).build(3)
    gn.save(Model(network, None, names, ["a", "b", "c"], "label"), folder / "model.safetensors")
    rng = np.random.default_rng(0)
    with open(folder / "data.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "c", "label"])
        writer.writerows([[f"{v:.4f}" for v in rng.normal(size=3)] + [names[i % 15]] for i in range(300)])
    return folder


def test_a_large_confusion_matrix_is_summarised_and_written_in_full(many_classes):
    result = invoke("evaluate", many_classes / "model.safetensors", "--data", many_classes / "data.csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines if str(many_classes) not in line) <= 80  # paths stand on lines of their own
    assert lines[1] == "data:  " + str(many_classes / "data.csv") + ", all rows (300)"  # no split recipe: all rows
    assert sum(line.startswith("  best   class-") for line in lines) == 5 and sum(line.startswith("  worst  class-") for line in lines) == 5
    path = many_classes / "model.confusion.csv"
    assert f"full confusion matrix (15 × 15) written to:\n{path}\n" in result.stdout
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0][1:] == [f"class-{k:02d}" for k in range(15)] and len(rows) == 16
    matrix = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    report = json.loads(invoke("evaluate", many_classes / "model.safetensors", "--data", many_classes / "data.csv", "--json").stdout)
    assert matrix.tolist() == report["confusion_matrix"] and matrix.sum() == 300
    refused = invoke("evaluate", many_classes / "model.safetensors", "--data", many_classes / "data.csv", "--split", "test")
    assert refused.exit_code == 2 and "no split recipe" in refused.output


def test_regression_evaluate_and_predict_use_one_format(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 2))
    path = tmp_path / "values.csv"
    np.savetxt(path, np.column_stack([X, 1e5 * X[:, 0] + 3e5]), delimiter=",", header="x1,x2,value", comments="", fmt="%.4f")
    run = tmp_path / "run"
    assert invoke("train", "--data", path, "--epochs", "2", "--quiet", "--out", run).exit_code == 0
    result = invoke("evaluate", run / "model.safetensors", "--data", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].endswith("test rows of its split (24)")
    match = re.fullmatch(r"MSE (\S+)   R² (\S+)", result.stdout.splitlines()[2])
    assert match, result.stdout
    assert all(f"{float(value):.4g}" == value for value in match.groups()), result.stdout  # 4 significant digits each
    predicted = invoke("predict", run / "model.safetensors", "--data", path).stdout.splitlines()[1:]
    assert all(len(re.sub(r"[^0-9]", "", value.split("e")[0]).lstrip("0")) <= 7 for value in predicted)  # 7 significant digits
    mismatched = tmp_path / "other.csv"
    np.savetxt(mismatched, np.column_stack([X[:60], 1e5 * X[:60, 0]]), delimiter=",", header="x1,x2,value", comments="", fmt="%.4f")
    other = invoke("evaluate", run / "model.safetensors", "--data", mismatched)
    assert other.exit_code == 0 and other.stdout.splitlines()[1].endswith("all rows (60)")  # another file: all its rows
    refused = invoke("evaluate", run / "model.safetensors", "--data", mismatched, "--split", "test")
    assert refused.exit_code == 2 and "not the set the model was trained on" in refused.output
