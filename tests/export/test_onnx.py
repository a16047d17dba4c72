"""ONNX export: onnxruntime must give glassnet's own predictions, for every layer type, task and dtype."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.preprocessing import StandardScaler

import glassnet as gn
from glassnet.cli.main import main
from glassnet.data.target_scaling import fit_target_scaler
from glassnet.errors import ConfigError
from glassnet.estimators.models import GlassClassifier, GlassRegressor
from glassnet.export.onnx import to_onnx

ort = pytest.importorskip("onnxruntime")

#: largest relative difference allowed: float32 sums in another order (ORT's MatMul vs NumPy's BLAS)
TOLERANCE = {"float32": 1e-5, "float64": 1e-12}


def every_layer(outputs):
    """A network with each layer type once: Dense, BatchNorm, ReLU, Dropout, LeakyReLU, Tanh, Sigmoid."""
    return [gn.Dense(8), gn.BatchNorm(), gn.ReLU(), gn.Dropout(0.8), gn.Dense(6), gn.LeakyReLU(0.1), gn.Dense(5), gn.Tanh(),
            gn.Dense(4), gn.Sigmoid(), gn.Dense(outputs)]


def run(onnx_model, X):
    session = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    return dict(zip([output.name for output in session.get_outputs()], session.run(None, {"X": X})))


def relative_difference(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - b)) / max(np.max(np.abs(b)), 1e-30))


def trained_model(task, dtype):
    """A :class:`Model` with every layer type, a feature scaler and (regression) a target scaler, trained a little,
    so the weights and BatchNorm's running statistics are not their initial values."""
    rng = np.random.default_rng(0)
    X = rng.normal(loc=3.0, scale=[1.0, 10.0, 0.1, 5.0], size=(120, 4))
    scaler = StandardScaler().fit(X)
    score = X[:, 0] - 0.1 * X[:, 1] + 10 * X[:, 2]
    if task == "regression":
        y, outputs, loss, target_scaler = np.column_stack([2e5 + 1e4 * score, score]), 2, gn.MeanSquaredError(), None
        target_scaler = fit_target_scaler(y)
        targets, names = (y - target_scaler.mean_) / target_scaler.scale_, []
    else:
        classes = 2 if task == "binary" else 3
        targets = np.digitize(score, np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1]))
        outputs, loss, names = (1 if classes == 2 else classes), (gn.BinaryCrossEntropy() if classes == 2 else gn.SoftmaxCrossEntropy()), ["low", "mid", "high"][:classes]
        target_scaler = None
    network = gn.Network(every_layer(outputs), loss, seed=0, dtype=dtype)
    network.fit(scaler.transform(X), targets, gn.Adam(0.01), epochs=5, batch_size=16, verbose=0)
    return gn.Model(network, scaler, names, target_scaler=target_scaler), X.astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_onnxruntime_matches_glassnet_for_every_layer_type(task, dtype):
    model, X = trained_model(task, dtype)
    running_var = next(value for name, value in model.network.buffers().items() if name.endswith("running_var"))
    assert np.all(running_var != 1.0)  # BatchNorm exports trained running statistics, not its initial ones
    outputs = run(to_onnx(model), X)
    if task == "regression":
        assert outputs["variable"].dtype == np.dtype(dtype) and outputs["variable"].shape == (len(X), 2)
        assert relative_difference(outputs["variable"], model.predict(X)) <= TOLERANCE[dtype]
        scaler = model.target_scaler  # on the target's own scale: means within one standard deviation of the target's
        assert np.all(np.abs(outputs["variable"].mean(axis=0) - scaler.mean_) < scaler.scale_) and scaler.mean_[0] > 1e5
    else:
        assert relative_difference(outputs["probabilities"], model.predict_proba(X)) <= TOLERANCE[dtype]
        agree = np.mean(outputs["label"] == model.predict(X).astype(str))
        assert agree == 1.0 and set(outputs["label"]) <= set(model.class_names)


@pytest.mark.parametrize("estimator", [GlassClassifier(hidden_layer_sizes=(6,), batchnorm=True, epochs=3, random_state=0),
                                       GlassRegressor(hidden_layer_sizes=(6,), keep_prob=0.9, epochs=3, random_state=0)])
def test_a_fitted_estimator_exports_with_its_labels_and_target_scaler(tmp_path, estimator):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = np.where(X[:, 0] > 0, 7, 3) if isinstance(estimator, GlassClassifier) else 1e3 * X[:, 0] + 5e4
    estimator.fit(X, y)
    path = gn.export_onnx(estimator, tmp_path / "model.onnx")
    import onnx

    outputs = run(onnx.load(path), X)
    if isinstance(estimator, GlassClassifier):
        np.testing.assert_array_equal(outputs["label"], estimator.predict(X))  # the labels themselves, as int64
        assert relative_difference(outputs["probabilities"], estimator.predict_proba(X)) <= 1e-12
    else:
        assert relative_difference(outputs["variable"][:, 0], estimator.predict(X)) <= 1e-12


def test_the_cli_exports_a_run_folders_model(tmp_path):
    runner = CliRunner()
    trained = runner.invoke(main, ["train", "--data", "iris", "--epochs", "3", "--batchnorm", "--quiet", "--json", "--out", str(tmp_path / "run")])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(main, ["export", str(tmp_path / "run" / "model.safetensors"), "--out", str(tmp_path / "iris.onnx")])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {tmp_path / 'iris.onnx'}: input X float32[N, 4]; outputs label, probabilities\n"
    model = gn.load(tmp_path / "run" / "model.safetensors")
    from sklearn.datasets import load_iris

    X = load_iris().data.astype(np.float32)
    import onnx

    outputs = run(onnx.load(tmp_path / "iris.onnx"), X)
    np.testing.assert_array_equal(outputs["label"], model.predict(X).astype(str))
    assert relative_difference(outputs["probabilities"], model.predict_proba(X)) <= TOLERANCE["float32"]
    missing = runner.invoke(main, ["export", str(tmp_path / "nothing.safetensors"), "--out", str(tmp_path / "x.onnx")])
    assert missing.exit_code == 2


def test_an_untrained_network_or_another_object_is_refused():
    with pytest.raises(ConfigError, match="no weights yet"):
        gn.export_onnx(gn.Network([gn.Dense(1)], gn.MeanSquaredError()), "never.onnx")
    with pytest.raises(ConfigError, match="Received: dict"):
        gn.export_onnx({}, "never.onnx")
