"""A scikit-learn ``Pipeline`` of ``StandardScaler`` + glassnet estimator in the safe estimator file.

The common case — ``make_pipeline(StandardScaler(), GlassClassifier())`` (or ``GlassRegressor``) — is stored as
the estimator's file (:mod:`glassnet.estimators.file_format`) with one more entry under ``estimator``,
covered by the checksum::

    "pipeline": {"steps": ["standardscaler", "glassclassifier"],
                 "scaler": {"scaler": "StandardScaler", "mean": [...], "scale": [...]},
                 "feature_names_in": [...] or null}

The scaler is written and read by the model file's scaler helpers (finite means, positive scales, one
per feature the estimator takes), so a loaded pipeline computes ``(X - mean) / scale`` with the very
floats it was fitted with and predicts exactly as before saving. Any other pipeline shape is refused
with one :class:`~glassnet.errors.ModelFileError` line naming what is supported. Nothing is pickled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import ModelFileError
from glassnet.files.model_file import _scaler_from_json, _scaler_to_json
from glassnet.files.schema import Spec, list_of, optional, record, string, table_of

#: what :func:`pipeline_parts` accepts, as its refusal says
SUPPORTED = "a fitted Pipeline of exactly two steps, StandardScaler() (with_mean and with_std on) then a GlassClassifier or GlassRegressor"


def pipeline_parts(pipeline: Any) -> tuple[Any, dict[str, Any]]:
    """The glassnet estimator of ``pipeline`` and the ``pipeline`` entry that describes the rest of it.

    Refuses (:class:`ModelFileError`) anything but :data:`SUPPORTED`: other steps, a scaler with other settings,
    or an unfitted scaler.
    """
    from sklearn.preprocessing import StandardScaler

    from glassnet.estimators.models import ESTIMATORS

    steps = list(getattr(pipeline, "steps", []))
    kinds = [type(step).__name__ for _, step in steps]
    if len(steps) != 2 or type(steps[0][1]) is not StandardScaler or not isinstance(steps[1][1], tuple(ESTIMATORS.values())):
        raise ModelFileError(f"save can store {SUPPORTED}. Received: a Pipeline of {kinds}")
    (scaler_name, scaler), (estimator_name, estimator) = steps
    if not (scaler.with_mean and scaler.with_std):
        raise ModelFileError(f"save can store {SUPPORTED}. Received: StandardScaler(with_mean={scaler.with_mean}, with_std={scaler.with_std})")
    if getattr(scaler, "scale_", None) is None or getattr(estimator, "network_", None) is None:
        raise ModelFileError("save needs a fitted pipeline; call fit before saving it.")
    names = getattr(scaler, "feature_names_in_", None)
    entry = {"steps": [scaler_name, estimator_name], "scaler": _scaler_to_json(scaler),
             "feature_names_in": None if names is None else [str(name) for name in names]}
    return estimator, entry


def pipeline_schema(n_features: int) -> Spec:
    """What the ``pipeline`` entry may hold (types and lengths; the scaler's values are checked by :func:`rebuild_pipeline`)."""
    return record({"steps": list_of(string(64), 2, 2), "scaler": table_of(lambda value, where: value, 4)},
                  {"feature_names_in": optional(list_of(string(), n_features))})


def rebuild_pipeline(path: str | Path, entry: dict[str, Any], estimator: Any) -> Any:
    """The fitted ``Pipeline`` that :func:`pipeline_parts` described, around the loaded ``estimator``.

    The scaler must hold ``estimator.n_features_in_`` finite means and positive scales; step names must be two
    distinct names without ``__`` (scikit-learn's own rule).
    """
    from sklearn.pipeline import Pipeline

    names = entry["steps"]
    if names[0] == names[1] or any("__" in name or not name for name in names):
        raise ModelFileError(f"{path}: the pipeline's step names must be two distinct names without '__'. Received: {names!r}")
    scaler = _scaler_from_json(path, entry["scaler"], estimator.n_features_in_)
    if entry.get("feature_names_in") is not None:
        if len(entry["feature_names_in"]) != estimator.n_features_in_:
            raise ModelFileError(f"{path}: the pipeline's feature_names_in must name {estimator.n_features_in_} features.")
        scaler.feature_names_in_ = np.asarray(entry["feature_names_in"], dtype=object)
    return Pipeline([(names[0], scaler), (names[1], estimator)])
