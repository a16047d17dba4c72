"""Optimizers with explicit state: ``state = opt.init(params)``, then ``opt.update(params, grads, state, lr)``.

The state is plain data — dictionaries of arrays named like the parameters, plus the step count —
exactly the course's ``v`` (first moment), ``s`` (second moment) and ``t``. Learners can print it,
checkpoints save it, and resuming restores it bit-exactly. ``update`` changes ``params`` and ``state``
in place and allocates nothing after the first call (a private scratch array per shape).

Each optimizer's :meth:`~Optimizer.step` is its formula in NumPy, on one parameter array and its
moments; the moments are exponentially weighted averages updated by
:func:`glassnet.optim.averages.update_average` (lesson 3's tool, in place). Speed lives in one place,
:meth:`Optimizer.update`, outside the formulas:

- **the flat layout** (:mod:`glassnet.optim.flat`): a network hands over its parameters and gradients
  as :class:`~glassnet.optim.flat.FlatArrays` (named views that carry the one flat vector they tile),
  ``init`` lays each moment out the same way, and ``update`` applies the step once to the whole
  vectors. Any other state takes the per-parameter path, the reference;
- **the compiled kernels** (:mod:`glassnet.optim.kernels`): the same formula as one numba loop over the
  flat vectors, bit-for-bit the NumPy result; the NumPy formula runs when numba is unavailable.

The learning rate is an argument of ``update`` so a schedule can change it every epoch; the
``learning_rate`` given to the constructor is the default when no schedule is used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import defaults
from glassnet._validation import check_real
from glassnet.optim import kernels
from glassnet.optim.averages import update_average
from glassnet.optim.flat import FlatArrays, flat_operands, per_parameter_operands
from glassnet.serialization import Configurable, deserialize, register

Arrays = dict[str, np.ndarray]
State = dict[str, Any]


class Optimizer(Configurable):
    """Base class. Subclasses list their moment names in ``moments``, write :meth:`step` (the formula) and
    may name the compiled kernel that does the same in one pass (``kernel``)."""

    #: names of the per-parameter arrays in the state (e.g. ``("v", "s")`` for Adam)
    moments: tuple[str, ...] = ()
    #: the one-pass kernel in :mod:`glassnet.optim.kernels` equal to :meth:`step`, if any
    kernel: str | None = None

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_real(type(self).__name__, "learning_rate", learning_rate, low=0.0, low_open=True)
        #: use the compiled kernel (same numbers, bit for bit; set False to run the NumPy formula).
        #: Not part of the config, as it cannot change a result.
        self.fused = kernels.available()
        self._scratch: dict[tuple, np.ndarray] = {}
        #: the flat vectors of the last update, or None when it took the per-parameter path
        self._flat: tuple | None = None

    def init(self, params: Arrays) -> State:
        """Fresh state: a zero array per parameter for each moment, and ``t = 0``.

        When ``params`` are :class:`~glassnet.optim.flat.FlatArrays` (as a network's are), each moment is
        one flat zero vector in the same layout.
        """
        state: State = {"t": 0}
        for moment in self.moments:
            if isinstance(params, FlatArrays):
                state[moment] = FlatArrays.zeros_like(params)
            else:
                state[moment] = {name: np.zeros_like(value) for name, value in params.items()}
        return state

    def update(self, params: Arrays, grads: Arrays, state: State, learning_rate: float | None = None) -> None:
        """Apply one step to every parameter, in place; increments ``state["t"]``.

        Flat vectors when all of them share the network's layout (one step over everything), else
        parameter by parameter; each step through the compiled kernel when enabled and possible, else
        through the NumPy formula.
        """
        lr = self.learning_rate if learning_rate is None else float(learning_rate)
        state["t"] += 1
        self._flat = flat_operands(params, grads, state, self.moments)
        operands = [self._flat] if self._flat is not None else per_parameter_operands(params, grads, state, self.moments)
        for param, grad, moments in operands:
            if self.fused and self.kernel is not None and kernels.run(self.kernel, self, param, grad, moments, lr, state["t"]):
                continue
            self.step(param, grad, *moments, lr=lr, t=state["t"], scratch=self._scratch_like(param))

    def step(self, W: np.ndarray, dW: np.ndarray, *moments: np.ndarray, lr: float, t: int, scratch: np.ndarray) -> None:
        """The update rule on one array ``W``, its gradient ``dW`` and its moments, in place (``scratch``: same shape)."""
        raise NotImplementedError

    def _scratch_like(self, array: np.ndarray) -> np.ndarray:
        key = (array.shape, array.dtype)
        scratch = self._scratch.get(key)
        if scratch is None:
            scratch = self._scratch[key] = np.empty_like(array)
        return scratch


@register("optimizer")
class SGD(Optimizer):
    """Plain gradient descent: ``W ← W − α·dW``."""

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["sgd"]) -> None:
        super().__init__(learning_rate)

    def step(self, W, dW, *moments, lr, t, scratch):
        W -= np.multiply(dW, lr, out=scratch)  # W ← W − α·dW

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate}


@register("optimizer")
class Momentum(Optimizer):
    """Gradient descent with momentum, in the course's form (β = 0.9 by default)::

        v ← β·v + (1 − β)·dW        (an exponentially weighted average of the gradients)
        W ← W − α·v

    No bias correction, as in the course (after ~10 steps with β = 0.9 it no longer matters). Note
    that PyTorch's SGD momentum uses ``v ← β·v + dW`` instead, which is this with α scaled by 1/(1−β).
    """

    moments = ("v",)
    kernel = "momentum"

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["momentum"], beta: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.beta = check_real("Momentum", "beta", beta, low=0.0, high=1.0, high_open=True)

    def step(self, W, dW, v, *, lr, t, scratch):
        update_average(v, dW, self.beta, scratch)  # v ← β·v + (1 − β)·dW
        W -= np.multiply(v, lr, out=scratch)  # W ← W − α·v

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "beta": self.beta}


@register("optimizer")
class RMSprop(Optimizer):
    """RMSprop (course defaults β = 0.99, ε = 1e-8)::

        s ← β·s + (1 − β)·dW²        (element-wise square)
        W ← W − α·dW / (√s + ε)

    ε is added to √s (not inside the root), as in the course and in PyTorch.
    """

    moments = ("s",)
    kernel = "rmsprop"

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["rmsprop"], beta: float = 0.99, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.beta = check_real("RMSprop", "beta", beta, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_real("RMSprop", "epsilon", epsilon, low=0.0, low_open=True)

    def step(self, W, dW, s, *, lr, t, scratch):
        update_average(s, np.multiply(dW, dW, out=scratch), self.beta, scratch)  # s ← β·s + (1 − β)·dW²
        denominator = np.sqrt(s, out=scratch)
        denominator += self.epsilon  # √s + ε
        W -= np.multiply(np.divide(dW, denominator, out=scratch), lr, out=scratch)  # W ← W − α·dW / (√s + ε)

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "beta": self.beta, "epsilon": self.epsilon}


@register("optimizer")
class Adam(Optimizer):
    """Adam, Algorithm 1 of Kingma & Ba (2015), https://arxiv.org/abs/1412.6980.

    Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8. With t the step count (1 on the first update)::

        v ← β₁·v + (1 − β₁)·dW          first moment (momentum)
        s ← β₂·s + (1 − β₂)·dW²         second moment (RMSprop)
        v̂ = v / (1 − β₁ᵗ),  ŝ = s / (1 − β₂ᵗ)     bias correction
        W ← W − α·v̂ / (√ŝ + ε)

    ε is added to √ŝ, after the bias correction, exactly as in the paper's Algorithm 1.
    """

    moments = ("v", "s")
    kernel = "adam"

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["adam"], beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_real("Adam", "beta1", beta1, low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real("Adam", "beta2", beta2, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_real("Adam", "epsilon", epsilon, low=0.0, low_open=True)

    def step(self, W, dW, v, s, *, lr, t, scratch):
        update_average(v, dW, self.beta1, scratch)  # v ← β₁·v + (1 − β₁)·dW
        update_average(s, np.multiply(dW, dW, out=scratch), self.beta2, scratch)  # s ← β₂·s + (1 − β₂)·dW²
        denominator = np.multiply(s, 1.0 / (1.0 - self.beta2**t), out=scratch)  # ŝ = s / (1 − β₂ᵗ)
        np.sqrt(denominator, out=denominator)
        denominator += self.epsilon  # √ŝ + ε
        change = np.divide(v, denominator, out=scratch)
        change *= lr / (1.0 - self.beta1**t)  # α·v̂ / (√ŝ + ε), with v̂ = v / (1 − β₁ᵗ)
        W -= change

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam}


def optimizer_from_config(data: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from ``serialize(optimizer)`` output."""
    return deserialize("optimizer", data)
