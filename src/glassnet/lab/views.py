"""What the page draws for a network at one moment: a JSON-able "view".

All at inference (no dropout, batch norm's running statistics), from the training thread between two
epochs, so the arrays are consistent:

- ``boundary`` (2-D sets): on the ``GRID × GRID`` grid, the predicted class of each cell and its
  confidence (p_max − 1/K)/(1 − 1/K) in [0, 1], each as ``GRID²`` bytes (row-major, top row first),
  base64-encoded; the page colours a cell by class and fades it by confidence.
- ``units`` (2-D sets): for each of the first :data:`MAX_MAPPED_LAYERS` hidden layers, each of its first
  :data:`MAX_UNIT_MAPS` units' activation a on the ``HEAT × HEAT`` grid, scaled to a/max|a| ∈ [−1, 1] and
  stored as bytes round(127.5·(a/max|a| + 1)).
- ``norms``: for each Dense layer l, the Frobenius norms ‖W_l‖ and ‖dW_l‖ (the gradient of the last
  mini-batch): vanishing or exploding gradients show as norms that shrink or grow layer by layer.
- ``metrics``: train and dev cost, accuracy and error (train measured at inference on all its rows; a
  non-finite cost is None).
- ``confusion`` (every set): counts[i][j] of dev rows of class i predicted as j.
- ``misclassified`` (digits): up to :data:`MAX_DIGITS` dev images the network gets wrong, 8×8 bytes each.
- ``advice``: :func:`glassnet.strategy.diagnose.diagnose` of the train and dev errors (and the human-level
  error when given).
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from glassnet.lab.data import GRID, HEAT, LabData
from glassnet.nn.layers import Activation, Dense
from glassnet.nn.network import Network
from glassnet.strategy.diagnose import diagnose

MAX_UNIT_MAPS = 8
MAX_MAPPED_LAYERS = 3
MAX_DIGITS = 12
#: grid rows per forward pass: small blocks stay in cache (one 10 000-row pass took 7× longer than ten of 1 000)
CHUNK_ROWS = 1000


def _bytes(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.uint8).tobytes()).decode("ascii")


def boundary(network: Network, data: LabData) -> dict[str, Any]:
    """Predicted class and confidence per grid cell (see the module docstring)."""
    classes, confidence = [], []
    for start in range(0, data.grid.shape[0], CHUNK_ROWS):
        logits = network.forward(data.grid[start : start + CHUNK_ROWS])
        probabilities = network.loss.predict_proba(logits)
        k = probabilities.shape[1]
        classes.append(network.loss.predict(logits))
        confidence.append((probabilities.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k))
    scaled = np.round(255.0 * np.clip(np.concatenate(confidence), 0.0, 1.0))
    return {"size": GRID, "classes": _bytes(np.concatenate(classes)), "confidence": _bytes(scaled)}


def unit_maps(network: Network, data: LabData) -> dict[str, Any]:
    """The hidden layers' activations on the heat-map grid: ``layers[l][u]`` is the byte map of unit u of layer l."""
    out, seen_dense, layers = data.heat_grid, False, []
    for layer in network.layers:
        if len(layers) == MAX_MAPPED_LAYERS:
            break
        out = layer.forward(out, training=False)
        seen_dense = seen_dense or isinstance(layer, Dense)
        if seen_dense and isinstance(layer, Activation):  # the output of a hidden block
            shown = out[:, :MAX_UNIT_MAPS]
            peak = np.maximum(np.abs(shown).max(axis=0), 1e-12)
            scaled = np.round(127.5 * (shown / peak + 1.0))
            layers.append([_bytes(scaled[:, unit]) for unit in range(scaled.shape[1])])
    return {"size": HEAT, "layers": layers}


def layer_norms(network: Network) -> list[dict[str, float]]:
    """‖W‖ and ‖dW‖ (Frobenius) of every Dense layer, input side first."""
    norms = []
    for layer in network.layers:
        if isinstance(layer, Dense):
            weights, gradient = layer.params["W"], layer.grads["W"]
            norms.append({"weight": float(np.sqrt(np.vdot(weights, weights))), "gradient": float(np.sqrt(np.vdot(gradient, gradient)))})
    return norms


def _confusion(predicted: np.ndarray, truth: np.ndarray, k: int) -> list[list[int]]:
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (truth, predicted), 1)
    return counts.tolist()


def _misclassified_digits(data: LabData, predicted: np.ndarray) -> list[dict[str, Any]]:
    wrong = np.flatnonzero(predicted != data.splits.y_dev)[:MAX_DIGITS]
    if wrong.size == 0 or data.splits.scaler is None:
        return []
    pixels = data.splits.scaler.inverse_transform(data.splits.X_dev[wrong])  # raw digits are 0..16
    names = data.dataset.class_names
    return [{"pixels": _bytes(np.round(np.clip(row, 0, 16) * 255.0 / 16.0)), "true": names[data.splits.y_dev[i]], "predicted": names[predicted[i]]}
            for row, i in zip(pixels, wrong)]


def metrics(network: Network, data: LabData) -> tuple[dict[str, float], np.ndarray]:
    """Train and dev cost, accuracy and error at inference, and the dev predictions."""
    splits = data.splits
    train_cost, train_accuracy = network.evaluate(splits.X_train, splits.y_train)
    dev_logits = network.forward(splits.X_dev)
    dev_predicted = network.loss.predict(dev_logits)
    dev_cost, dev_accuracy = network.evaluate(splits.X_dev, splits.y_dev)
    values = {"train_cost": train_cost, "train_accuracy": train_accuracy, "train_error": 1.0 - train_accuracy,
              "dev_cost": dev_cost, "dev_accuracy": dev_accuracy, "dev_error": 1.0 - dev_accuracy}
    # a cost can overflow to inf for wild weights; JSON has no inf, the page shows n/a
    return {name: float(value) if np.isfinite(value) else None for name, value in values.items()}, dev_predicted


def advice(train_error: float, dev_error: float, human_error: float | None) -> dict[str, Any]:
    """The bias/variance diagnosis of these errors (fractions): verdict, gaps, remedies and notes."""
    return diagnose(train_error, human_error, dev_error=dev_error, unit="fraction").to_dict()


def compute_view(network: Network, data: LabData, human_error: float | None = None) -> dict[str, Any]:
    """Everything the page draws for ``network`` now (see the module docstring)."""
    values, dev_predicted = metrics(network, data)
    view: dict[str, Any] = {
        "metrics": values,
        "norms": layer_norms(network),
        "confusion": _confusion(dev_predicted, data.splits.y_dev, data.n_outputs),
        "advice": advice(values["train_error"], values["dev_error"], human_error),
    }
    if data.planar:
        view["boundary"] = boundary(network, data)
        view["units"] = unit_maps(network, data)
    if data.dataset.name == "digits":
        view["misclassified"] = _misclassified_digits(data, dev_predicted)
    return view
