"""ONNX export: a trained network, model file or fitted estimator as a graph any ONNX runtime can serve.

The graph is built node by node with ``onnx.helper`` and reproduces glassnet's inference exactly, batch-first:

=====================  ==========================================================================
glassnet               ONNX nodes (X ``(N, n_features)`` in the network's dtype, float32 or float64)
=====================  ==========================================================================
feature scaler         ``Sub(X, mean)`` → ``Div(·, scale)`` (the ``StandardScaler`` of a model file)
``Dense``              ``MatMul(A, W)`` → ``Add(·, b)``: Z = A·W + b, W ``(n_in, n_out)``
``ReLU``/``Tanh``/     ``Relu`` / ``Tanh`` / ``Sigmoid``
``Sigmoid``
``LeakyReLU``          ``Max(Z, Mul(Z, slope))`` (glassnet's own formula, valid for 0 ≤ slope < 1)
``BatchNorm``          ``BatchNormalization`` in inference form: (Z − running_mean)/√(running_var + ε)·γ + β
``Dropout``            nothing (inverted dropout is the identity at inference)
=====================  ==========================================================================

Outputs follow scikit-learn's ONNX converters (``skl2onnx`` with ``zipmap=False``): a classifier gives
``label`` ``(N,)`` — the class labels themselves (strings or integers) via ``Gather`` of ``ArgMax`` — and
``probabilities`` ``(N, K)`` (``Softmax`` over the logits; for two classes ``[1 − σ(z), σ(z)]``); a regressor
gives ``variable`` ``(N, k)``, mapped back to the target's scale (ŷ = σ·f(x) + μ) when it was trained on a
standardised target.

``onnx`` is imported only when exporting (``pip install 'glassnet[onnx]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import ConfigError
from glassnet.files.atomic import write_bytes_atomic
from glassnet.files.model_file import Model
from glassnet.nn.network import Network

#: the ONNX operator set the graphs use (every operator above exists there with float and double kernels)
OPSET = 17
#: the IR version written (what onnxruntime ≥ 1.17 reads)
IR_VERSION = 8


def export_onnx(model: Any, path: str | Path) -> Path:
    """Write ``model`` (a :class:`Network`, a :class:`Model` or a fitted ``GlassClassifier``/``GlassRegressor``) to
    ``path`` as an ONNX file, atomically; return the path. The graph is checked by ``onnx.checker`` first."""
    import onnx

    graph = to_onnx(model)
    onnx.checker.check_model(graph, full_check=True)
    write_bytes_atomic(path, graph.SerializeToString())
    return Path(path)


def to_onnx(model: Any) -> Any:
    """The ``onnx.ModelProto`` of ``model`` (see the module docstring for the graph)."""
    from onnx import TensorProto, helper

    network, scaler, target_scaler, labels = _parts(model)
    builder = _GraphBuilder(network.dtype)
    tensor_type = TensorProto.DOUBLE if network.dtype == np.float64 else TensorProto.FLOAT
    current = "X"
    if scaler is not None:
        current = builder.node("Sub", current, builder.constant("scaler_mean", scaler.mean_))
        current = builder.node("Div", current, builder.constant("scaler_scale", scaler.scale_))
    for index, layer in enumerate(network.layers):
        current = _layer_nodes(builder, layer, index, current)
    outputs = _head(builder, network, current, target_scaler, labels, tensor_type)
    graph = helper.make_graph(builder.nodes, "glassnet", [helper.make_tensor_value_info("X", tensor_type, [None, network.input_units])],
                              outputs, builder.initializers)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="glassnet")
    onnx_model.ir_version = IR_VERSION
    return onnx_model


def _parts(model: Any) -> tuple[Network, Any, Any, np.ndarray | None]:
    """(network, feature scaler, target scaler, class labels) of whatever was given."""
    if isinstance(model, Network):
        network, scaler, target_scaler, labels = model, None, None, None
    elif isinstance(model, Model):
        network, scaler, target_scaler = model.network, model.scaler, model.target_scaler
        labels = np.asarray(model.class_names, dtype=object) if model.class_names else None
    elif getattr(model, "network_", None) is not None:  # a fitted GlassClassifier / GlassRegressor
        network, scaler, target_scaler = model.network_, None, getattr(model, "target_scaler_", None)
        labels = getattr(model, "classes_", None)
    else:
        raise ConfigError(f"export_onnx expects a Network, a Model or a fitted GlassClassifier/GlassRegressor. Received: {type(model).__name__}")
    if not network.built:
        raise ConfigError("export_onnx: the network has no weights yet; train it (or call build) before exporting.")
    return network, scaler, target_scaler, labels


class _GraphBuilder:
    """Collects nodes and initializers (constants) with unique names; constants take the network's dtype."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def constant(self, name: str, value: Any, dtype: Any = None) -> str:
        from onnx import numpy_helper

        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(numpy_helper.from_array(array, name=name))
        return name

    def node(self, op: str, *inputs: str, output: str | None = None, **attributes: Any) -> str:
        from onnx import helper

        self._count += 1
        output = output or f"{op.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op, list(inputs), [output], **attributes))
        return output


