"""A scikit-learn Pipeline ending in a glassnet estimator converts with skl2onnx.to_onnx and predicts the same."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassnet.estimators.models import GlassClassifier, GlassRegressor
from glassnet.export.pipelines import register_skl2onnx

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")


def session(pipeline, X, **options):
    register_skl2onnx()
    onnx_model = skl2onnx.to_onnx(pipeline, X[:1].astype(np.float32), **options)
    return ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("dtype", [None, "float32"])
def test_a_scaler_and_classifier_pipeline_converts_with_its_string_labels(dtype):
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    pipeline = make_pipeline(StandardScaler(), GlassClassifier(hidden_layer_sizes=(8,), batchnorm=True, epochs=5, dtype=dtype, random_state=0))
    pipeline.fit(X, labels)
    label, probabilities = session(pipeline, X, options={"zipmap": False}).run(None, {"X": X.astype(np.float32)})
    np.testing.assert_array_equal(label, pipeline.predict(X))
    np.testing.assert_allclose(probabilities, pipeline.predict_proba(X), atol=1e-5)  # the scaler runs in float32 in ONNX
    zipped = session(pipeline, X).run(None, {"X": X[:2].astype(np.float32)})[1]  # skl2onnx's default: a list of {label: p}
    assert sorted(zipped[0]) == ["setosa", "versicolor", "virginica"]


def test_a_regressor_pipeline_converts_with_its_target_scaler():
    X, _ = load_iris(return_X_y=True)
    y = 1e4 * X[:, 0] + 3e3 * X[:, 3]
    pipeline = make_pipeline(StandardScaler(), GlassRegressor(hidden_layer_sizes=(8,), keep_prob=0.9, epochs=5, random_state=0)).fit(X, y)
    (variable,) = session(pipeline, X).run(None, {"X": X.astype(np.float32)})
    np.testing.assert_allclose(variable[:, 0], pipeline.predict(X), rtol=1e-5)
