"""Inverted dropout (lesson 2) as a layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validation import check_real
from glassnet.nn.layers import Layer
from glassnet.serialization import register


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

