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

from typing import Any

import numpy as np

from ._math import sigmoid
from ._validation import check_bool, check_positive_int, check_real
from ._workspace import Workspace
from .errors import ConfigError, DataError
from .initializers import Initializer, get_initializer
from .serialization import Configurable, deserialize, register, serialize


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

    @property
    def built(self) -> bool:
        return self.input_units is not None

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
        z = self.output_array("z", (x.shape[0], self.units), training)
        np.matmul(x, self.params["W"], out=z)
        if self.use_bias:
            z += self.params["b"]
        if training:
            self._x = x
        return z

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        x = self._x
        self._check_cached(x)
        np.matmul(x.T, dout, out=self.grads["W"])
        if self.use_bias:
            np.add.reduce(dout, axis=0, out=self.grads["b"])
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


@register("layer")
class Tanh(Activation):
    """``A = tanh(Z)``; ``g′(Z) = 1 − A²``, so the cache is the output A."""

    def __init__(self) -> None:
        super().__init__()
        self._a: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        a = np.tanh(x, out=self.output_array("a", x.shape, training))
        if training:
            self._a = a
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        a = self._a
        self._check_cached(a)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        np.multiply(a, a, out=dx)
        np.subtract(1.0, dx, out=dx)
        dx *= dout
        return dx


@register("layer")
class Sigmoid(Activation):
    """``A = σ(Z) = 1/(1 + e^(−Z))`` (computed without overflow); ``g′(Z) = A·(1 − A)``.

    Use it inside a network; for a binary output, leave the last Dense linear and let
    :class:`~glassnet.losses.BinaryCrossEntropy` apply the sigmoid to the logits (more stable).
    """

    def __init__(self) -> None:
        super().__init__()
        self._a: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        a = sigmoid(x, out=self.output_array("a", x.shape, training))
        if training:
            self._a = a
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        a = self._a
        self._check_cached(a)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        np.subtract(1.0, a, out=dx)
        dx *= a
        dx *= dout
        return dx


@register("layer")
class Dropout(Layer):
    """Inverted dropout (lesson 2): keep each unit with probability ``keep_prob``, scale by 1/keep_prob.

    In training, for ``A (m, n)`` and a fresh mask ``D (m, n)`` with ``Dᵢⱼ = 1`` with probability
    ``keep_prob`` (drawn from the network's generator)::

        A_out = A ⊙ D / keep_prob          E[A_out] = A  (the "inverted" part)
        dA    = dA_out ⊙ D / keep_prob     (the same mask as forward)

    At inference (``training=False``) it is the identity, so nothing needs rescaling at test time.
    ``keep_prob=1.0`` is exactly the identity in both modes and draws no random numbers.
    The cache is the scaled mask ``D / keep_prob``, in the layer's dtype (1.0 when keep_prob = 1).
    """

    def __init__(self, keep_prob: float = 0.8) -> None:
        super().__init__()
        self.keep_prob = check_real("Dropout", "keep_prob", keep_prob, low=0.0, high=1.0, low_open=True)
        self._scaled_mask: np.ndarray | float | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            self._scaled_mask = None
            return x
        if self.keep_prob == 1.0:
            self._scaled_mask = 1.0  # nothing dropped, nothing drawn
            return x
        if self.rng is None:
            raise RuntimeError("Dropout.forward(training=True) needs the generator that build() provides.")
        mask = self._workspace.get("mask", x.shape, self.dtype)
        self.rng.random(out=mask, dtype=self.dtype)  # uniform [0, 1)
        np.less(mask, self.keep_prob, out=mask)  # 1.0 with probability keep_prob, else 0.0
        mask *= 1.0 / self.keep_prob
        self._scaled_mask = mask
        return np.multiply(x, mask, out=self.output_array("a", x.shape, training))

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        self._check_cached(self._scaled_mask)
        if not self.needs_input_gradient:
            return None
        if self.keep_prob == 1.0:
            return dout
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        return np.multiply(dout, self._scaled_mask, out=dx)

    def get_config(self) -> dict[str, Any]:
        return {"keep_prob": self.keep_prob}


