"""Model files: a trained network, its preprocessing and class names in one safetensors file.

``save_model(network, path)`` writes every array of ``network.state_arrays()`` (parameters and buffers such
as BatchNorm running statistics) as a named tensor, and these metadata entries (strings):

==================  ==========================================================================
``format``           ``"glassnet-model"``
``format_version``   ``"1"``
``glassnet_version`` the version that wrote the file (informative only)
``config``           the network config (layers, loss, l2, dtype, input width) as JSON
``preprocessing``    the scaler fitted on the training rows, ``{"scaler": "StandardScaler", "mean": [...],
                     "scale": [...]}`` as JSON, or ``null``
``labels``           ``{"class_names": [...], "feature_names": [...], "target_name": ...,
                     "target_scaler": ...}`` as JSON; ``target_scaler`` (regression) is the
                     target's standardisation, in the scaler's form above, or ``null``/absent
``split``            optional (files before it load without it): how the data was split, as JSON —
                     ``{"seed", "fractions", "train_dev", "data": {"rows", "columns", "sha256"}, "drop"}``
                     (:class:`~glassnet.data.splits.SplitRecipe`), so ``evaluate`` can score the test rows only
``sha256``           SHA-256 over everything that affects predictions (below)
==================  ==========================================================================

The checksum covers the format version, the config, preprocessing, labels (and split) strings, and for each
tensor (sorted by name) its name, dtype, shape and bytes, each length-prefixed so no two different
files hash the same input. :func:`load_model_file` reads the header, verifies the checksum, then checks the config
(every class must be registered, every size bounded by the stored tensors) *before* building anything,
and finally requires the built network's arrays to match the stored tensors in name, dtype and shape.
Every problem raises one :class:`ModelFileError` naming the file. Nothing is ever unpickled or executed:
the file is JSON and raw little-endian array bytes, and only registered glassnet classes can be built.

The format is generic over layers: a new layer type needs no change here, because it is described by
its config and its ``params``/``buffers`` arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from glassnet.data.splits import SplitRecipe
from glassnet.data.target_scaling import unscale_target
from glassnet.errors import DataError, GlassnetError, ModelFileError
from glassnet.files.container import read_container, write_container
from glassnet.files.schema import MAX_STRING
from glassnet.nn.network import Network

FORMAT = "glassnet-model"
_CHECKED_FIELDS = ("config", "preprocessing", "labels")


def _integers(value: Any) -> Iterable[int]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _integers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _integers(item)


def network_from_arrays(path: str | Path, config: Any, tensors: Mapping[str, np.ndarray], prefix: str = "") -> Network:
    """Build the network of ``config`` and load ``tensors`` (named ``prefix + state name``) into it.

    Before anything is allocated: the config must name registered classes only; every integer in the
    layer configs and the input width must be at most the largest dimension of a stored tensor (a
    layer wider than every stored array cannot match them); and a layer that sets a width (``units``)
    must not bring the weights needed so far (Σ input width × units) above what the file stores. So a hostile
    config is refused instead of built, whatever checksum it carries.
    """
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ModelFileError(f"{path}: the network config must be a table with a 'layers' list.")
    input_units = config.get("input_units")
    if isinstance(input_units, bool) or not isinstance(input_units, int) or input_units < 1:
        raise ModelFileError(f"{path}: the network config needs a positive integer 'input_units'. Received: {input_units!r}")
    stored = {name[len(prefix) :]: array for name, array in tensors.items() if name.startswith(prefix)}
    empty = sorted(name for name, array in stored.items() if array.size == 0)
    if empty:  # every array of a network has at least one number; an empty one could declare any width for free
        raise ModelFileError(f"{path}: array {empty[0]!r} is empty (shape {list(stored[empty[0]].shape)}); a network stores no empty arrays.")
    largest = max((max(array.shape, default=1) for array in stored.values()), default=0)
    for value in (input_units, *_integers(config["layers"])):
        if value > largest:
            raise ModelFileError(f"{path}: the config asks for a size of {value}, larger than any stored array (at most {largest}); refusing to build it.")
    stored_elements, width, needed = sum(array.size for array in stored.values()), input_units, 0
    for index, layer in enumerate(config["layers"]):
        units = layer.get("config", {}).get("units") if isinstance(layer, dict) and isinstance(layer.get("config"), dict) else None
        if isinstance(units, int) and not isinstance(units, bool):
            needed += width * units
            if needed > stored_elements:
                raise ModelFileError(f"{path}: layers 0 to {index} would need {needed} weights; the file stores {stored_elements} numbers in all.")
            width = units
    try:
        network = Network.from_config({**config, "input_units": None})
        network.build(input_units)
    except (GlassnetError, TypeError, ValueError, KeyError, AttributeError, IndexError) as error:
        raise ModelFileError(f"{path}: invalid network config: {str(error)[:300]}") from None
    expected = network.state_arrays()
    if set(expected) != set(stored):
        missing, extra = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
        raise ModelFileError(f"{path}: the stored arrays do not match the config: missing {missing}, unexpected {extra}.")
    for name, target in expected.items():
        array = stored[name]
        if array.shape != target.shape or array.dtype != target.dtype:
            raise ModelFileError(f"{path}: array {name!r} is {array.dtype}{list(array.shape)}; the config expects {target.dtype}{list(target.shape)}.")
        if not np.all(np.isfinite(array)):
            raise ModelFileError(f"{path}: array {name!r} contains NaN or inf.")
    network.load_state_arrays(dict(stored))
    return network


@dataclass
class Model:
    """A network with what it needs to read raw data: the scaler, class names and feature names.

    ``predict(X_raw)`` standardises with the stored scaler (as training did), runs the network at
    inference, and returns class names (or indices when there are none) or regression values — on the
    target's own scale: with a ``target_scaler`` (the network was trained on the standardised target)
    the outputs are mapped back, ŷ = σ·f(x) + μ.
    """

    network: Network
    scaler: Any = None
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    target_name: str | None = None
    split: SplitRecipe | None = None
    target_scaler: Any = None

    @property
    def task(self) -> str:
        return self.network.task

    def transform(self, X: Any) -> np.ndarray:
        """Raw features ``(m, n_features)`` → the network's input: scaled as on the training rows, in its dtype.

        The raw values are read in the network's dtype (float32 as the training data was, float64 for a
        float64 network, which would otherwise see inputs rounded to float32).
        """
        X = np.asarray(X, dtype=self.network.dtype)
        if self.scaler is not None:
            if X.ndim != 2 or X.shape[1] != self.scaler.n_features_in_:
                raise DataError(f"The model expects {self.scaler.n_features_in_} feature columns. Received an array of shape {X.shape}.")
            X = self.scaler.transform(X)
        return X.astype(self.network.dtype)

    def logits(self, X: Any, rows: np.ndarray | None = None) -> np.ndarray:
        """The network's outputs ``(m, n_outputs)`` on raw features; a row whose output is NaN or ±inf (inputs far
        outside what the model saw, or overflowing weights) raises :class:`DataError` naming the rows (counted from 1).

        ``rows`` ``(m,)``: the data's row (from 0) each row of ``X`` is, when ``X`` is a part of the data, so the
        message names the data's rows."""
        with np.errstate(over="ignore", invalid="ignore"):
            outputs = self.network.forward(self.transform(X))
        bad = np.flatnonzero(~np.all(np.isfinite(outputs.reshape(len(outputs), -1)), axis=1))
        if bad.size:
            numbers = bad if rows is None else np.sort(np.asarray(rows)[bad])
            shown = ", ".join(str(i + 1) for i in numbers[:10]) + (", ..." if bad.size > 10 else "")
            raise DataError(f"The model's output is not finite (NaN or inf) for {bad.size} row(s): {shown}; their values are too large for this model.")
        return outputs

    def predict_indices(self, X: Any, rows: np.ndarray | None = None) -> np.ndarray:
        """Class indices ``(m,)``, or the network's outputs for regression (``rows`` as for :meth:`logits`)."""
        return self.network.loss.predict(self.logits(X, rows))

    def predict(self, X: Any, rows: np.ndarray | None = None) -> np.ndarray:
        """Class names ``(m,)`` (indices if the model has no names), or values for regression (``rows`` as for :meth:`logits`)."""
        predictions = self.predict_indices(X, rows)
        if self.task == "regression":
            return unscale_target(self.target_scaler, predictions)
        if self.class_names:
            return np.asarray(self.class_names, dtype=object)[predictions]
        return predictions

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(m, K)`` in the order of ``class_names``."""
        if self.task == "regression":
            return self.network.predict_proba(X)  # raises: a regressor has no probabilities
        return self.network.loss.predict_proba(self.logits(X))


def _scaler_to_json(scaler: Any) -> dict[str, Any] | None:
    if scaler is None:
        return None
    return {"scaler": "StandardScaler", "mean": [float(v) for v in scaler.mean_], "scale": [float(v) for v in scaler.scale_]}


def _scaler_from_json(path: str | Path, data: Any, n_features: int) -> Any:
    if data is None:
        return None
    from sklearn.preprocessing import StandardScaler

    ok = isinstance(data, dict) and data.get("scaler") == "StandardScaler"
    mean, scale = (np.asarray(data.get(key), dtype=object) if ok else None for key in ("mean", "scale"))
    numeric = ok and all(
        array.ndim == 1 and array.size == n_features and all(isinstance(v, float) and np.isfinite(v) for v in array)
        for array in (mean, scale)
    )
    if not numeric or not all(v > 0 for v in scale):
        raise ModelFileError(f"{path}: the preprocessing must be a StandardScaler with {n_features} finite means and positive scales.")
    scaler = StandardScaler()
    scaler.mean_ = mean.astype(np.float64)
    scaler.scale_ = scale.astype(np.float64)
    scaler.var_ = scaler.scale_**2
    scaler.n_features_in_ = n_features
    scaler.n_samples_seen_ = 0
    return scaler


def _strings(path: str | Path, labels: dict[str, Any], key: str, count: int | None) -> list[str]:
    value = labels.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= MAX_STRING for v in value) or (value and count is not None and len(value) != count):
        raise ModelFileError(f"{path}: {key!r} must be a list of {count if count is not None else 'any number of'} strings. Received: {value!r:.200}")
    return value



def _split_from_json(path: str | Path, data: Any) -> SplitRecipe | None:
    """The stored split recipe, checked field by field (None when the file has none)."""
    if data is None:
        return None
    fingerprint = data.get("data") if isinstance(data, dict) else None
    checks = isinstance(data, dict) and isinstance(fingerprint, dict) and [
        isinstance(data.get("seed"), int) and not isinstance(data.get("seed"), bool) and data["seed"] >= 0,
        isinstance(data.get("fractions"), list) and len(data["fractions"]) == 3 and all(isinstance(f, float) and 0 < f < 1 for f in data["fractions"]),
        isinstance(data.get("train_dev"), (int, float)) and not isinstance(data.get("train_dev"), bool) and 0.0 <= data["train_dev"] <= 0.5,
        all(isinstance(fingerprint.get(key), int) and not isinstance(fingerprint.get(key), bool) and fingerprint[key] >= 1 for key in ("rows", "columns")),
        isinstance(fingerprint.get("sha256"), str) and len(fingerprint["sha256"]) == 64 and all(c in "0123456789abcdef" for c in fingerprint["sha256"]),
        isinstance(data.get("drop", []), list) and all(isinstance(name, str) for name in data.get("drop", [])),
    ]
    if not checks or not all(checks) or abs(sum(data["fractions"]) - 1.0) > 1e-6:
        raise ModelFileError(f"{path}: the split recipe must hold a seed ≥ 0, three fractions summing to 1, a train-dev fraction in [0, 0.5], "
                             f"the data's rows, columns and SHA-256, and the dropped column names. Received: {data!r}"[:400])
    data_fields = {key: fingerprint[key] for key in ("rows", "columns", "sha256")}
    return SplitRecipe(data["seed"], tuple(data["fractions"]), float(data["train_dev"]), data_fields, tuple(data.get("drop", [])))


def save_model(model: "Network | Model", path: str | Path, *, scaler: Any = None, class_names: Iterable[str] | None = None,
               feature_names: Iterable[str] | None = None, target_name: str | None = None) -> None:
    """Write a trained network (or a :class:`Model`) to ``path`` as a safetensors model file, atomically.

    ``scaler`` is a fitted ``StandardScaler`` applied to raw inputs; ``class_names`` label the outputs.
    A :class:`Model`'s ``target_scaler`` is stored with the labels.
    """
    target_scaler = None
    if isinstance(model, Model):
        target_scaler = model.target_scaler
        network = model.network
        scaler = model.scaler if scaler is None else scaler
        class_names = model.class_names if class_names is None else class_names
        feature_names = model.feature_names if feature_names is None else feature_names
        target_name = model.target_name if target_name is None else target_name
    elif isinstance(model, Network):
        network = model
    else:
        raise ModelFileError(f"save_model expects a Network or a Model. Received: {type(model).__name__}")
    if not network.built:
        raise ModelFileError(f"{path}: the network has no weights yet; train it (or call build) before saving.")
    fields = {
        "config": network.get_config(),
        "preprocessing": _scaler_to_json(scaler),
        "labels": {"class_names": [str(c) for c in class_names or []], "feature_names": [str(f) for f in feature_names or []], "target_name": target_name,
                   "target_scaler": _scaler_to_json(target_scaler)},
    }
    if isinstance(model, Model) and model.split is not None:
        fields["split"] = model.split.to_dict()
    write_container(path, FORMAT, fields, network.state_arrays())


def load_model_file(path: str | Path) -> Model:
    """Read a model file written by :func:`save_model`; a malformed or tampered file raises :class:`ModelFileError`."""
    parsed, tensors = read_container(path, FORMAT, _CHECKED_FIELDS, optional=("split",))
    network = network_from_arrays(path, parsed["config"], tensors)
    labels = parsed["labels"] if isinstance(parsed["labels"], dict) else {}
    n_classes = {"binary": 2, "multiclass": network.output_units, "regression": 0}[network.task]
    class_names = _strings(path, labels, "class_names", n_classes)
    feature_names = _strings(path, labels, "feature_names", network.input_units)
    target_name = labels.get("target_name")
    if target_name is not None and (not isinstance(target_name, str) or len(target_name) > MAX_STRING):
        raise ModelFileError(f"{path}: 'target_name' must be a string or null. Received: {target_name!r:.200}")
    scaler = _scaler_from_json(path, parsed["preprocessing"], network.input_units)
    target_scaler = _scaler_from_json(path, labels.get("target_scaler"), network.output_units) if network.task == "regression" else None
    if labels.get("target_scaler") is not None and target_scaler is None:
        raise ModelFileError(f"{path}: a target scaler belongs to a regression model; this one is a {network.task} classifier.")
    return Model(network, scaler, class_names, feature_names, target_name, _split_from_json(path, parsed.get("split")), target_scaler)
