"""Optimizers with explicit state: ``state = opt.init(params)``, then ``opt.update(params, grads, state, lr)``.

The state is plain data — dictionaries of arrays named like the parameters, plus the step count —
exactly the course's ``v`` (first moment), ``s`` (second moment) and ``t``. Learners can print it,
checkpoints save it, and resuming restores it bit-exactly. ``update`` changes ``params`` and ``state``
in place and allocates nothing after the first call (a private scratch array per parameter).

Speed: a network keeps all its parameters in one flat array (and its gradients in another), and
``init`` then lays each moment out the same way — one flat array, with the named entries as views
into it. ``update`` notices that layout and runs the update rule once over the whole flat vector
instead of once per parameter: the same element-wise arithmetic in the same order, so the numbers
are bit-for-bit those of the per-parameter path, with a handful of NumPy calls per step instead of
a handful per parameter. Any other state (e.g. one loaded from a checkpoint as separate arrays) takes
the per-parameter path, which is the readable reference.

The learning rate is an argument of ``update`` so a schedule can change it every epoch; the
``learning_rate`` given to the constructor is the default when no schedule is used.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from glassnet import defaults
from glassnet.optim import kernels
from glassnet._validation import check_real
from glassnet.serialization import Configurable, deserialize, register

Arrays = dict[str, np.ndarray]
State = dict[str, Any]


class Optimizer(Configurable):
    """Base class. Subclasses list their moment names in ``moments`` and implement ``_step``."""

    #: names of the per-parameter arrays in the state (e.g. ``("v", "s")`` for Adam)
    moments: tuple[str, ...] = ()

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_real(type(self).__name__, "learning_rate", learning_rate, low=0.0, low_open=True)
        #: use the one-pass numba kernel when numba is installed and the state is flat (same numbers,
        #: bit for bit; set False to run the NumPy reference). Not part of the config, as it cannot
        #: change a result.
        self.fused = kernels.available()
        self._scratch: Arrays = {}
        self._flat: tuple[list[np.ndarray], tuple] | None = None

    def init(self, params: Arrays) -> State:
        """Fresh state: a zero array per parameter for each moment, and ``t = 0``.

        When ``params`` are consecutive views of one flat array (as a network's are), each moment is
        one flat zero array too, and its named entries are views into it in the same layout.
        """
        state: State = {"t": 0}
        flat = _tiled_span(list(params.values()))
        for moment in self.moments:
            if flat is None:
                state[moment] = {name: np.zeros_like(value) for name, value in params.items()}
            else:
                state[moment] = _views_like(params, np.zeros_like(flat))
        return state

    def update(self, params: Arrays, grads: Arrays, state: State, learning_rate: float | None = None) -> None:
        """Apply one step to every parameter, in place; increments ``state["t"]``."""
        lr = self.learning_rate if learning_rate is None else float(learning_rate)
        state["t"] += 1
        flat = self._flat_operands(params, grads, state)
        if flat is not None:
            param, grad, moments, scratch = flat
            self._step(param, grad, moments, scratch, lr, state["t"])
            return
        for name, param in params.items():
            scratch = self._scratch.get(name)
            if scratch is None or scratch.shape != param.shape or scratch.dtype != param.dtype:
                scratch = self._scratch[name] = np.empty_like(param)
            moments = [state[moment][name] for moment in self.moments]
            self._step(param, grads[name], moments, scratch, lr, state["t"])

    def _step(self, param: np.ndarray, grad: np.ndarray, moments: list, scratch: np.ndarray, lr: float, t: int) -> None:
        raise NotImplementedError

    def _flat_operands(self, params: Arrays, grads: Arrays, state: State) -> tuple | None:
        """``(param, grad, moments, scratch)`` as flat 1-D arrays when every array tiles one flat buffer, else None.

        The answer is cached for the exact names and array objects it was computed for (compared by
        identity, with references kept so the objects stay alive), so the hot loop pays one cheap check.
        """
        arrays = [*params, *params.values(), *grads, *grads.values()]
        for moment in self.moments:
            arrays += [*state[moment], *state[moment].values()]
        if self._flat is not None:
            cached, operands = self._flat
            if len(cached) == len(arrays) and all(map(operator.is_, arrays, cached)):
                return operands
        by_name = list(params.values()) + [grads.get(name) for name in params]
        by_name += [state[moment].get(name) for moment in self.moments for name in params]
        count = len(params)
        spans = [_tiled_span(by_name[start : start + count]) for start in range(0, len(by_name), count)] if count else [None]
        if any(span is None or span.dtype != spans[0].dtype or span.size != spans[0].size for span in spans):
            self._flat = None
            return None
        operands = (spans[0], spans[1], spans[2:], np.empty_like(spans[0]))
        self._flat = (arrays, operands)
        return operands


def _tiled_span(arrays: list[np.ndarray | None]) -> np.ndarray | None:
    """The 1-D array that ``arrays`` fill exactly, one after another, if they are consecutive contiguous
    views of a single 1-D buffer; otherwise None."""
    if not arrays or any(not isinstance(array, np.ndarray) for array in arrays):
        return None
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    itemsize, origin = base.itemsize, base.__array_interface__["data"][0]
    start = arrays[0].__array_interface__["data"][0]
    position = start
    for array in arrays:
        if array.base is not base or array.dtype != base.dtype or not array.flags.c_contiguous:
            return None
        if array.__array_interface__["data"][0] != position:
            return None
        position += array.nbytes
    return base[(start - origin) // itemsize : (position - origin) // itemsize]


def _views_like(params: Arrays, flat: np.ndarray) -> Arrays:
    """Named views into ``flat`` with the shapes of ``params``, in order."""
    views, offset = {}, 0
    for name, value in params.items():
        views[name] = flat[offset : offset + value.size].reshape(value.shape)
        offset += value.size
    return views


@register("optimizer")
class SGD(Optimizer):
    """Plain gradient descent: ``W ← W − α·dW``."""

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["sgd"]) -> None:
        super().__init__(learning_rate)

    def _step(self, param, grad, moments, scratch, lr, t):
        np.multiply(grad, lr, out=scratch)
        param -= scratch

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

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["momentum"], beta: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.beta = check_real("Momentum", "beta", beta, low=0.0, high=1.0, high_open=True)

    def _step(self, param, grad, moments, scratch, lr, t):
        (v,) = moments
        if self.fused and kernels.usable(param, grad, v):
            dtype = param.dtype
            kernels.kernel("momentum")(param, grad, v, *kernels.constants(dtype, self.beta, 1.0 - self.beta, lr))
            return
        v *= self.beta
        np.multiply(grad, 1.0 - self.beta, out=scratch)
        v += scratch
        np.multiply(v, lr, out=scratch)
        param -= scratch

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

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["rmsprop"], beta: float = 0.99, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.beta = check_real("RMSprop", "beta", beta, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_real("RMSprop", "epsilon", epsilon, low=0.0, low_open=True)

    def _step(self, param, grad, moments, scratch, lr, t):
        (s,) = moments
        if self.fused and kernels.usable(param, grad, s):
            values = kernels.constants(param.dtype, self.beta, 1.0 - self.beta, self.epsilon, lr)
            kernels.kernel("rmsprop")(param, grad, s, *values)
            return
        s *= self.beta
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.beta
        s += scratch
        np.sqrt(s, out=scratch)
        scratch += self.epsilon
        np.divide(grad, scratch, out=scratch)
        scratch *= lr
        param -= scratch

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

    def __init__(self, learning_rate: float = defaults.LEARNING_RATES["adam"], beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_real("Adam", "beta1", beta1, low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real("Adam", "beta2", beta2, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_real("Adam", "epsilon", epsilon, low=0.0, low_open=True)

    def _step(self, param, grad, moments, scratch, lr, t):
        v, s = moments
        if self.fused and kernels.usable(param, grad, v, s):
            values = kernels.constants(
                param.dtype,
                self.beta1,
                1.0 - self.beta1,
                self.beta2,
                1.0 - self.beta2,
                1.0 / (1.0 - self.beta2**t),
                self.epsilon,
                lr / (1.0 - self.beta1**t),
            )
            kernels.kernel("adam")(param, grad, v, s, *values)
            return
        v *= self.beta1
        np.multiply(grad, 1.0 - self.beta1, out=scratch)
        v += scratch
        s *= self.beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.beta2
        s += scratch
        # scratch ← √ŝ + ε, then α·v̂ / scratch
        np.multiply(s, 1.0 / (1.0 - self.beta2**t), out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += self.epsilon
        np.divide(v, scratch, out=scratch)
        scratch *= lr / (1.0 - self.beta1**t)
        param -= scratch

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam}


def optimizer_from_config(data: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from ``serialize(optimizer)`` output."""
    return deserialize("optimizer", data)
