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
epochs                 —                           a fixed number of passes over the training rows;
                                                   None (default) = train until converged:
max_iter               max_iter                    at most this many epochs (ConvergenceWarning if reached)
tol                    tol                         an epoch improves when cost < best − tol …
n_iter_no_change       n_iter_no_change            … and training stops after this many epochs without
decay, decay_rate      learning_rate (in part)     ``none``, ``inverse-time``, ``exponential``, ``step``
                                                   (rate None = the default of ``glassnet train``)
early_stopping         early_stopping              hold out ``validation_fraction`` of the rows and
validation_fraction    validation_fraction         stop after ``patience`` epochs without a lower
patience               n_iter_no_change            dev cost (by tol when converging); the best
                                                   epoch's weights are kept
class_weight           —                           (classifier) None, ``"balanced"`` or {label: w}
random_state           random_state                seeds weights, shuffling, dropout and the split
verbose                verbose                     0 silent, 1 one line per epoch on stderr
dtype                  —                           None (default): follow the input — float32 X trains
                                                   in float32, anything else in float64, as MLPClassifier
                                                   does; ``"float32"``/``"float64"`` force one
=====================  ==========================  ==================================================
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from glassnet import defaults
from glassnet._validation import check_bool, check_choice, check_positive_int, check_real
from glassnet.nn.builders import DECAYS, build_network, build_optimizer, build_schedule
from glassnet.train.callbacks import ConvergenceStopping, EarlyStopping
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


@dataclass(frozen=True)
class Parameter:
    """One constructor argument of the estimators: its default and how ``fit`` checks it (None: not checked here)."""

    default: Any
    check: Check | None = None


#: every constructor argument of both estimators, declared once: its default (from :mod:`glassnet.defaults`)
#: and its check. ``random_state`` is checked by scikit-learn; ``class_weight`` is the classifier's own and
#: ``scale_target`` the regressor's. ``epochs=None`` trains until converged (up to ``max_iter``); ``dtype=None``
#: follows the input's float type.
PARAMETERS: dict[str, Parameter] = {
    "hidden_layer_sizes": Parameter(defaults.HIDDEN_LAYERS, _check_widths),
    "activation": Parameter(defaults.ACTIVATION, _choice(ACTIVATIONS)),
    "keep_prob": Parameter(1.0, _unit_interval(low_open=True, high_open=False)),
    "batchnorm": Parameter(False, check_bool),
    "l2": Parameter(0.0, lambda owner, name, value: check_real(owner, name, value, low=0.0)),
    "optimizer": Parameter(defaults.OPTIMIZER, _choice(OPTIMIZERS)),
    "learning_rate": Parameter(None, _optional(lambda owner, name, value: check_real(owner, name, value, low=0.0, low_open=True))),
    "beta1": Parameter(None, _optional(_unit_interval(low_open=False, high_open=True))),
    "beta2": Parameter(None, _optional(_unit_interval(low_open=False, high_open=True))),
    "epsilon": Parameter(None, _optional(lambda owner, name, value: check_real(owner, name, value, low=0.0, low_open=True))),
    "batch_size": Parameter(defaults.BATCH_SIZE, _optional(check_positive_int)),
    "epochs": Parameter(None, _optional(check_positive_int)),
    "max_iter": Parameter(defaults.MAX_EPOCHS, check_positive_int),
    "tol": Parameter(defaults.TOL, lambda owner, name, value: check_real(owner, name, value, low=0.0)),
    "n_iter_no_change": Parameter(defaults.N_ITER_NO_CHANGE, check_positive_int),
    "decay": Parameter(defaults.DECAY, _choice(DECAYS)),
    "decay_rate": Parameter(None, _optional(lambda owner, name, value: check_real(owner, name, value, low=0.0))),
    "early_stopping": Parameter(False, check_bool),
    "validation_fraction": Parameter(0.1, _unit_interval(low_open=True, high_open=True)),
    "patience": Parameter(10, check_positive_int),
    "class_weight": Parameter(None),
    "scale_target": Parameter(True, check_bool),
    "random_state": Parameter(None),
    "verbose": Parameter(0, _check_verbose),
    "dtype": Parameter(None, _optional(_choice(DTYPES))),
}


def declare_parameters(names: Sequence[str]) -> Callable[..., None]:
    """An ``__init__`` that only stores the keyword arguments ``names`` (scikit-learn's rule), defaulting from
    :data:`PARAMETERS`, with an explicit signature — which is what scikit-learn's ``get_params`` reads."""

    def __init__(self: Any, **params: Any) -> None:
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}")
        for name in names:
            setattr(self, name, params.get(name, PARAMETERS[name].default))

    keyword = inspect.Parameter.KEYWORD_ONLY
    __init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, keyword, default=PARAMETERS[name].default) for name in names]
    )
    return __init__


