"""Layers: each ``forward`` caches exactly what its ``backward`` needs.

Arrays are batch-first. A layer receives ``x`` of shape ``(m, n_in)`` — m samples in rows — and
returns ``(m, n_out)``. The course writes one sample per *column* (``Z = W·X + b`` with
``X (n_in, m)``); glassnet's ``Z = X @ W + b`` with ``W (n_in, n_out)`` is the same computation
transposed, so ``dW = Xᵀ·dZ`` here is the course's ``dW = dZ·Xᵀ``.

Every layer has three dictionaries:
``params``  trainable arrays (``"W"``, ``"b"``, ``"gamma"``, ``"beta"``) — what optimizers and L2 see;
``grads``   arrays of the same names and shapes, filled by ``backward``;
``buffers`` non-trainable state needed for inference (e.g. running statistics); never trained.
The network may replace ``params``/``grads`` entries by views into one flat array, so layers only ever
write into them in place.

Layers are built lazily: ``build(n_in, rng, dtype)`` is called by the network with the width of the
input once it is known, and returns the output width.
"""

from __future__ import annotations

import weakref
from typing import Any, Sequence

import numpy as np

from glassnet.nn._math import sigmoid
from glassnet._validation import check_bool, check_positive_int, check_real
from glassnet.nn._workspace import Workspace
from glassnet.nn.fused import bias_relu, relu_backward_bias
from glassnet.errors import ConfigError
from glassnet.nn.initializers import Initializer, get_initializer
from glassnet.serialization import Configurable, deserialize, register, serialize


