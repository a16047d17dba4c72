"""The estimator file: a fitted ``GlassClassifier``/``GlassRegressor`` in the checksummed container, no pickle.

The file is a container of format ``glassnet-estimator``: the network's arrays and config as in a model
file, and an ``estimator`` entry (covered by the checksum) with the constructor arguments and the
fitted labels. Reading validates both before building anything.
"""

from __future__ import annotations

from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.errors import ConfigError, DataError, GlassnetError, ModelFileError
from glassnet.files.container import read_container, write_container
from glassnet.estimators.pipeline_file import pipeline_schema, rebuild_pipeline
from glassnet.files.model_file import _scaler_from_json, _scaler_to_json, network_from_arrays
from glassnet.files.schema import MAX_ITEMS, MAX_STRING, Spec, any_of, boolean, integer, list_of, number, one_of, optional, record, string, table_of, validate
from glassnet.nn.network import Network
from glassnet.train.state import merge_state, split_state

if TYPE_CHECKING:
    from glassnet.estimators.base import _GlassEstimator

ESTIMATOR_FORMAT = "glassnet-estimator"
_ESTIMATOR_FIELDS = ("config", "estimator")
#: tensor names of the optimizer's moments (``optimizer.v.<parameter>``), beside the network's arrays
_OPTIMIZER = "optimizer."


def save_estimator(estimator: Any, path: str | Path, pipeline: dict[str, Any] | None = None) -> None:
    """Write a fitted ``GlassClassifier``/``GlassRegressor`` to ``path``, atomically, in the safe format.

    The file is a model file of format ``glassnet-estimator``: the network's arrays and config as for
    :func:`glassnet.save`, and an ``estimator`` entry (covered by the checksum) holding the constructor arguments
    and fitted labels from :func:`estimator_description`, plus the training state: the optimizer's moments as
    ``optimizer.<moment>.<parameter>`` tensors and its step count and the network's generator state under
    ``training``. :func:`glassnet.load` returns the estimator, ready to predict, and a ``partial_fit`` after
    loading continues exactly as without the round trip; nothing is unpickled. ``pipeline`` is the entry of
    :func:`glassnet.estimators.pipeline_file.pipeline_parts` when the estimator is the last step of a pipeline.
    """
    if getattr(estimator, "network_", None) is None:
        raise ModelFileError(f"{path}: the {type(estimator).__name__} is not fitted; call fit before saving it.")
    network = estimator.network_
    description = estimator_description(estimator)
    if pipeline is not None:
        description["pipeline"] = pipeline
    tensors = dict(network.state_arrays())
    if estimator.optimizer_state_ is not None:
        scalars, moments = split_state(estimator.optimizer_state_)
        tensors.update({f"{_OPTIMIZER}{key}.{name}": array for key, arrays in moments.items() for name, array in arrays.items()})
        description["training"] = {"optimizer_scalars": scalars, "rng": network.rng.bit_generator.state}
    write_container(path, ESTIMATOR_FORMAT, {"config": network.get_config(), "estimator": description}, tensors)


def load_estimator(path: str | Path) -> Any:
    """Read a file written by :func:`save_estimator` back into a fitted estimator (with its optimizer state),
    or into the fitted ``Pipeline`` around it when the file has a ``pipeline`` entry.

    The ``estimator`` entry is checked against :func:`description_schema` and the constructor arguments by the
    estimator's own checks before anything is built; every problem is one :class:`ModelFileError`.
    """
    parsed, tensors = read_container(path, ESTIMATOR_FORMAT, _ESTIMATOR_FIELDS)
    network = network_from_arrays(path, parsed["config"], {name: array for name, array in tensors.items() if not name.startswith(_OPTIMIZER)})
    description = validate(path, "the estimator entry", parsed["estimator"], description_schema(network))
    try:
        estimator = estimator_from_description(description, network)
        training = description.get("training")
        if training is not None:
            _restore_training(path, estimator, training, tensors)
    except GlassnetError as error:
        raise ModelFileError(f"{path}: {error}") from None
    if description.get("pipeline") is not None:
        return rebuild_pipeline(path, description["pipeline"], estimator)
    return estimator