#: the arguments both estimators take (the classifier adds ``class_weight``, the regressor ``scale_target``)
SHARED_PARAMETERS = tuple(name for name in PARAMETERS if name not in ("class_weight", "scale_target"))


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class _GlassEstimator(BaseEstimator):
    """What the classifier and the regressor share: checking, building, training, predicting logits."""

    __init__ = declare_parameters(SHARED_PARAMETERS)

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

    def _scale_targets(self, targets: np.ndarray, weights: np.ndarray | None, first_call: bool) -> np.ndarray:
        """The targets as the network is trained on them (the regressor standardises them)."""
        return targets

    # ------------------------------------------------------------------ checks
    def _checked_params(self) -> dict[str, Any]:
        owner = type(self).__name__
        params = self.get_params(deep=False)
        return {name: check(owner, name, value) if (check := PARAMETERS[name].check) is not None else value for name, value in params.items()}

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
        targets = self._scale_targets(targets, weights, first_call)
        if first_call:
            self._start(params, task, n_outputs, X.dtype)
        optimizer = build_optimizer(
            params["optimizer"], params["learning_rate"], beta1=params["beta1"], beta2=params["beta2"], epsilon=params["epsilon"]
        )
        schedule = build_schedule(params["decay"], optimizer.learning_rate, params["decay_rate"])
        validation, callbacks = None, self._stopping_rules(params, incremental)
        if params["early_stopping"] and not incremental:
            X, targets, weights, validation = self._hold_out(X, targets, weights, params["validation_fraction"], task)
        epochs = 1 if incremental else params["max_iter"] if params["epochs"] is None else params["epochs"]
        history = train(  # fit grows batch_size where BatchNorm would get a one-row last batch
            self.network_, X, targets, optimizer, epochs, params["batch_size"], schedule,
            validation, callbacks, params["verbose"], sample_weight=weights,
            optimizer_state=None if first_call else self.optimizer_state_, initial_epoch=self.n_iter_,
        )  # fmt: skip
        self.optimizer_state_ = history.optimizer_state
        self.n_iter_ += len(history)
        self.t_ += len(history) * X.shape[0]
        self.loss_curve_ += history.cost
        self.best_loss_ = None if params["early_stopping"] else min(self.loss_curve_, default=None)
        if not incremental and params["epochs"] is None and not history.stopped_early:
            warnings.warn(
                f"{type(self).__name__}: training reached max_iter={params['max_iter']} epochs before converging (the cost still fell "
                f"by more than tol={params['tol']:g} within {params['n_iter_no_change'] if not params['early_stopping'] else params['patience']} epochs); "
                "raise max_iter, or set epochs for a fixed number.", ConvergenceWarning, stacklevel=3,
            )  # fmt: skip
        self.validation_scores_ = None if validation is None else history["dev_r2" if task == "regression" else "dev_accuracy"]
        self.best_epoch_ = history.best_epoch
        return self

    def _stopping_rules(self, params: dict[str, Any], incremental: bool) -> list:
        """The callbacks that end a ``fit``: early stopping on the dev cost, or (with ``epochs=None``) the
        convergence rule on the training cost; none for ``partial_fit`` (one epoch) or a fixed ``epochs``."""
        if incremental:
            return []
        tol = params["tol"] if params["epochs"] is None else 0.0
        if params["early_stopping"]:
            return [EarlyStopping(patience=params["patience"], monitor="dev_cost", min_delta=tol, restore_best=True)]
        return [] if params["epochs"] is not None else [ConvergenceStopping(tol, params["n_iter_no_change"])]

    def _start(self, params: dict[str, Any], task: str, n_outputs: int, input_dtype: np.dtype) -> None:
        """Build a fresh network (in ``dtype``, or the input's float type) and reset the training record."""
        self.network_ = build_network(
            n_outputs, params["hidden_layer_sizes"], params["activation"], task, l2=params["l2"], seed=self._seed(),
            dtype=params["dtype"] or np.dtype(input_dtype).name, keep_prob=params["keep_prob"], batchnorm=params["batchnorm"],
        )  # fmt: skip
        self.network_.build(self.n_features_in_)
        self.optimizer_state_: dict[str, Any] | None = None
        self.n_iter_, self.t_, self.loss_curve_, self.best_loss_ = 0, 0, [], None
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

    # ------------------------------------------------------------------ MLPClassifier's attributes
    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weights ``W (n_in, n_out)`` of each Dense layer, as read-only views (``MLPClassifier.coefs_``)."""
        return [_read_only(layer.params["W"]) for layer in self._dense_layers()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The biases ``b (n_out,)`` of each Dense layer, as read-only views (``MLPClassifier.intercepts_``)."""
        return [_read_only(layer.params.get("b", np.zeros(layer.units, layer.dtype))) for layer in self._dense_layers()]

    def _dense_layers(self) -> list[Any]:
        check_is_fitted(self)
        return [layer for layer in self.network_.layers if "W" in layer.params]

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


