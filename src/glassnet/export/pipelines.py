"""A glassnet estimator inside a scikit-learn ``Pipeline`` converts with ``skl2onnx.to_onnx``.

:func:`register_skl2onnx` (call it once, before converting) registers a converter for ``GlassClassifier`` and
``GlassRegressor`` with skl2onnx. The converter builds the estimator's graph with :func:`glassnet.export.onnx.to_onnx`
and splices its nodes and constants into the pipeline's graph, under names skl2onnx makes unique::

    input (float from the step before) → Cast to the network's dtype → glassnet's nodes
        → label, probabilities (classifier; skl2onnx adds its ZipMap unless ``zipmap=False``) or variable (regressor),
          cast to the pipeline's float type

The shapes and output types are skl2onnx's own for linear classifiers and regressors, so the pipeline's outputs
look like those of any scikit-learn model.
"""

from __future__ import annotations

from typing import Any

#: skl2onnx aliases of the two estimators
ALIASES = {"GlassClassifier": "GlassnetGlassClassifier", "GlassRegressor": "GlassnetGlassRegressor"}
#: the standalone graph's names of its input and outputs, replaced by the pipeline's variables
_PORTS = ("X", "label", "probabilities", "variable")


def register_skl2onnx() -> None:
    """Register the converters of ``GlassClassifier`` and ``GlassRegressor`` with skl2onnx (idempotent)."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes, calculate_linear_regressor_output_shapes

    from glassnet.estimators.models import GlassClassifier, GlassRegressor

    update_registered_converter(GlassClassifier, ALIASES["GlassClassifier"], calculate_linear_classifier_output_shapes, _convert,
                                options={"zipmap": [True, False, "columns"], "nocl": [True, False]})
    update_registered_converter(GlassRegressor, ALIASES["GlassRegressor"], calculate_linear_regressor_output_shapes, _convert)


def _convert(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx's converter hook: the estimator's own graph, spliced between the operator's input and outputs."""
    from onnx import helper, numpy_helper

    from glassnet.export.onnx import OPSET, to_onnx

    graph = to_onnx(operator.raw_operator).graph
    prefix = scope.get_unique_variable_name("glassnet") + "_"
    names = {"X": prefix + "X"}
    for port, variable in zip(_output_ports(graph), operator.outputs):
        names[port] = prefix + port
        container.add_node("Cast", [names[port]], [variable.full_name], name=scope.get_unique_operator_name("Cast"),
                           to=variable.type.to_onnx_type().tensor_type.elem_type)
    network_type = graph.input[0].type.tensor_type.elem_type
    container.add_node("Cast", [operator.inputs[0].full_name], [names["X"]], name=scope.get_unique_operator_name("Cast"), to=network_type)
    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor)
        container.add_initializer(prefix + tensor.name, tensor.data_type, list(array.shape), array.ravel().tolist())
    for node in graph.node:
        rename = [names.get(name, prefix + name) for name in node.input], [names.get(name, prefix + name) for name in node.output]
        attributes = {attribute.name: helper.get_attribute_value(attribute) for attribute in node.attribute}
        container.add_node(node.op_type, *rename, op_version=OPSET, name=scope.get_unique_operator_name(node.op_type), **attributes)


def _output_ports(graph: Any) -> list[str]:
    """The standalone graph's output names in skl2onnx's order (label, probabilities — or variable)."""
    outputs = [output.name for output in graph.output]
    return [port for port in _PORTS if port in outputs]