def _restore_training(path: str | Path, estimator: Any, training: Any, tensors: dict[str, np.ndarray]) -> None:
    """Put back the optimizer moments, step count and the network's generator, so ``partial_fit`` continues exactly."""
    from glassnet.nn.builders import build_optimizer

    if not isinstance(training, dict) or not isinstance(training.get("rng"), dict):
        raise DataError(f"the training entry must be a table with 'optimizer_scalars' and 'rng'. Received: {training!r:.200}")
    optimizer = build_optimizer(estimator.optimizer, estimator.learning_rate, beta1=estimator.beta1, beta2=estimator.beta2, epsilon=estimator.epsilon)
    moments: dict[str, dict[str, np.ndarray]] = {}
    for name, array in tensors.items():
        if name.startswith(_OPTIMIZER):
            moment, _, parameter = name[len(_OPTIMIZER) :].partition(".")
            moments.setdefault(moment, {})[parameter] = array
    network = estimator.network_
    estimator.optimizer_state_ = merge_state(optimizer.init(network.parameters()), training.get("optimizer_scalars"), moments, str(path))
    try:
        network.rng.bit_generator.state = training["rng"]
    except (TypeError, ValueError, KeyError) as error:
        raise DataError(f"the generator state cannot be restored ({error}).") from None


def _label_value(value: Any, where: str) -> Any:
    """A class label as JSON holds it: a string, a finite number or a bool."""
    if isinstance(value, str) and len(value) <= MAX_STRING or isinstance(value, bool):
        return value
    return number()(value, where)


def description_schema(network: Network) -> Spec:
    """What the ``estimator`` entry of an estimator file may hold, for a file whose network is ``network``.

    Types, ranges and lengths only; the values of the constructor arguments are then checked by the estimator
    itself (as ``fit`` would). ``classes`` may hold at most as many labels as the network has outputs (2 for one).
    """
    from glassnet.estimators.base import PARAMETERS
    from glassnet.estimators.models import ESTIMATORS

    weight_pairs = record({"pairs": list_of(list_of(_label_value, 2, 2), 4096)})
    params = record({}, {
        "hidden_layer_sizes": list_of(integer(1), 1024), "class_weight": optional(any_of(one_of("balanced"), weight_pairs, expected="'balanced' or weight pairs")),
        "random_state": optional(integer(0, 2**32 - 1)),
        **{name: optional(any_of(boolean, number(), string(64), expected="a bool, a number or a string")) for name in PARAMETERS if name not in _STRUCTURED},
    })
    labels = list_of(_label_value, max(2, network.output_units), 2)
    fitted = record(
        {"n_features_in": integer(1, network.input_units), "n_iter": integer(0), "loss_curve": list_of(number(), MAX_ITEMS)},
        {"feature_names_in": optional(list_of(string(), network.input_units)), "classes": labels, "classes_dtype": string(16),
         "n_outputs": integer(1, network.output_units), "t": integer(0), "target_scaler": optional(table_of(_any, 8))},
    )
    training = record({"optimizer_scalars": table_of(_any, 16), "rng": table_of(_any, 8)})  # values checked by merge_state and the generator
    return record({"class_name": one_of(*ESTIMATORS), "params": params, "fitted": fitted},
                  {"training": training, "pipeline": optional(pipeline_schema(network.input_units))})


def _any(value: Any, where: str) -> Any:
    return value


#: the constructor arguments that are not one bool, number or string (their schemas are spelled out above)
_STRUCTURED = ("hidden_layer_sizes", "class_weight", "random_state")


