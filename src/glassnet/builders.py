"""Build a standard network from a few hyperparameters (what the CLI, search and estimators share).

``build_network(n_outputs, hidden=(64, 32), activation="relu", task="multiclass", l2=0.0, seed=0)``
gives ``Dense → activation`` for each hidden width, then a linear ``Dense`` output and the loss that
fits the task (softmax cross-entropy, binary cross-entropy, or mean squared error). ``keep_prob < 1``
adds ``Dropout`` after each hidden activation; ``batchnorm=True`` makes each hidden block
``Dense(use_bias=False) → BatchNorm → activation``.
"""

from __future__ import annotations

from typing import Sequence

from .errors import ConfigError
from .layers import BatchNorm, Dense, Dropout, Layer, get_activation
from .losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from .network import Network
from .optimizers import OPTIMIZERS, Optimizer
from .schedules import ExponentialDecay, InverseTimeDecay, Schedule, StepDecay

TASKS = ("binary", "multiclass", "regression")
DECAYS = ("none", "inverse-time", "exponential", "step")


def loss_for_task(task: str) -> Loss:
    """The output loss for ``binary``, ``multiclass`` or ``regression``."""
    if task == "binary":
        return BinaryCrossEntropy()
    if task == "multiclass":
        return SoftmaxCrossEntropy()
    if task == "regression":
        return MeanSquaredError()
    raise ConfigError(f"Unknown task {task!r}; expected one of {', '.join(map(repr, TASKS))}.")


def output_units(task: str, n_classes_or_targets: int) -> int:
    """1 for binary; K for K classes; k for k regression targets."""
    return 1 if task == "binary" else int(n_classes_or_targets)


def build_network(
    n_outputs: int,
    hidden: Sequence[int] = (64, 32),
    activation: str = "relu",
    task: str = "multiclass",
    l2: float = 0.0,
    seed: int | None = 0,
    dtype: str = "float32",
    keep_prob: float = 1.0,
    batchnorm: bool = False,
) -> Network:
    """Hidden blocks, then ``Dense(n_outputs)`` and the task's loss.

    Each hidden block is ``Dense(units) → activation``, or ``Dense(units, use_bias=False) → BatchNorm
    → activation`` with ``batchnorm=True`` (the bias is redundant before batch norm), followed by
    ``Dropout(keep_prob)`` when ``keep_prob < 1``. The output layer is never normalised or dropped.
    """
    if not isinstance(batchnorm, bool):
        raise ConfigError(f"build_network(batchnorm=...) expects True or False. Received: batchnorm={batchnorm!r}")
    keep_prob = Dropout(keep_prob).keep_prob  # validates (0, 1] even when there is no hidden layer
    initializer = "he" if activation in ("relu", "leaky-relu") else "xavier"
    layers: list[Layer] = []
    for units in hidden:
        if batchnorm:
            layers += [Dense(units, initializer=initializer, use_bias=False), BatchNorm()]
        else:
            layers.append(Dense(units, initializer=initializer))
        layers.append(get_activation(activation))
        if keep_prob < 1.0:
            layers.append(Dropout(keep_prob))
    layers.append(Dense(output_units(task, n_outputs), initializer="xavier"))
    return Network(layers, loss_for_task(task), l2=l2, seed=seed, dtype=dtype)


#: the constructor argument that ``beta`` sets for each optimizer (β of momentum/RMSprop, β₁ of Adam)
BETA_ARGUMENT = {"momentum": "beta", "rmsprop": "beta", "adam": "beta1"}


def build_optimizer(name: str, learning_rate: float, beta: float | None = None) -> Optimizer:
    """``sgd``, ``momentum``, ``rmsprop`` or ``adam`` with the given learning rate.

    ``beta`` (default: the optimizer's own) is momentum's and RMSprop's β, and Adam's β₁; plain SGD has none.
    """
    if name not in OPTIMIZERS:
        raise ConfigError(f"Unknown optimizer {name!r}; expected one of {', '.join(map(repr, OPTIMIZERS))}.")
    if beta is None:
        return OPTIMIZERS[name](learning_rate=learning_rate)
    if name not in BETA_ARGUMENT:
        raise ConfigError(f"The {name!r} optimizer has no β; beta applies to {', '.join(map(repr, BETA_ARGUMENT))}. Received: beta={beta!r}")
    return OPTIMIZERS[name](learning_rate=learning_rate, **{BETA_ARGUMENT[name]: beta})


def build_schedule(decay: str, learning_rate: float, decay_rate: float) -> Schedule | None:
    """The learning-rate schedule named by ``--decay`` (None for ``none``)."""
    if decay == "none":
        return None
    if decay == "inverse-time":
        return InverseTimeDecay(learning_rate, decay_rate)
    if decay == "exponential":
        return ExponentialDecay(learning_rate, decay_rate)
    if decay == "step":
        return StepDecay(learning_rate, drop=decay_rate)
    raise ConfigError(f"Unknown decay {decay!r}; expected one of {', '.join(map(repr, DECAYS))}.")


def parse_layers(text: str) -> tuple[int, ...]:
    """``"64,32"`` → (64, 32); ``""`` or ``"none"`` → () (logistic/softmax regression)."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"--layers expects comma-separated positive integers like 64,32. Received: {text!r}") from None
    if any(width < 1 for width in widths):
        raise ConfigError(f"--layers expects positive widths. Received: {text!r}")
    return widths

