"""Model files: a trained network, its preprocessing and class names in one safetensors file.

``save(network, path)`` writes every array of ``network.state_arrays()`` (parameters and buffers such
as BatchNorm running statistics) as a named tensor, and these metadata entries (strings):

==================  ==========================================================================
``format``           ``"glassnet-model"``
``format_version``   ``"1"``
``glassnet_version`` the version that wrote the file (informative only)
``config``           the network config (layers, loss, l2, dtype, input width) as JSON
``preprocessing``    the scaler fitted on the training rows, ``{"scaler": "StandardScaler", "mean": [...],
                     "scale": [...]}`` as JSON, or ``null``
``labels``           ``{"class_names": [...], "feature_names": [...], "target_name": ...}`` as JSON
``sha256``           SHA-256 over everything that affects predictions (below)
==================  ==========================================================================

The checksum covers the format version, the config, preprocessing and labels strings, and for each
tensor (sorted by name) its name, dtype, shape and bytes, each length-prefixed so no two different
files hash the same input. :func:`load` reads the header, verifies the checksum, then checks the config
(every class must be registered, every size bounded by the stored tensors) *before* building anything,
and finally requires the built network's arrays to match the stored tensors in name, dtype and shape.
Every problem raises one :class:`ModelFileError` naming the file. Nothing is ever unpickled or executed:
the file is JSON and raw little-endian array bytes, and only registered glassnet classes can be built.

The format is generic over layers: a new layer type needs no change here, because it is described by
its config and its ``params``/``buffers`` arrays.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .errors import DataError, GlassnetError, ModelFileError
from .network import Network

FORMAT = "glassnet-model"
FORMAT_VERSION = "1"
#: a safetensors header larger than this is refused before it is parsed
MAX_HEADER_BYTES = 16 * 1024 * 1024
_CHECKED_FIELDS = ("config", "preprocessing", "labels")


# ---------------------------------------------------------------------------------------------- atomic files
def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one, never a mix.

    The bytes go to a temporary file in the same folder, which is flushed and fsync'ed, then moved over
    ``path`` with ``os.replace`` (atomic on POSIX and Windows), and the folder itself is fsync'ed so the
    new name survives a power cut.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(folder)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> None:
    """:func:`write_bytes_atomic` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"))


def fsync_folder(folder: str | Path) -> None:
    """Flush a folder's entries (new and removed names) to disk; a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------------------------------------- checksum + container
def checksum(fields: Mapping[str, str], tensors: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) over the given metadata strings (in the given order) and every tensor, sorted by name."""
    digest = hashlib.sha256()

    def feed(chunk: bytes) -> None:
        digest.update(struct.pack("<Q", len(chunk)))
        digest.update(chunk)

    for key, value in fields.items():
        feed(key.encode("utf-8"))
        feed(value.encode("utf-8"))
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        feed(name.encode("utf-8"))
        feed(array.dtype.str.encode("ascii"))
        feed(json.dumps(list(array.shape)).encode("ascii"))
        feed(array.tobytes())
    return digest.hexdigest()