def estimator_description(estimator: _GlassEstimator) -> dict[str, Any]:
    """What a model file stores beside the network of a fitted estimator, as JSON-able data.

    The class name, the constructor arguments (a ``class_weight`` dict as ``[label, weight]`` pairs, since
    JSON keys are strings; a ``random_state`` that is not an int as None) and the fitted attributes that are
    not arrays of the network: ``classes_`` with its dtype or ``n_outputs_``, ``n_features_in_``,
    ``feature_names_in_``, ``n_iter_``, ``loss_curve_``, a regressor's ``target_scaler_`` (as a model file stores a scaler). The optimizer state is not part of it: :func:`save_estimator`
    stores it beside (moments as tensors, the step count and generator state under ``training``).
    """
    from glassnet.estimators.base import _check_widths
    from glassnet.estimators.models import ESTIMATORS, GlassClassifier
    from sklearn.utils.validation import check_is_fitted

    if type(estimator).__name__ not in ESTIMATORS:
        raise ConfigError(f"Only GlassClassifier and GlassRegressor can be described. Received: {type(estimator).__name__}")
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    params["hidden_layer_sizes"] = list(_check_widths(type(estimator).__name__, "hidden_layer_sizes", params["hidden_layer_sizes"]))
    if not (isinstance(params["random_state"], Integral) and not isinstance(params["random_state"], bool)):
        params["random_state"] = None
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = {"pairs": [[np.asarray(label).tolist(), float(weight)] for label, weight in params["class_weight"].items()]}
    fitted: dict[str, Any] = {"n_features_in": int(estimator.n_features_in_), "n_iter": int(estimator.n_iter_)}
    fitted["loss_curve"] = [float(cost) for cost in estimator.loss_curve_]
    fitted["t"] = int(getattr(estimator, "t_", 0))
    names = getattr(estimator, "feature_names_in_", None)
    fitted["feature_names_in"] = None if names is None else [str(name) for name in names]
    if isinstance(estimator, GlassClassifier):
        fitted["classes"], fitted["classes_dtype"] = estimator.classes_.tolist(), estimator.classes_.dtype.str
    else:
        fitted["n_outputs"] = int(estimator.n_outputs_)
        fitted["target_scaler"] = _scaler_to_json(getattr(estimator, "target_scaler_", None))
    return {"class_name": type(estimator).__name__, "params": params, "fitted": fitted}


def estimator_from_description(description: dict[str, Any], network: Network) -> _GlassEstimator:
    """Rebuild a fitted estimator from :func:`estimator_description` output and its loaded network."""
    from glassnet.estimators.models import ESTIMATORS, GlassClassifier

    if not isinstance(description, dict) or description.get("class_name") not in ESTIMATORS:
        raise DataError(f"Not an estimator description (expected class_name GlassClassifier or GlassRegressor): {description!r:.200}")
    params, fitted = dict(description.get("params", {})), description.get("fitted", {})
    params["hidden_layer_sizes"] = tuple(params.get("hidden_layer_sizes", ()))
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = {label: weight for label, weight in params["class_weight"]["pairs"]}
    try:
        estimator = ESTIMATORS[description["class_name"]](**params)
        estimator._checked_params()  # the constructor arguments, checked as fit checks them
        estimator.n_features_in_ = int(fitted["n_features_in"])
        if fitted.get("feature_names_in") is not None:
            estimator.feature_names_in_ = np.asarray(fitted["feature_names_in"], dtype=object)
        if isinstance(estimator, GlassClassifier):
            dtype = np.dtype(fitted["classes_dtype"])
            if dtype.kind not in "biufUO" or dtype.itemsize > 4096:
                raise ValueError(f"classes_ cannot have dtype {dtype}")
            estimator.classes_ = np.asarray(fitted["classes"], dtype=dtype)
            if estimator.classes_.ndim != 1 or np.unique(estimator.classes_).size != estimator.classes_.size:
                raise ValueError(f"classes_ must be distinct labels, got {fitted['classes']!r:.200}")
            outputs = 1 if len(estimator.classes_) == 2 else len(estimator.classes_)
        else:
            estimator.n_outputs_ = outputs = int(fitted["n_outputs"])
            estimator.target_scaler_ = _scaler_from_json("target_scaler", fitted.get("target_scaler"), outputs)
        estimator.n_iter_, estimator.loss_curve_ = int(fitted["n_iter"]), [float(cost) for cost in fitted["loss_curve"]]
        estimator.t_ = int(fitted.get("t", 0))
        estimator.best_loss_ = None if estimator.early_stopping else min(estimator.loss_curve_, default=None)
    except (TypeError, KeyError, ValueError) as error:
        raise DataError(f"Invalid estimator description: {error!r}") from None
    if (network.input_units, network.output_units) != (estimator.n_features_in_, outputs):
        raise DataError(
            f"The network maps {network.input_units} inputs to {network.output_units} outputs; the estimator description "
            f"needs {estimator.n_features_in_} to {outputs}."
        )
    estimator.network_, estimator.optimizer_state_ = network, None
    estimator.validation_scores_, estimator.best_epoch_ = None, None
    return estimator

