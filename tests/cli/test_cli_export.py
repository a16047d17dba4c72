"""``glassnet export MODEL --onnx PATH`` (and its alias ``--out``): a file onnxruntime runs to glassnet's predictions."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.cli.main import main

ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    """An estimator file: a small classifier fitted for two epochs on three labelled blobs."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) + np.repeat(np.eye(3) * 3, 20, axis=0)
    y = np.repeat([4, 5, 6], 20)
    path = tmp_path_factory.mktemp("export") / "model.safetensors"
    gn.save(gn.GlassClassifier(hidden_layer_sizes=(5,), epochs=2, random_state=0).fit(X, y), path)
    return path, X


@pytest.mark.parametrize("flag", ["--onnx", "--out"])
def test_both_spellings_write_a_model_that_onnxruntime_runs(tmp_path, model_path, flag):
    path, X = model_path
    result = CliRunner().invoke(main, ["export", str(path), flag, str(tmp_path / "m.onnx")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {tmp_path / 'm.onnx'}: input X ")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    X_typed = X.astype({"tensor(float)": np.float32, "tensor(double)": np.float64}[session.get_inputs()[0].type])
    label, probabilities = session.run(["label", "probabilities"], {"X": X_typed})
    estimator = gn.load(path)
    np.testing.assert_array_equal(label, estimator.predict(X_typed))
    np.testing.assert_allclose(probabilities, estimator.predict_proba(X_typed), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("both", [False, True])
def test_the_output_path_is_required_exactly_once(tmp_path, model_path, both):
    flags = ["--onnx", str(tmp_path / "a.onnx"), "--out", str(tmp_path / "b.onnx")] if both else []
    result = CliRunner().invoke(main, ["export", str(model_path[0]), *flags])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: give the .onnx file to write exactly once: --onnx PATH")
    assert list(tmp_path.iterdir()) == []
