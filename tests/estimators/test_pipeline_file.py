"""``gn.save`` / ``gn.load`` of a fitted ``Pipeline([StandardScaler, GlassClassifier|GlassRegressor])`` in the safe format."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import glassnet as gn
from glassnet.errors import ModelFileError
from glassnet.estimators.file_format import ESTIMATOR_FORMAT
from glassnet.files.container import read_container, write_container


def data(task):
    """60 rows of 3 features on very different scales (so the scaler matters), a 3-class or a real target."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) * [1.0, 100.0, 0.01] + [5.0, -300.0, 2.0]
    score = X[:, 0] + X[:, 1] / 100 + X[:, 2] * 100
    y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])) + 10 if task == "classification" else 1e3 * score + 5e4
    return X, y


def fitted_pipeline(task):
    estimator = gn.GlassClassifier if task == "classification" else gn.GlassRegressor
    return make_pipeline(StandardScaler(), estimator(hidden_layer_sizes=(6,), epochs=3, random_state=0)).fit(*data(task))


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_loaded_pipeline_predicts_exactly_as_the_saved_one(tmp_path, task):
    pipeline = fitted_pipeline(task)
    gn.save(pipeline, tmp_path / "pipeline.safetensors")
    loaded = gn.load(tmp_path / "pipeline.safetensors")
    assert isinstance(loaded, Pipeline) and [name for name, _ in loaded.steps] == [name for name, _ in pipeline.steps]
    assert type(loaded[-1]) is type(pipeline[-1]) and loaded[-1].get_params() == pipeline[-1].get_params()
    X = data(task)[0] * 1.1 + 0.5  # rows it has not seen
    np.testing.assert_array_equal(loaded.predict(X), pipeline.predict(X))
    np.testing.assert_array_equal(loaded[0].mean_, pipeline[0].mean_)
    if task == "classification":
        np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))
        np.testing.assert_array_equal(loaded.classes_, [10, 11, 12])


def test_the_cli_model_of_a_pipeline_file_scales_its_inputs(tmp_path):
    pipeline = fitted_pipeline("classification")
    gn.save(pipeline, tmp_path / "pipeline.safetensors")
    model = gn.estimators.saving.load_model(tmp_path / "pipeline.safetensors")
    X = data("classification")[0]
    np.testing.assert_array_equal(model.predict(X), pipeline.predict(X).astype(str))


@pytest.mark.parametrize("change, message", [
    (lambda entry: entry["scaler"].update(scale=[1.0, -2.0, 1.0]), "3 finite means and positive scales"),
    (lambda entry: entry["scaler"].update(mean=[1.0, 2.0]), "3 finite means and positive scales"),
    (lambda entry: entry["scaler"].update(scaler="pickle"), "must be a StandardScaler"),
    (lambda entry: entry.update(steps=["a", "a"]), "two distinct names"),
])
def test_a_tampered_scaler_or_step_is_refused(tmp_path, change, message):
    gn.save(fitted_pipeline("classification"), tmp_path / "pipeline.safetensors")
    parsed, tensors = read_container(tmp_path / "pipeline.safetensors", ESTIMATOR_FORMAT, ("config", "estimator"))
    change(parsed["estimator"]["pipeline"])
    write_container(tmp_path / "bad.safetensors", ESTIMATOR_FORMAT, parsed, tensors)  # a valid checksum over the tampered entry
    with pytest.raises(ModelFileError, match=message):
        gn.load(tmp_path / "bad.safetensors")


@pytest.mark.parametrize("make", [
    lambda: make_pipeline(MinMaxScaler(), gn.GlassClassifier(epochs=1)),
    lambda: make_pipeline(StandardScaler(), PCA(2), gn.GlassClassifier(epochs=1)),
    lambda: make_pipeline(StandardScaler(with_mean=False), gn.GlassClassifier(epochs=1)),
    lambda: make_pipeline(gn.GlassClassifier(epochs=1)),
])
def test_any_other_pipeline_is_refused_in_one_line(tmp_path, make):
    X, y = data("classification")
    with pytest.raises(ModelFileError, match=r"^save can store a fitted Pipeline of exactly two steps, StandardScaler\(\).*Received: ") as refused:
        gn.save(make().fit(X, y), tmp_path / "pipeline.safetensors")
    assert "\n" not in str(refused.value) and not (tmp_path / "pipeline.safetensors").exists()