@register("layer")
class BatchNorm(Layer):
    """Batch normalisation (lesson 4) of a linear output ``Z (m, n)``, one statistic per feature (column).

    Training, with the mean and the *biased* variance of the batch (divide by m)::

        μ_B  = (1/m)·Σᵢ Zᵢ                       (n,)
        σ²_B = (1/m)·Σᵢ (Zᵢ − μ_B)²              (n,)
        Ẑ    = (Z − μ_B) / √(σ²_B + ε)           (m, n)
        out  = γ ⊙ Ẑ + β                         γ, β (n,) learned; γ starts at 1, β at 0

    The biased variance is the one that makes each column of Ẑ have exactly unit variance over the
    batch, and it is the function of Z whose derivative the backward pass below is.

    Running statistics (``buffers``: ``running_mean`` starts at 0, ``running_var`` at 1), an
    exponentially weighted average updated only in training, after each batch::

        running_mean ← momentum·running_mean + (1 − momentum)·μ_B
        running_var  ← momentum·running_var  + (1 − momentum)·σ²_B·m/(m − 1)

    Here the *unbiased* variance is used: the running value estimates the variance of the whole
    population that inference will see, and σ²_B underestimates it by the factor (m − 1)/m, which is
    not negligible for small mini-batches. (No bias correction is applied: after k batches the
    starting values weigh momentumᵏ, e.g. 0.9⁵⁰ ≈ 0.005.) Inference uses them, row by row::

        out = γ ⊙ (Z − running_mean) / √(running_var + ε) + β

    so a prediction never depends on the other rows of the batch. Backward, the full gradient
    through μ_B and σ²_B (not the simplification that treats them as constants), given ``dout``::

        dβ = Σᵢ doutᵢ      dγ = Σᵢ doutᵢ ⊙ Ẑᵢ
        dZ = γ/√(σ²_B + ε) ⊙ (dout − dβ/m − Ẑ ⊙ dγ/m)

    A training batch of one row is rejected: its variance is 0 and Ẑ would be 0/√ε. Batch statistics
    ignore sample weights. A ``Dense`` layer before ``BatchNorm`` needs no bias (μ_B subtracts it and β
    replaces it): use ``Dense(units, use_bias=False)``. Defaults: momentum = 0.9, ε = 1e-5.
    """

    min_training_rows = 2

    def __init__(self, momentum: float = 0.9, epsilon: float = 1e-5) -> None:
        super().__init__()
        self.momentum = check_real("BatchNorm", "momentum", momentum, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_real("BatchNorm", "epsilon", epsilon, low=0.0, low_open=True)
        self._z_hat: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None

    def build(self, input_units: int, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> int:
        units = super().build(input_units, rng, dtype)
        self.params = {"gamma": np.ones(units, dtype=self.dtype), "beta": np.zeros(units, dtype=self.dtype)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.buffers = {"running_mean": np.zeros(units, dtype=self.dtype), "running_var": np.ones(units, dtype=self.dtype)}
        return units

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        gamma, beta = self.params["gamma"], self.params["beta"]
        if not training:
            scale = gamma / np.sqrt(self.buffers["running_var"] + self.epsilon)
            out = np.subtract(x, self.buffers["running_mean"], out=self.output_array("out", x.shape, training))
            out *= scale
            out += beta
            return out
        m, n = x.shape
        if m < 2:
            raise DataError(
                f"BatchNorm needs at least 2 rows per training batch to estimate a variance. Received a batch of {m} row; "
                "use a larger batch_size (and one that does not leave a last batch of one row)."
            )
        workspace = self._workspace
        mean, inv_std, scratch = (workspace.get(name, (n,), self.dtype) for name in ("mean", "inv_std", "scratch"))
        z_hat, out = workspace.get("z_hat", x.shape, self.dtype), self.output_array("out", x.shape, training)
        np.mean(x, axis=0, out=mean)
        np.subtract(x, mean, out=z_hat)
        np.multiply(z_hat, z_hat, out=out)
        np.mean(out, axis=0, out=inv_std)  # σ²_B, biased; inv_std becomes 1/√(σ²_B + ε) below
        self._update_running(mean, inv_std, m, scratch)
        inv_std += self.epsilon
        np.sqrt(inv_std, out=inv_std)
        np.reciprocal(inv_std, out=inv_std)
        z_hat *= inv_std
        np.multiply(z_hat, gamma, out=out)
        out += beta
        self._z_hat, self._inv_std = z_hat, inv_std
        return out

    def _update_running(self, mean: np.ndarray, variance: np.ndarray, m: int, scratch: np.ndarray) -> None:
        """EWA of the batch mean and of the unbiased batch variance σ²_B·m/(m − 1), in place."""
        running_mean, running_var = self.buffers["running_mean"], self.buffers["running_var"]
        running_mean *= self.momentum
        running_mean += np.multiply(mean, 1.0 - self.momentum, out=scratch)
        running_var *= self.momentum
        running_var += np.multiply(variance, (1.0 - self.momentum) * m / (m - 1), out=scratch)

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        z_hat, inv_std = self._z_hat, self._inv_std
        self._check_cached(z_hat)
        d_gamma, d_beta = self.grads["gamma"], self.grads["beta"]
        np.sum(dout, axis=0, out=d_beta)
        dx = self._workspace.get("dx", dout.shape, self.dtype)
        np.multiply(dout, z_hat, out=dx)
        np.sum(dx, axis=0, out=d_gamma)
        if not self.needs_input_gradient:
            return None
        m = dout.shape[0]
        scratch = self._workspace.get("scratch", d_gamma.shape, self.dtype)
        np.multiply(z_hat, np.divide(d_gamma, m, out=scratch), out=dx)  # Ẑ ⊙ dγ/m
        np.subtract(dout, dx, out=dx)
        dx -= np.divide(d_beta, m, out=scratch)
        dx *= np.multiply(self.params["gamma"], inv_std, out=scratch)
        return dx

    def get_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "epsilon": self.epsilon}


ACTIVATIONS: dict[str, type[Activation]] = {"relu": ReLU, "leaky-relu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def get_activation(name: str) -> Activation:
    """A new activation layer from its CLI name: ``relu``, ``leaky-relu``, ``tanh`` or ``sigmoid``."""
    if name not in ACTIVATIONS:
        raise ConfigError(f"Unknown activation {name!r}; expected one of {', '.join(map(repr, ACTIVATIONS))}.")
    return ACTIVATIONS[name]()


def layer_from_config(data: dict[str, Any]) -> Layer:
    """Rebuild a layer from ``serialize(layer)`` output."""
    return deserialize("layer", data)