def pack(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bytes:
    """The safetensors bytes of ``tensors`` (little-endian, C order) with string ``metadata``."""
    from safetensors.numpy import save

    return save({name: np.ascontiguousarray(value) for name, value in tensors.items()}, metadata=dict(metadata))


def unpack(path: str | Path, data: bytes) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Parse safetensors bytes into (metadata, tensors); anything malformed raises :class:`ModelFileError`."""
    from safetensors.numpy import load

    if len(data) < 8:
        raise ModelFileError(f"{path}: too short to be a safetensors file ({len(data)} bytes).")
    (header_size,) = struct.unpack("<Q", data[:8])
    if header_size > min(MAX_HEADER_BYTES, len(data) - 8):
        raise ModelFileError(f"{path}: not a safetensors file (its size field claims a {header_size}-byte header; {len(data) - 8} bytes follow).")
    try:
        header = json.loads(data[8 : 8 + header_size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: the header is not valid JSON ({error}).") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ModelFileError(f"{path}: no glassnet metadata in the header (expected a '__metadata__' table of strings).")
    try:
        tensors = load(data)
    except Exception as error:  # the safetensors parser reports any malformed layout with its own exception type
        raise ModelFileError(f"{path}: not a valid safetensors file ({error}).") from None
    return metadata, tensors


def read_container(path: str | Path, expected_format: str, fields: Iterable[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a glassnet safetensors file of ``expected_format``, verify its checksum, parse ``fields`` as JSON."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file.") from None
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be read ({error.strerror or error}).") from None
    metadata, tensors = unpack(path, data)
    if metadata.get("format") != expected_format:
        raise ModelFileError(f"{path}: not a {expected_format} file (format {metadata.get('format')!r}).")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: format version {metadata.get('format_version')!r} is not supported; this glassnet reads version {FORMAT_VERSION}.")
    fields = ("format_version", *fields)
    missing = [name for name in (*fields, "sha256") if name not in metadata]
    if missing:
        raise ModelFileError(f"{path}: the metadata lacks {missing}.")
    if checksum({name: metadata[name] for name in fields}, tensors) != metadata["sha256"]:
        raise ModelFileError(f"{path}: checksum mismatch: the file was changed or damaged after it was written.")
    parsed: dict[str, Any] = {}
    for name in fields[1:]:
        try:
            parsed[name] = json.loads(metadata[name])
        except json.JSONDecodeError as error:
            raise ModelFileError(f"{path}: metadata entry {name!r} is not valid JSON ({error}).") from None
    return parsed, tensors


def write_container(path: str | Path, file_format: str, fields: Mapping[str, Any], tensors: Mapping[str, np.ndarray]) -> None:
    """Write ``tensors`` with ``fields`` (each stored as JSON) and their checksum, atomically."""
    from . import __version__

    strings = {"format_version": FORMAT_VERSION, **{name: json.dumps(value, default=_plain) for name, value in fields.items()}}
    metadata = {"format": file_format, "glassnet_version": __version__, **strings, "sha256": checksum(strings, tensors)}
    write_bytes_atomic(path, pack(tensors, metadata))


def _plain(value: Any) -> Any:
    """JSON fallback for NumPy scalars and tuples inside configs and history records."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# ---------------------------------------------------------------------------------------------- network from config
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
    except GlassnetError as error:
        raise ModelFileError(f"{path}: invalid network config: {error}") from None
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


# ---------------------------------------------------------------------------------------------- models
@dataclass
class Model:
    """A network with what it needs to read raw data: the scaler, class names and feature names.

    ``predict(X_raw)`` standardises with the stored scaler (as training did), runs the network at
    inference, and returns class names (or indices when there are none) or regression values.
    """

    network: Network
    scaler: Any = None
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    target_name: str | None = None

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

    def predict(self, X: Any) -> np.ndarray:
        """Class names ``(m,)`` (indices if the model has no names), or values for regression."""
        predictions = self.network.predict(self.transform(X))
        if self.task != "regression" and self.class_names:
            return np.asarray(self.class_names, dtype=object)[predictions]
        return predictions

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(m, K)`` in the order of ``class_names``."""
        return self.network.predict_proba(self.transform(X))


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
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or (value and count is not None and len(value) != count):
        raise ModelFileError(f"{path}: {key!r} must be a list of {count if count is not None else 'any number of'} strings. Received: {value!r}")
    return value


def save(model: "Network | Model | Any", path: str | Path, *, scaler: Any = None, class_names: Iterable[str] | None = None,
         feature_names: Iterable[str] | None = None, target_name: str | None = None) -> None:
    """Write a trained network (or a :class:`Model`) to ``path`` as a safetensors model file, atomically.

    ``scaler`` is a fitted ``StandardScaler`` applied to raw inputs; ``class_names`` label the outputs.
    A fitted ``GlassClassifier``/``GlassRegressor`` is written by :func:`save_estimator`.
    """
    if isinstance(model, Model):
        network = model.network
        scaler = model.scaler if scaler is None else scaler
        class_names = model.class_names if class_names is None else class_names
        feature_names = model.feature_names if feature_names is None else feature_names
        target_name = model.target_name if target_name is None else target_name
    elif isinstance(model, Network):
        network = model
    elif _is_glass_estimator(model):
        save_estimator(model, path)
        return
    else:
        raise ModelFileError(f"save expects a Network, a Model or a fitted GlassClassifier/GlassRegressor. Received: {type(model).__name__}")
    if not network.built:
        raise ModelFileError(f"{path}: the network has no weights yet; train it (or call build) before saving.")
    fields = {
        "config": network.get_config(),
        "preprocessing": _scaler_to_json(scaler),
        "labels": {"class_names": [str(c) for c in class_names or []], "feature_names": [str(f) for f in feature_names or []], "target_name": target_name},
    }
    write_container(path, FORMAT, fields, {name: value for name, value in network.state_arrays().items()})


def load(path: str | Path) -> "Model | Any":
    """Read a model file written by :func:`save`; a malformed or tampered file raises :class:`ModelFileError`.

    Returns a :class:`Model`, or the fitted estimator for a file that :func:`save_estimator` wrote.
    """
    if _stored_format(path) == ESTIMATOR_FORMAT:
        return load_estimator(path)
    parsed, tensors = read_container(path, FORMAT, _CHECKED_FIELDS)
    network = network_from_arrays(path, parsed["config"], tensors)
    labels = parsed["labels"] if isinstance(parsed["labels"], dict) else {}
    n_classes = {"binary": 2, "multiclass": network.output_units, "regression": 0}[network.task]
    class_names = _strings(path, labels, "class_names", n_classes)
    feature_names = _strings(path, labels, "feature_names", network.input_units)
    target_name = labels.get("target_name")
    if target_name is not None and not isinstance(target_name, str):
        raise ModelFileError(f"{path}: 'target_name' must be a string or null. Received: {target_name!r}")
    scaler = _scaler_from_json(path, parsed["preprocessing"], network.input_units)
    return Model(network, scaler, class_names, feature_names, target_name)


# ---------------------------------------------------------------------------------------------- scikit-learn estimators
ESTIMATOR_FORMAT = "glassnet-estimator"
_ESTIMATOR_FIELDS = ("config", "estimator")


def save_estimator(estimator: Any, path: str | Path) -> None:
    """Write a fitted ``GlassClassifier``/``GlassRegressor`` to ``path``, atomically, in the safe format.

    The file is a model file of format ``glassnet-estimator``: the network's arrays and config as for
    :func:`save`, and an ``estimator`` entry (covered by the checksum) holding the constructor arguments
    and fitted labels from :func:`glassnet.estimators.estimator_description`. :func:`load` returns the
    estimator, ready to predict; nothing is unpickled.
    """
    from .estimators import estimator_description

    if getattr(estimator, "network_", None) is None:
        raise ModelFileError(f"{path}: the {type(estimator).__name__} is not fitted; call fit before saving it.")
    network = estimator.network_
    fields = {"config": network.get_config(), "estimator": estimator_description(estimator)}
    write_container(path, ESTIMATOR_FORMAT, fields, network.state_arrays())


def load_estimator(path: str | Path) -> Any:
    """Read a file written by :func:`save_estimator` back into a fitted estimator."""
    from .estimators import estimator_from_description

    parsed, tensors = read_container(path, ESTIMATOR_FORMAT, _ESTIMATOR_FIELDS)
    network = network_from_arrays(path, parsed["config"], tensors)
    try:
        return estimator_from_description(parsed["estimator"], network)
    except GlassnetError as error:
        raise ModelFileError(f"{path}: {error}") from None


def load_model(path: str | Path) -> Model:
    """:func:`load`, but always a :class:`Model` (what the CLI's ``evaluate`` and ``predict`` use).

    A file written by :func:`save_estimator` becomes its network with the estimator's labels as class
    names and its feature names (no scaler: a scaler inside a pipeline is not part of the estimator).
    """
    loaded = load(path)
    if isinstance(loaded, Model):
        return loaded
    class_names = [str(label) for label in getattr(loaded, "classes_", [])]
    feature_names = [str(name) for name in getattr(loaded, "feature_names_in_", [])]
    return Model(loaded.network_, None, class_names, feature_names)


def _is_glass_estimator(value: Any) -> bool:
    """True for a GlassClassifier/GlassRegressor; never imports scikit-learn to answer for other objects."""
    module = sys.modules.get(f"{__package__}.estimators")
    return module is not None and isinstance(value, tuple(module.ESTIMATORS.values()))


def _stored_format(path: str | Path) -> str | None:
    """The ``format`` metadata entry of a safetensors file, or None where it cannot be read (load then says why)."""
    try:
        with open(path, "rb") as handle:
            (header_size,) = struct.unpack("<Q", handle.read(8))
            if header_size > MAX_HEADER_BYTES:
                return None
            header = json.loads(handle.read(header_size).decode("utf-8"))
        file_format = header["__metadata__"]["format"]
    except (OSError, struct.error, ValueError, KeyError, TypeError):
        return None
    return file_format if isinstance(file_format, str) else None
