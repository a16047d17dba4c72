"""Build a standard network from a few hyperparameters (what the CLI, search and estimators share).

``build_network(n_outputs, hidden=(64, 32), activation="relu", task="multiclass", l2=0.0, seed=0)``
gives ``Dense → activation`` for each hidden width, then a linear ``Dense`` output and the loss that
fits the task (softmax cross-entropy, binary cross-entropy, or mean squared error). ``keep_prob < 1``
adds ``Dropout`` after each hidden activation; ``batchnorm=True`` makes each hidden block
``Dense(use_bias=False) → BatchNorm → activation``.
"""

from __future__ import annotations

from typing import Sequence

from glassnet import defaults
from glassnet._validation import check_bool
from glassnet.errors import ConfigError
from glassnet.nn.batchnorm import BatchNorm
from glassnet.nn.dropout import Dropout
from glassnet.nn.layers import Dense, Layer, get_activation
from glassnet.nn.losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from glassnet.nn.network import Network
from glassnet.optim.optimizers import OPTIMIZERS, Optimizer
from glassnet.optim.schedules import ExponentialDecay, InverseTimeDecay, Schedule, StepDecay

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
    hidden: Sequence[int] = defaults.HIDDEN_LAYERS,
    activation: str = defaults.ACTIVATION,
    task: str = "multiclass",
    l2: float = 0.0,
    seed: int | None = defaults.SEED,
    dtype: str = defaults.DTYPE,
    keep_prob: float = 1.0,
    batchnorm: bool = False,
    initializer: str | None = None,
) -> Network:
    """Hidden blocks, then ``Dense(n_outputs)`` and the task's loss.

    Each hidden block is ``Dense(units) → activation``, or ``Dense(units, use_bias=False) → BatchNorm
    → activation`` with ``batchnorm=True`` (the bias is redundant before batch norm), followed by
    ``Dropout(keep_prob)`` when ``keep_prob < 1``. The output layer is never normalised or dropped.
    ``initializer=None`` draws hidden weights with He (ReLU family) or Xavier and the output's with
    Xavier; a name (``"zeros"``, ``"normal"``, ``"he"``, ``"xavier"``) sets every Dense layer's.
    """
    batchnorm = check_bool("build_network", "batchnorm", batchnorm)
    keep_prob = Dropout(keep_prob).keep_prob  # validates (0, 1] even when there is no hidden layer
    hidden_initializer = initializer or ("he" if activation in ("relu", "leaky-relu") else "xavier")
    layers: list[Layer] = []
    for units in hidden:
        if batchnorm:
            layers += [Dense(units, initializer=hidden_initializer, use_bias=False), BatchNorm()]
        else:
            layers.append(Dense(units, initializer=hidden_initializer))
        layers.append(get_activation(activation))
        if keep_prob < 1.0:
            layers.append(Dropout(keep_prob))
    layers.append(Dense(output_units(task, n_outputs), initializer=initializer or "xavier"))
    return Network(layers, loss_for_task(task), l2=l2, seed=seed, dtype=dtype)


#: the constructor argument that ``beta`` sets for each optimizer (β of momentum/RMSprop, β₁ of Adam)
BETA_ARGUMENT = {"momentum": "beta", "rmsprop": "beta", "adam": "beta1"}
#: the constructor argument that takes β₁ (first moment, v), β₂ (second moment, s) and ε in each optimizer
_MOMENT_ARGUMENTS: dict[str, dict[str, str]] = {
    "sgd": {},
    "momentum": {"beta1": "beta"},
    "rmsprop": {"beta2": "beta", "epsilon": "epsilon"},
    "adam": {"beta1": "beta1", "beta2": "beta2", "epsilon": "epsilon"},
}


def build_optimizer(
    name: str,
    learning_rate: float | None = None,
    beta: float | None = None,
    *,
    beta1: float | None = None,
    beta2: float | None = None,
    epsilon: float | None = None,
) -> Optimizer:
    """``sgd``, ``momentum``, ``rmsprop`` or ``adam`` with the given learning rate (None: the optimizer's default).

    ``beta`` (what the CLI and search expose) is momentum's and RMSprop's β, and Adam's β₁; plain SGD
    has none. The estimators name the moments instead: ``beta1`` is the β of the first moment v
    (Momentum's β, Adam's β₁), ``beta2`` the β of the second moment s (RMSprop's β, Adam's β₂),
    ``epsilon`` the ε added to √s. None keeps the optimizer's default; a value the optimizer has no use
    for, or two values for the same argument, raise ConfigError.
    """
    if name not in OPTIMIZERS:
        raise ConfigError(f"Unknown optimizer {name!r}; expected one of {', '.join(map(repr, OPTIMIZERS))}.")
    if beta is not None and name not in BETA_ARGUMENT:
        raise ConfigError(f"The {name!r} optimizer has no β; beta applies to {', '.join(map(repr, BETA_ARGUMENT))}. Received: beta={beta!r}")
    arguments = {"beta": BETA_ARGUMENT.get(name), **_MOMENT_ARGUMENTS[name]}
    options: dict[str, float] = {}
    for given, value in (("beta", beta), ("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon)):
        if value is None:
            continue
        argument = arguments.get(given)
        if argument is None:
            raise ConfigError(f"The {name!r} optimizer has no {given}; leave it None. Received: {given}={value!r}")
        if argument in options:
            raise ConfigError(f"beta and {given} both set the {name!r} optimizer's {argument}; give one. Received: {given}={value!r}")
        options[argument] = value
    if learning_rate is None:
        learning_rate = defaults.LEARNING_RATES[name]
    return OPTIMIZERS[name](learning_rate=learning_rate, **options)


def build_schedule(decay: str, learning_rate: float, decay_rate: float | None = None) -> Schedule | None:
    """The learning-rate schedule named by ``--decay`` (None for ``none``).

    ``decay_rate`` is k of inverse-time α₀/(1 + k·epoch), r of exponential α₀·r^epoch, and the drop
    factor of step (every 10 epochs); None takes the schedule's own default rate from
    :data:`glassnet.defaults.DECAY_RATES` (0.1, 0.95, 0.5).
    """
    if decay == "none":
        return None
    if decay_rate is None and decay in defaults.DECAY_RATES:
        decay_rate = defaults.DECAY_RATES[decay]
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
        raise ConfigError(f"parse_layers(text=...) expects comma-separated positive integers like 64,32. Received: text={text!r}") from None
    if any(width < 1 for width in widths):
        raise ConfigError(f"parse_layers(text=...) expects positive widths. Received: text={text!r}")
    return widths