def _layer_nodes(builder: _GraphBuilder, layer: Any, index: int, current: str) -> str:
    """The nodes of one layer at inference, from ``current``; return the name of its output."""
    kind = type(layer).__name__
    if kind == "Dense":
        current = builder.node("MatMul", current, builder.constant(f"layer{index}_W", layer.params["W"]))
        return builder.node("Add", current, builder.constant(f"layer{index}_b", layer.params["b"])) if "b" in layer.params else current
    if kind in ("ReLU", "Tanh", "Sigmoid"):
        return builder.node({"ReLU": "Relu"}.get(kind, kind), current)
    if kind == "LeakyReLU":
        return builder.node("Max", current, builder.node("Mul", current, builder.constant(f"layer{index}_slope", layer.slope)))
    if kind == "BatchNorm":
        names = [builder.constant(f"layer{index}_{name}", array) for name, array in
                 (("gamma", layer.params["gamma"]), ("beta", layer.params["beta"]),
                  ("running_mean", layer.buffers["running_mean"]), ("running_var", layer.buffers["running_var"]))]
        return builder.node("BatchNormalization", current, *names, epsilon=float(layer.epsilon))
    if kind == "Dropout":
        return current
    raise ConfigError(f"export_onnx does not know the layer {kind}; it exports Dense, ReLU, LeakyReLU, Tanh, Sigmoid, BatchNorm and Dropout.")


def _head(builder: _GraphBuilder, network: Network, logits: str, target_scaler: Any, labels: np.ndarray | None, tensor_type: int) -> list:
    """The output nodes: ``variable`` for a regressor, ``label`` and ``probabilities`` for a classifier."""
    from onnx import helper

    if network.task == "regression":
        if target_scaler is None:
            builder.node("Identity", logits, output="variable")
        else:
            scaled = builder.node("Mul", logits, builder.constant("target_scale", target_scaler.scale_))
            builder.node("Add", scaled, builder.constant("target_mean", target_scaler.mean_), output="variable")
        return [helper.make_tensor_value_info("variable", tensor_type, [None, network.output_units])]
    if network.task == "binary":
        positive = builder.node("Sigmoid", logits)
        negative = builder.node("Sub", builder.constant("one", 1.0), positive)
        probabilities = builder.node("Concat", negative, positive, output="probabilities", axis=1)
    else:
        probabilities = builder.node("Softmax", logits, output="probabilities", axis=1)
    n_classes = 2 if network.task == "binary" else network.output_units
    labels = np.arange(n_classes, dtype=np.int64) if labels is None else np.asarray(labels)
    label_dtype, label_type = _label_type(labels)
    index = builder.node("ArgMax", probabilities, axis=1, keepdims=0)
    builder.node("Gather", builder.constant("class_labels", labels, dtype=label_dtype), index, output="label", axis=0)
    return [helper.make_tensor_value_info("label", label_type, [None]),
            helper.make_tensor_value_info(probabilities, tensor_type, [None, n_classes])]


def _label_type(labels: np.ndarray) -> tuple[Any, int]:
    """How class labels are stored: integers as int64, numbers as double, anything else as strings."""
    from onnx import TensorProto

    if labels.dtype.kind in "biu":
        return np.int64, TensorProto.INT64
    if labels.dtype.kind == "f":
        return np.float64, TensorProto.DOUBLE
    return object, TensorProto.STRING
