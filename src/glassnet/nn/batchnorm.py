"""Batch normalisation (lesson 4) as a layer: normalise the linear output, then scale by γ and shift by β."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validation import check_real
from glassnet.errors import DataError
from glassnet.nn.layers import Layer
from glassnet.optim.averages import update_average
from glassnet.serialization import register


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
    exponentially weighted average (lesson 3's, :func:`~glassnet.optim.averages.update_average`)
    updated only in training, after each batch::

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
        update_average(self.buffers["running_mean"], mean, self.momentum, scratch)
        unbiased = np.multiply(variance, m / (m - 1), out=scratch)
        update_average(self.buffers["running_var"], unbiased, self.momentum, scratch)  # scratch ← (1 − β)·scratch

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

