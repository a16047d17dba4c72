"""Fuzz target (run by test_fuzz_model_files.py in a capped subprocess): structurally valid containers with random
configs, shapes and field types; ``glassnet.load`` must return a working model or raise ModelFileError.

``python fuzz_model_files.py EXAMPLES`` prints ``ok <examples> <loaded> <refused>`` or fails with the
falsifying example.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet
from glassnet.errors import DataError, ModelFileError
from glassnet.estimators.file_format import ESTIMATOR_FORMAT, estimator_description
from glassnet.estimators.models import GlassClassifier, GlassRegressor
from glassnet.files.container import write_container
from glassnet.files.model_file import FORMAT as MODEL_FORMAT
from glassnet.files.model_file import Model
from glassnet.nn.builders import build_network

FOLDER = Path(tempfile.mkdtemp(prefix="glassnet-fuzz-"))
COUNTS = {"loaded": 0, "refused": 0}

json_values = st.recursive(
    st.none() | st.booleans() | st.sampled_from([0, -1, 1, 2, 3, 10**9, 2**40, -(2**63)]) | st.integers(-5, 50)
    | st.floats(allow_nan=False, allow_infinity=False, width=32) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
shapes = st.lists(st.integers(0, 6), min_size=0, max_size=3) | st.sampled_from([[2**31, 0], [0], [10**6, 0, 3]])


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place inside a JSON value (as a key path), the value itself included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = replaced(copy[head], rest, new)
    return copy


@st.composite
def containers(draw) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
    """A real small model or estimator file's fields and tensors, with a few random changes."""
    widths = tuple(draw(st.lists(st.integers(1, 4), max_size=2)))
    task = draw(st.sampled_from(["binary", "multiclass", "regression"]))
    n_inputs, n_outputs = draw(st.integers(1, 4)), {"binary": 2, "multiclass": 3, "regression": 1}[task]
    network = build_network(n_outputs, widths, draw(st.sampled_from(["relu", "tanh"])), task, seed=0,
                            batchnorm=draw(st.booleans()), keep_prob=draw(st.sampled_from([1.0, 0.5])))
    network.build(n_inputs)
    tensors = dict(network.state_arrays())
    if draw(st.booleans()):
        file_format = MODEL_FORMAT
        names = [str(k) for k in range(n_outputs)] if task != "regression" else []
        fields = {"config": network.get_config(), "preprocessing": None,
                  "labels": {"class_names": names, "feature_names": [f"x{i}" for i in range(n_inputs)], "target_name": "y"}}
    else:
        file_format = ESTIMATOR_FORMAT
        kind = GlassRegressor if task == "regression" else GlassClassifier
        estimator = kind(hidden_layer_sizes=widths, epochs=1)
        estimator.network_, estimator.n_features_in_, estimator.n_iter_, estimator.loss_curve_ = network, n_inputs, 1, [0.5]
        if task == "regression":
            estimator.n_outputs_ = 1
        else:
            estimator.classes_ = np.arange(n_outputs)
        fields = {"config": network.get_config(), "estimator": estimator_description(estimator)}
    for _ in range(draw(st.integers(0, 3))):  # 0: the file as saved, which must load and predict
        change = draw(st.sampled_from(["field", "shape", "dtype", "drop", "add"]))
        if change == "field":
            name = draw(st.sampled_from(sorted(fields)))
            where = draw(st.sampled_from(paths(fields[name])))
            fields[name] = replaced(fields[name], where, draw(json_values))
        elif change in ("shape", "dtype", "drop") and tensors:
            key = draw(st.sampled_from(sorted(tensors)))
            if change == "drop":
                del tensors[key]
            else:
                dtype = draw(st.sampled_from([np.float32, np.float64, np.int32])) if change == "dtype" else tensors[key].dtype
                shape = draw(shapes) if change == "shape" else tensors[key].shape
                tensors[key] = np.full(shape, draw(st.sampled_from([0.0, 1.0, 1e30])), dtype=dtype)
        else:
            tensors[draw(st.text(min_size=1, max_size=10))] = np.ones(draw(st.lists(st.integers(1, 3), max_size=2)), dtype=np.float32)
    return file_format, fields, tensors


@settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 50, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), database=None)
@given(containers())
def load_returns_a_working_model_or_refuses(example: tuple[str, dict[str, Any], dict[str, np.ndarray]]) -> None:
    file_format, fields, tensors = example
    path = FOLDER / "fuzz.safetensors"
    try:
        write_container(path, file_format, fields, tensors)
    except (TypeError, ValueError):  # a value json cannot write: not a file anyone can make this way
        return
    try:
        loaded = glassnet.load(path)
    except ModelFileError:
        COUNTS["refused"] += 1
        return
    COUNTS["loaded"] += 1
    network = loaded.network if isinstance(loaded, Model) else loaded.network_
    X = np.random.default_rng(0).normal(size=(5, network.input_units))
    try:
        outputs = loaded.predict(X)
    except DataError as error:  # e.g. outputs that overflow: a one-line error naming the rows
        assert "not finite" in str(error), error
        return
    assert len(outputs) == 5


if __name__ == "__main__":
    load_returns_a_working_model_or_refuses()
    examples = COUNTS["loaded"] + COUNTS["refused"]
    print("ok", examples, COUNTS["loaded"], COUNTS["refused"])
