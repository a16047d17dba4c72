"""scikit-learn estimators: :class:`GlassClassifier` and :class:`GlassRegressor`.

They stand in for ``MLPClassifier``/``MLPRegressor`` and add what those lack: inverted dropout
(``keep_prob``), batch normalisation, every glassnet optimizer with its βs, learning-rate decay and
class weights. Underneath is a plain :class:`~glassnet.nn.network.Network` (``network_``) trained by
:func:`glassnet.train.loop.fit`, so its parameters, gradients and optimizer state (``optimizer_state_``,
the course's v, s and t) can be inspected after fitting.

scikit-learn's conventions hold: the constructor only stores its arguments, ``fit`` checks them
(raising :class:`~glassnet.errors.ConfigError` that names the bad value), fitted state ends in ``_``,
and randomness comes from ``random_state``.

=====================  ==========================  ==================================================
parameter              MLPClassifier's name        meaning
=====================  ==========================  ==================================================
hidden_layer_sizes     hidden_layer_sizes          widths of the hidden Dense layers; () = none
activation             activation                  ``relu``, ``leaky-relu``, ``tanh``, ``sigmoid``
keep_prob              —                           inverted-dropout keep probability (1.0 = off)
batchnorm              —                           BatchNorm after each hidden Dense layer
l2                     alpha                       λ in J + (λ/2m)·Σ‖W‖²
optimizer              solver                      ``sgd``, ``momentum``, ``rmsprop``, ``adam``
learning_rate          learning_rate_init          α, or α₀ of the decay schedule
beta1, beta2, epsilon  beta_1, beta_2, epsilon     β of v, β of s, ε added to √s (None = default)
batch_size             batch_size                  rows per step (1 = stochastic, None = full batch)
epochs                 max_iter                    passes over the training rows
decay, decay_rate      learning_rate (in part)     ``none``, ``inverse-time``, ``exponential``, ``step``
                                                   (rate None = the default of ``glassnet train``)
early_stopping         early_stopping              hold out ``validation_fraction`` of the rows and
validation_fraction    validation_fraction         stop after ``patience`` epochs without a lower
patience               n_iter_no_change            dev cost; the best epoch's weights are kept
class_weight           —                           (classifier) None, ``"balanced"`` or {label: w}
random_state           random_state                seeds weights, shuffling, dropout and the split
verbose                verbose                     0 silent, 1 one line per epoch on stderr
dtype                  —                           ``float32`` (default) or ``float64``
=====================  ==========================  ==================================================
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from glassnet._validation import check_bool, check_choice, check_positive_int, check_real
from glassnet.nn.builders import DECAYS, build_network, build_optimizer, build_schedule
from glassnet.train.callbacks import EarlyStopping
from glassnet.errors import ConfigError, DataError
from glassnet.nn.layers import ACTIVATIONS
from glassnet.nn.network import DTYPES
from glassnet.optim.optimizers import OPTIMIZERS
from glassnet.train.loop import fit as train
from glassnet.train.state import copy_state, restore_state

Check = Callable[[str, str, Any], Any]


def _optional(check: Check) -> Check:
    """``check``, but letting None through (None means "the default")."""
    return lambda owner, name, value: None if value is None else check(owner, name, value)


def _check_widths(owner: str, name: str, value: Any) -> tuple[int, ...]:
    """An int is one hidden layer; a sequence of positive ints is one layer per entry; () is none."""
    widths = (value,) if isinstance(value, Integral) and not isinstance(value, bool) else value
    try:
        widths = tuple(widths)
    except TypeError:
        widths = None
    if widths is None or any(isinstance(w, bool) or not isinstance(w, Integral) or w < 1 for w in widths):
        raise ConfigError(f"{owner}({name}=...) expects a sequence of positive integers such as (64, 32). Received: {name}={value!r}")
    return tuple(int(w) for w in widths)


def _check_verbose(owner: str, name: str, value: Any) -> int:
    if not isinstance(value, Integral) or value < 0:
        raise ConfigError(f"{owner}({name}=...) expects 0 (silent) or 1 (a line per epoch). Received: {name}={value!r}")
    return int(value)


def _unit_interval(low_open: bool, high_open: bool) -> Check:
    return lambda owner, name, value: check_real(owner, name, value, 0.0, 1.0, low_open=low_open, high_open=high_open)


def _choice(choices: Sequence[str]) -> Check:
    return lambda owner, name, value: check_choice(owner, name, value, tuple(choices))


#: how ``fit`` checks each constructor argument (declared once; ``random_state`` is checked by scikit-learn)
_PARAMETER_CHECKS: dict[str, Check] = {
    "hidden_layer_sizes": _check_widths,
    "activation": _choice(ACTIVATIONS),
    "keep_prob": _unit_interval(low_open=True, high_open=False),
    "batchnorm": check_bool,
    "l2": lambda owner, name, value: check_real(owner, name, value, low=0.0),
    "optimizer": _choice(OPTIMIZERS),
    "learning_rate": lambda owner, name, value: check_real(owner, name, value, low=0.0, low_open=True),
    "beta1": _optional(_unit_interval(low_open=False, high_open=True)),
    "beta2": _optional(_unit_interval(low_open=False, high_open=True)),
    "epsilon": _optional(lambda owner, name, value: check_real(owner, name, value, low=0.0, low_open=True)),
    "batch_size": _optional(check_positive_int),
    "epochs": check_positive_int,
    "decay": _choice(DECAYS),
    "decay_rate": _optional(lambda owner, name, value: check_real(owner, name, value, low=0.0)),
    "early_stopping": check_bool,
    "validation_fraction": _unit_interval(low_open=True, high_open=True),
    "patience": check_positive_int,
    "verbose": _check_verbose,
    "dtype": _choice(DTYPES),
}


class _GlassEstimator(BaseEstimator):
    """What the classifier and the regressor share: checking, building, training, predicting logits."""

    def __init__(
        self, hidden_layer_sizes: Sequence[int] | int = (64, 32), activation: str = "relu", keep_prob: float = 1.0,
        batchnorm: bool = False, l2: float = 0.0, optimizer: str = "adam", learning_rate: float = 0.001,
        beta1: float | None = None, beta2: float | None = None, epsilon: float | None = None, batch_size: int | None = 32,
        epochs: int = 40, decay: str = "none", decay_rate: float | None = None, early_stopping: bool = False,
        validation_fraction: float = 0.1, patience: int = 10, random_state: Any = None, verbose: int = 0, dtype: str = "float32",
    ) -> None:  # fmt: skip
        self.hidden_layer_sizes, self.activation, self.keep_prob, self.batchnorm = hidden_layer_sizes, activation, keep_prob, batchnorm
        self.l2, self.optimizer, self.learning_rate, self.beta1, self.beta2 = l2, optimizer, learning_rate, beta1, beta2
        self.epsilon, self.batch_size, self.epochs, self.decay, self.decay_rate = epsilon, batch_size, epochs, decay, decay_rate
        self.early_stopping, self.validation_fraction, self.patience = early_stopping, validation_fraction, patience
        self.random_state, self.verbose, self.dtype = random_state, verbose, dtype

    # ------------------------------------------------------------------ subclass hooks
    def _encode_targets(self, y: np.ndarray, first_call: bool, classes: Any) -> tuple[np.ndarray, str, int]:
        """Return (targets the loss takes, task, output width); on the first call, record the target layout."""
        raise NotImplementedError

    def _target_checks(self) -> dict[str, bool]:
        """Keyword arguments of scikit-learn's ``check_X_y`` for ``y``."""
        raise NotImplementedError

    def _weights(self, sample_weight: np.ndarray | None, targets: np.ndarray, y: np.ndarray, incremental: bool) -> np.ndarray | None:
        """The per-row weights the loss sees (the classifier folds in ``class_weight``)."""
        return sample_weight

    # ------------------------------------------------------------------ checks
    def _checked_params(self) -> dict[str, Any]:
        owner = type(self).__name__
        params = self.get_params(deep=False)
        return {name: _PARAMETER_CHECKS[name](owner, name, value) if name in _PARAMETER_CHECKS else value for name, value in params.items()}

    def _seed(self) -> int:
        """A non-negative int for the network's generator: ``random_state`` itself when it is one."""
        state = self.random_state
        if isinstance(state, Integral) and not isinstance(state, bool) and state >= 0:
            return int(state)
        return int(check_random_state(state).randint(np.iinfo(np.int32).max))

    # ------------------------------------------------------------------ training
    def _train(self, X: Any, y: Any, sample_weight: Any, incremental: bool, classes: Any = None) -> "_GlassEstimator":
        """Fit (or one ``partial_fit`` epoch); on Ctrl-C the estimator is put back exactly as it was before the call."""
        saved = self._snapshot()
        try:
            return self._train_once(X, y, sample_weight, incremental, classes)
        except KeyboardInterrupt:
            self._restore(saved)
            raise

    def _snapshot(self) -> tuple[dict[str, Any], dict[str, np.ndarray] | None, dict[str, Any] | None]:
        """The fitted attributes, plus copies of what training changes in place: the weights and optimizer state."""
        network, state = getattr(self, "network_", None), getattr(self, "optimizer_state_", None)
        arrays = None if network is None else {name: value.copy() for name, value in network.state_arrays().items()}
        return dict(vars(self)), arrays, (None if state is None else copy_state(state))

    def _restore(self, saved: tuple[dict[str, Any], dict[str, np.ndarray] | None, dict[str, Any] | None]) -> None:
        attributes, arrays, state = saved
        vars(self).clear()
        vars(self).update(attributes)
        if arrays is not None:
            self.network_.load_state_arrays(arrays)
        if state is not None:
            restore_state(self.optimizer_state_, state)

    def _train_once(self, X: Any, y: Any, sample_weight: Any, incremental: bool, classes: Any = None) -> "_GlassEstimator":
        params = self._checked_params()
        first_call = not (incremental and hasattr(self, "network_"))
        X, y = validate_data(self, X, y, reset=first_call, dtype=(np.float64, np.float32), **self._target_checks())
        targets, task, n_outputs = self._encode_targets(y, first_call, classes)
        if sample_weight is not None:
            try:
                sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            except ValueError as error:
                raise DataError(f"sample_weight: {error}") from None
        weights = self._weights(sample_weight, targets, y, incremental)
        if first_call:
            self._start(params, task, n_outputs)
        optimizer = build_optimizer(
            params["optimizer"], params["learning_rate"], beta1=params["beta1"], beta2=params["beta2"], epsilon=params["epsilon"]
        )
        schedule = build_schedule(params["decay"], params["learning_rate"], params["decay_rate"])
        validation, callbacks = None, []
        if params["early_stopping"] and not incremental:
            X, targets, weights, validation = self._hold_out(X, targets, weights, params["validation_fraction"], task)
            callbacks.append(EarlyStopping(patience=params["patience"], monitor="dev_cost", restore_best=True))
        batch_size = self._batch_size(params, X.shape[0])
        history = train(
            self.network_, X, targets, optimizer, 1 if incremental else params["epochs"], batch_size, schedule,
            validation, callbacks, params["verbose"], sample_weight=weights,
            optimizer_state=None if first_call else self.optimizer_state_, initial_epoch=self.n_iter_,
        )  # fmt: skip
        self.optimizer_state_ = history.optimizer_state
        self.n_iter_ += len(history)
        self.loss_curve_ += history.cost
        self.validation_scores_ = None if validation is None else history["dev_r2" if task == "regression" else "dev_accuracy"]
        self.best_epoch_ = history.best_epoch
        return self

    def _batch_size(self, params: dict[str, Any], rows: int) -> int | None:
        """``batch_size``, grown by as little as needed with batch norm so that no batch is a single row.

        BatchNorm cannot estimate a variance from one row, and a cross-validation fold of, say, 65 rows
        with batches of 32 would end on one; batches of 33 and 32 avoid that.
        """
        size = params["batch_size"]
        if not params["batchnorm"]:
            return size
        if rows < 2:
            raise DataError(f"{type(self).__name__}(batchnorm=True) needs at least 2 rows to train; got 1 sample.")
        while size is not None and rows % size == 1:
            size += 1
        return size

    def _start(self, params: dict[str, Any], task: str, n_outputs: int) -> None:
        """Build a fresh network and reset the training record (the first fit or partial_fit)."""
        self.network_ = build_network(
            n_outputs, params["hidden_layer_sizes"], params["activation"], task, l2=params["l2"], seed=self._seed(),
            dtype=params["dtype"], keep_prob=params["keep_prob"], batchnorm=params["batchnorm"],
        )  # fmt: skip
        self.network_.build(self.n_features_in_)
        self.optimizer_state_: dict[str, Any] | None = None
        self.n_iter_, self.loss_curve_ = 0, []
        self.validation_scores_, self.best_epoch_ = None, None

    def _hold_out(self, X: np.ndarray, targets: np.ndarray, weights: np.ndarray | None, fraction: float, task: str) -> tuple:
        """Split off ``fraction`` of the rows (stratified for classifiers) as the early-stopping dev set."""
        arrays = [X, targets] + ([] if weights is None else [weights])
        try:
            parts = train_test_split(*arrays, test_size=fraction, random_state=self._seed(), stratify=None if task == "regression" else targets)
        except ValueError as error:
            raise DataError(f"Cannot hold out validation_fraction={fraction!r} of {X.shape[0]} rows for early stopping: {error}") from None
        X_train, X_dev, t_train, t_dev = parts[:4]
        return X_train, t_train, (parts[4] if weights is not None else None), (X_dev, t_dev)

    # ------------------------------------------------------------------ prediction
    def _logits(self, X: Any) -> np.ndarray:
        """The network's raw outputs ``(m, n_outputs)`` at inference, in float64 (exact upcast)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.network_.forward(X).astype(np.float64)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


# ---------------------------------------------------------------------------------------------- model files


