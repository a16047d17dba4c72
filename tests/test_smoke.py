"""A first end-to-end run through the public API and the CLI."""

import json

import numpy as np
from click.testing import CliRunner

import glassnet as gn
from glassnet.cli.main import main


def test_cli_train_json_reports_every_split():
    result = CliRunner().invoke(main, ["train", "--epochs", "2", "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("train_accuracy", "dev_accuracy", "test_accuracy", "train_error", "dev_error", "test_error", "epochs_run"):
        assert key in report
    assert report["epochs_run"] == 2
    assert abs(report["test_accuracy"] + report["test_error"] - 1.0) < 1e-12
    assert report["test_accuracy"] > 0.5  # two epochs of Adam on digits are already far above chance (0.1)


def test_cli_rejects_bad_learning_rate_with_status_2():
    result = CliRunner().invoke(main, ["train", "--learning-rate", "-1"])
    assert result.exit_code == 2
    assert "-1" in result.output and "learning-rate" in result.output
    assert "Traceback" not in result.output


def test_network_learns_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 8, dtype=np.float32)
    y = np.array([0, 1, 1, 0] * 8)
    network = gn.Network([gn.Dense(8), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    network.fit(X, y, gn.Adam(0.05), epochs=200, batch_size=None, verbose=0)
    assert network.score(X, y) == 1.0
