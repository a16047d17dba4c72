"""Losses computed from raw network outputs (logits), returning the batch-mean cost.

Loss vs cost (lesson 1): the *loss* ℓᵢ is the error on one sample; the *cost* J is their mean over
the batch, J = (1/m)·Σᵢ ℓᵢ. With sample weights wᵢ the cost is J = Σᵢ wᵢℓᵢ / Σᵢ wᵢ, so a weight of 2
counts a row exactly like two copies of it. ``backward`` returns ∂J/∂logits on the same (mean) scale.

Shapes: logits ``(m, k)``; labels ``(m,)`` (``(m, 1)`` accepted for binary, ``(m, k)`` for
multi-output regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.nn._math import sigmoid, softmax
from glassnet.nn._workspace import Workspace
from glassnet.nn.fused import normalise_rows, shift_rows, softmax_gradient
from glassnet.errors import ConfigError, DataError
from glassnet.serialization import Configurable, deserialize, register


class Loss(Configurable):
    """Base class: ``forward(logits, y, sample_weight) -> cost`` caches; ``backward() -> dlogits``."""

    #: "binary", "multiclass" or "regression"
    task: str = ""

    def __init__(self) -> None:
        self._workspace = Workspace()
        self._cache: tuple | None = None

    def get_config(self) -> dict[str, Any]:
        return {}

    def check_outputs(self, output_units: int) -> None:
        """Raise if the network's output width cannot feed this loss."""

    def prepare_targets(self, y: Any, output_units: int, dtype: np.dtype) -> np.ndarray:
        """Validate labels once, before training, and return them in the form ``forward`` expects."""
        raise NotImplementedError

    def forward(self, logits: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def predict(self, logits: np.ndarray) -> np.ndarray:
        """Predictions from logits: class indices for classifiers, values for regression."""
        raise NotImplementedError

    def count_correct(self, logits: np.ndarray, y: np.ndarray) -> int:
        """How many rows ``predict`` gets right (classifiers only)."""
        return int(np.count_nonzero(self.predict(logits) == y))

    def _weights(self, m: int, sample_weight: np.ndarray | None) -> tuple[np.ndarray | None, float]:
        """Return (column of weights or None, total weight Σw — the m of the mean)."""
        if sample_weight is None:
            return None, float(m)
        return sample_weight.reshape(-1, 1), float(sample_weight.sum())


def _as_labels(y: Any, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{name} expects labels of shape (m,). Received an array of shape {y.shape}.")
    if y.size and not np.all(np.isfinite(y.astype(np.float64, copy=False))):
        raise DataError(f"{name} received non-finite labels (NaN or inf).")
    return y


@register("loss")
class BinaryCrossEntropy(Loss):
    """Logistic loss on one logit per sample (labels 0/1): the cost of logistic regression.

    With z the logit and a = σ(z)::

        ℓ = −[y·log a + (1 − y)·log(1 − a)] = softplus(z) − y·z = max(z, 0) − y·z + log1p(e^(−|z|))
        ∂J/∂z = (a − y) / m

    The right-hand form is exact and finite for any z (±1e4 included): no log(0), no overflow.
    Logistic regression is ``Network([Dense(1)], BinaryCrossEntropy())``: maximising the likelihood of
    Bernoulli labels is minimising this cost.
    """

    task = "binary"

    def check_outputs(self, output_units: int) -> None:
        if output_units != 1:
            raise ConfigError(f"BinaryCrossEntropy needs a last layer with 1 unit. Received: {output_units} units.")

    def prepare_targets(self, y: Any, output_units: int, dtype: np.dtype) -> np.ndarray:
        y = _as_labels(y, "BinaryCrossEntropy")
        if not np.all((y == 0) | (y == 1)):
            bad = y[(y != 0) & (y != 1)][0]
            raise DataError(f"BinaryCrossEntropy expects labels 0 or 1. Received a label {bad}.")
        return y.astype(dtype).reshape(-1, 1)

    def forward(self, logits: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        y = y.reshape(-1, 1)
        weights, total = self._weights(logits.shape[0], sample_weight)
        losses = np.maximum(logits, 0) - y * logits  # cancel z − y·z first: exact when the label is confidently right
        losses += np.log1p(np.exp(-np.abs(logits)))
        if weights is not None:
            losses *= weights
        self._cache = (logits, y, weights, total)
        return float(losses.sum() / total)

    def backward(self) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError("BinaryCrossEntropy.backward called before forward.")
        logits, y, weights, total = self._cache
        grad = sigmoid(logits, out=self._workspace.get("grad", logits.shape, logits.dtype))
        grad -= y
        if weights is not None:
            grad *= weights
        grad *= 1.0 / total
        return grad

    def predict(self, logits: np.ndarray) -> np.ndarray:
        return (logits[:, 0] > 0).astype(np.int64)  # σ(z) > 0.5  ⇔  z > 0

    def count_correct(self, logits: np.ndarray, y: np.ndarray) -> int:
        return int(np.count_nonzero((logits > 0) == (y > 0.5)))

    def predict_proba(self, logits: np.ndarray) -> np.ndarray:
        """``(m, 2)``: columns P(y=0), P(y=1), as scikit-learn lays them out."""
        p = sigmoid(logits[:, 0])
        return np.stack([1.0 - p, p], axis=1)


@register("loss")
class SoftmaxCrossEntropy(Loss):
    """Softmax over K ≥ 2 logits with cross-entropy, fused (labels are integers 0..K−1).

    With p = softmax(z) (computed with the row maximum subtracted, so e^z never overflows)::

        ℓ = −log p_y = logsumexp(z) − z_y
        ∂J/∂z = (p − onehot(y)) / m

    For K = 2 this is the same model family as logistic regression: softmax of (z₀, z₁) equals
    σ(z₁ − z₀), so one logit difference plays the role of the single logistic logit.
    """

    task = "multiclass"

    def __init__(self) -> None:
        super().__init__()
        self._row_indices: dict[int, np.ndarray] = {}
        #: use the compiled passes of :mod:`glassnet.nn.fused` (same numbers, bit for bit); False: NumPy only
        self.fused = True

    def check_outputs(self, output_units: int) -> None:
        if output_units < 2:
            raise ConfigError(
                f"SoftmaxCrossEntropy needs a last layer with at least 2 units (one per class). Received: {output_units}."
            )

    def prepare_targets(self, y: Any, output_units: int, dtype: np.dtype) -> np.ndarray:
        y = _as_labels(y, "SoftmaxCrossEntropy")
        as_int = y.astype(np.int64)
        if not np.all(as_int == y) or (y.size and (as_int.min() < 0 or as_int.max() >= output_units)):
            raise DataError(
                f"SoftmaxCrossEntropy expects integer labels 0..{output_units - 1} for {output_units} output units. "
                f"Received labels from {y.min()} to {y.max()}."
            )
        return as_int

    def forward(self, logits: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        m, k = logits.shape
        weights, total = self._weights(m, sample_weight)
        scratch = self._workspace  # every array below is reused for the next batch of the same size
        # log-sum-exp trick: with s = z − max(z), ℓ = log Σ e^s − s_y and p = e^s / Σ e^s
        shifted = scratch.get("p", logits.shape, logits.dtype)
        picked = scratch.get("picked", (m,), logits.dtype)
        if not (self.fused and shift_rows(logits, y, shifted, picked)):  # one compiled pass, or NumPy:
            self._shift_rows(logits, y, shifted, picked)
        probabilities = np.exp(shifted, out=shifted)
        sums = np.add.reduce(probabilities, axis=1, out=scratch.get("sum", (m,), logits.dtype))
        losses = np.log(sums, out=scratch.get("loss", (m,), logits.dtype))
        if not (self.fused and normalise_rows(probabilities, sums, losses, picked)):
            losses -= picked
            row = scratch.get("row", logits.shape, logits.dtype)
            np.copyto(row, sums.reshape(m, 1))
            probabilities /= row
        if weights is not None:
            losses *= weights[:, 0]
        self._cache = (probabilities, y, weights, total)
        return float(np.add.reduce(losses) / total)  # the sum, without the wrapper of ndarray.sum

    def _shift_rows(self, logits: np.ndarray, y: np.ndarray, shifted: np.ndarray, picked: np.ndarray) -> None:
        """NumPy reference of :func:`glassnet.nn.fused.shift_rows`: ``s = z − max(z)`` and ``s_y``.

        The per-row maximum is first repeated across the k columns (``row``): with k small, NumPy would
        otherwise allocate iterator buffers on every call to broadcast an (m, 1) column.
        """
        m, k = logits.shape
        row = self._workspace.get("row", logits.shape, logits.dtype)
        np.copyto(row, np.maximum.reduce(logits, axis=1, keepdims=True, out=self._workspace.get("max", (m, 1), logits.dtype)))
        np.subtract(logits, row, out=shifted)
        shifted.reshape(-1).take(self._label_positions(y, k), out=picked, mode="clip")

    def _label_positions(self, y: np.ndarray, k: int) -> np.ndarray:
        """Flat positions ``i·k + yᵢ`` of each row's true class in an ``(m, k)`` array (no fancy-index temporaries)."""
        m = y.shape[0]
        rows = self._row_indices.get(m)
        if rows is None:
            rows = self._row_indices[m] = np.arange(m)
        positions = np.multiply(rows, k, out=self._workspace.get("labels", (m,), np.intp))
        positions += y
        return positions

    def backward(self) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError("SoftmaxCrossEntropy.backward called before forward.")
        probabilities, y, weights, total = self._cache
        grad = self._workspace.get("grad", probabilities.shape, probabilities.dtype)
        if weights is None and self.fused and softmax_gradient(probabilities, y, 1.0 / total, grad):
            return grad
        np.copyto(grad, probabilities)
        flat, labels = grad.reshape(-1), self._label_positions(y, grad.shape[1])
        picked = flat.take(labels, out=self._workspace.get("picked", labels.shape, grad.dtype), mode="clip")
        picked -= 1.0  # p − onehot(y): subtract 1 at each row's true class
        flat.put(labels, picked, mode="clip")
        if weights is not None:
            grad *= weights
        grad *= 1.0 / total
        return grad

    def count_correct(self, logits: np.ndarray, y: np.ndarray) -> int:
        m = logits.shape[0]
        predicted = logits.argmax(axis=1, out=self._workspace.get("predicted", (m,), np.intp))
        return int(np.count_nonzero(np.equal(predicted, y, out=self._workspace.get("hits", (m,), np.bool_))))

    def predict(self, logits: np.ndarray) -> np.ndarray:
        return np.argmax(logits, axis=1)

    def predict_proba(self, logits: np.ndarray) -> np.ndarray:
        """``(m, K)`` class probabilities."""
        return softmax(logits)


@register("loss")
class MeanSquaredError(Loss):
    """Regression cost: ℓ = (1/k)·Σⱼ (ŷⱼ − yⱼ)² over k outputs, J = mean of ℓ over the batch.

    ``∂J/∂ŷ = 2·(ŷ − y) / (m·k)``. No ½ factor, so the cost equals the reported mean squared error.
    """

    task = "regression"

    def prepare_targets(self, y: Any, output_units: int, dtype: np.dtype) -> np.ndarray:
        y = np.asarray(y, dtype=dtype)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != output_units:
            raise DataError(
                f"MeanSquaredError expects targets of shape (m, {output_units}) for {output_units} output units. "
                f"Received shape {y.shape}."
            )
        if not np.all(np.isfinite(y)):
            raise DataError("MeanSquaredError received non-finite targets (NaN or inf).")
        return y

    def forward(self, outputs: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        y = y.reshape(outputs.shape)
        weights, total = self._weights(outputs.shape[0], sample_weight)
        residual = np.subtract(outputs, y, out=self._workspace.get("r", outputs.shape, outputs.dtype))
        squared = np.square(residual).mean(axis=1)
        if weights is not None:
            squared *= weights[:, 0]
        self._cache = (residual, weights, total)
        return float(squared.sum() / total)

    def backward(self) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError("MeanSquaredError.backward called before forward.")
        residual, weights, total = self._cache
        grad = self._workspace.get("grad", residual.shape, residual.dtype)
        np.multiply(residual, 2.0 / (total * residual.shape[1]), out=grad)
        if weights is not None:
            grad *= weights
        return grad

    def predict(self, logits: np.ndarray) -> np.ndarray:
        return logits[:, 0].copy() if logits.shape[1] == 1 else logits.copy()


def loss_from_config(data: dict[str, Any]) -> Loss:
    """Rebuild a loss from ``serialize(loss)`` output."""
    return deserialize("loss", data)
