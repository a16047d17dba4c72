"""``glassnet.save`` / ``glassnet.load``: one entry point for networks, models and fitted estimators.

A :class:`~glassnet.nn.network.Network` or :class:`~glassnet.files.model_file.Model` is written as a
model file (:mod:`glassnet.files.model_file`); a fitted ``GlassClassifier``/``GlassRegressor`` as an
estimator file (:mod:`glassnet.estimators.file_format`); a fitted ``Pipeline`` of ``StandardScaler`` and one of them
as that estimator file with the scaler beside (:mod:`glassnet.estimators.pipeline_file`). ``load`` reads the file's ``format`` entry and
returns the matching object. Nothing is unpickled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from glassnet.errors import ModelFileError
from glassnet.estimators.file_format import ESTIMATOR_FORMAT, load_estimator, save_estimator
from glassnet.estimators.pipeline_file import pipeline_parts
from glassnet.files.container import stored_format
from glassnet.files.model_file import Model, load_model_file, save_model
from glassnet.nn.network import Network


def save(model: "Network | Model | Any", path: str | Path, *, scaler: Any = None, class_names: Iterable[str] | None = None,
         feature_names: Iterable[str] | None = None, target_name: str | None = None) -> None:
    """Write a trained network, a :class:`Model`, a fitted ``GlassClassifier``/``GlassRegressor`` or a fitted
    ``Pipeline([StandardScaler(), GlassClassifier|GlassRegressor])`` to ``path``, atomically.

    ``scaler`` is a fitted ``StandardScaler`` applied to raw inputs; ``class_names`` label the outputs
    (both for a network; a :class:`Model` brings its own, which these override).
    """
    if isinstance(model, (Network, Model)):
        save_model(model, path, scaler=scaler, class_names=class_names, feature_names=feature_names, target_name=target_name)
        return
    from sklearn.pipeline import Pipeline

    from glassnet.estimators.models import ESTIMATORS

    if isinstance(model, Pipeline):
        estimator, entry = pipeline_parts(model)
        save_estimator(estimator, path, pipeline=entry)
        return
    if not isinstance(model, tuple(ESTIMATORS.values())):
        raise ModelFileError(f"save expects a Network, a Model or a fitted GlassClassifier/GlassRegressor. Received: {type(model).__name__}")
    save_estimator(model, path)


def load(path: str | Path) -> "Model | Any":
    """Read a file written by :func:`save`: a :class:`Model`, or the fitted estimator (or pipeline) for an estimator file.

    A malformed or tampered file raises :class:`~glassnet.errors.ModelFileError` naming it.
    """
    if stored_format(path) == ESTIMATOR_FORMAT:
        return load_estimator(path)
    return load_model_file(path)


def load_model(path: str | Path) -> Model:
    """:func:`load`, but always a :class:`Model` (what the CLI's ``evaluate`` and ``predict`` use).

    An estimator file becomes its network with the estimator's labels as class names and its feature
    names and a regressor's target scaler (no feature scaler: a scaler inside a pipeline is not part of the estimator);
    a pipeline file becomes the same with its StandardScaler as the feature scaler and its feature names.
    """
    loaded = load(path)
    if isinstance(loaded, Model):
        return loaded
    scaler = None
    if not hasattr(loaded, "network_"):  # a Pipeline([scaler, estimator]) from pipeline_file
        (_, scaler), (_, loaded) = loaded.steps
    class_names = [str(label) for label in getattr(loaded, "classes_", [])]
    feature_names = [str(name) for name in getattr(scaler if scaler is not None else loaded, "feature_names_in_", [])]
    return Model(loaded.network_, scaler, class_names, feature_names, target_scaler=getattr(loaded, "target_scaler_", None))