class Layer(Configurable):
    """Base class. Subclasses implement ``forward``, ``backward`` and ``get_config``.

    ``needs_input_gradient`` is set to False by the network for the first layer, whose input gradient
    nobody uses, so it skips that matrix product.
    """

    #: names in ``params`` that L2 regularisation applies to
    regularized: tuple[str, ...] = ()
    #: the fewest rows a training batch may have (BatchNorm needs 2 to measure a variance)
    min_training_rows: int = 1

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.input_units: int | None = None
        self.needs_input_gradient = True
        self.dtype = np.dtype("float32")
        self.rng: np.random.Generator | None = None
        self._workspace = Workspace()
        #: the network this layer belongs to (a weak reference), so a second network cannot take it over
        self._owner: weakref.ref | None = None

    def build(self, input_units: int, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> int:
        """Create parameters for an input of width ``input_units``; return the output width."""
        self.input_units = int(input_units)
        self.rng = rng
        self.dtype = np.dtype(dtype)
        return self.input_units

    def output_array(self, name: str, shape: tuple[int, ...], training: bool) -> np.ndarray:
        """Scratch array for an output: reused across steps in training, fresh at inference."""
        if training:
            return self._workspace.get(name, shape, self.dtype)
        return np.empty(shape, dtype=self.dtype)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Compute the output for ``x (m, n_in)``; in training, cache what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """Given ∂J/∂output ``(m, n_out)``, fill ``grads`` and return ∂J/∂x ``(m, n_in)``.

        Returns None when ``needs_input_gradient`` is False.
        """
        raise NotImplementedError

    def _check_cached(self, value: Any) -> None:
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward(training=True).")


@register("layer")
class Dense(Layer):
    """Fully connected layer: ``Z = X @ W + b``.

    Shapes: ``X (m, n_in)``, ``W (n_in, units)``, ``b (units,)``, ``Z (m, units)``.
    Backward, given ``dZ = ∂J/∂Z (m, units)``::

        dW = Xᵀ @ dZ          (n_in, units)
        db = Σ_rows dZ        (units,)
        dX = dZ @ Wᵀ          (m, n_in)

    ``dZ`` already carries the 1/m of the batch-mean cost (losses return mean gradients), so there is
    no extra division here. ``initializer`` is ``"he"`` (default), ``"xavier"``, ``"normal"``,
    ``"zeros"`` or an :class:`~glassnet.initializers.Initializer`. When the layer is followed by
    ``BatchNorm``, its bias is redundant (batch norm subtracts the mean, then adds its own β), so
    pass ``use_bias=False``.
    """

    regularized = ("W",)

    def __init__(self, units: int, initializer: "str | Initializer | dict" = "he", use_bias: bool = True) -> None:
        super().__init__()
        self.units = check_positive_int("Dense", "units", units)
        self.initializer = get_initializer(initializer)
        self.use_bias = check_bool("Dense", "use_bias", use_bias)
        self._x: np.ndarray | None = None

    def build(self, input_units: int, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> int:
        super().build(input_units, rng, dtype)
        self.params = {"W": np.ascontiguousarray(self.initializer((self.input_units, self.units), rng, self.dtype))}
        if self.use_bias:
            self.params["b"] = np.zeros(self.units, dtype=self.dtype)
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        return self.units

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        z = self.forward_product(x, training)
        if self.use_bias:
            z += self.params["b"]
        return z

    def forward_product(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """``X @ W`` without the bias (see :class:`DenseReLU`); in training, caches ``x`` for backward."""
        z = self.output_array("z", (x.shape[0], self.units), training)
        np.matmul(x, self.params["W"], out=z)
        if training:
            self._x = x
        return z

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        if self.use_bias:
            np.add.reduce(dout, axis=0, out=self.grads["b"])
        return self.backward_products(dout)

    def backward_products(self, dout: np.ndarray) -> np.ndarray | None:
        """``dW = Xᵀ @ dZ`` and, unless it is not needed, ``dX = dZ @ Wᵀ`` (``db`` is the caller's)."""
        x = self._x
        self._check_cached(x)
        np.matmul(x.T, dout, out=self.grads["W"])
        if not self.needs_input_gradient:
            return None
        dx = self._workspace.get("dx", x.shape, self.dtype)
        return np.matmul(dout, self.params["W"].T, out=dx)

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "initializer": serialize(self.initializer), "use_bias": self.use_bias}


class Activation(Layer):
    """Element-wise activation ``A = g(Z)``; backward is ``dZ = dA ⊙ g′(Z)``. No parameters."""

    def get_config(self) -> dict[str, Any]:
        return {}


@register("layer")
class ReLU(Activation):
    """``A = max(Z, 0)``; ``g′(Z) = 1 where Z > 0 else 0`` (the subgradient 0 is used at Z = 0).

    The cache is the mask ``Z > 0`` (m, n) as 1.0/0.0 in the layer's dtype, the only thing backward
    needs; in training the output is computed from it, ``A = Z ⊙ mask``. (A float mask multiplies
    without the casting buffers a boolean one needs, and compare-then-multiply is faster than maximum.)
    """

    def __init__(self) -> None:
        super().__init__()
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        a = self.output_array("a", x.shape, training)
        if not training:
            return np.maximum(x, 0, out=a)
        positive = np.greater(x, 0, out=self._workspace.get("positive", x.shape, np.bool_))
        self._mask = self._workspace.get("mask", x.shape, self.dtype)
        np.copyto(self._mask, positive)
        return np.multiply(x, self._mask, out=a)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._check_cached(self._mask)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        return np.multiply(dout, self._mask, out=dx)

    def forward_with_bias(self, z: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Training forward of ``Z + b`` (the Dense before, see :class:`DenseReLU`): bias, mask and ``A`` in one pass."""
        a = self.output_array("a", z.shape, True)
        self._mask = self._workspace.get("mask", z.shape, self.dtype)
        bias_relu(z, b, self._mask, a)
        return a

    def backward_with_bias_gradient(self, dout: np.ndarray, db: np.ndarray) -> np.ndarray:
        """``dZ = dA ⊙ mask`` and the bias gradient ``db = Σ_rows dZ`` of the Dense before, in one pass."""
        self._check_cached(self._mask)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        relu_backward_bias(dout, self._mask, dx, db)
        return dx


@register("layer")
class LeakyReLU(Activation):
    """``A = Z where Z > 0 else slope·Z`` (slope = 0.01 by default); ``g′ = 1 or slope``."""

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        self.slope = check_real("LeakyReLU", "slope", slope, low=0.0, high=1.0, high_open=True)
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        a = self.output_array("a", x.shape, training)
        np.multiply(x, self.slope, out=a)
        np.maximum(x, a, out=a)  # for 0 ≤ slope < 1: max(z, slope·z) is z when z > 0, slope·z otherwise
        if training:
            self._mask = self._workspace.get("mask", x.shape, np.bool_)
            np.greater(x, 0, out=self._mask)
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._check_cached(self._mask)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        np.multiply(dout, self.slope, out=dx)
        np.copyto(dx, dout, where=self._mask)
        return dx

    def get_config(self) -> dict[str, Any]:
        return {"slope": self.slope}


class OutputCachingActivation(Activation):
    """An activation whose derivative is a function of its output A (tanh: 1 − A², sigmoid: A·(1 − A)),
    so ``forward`` caches A itself; a subclass gives ``function(Z, out)`` and its ``backward``."""

    def __init__(self) -> None:
        super().__init__()
        self._a: np.ndarray | None = None

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        a = self.function(x, self.output_array("a", x.shape, training))
        if training:
            self._a = a
        return a


@register("layer")
class Tanh(OutputCachingActivation):
    """``A = tanh(Z)``; ``g′(Z) = 1 − A²``, so the cache is the output A."""

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.tanh(x, out=out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        a = self._a
        self._check_cached(a)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        np.multiply(a, a, out=dx)
        np.subtract(1.0, dx, out=dx)
        dx *= dout
        return dx


@register("layer")
class Sigmoid(OutputCachingActivation):
    """``A = σ(Z) = 1/(1 + e^(−Z))`` (computed without overflow); ``g′(Z) = A·(1 − A)``.

    Use it inside a network; for a binary output, leave the last Dense linear and let
    :class:`~glassnet.losses.BinaryCrossEntropy` apply the sigmoid to the logits (more stable).
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        return sigmoid(x, out=out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        a = self._a
        self._check_cached(a)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        np.subtract(1.0, a, out=dx)
        dx *= a
        dx *= dout
        return dx


ACTIVATIONS: dict[str, type[Activation]] = {"relu": ReLU, "leaky-relu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def claim_layers(layers: Sequence[Layer], network: object) -> list[Layer]:
    """Check ``layers`` for a new ``network`` and mark them as its own; return them as a list.

    Each must be a :class:`Layer`, appear once, and belong to no other living network: a network keeps
    its layers' parameters as views into its own flat array, so sharing layers would silently tie two
    networks together.
    """
    layers = list(layers)
    if not layers:
        raise ConfigError("Network(layers=...) expects at least one layer. Received: layers=[]")
    for index, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise ConfigError(f"Network(layers=...) expects Layer objects. Received at position {index}: {layer!r}")
        if layer._owner is not None and layer._owner() is not None:
            raise ConfigError(
                f"Network(layers=...): the layer at position {index} ({layer!r}) already belongs to another network; its "
                "parameters live in that network's flat array. Create new layers, or use network.copy()."
            )
    if len({id(layer) for layer in layers}) != len(layers):
        raise ConfigError("Network(layers=...) received the same layer object twice; create a new layer for each position.")
    for layer in layers:
        layer._owner = weakref.ref(network)
    return layers


class DenseReLU:
    """A ``Dense`` layer (with bias) and the ``ReLU`` after it, as one stage of a training step.

    Forward: ``Z = X @ W`` (BLAS), then ``A = max(Z + b, 0)`` and its mask in one pass; backward:
    ``dZ = dA ⊙ mask`` and ``db = Σ_rows dZ`` in one pass, then ``dW`` and ``dX`` — the same numbers as
    the two layers one after the other (:mod:`glassnet.nn.fused`), with fewer passes over the
    activations. The layers keep their parameters, gradients and caches.
    """

    def __init__(self, dense: Dense, relu: ReLU) -> None:
        self.dense, self.relu = dense, relu

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            return self.relu.forward(self.dense.forward(x, False), False)
        return self.relu.forward_with_bias(self.dense.forward_product(x), self.dense.params["b"])

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        return self.dense.backward_products(self.relu.backward_with_bias_gradient(dout, self.dense.grads["b"]))


def fuse_stages(layers: list[Layer]) -> list[Layer | DenseReLU]:
    """The stages of a training step: each Dense with bias directly followed by a ReLU becomes one
    :class:`DenseReLU`; every other layer is a stage of its own."""
    stages: list[Layer | DenseReLU] = []
    for layer in layers:
        if type(layer) is ReLU and stages and type(stages[-1]) is Dense and stages[-1].use_bias:
            stages[-1] = DenseReLU(stages[-1], layer)
        else:
            stages.append(layer)
    return stages


def get_activation(name: str) -> Activation:
    """A new activation layer from its CLI name: ``relu``, ``leaky-relu``, ``tanh`` or ``sigmoid``."""
    if name not in ACTIVATIONS:
        raise ConfigError(f"Unknown activation {name!r}; expected one of {', '.join(map(repr, ACTIVATIONS))}.")
    return ACTIVATIONS[name]()


def layer_from_config(data: dict[str, Any]) -> Layer:
    """Rebuild a layer from ``serialize(layer)`` output."""
    return deserialize("layer", data)
