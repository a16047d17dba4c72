"""Training callbacks: hooks called by :func:`glassnet.train.loop.fit`.

A callback sees ``on_train_begin(network, epochs)``, ``on_epoch_end(epoch, logs)`` after every epoch
(``logs`` holds ``cost``, ``accuracy`` or ``r2``, the ``dev_`` versions when validation data is given,
``learning_rate`` and ``seconds``) and ``on_train_end(history)``. Setting ``self.stop_training = True``
ends training after the current epoch — that is all early stopping and convergence stopping do.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import defaults
from glassnet._validation import check_bool, check_choice, check_positive_int, check_real
from glassnet.errors import ConfigError

if TYPE_CHECKING:
    from glassnet.nn.network import Network
    from glassnet.train.history import History


class Callback:
    """Base class with no-op hooks.

    A callback that remembers something across epochs (a patience counter, the best weights) exposes it
    with :meth:`get_state` and takes it back with :meth:`set_state`, so a checkpoint can keep it and a
    resumed run continues exactly: the state is a dict of JSON values and dicts of arrays (the layout of
    an optimizer state), and after :meth:`set_state` the next ``on_train_begin`` keeps it instead of
    starting afresh.
    """

    stop_training: bool = False
    _restored: bool = False

    def get_state(self) -> dict[str, Any]:
        """What must survive an interruption: JSON values and dicts of arrays ({} for a stateless callback)."""
        return {}

    def set_state(self, state: dict[str, Any]) -> None:
        """Take back a state from :meth:`get_state` (read from a file: check it); kept by the next ``on_train_begin``."""
        if state:
            raise ConfigError(f"{type(self).__name__} keeps no state. Received: {sorted(state)}")

    def _starts_afresh(self) -> bool:
        """For ``on_train_begin``: True unless :meth:`set_state` has just put a state back (then clear that mark)."""
        restored, self._restored = self._restored, False
        return not restored

    def on_train_begin(self, network: "Network", epochs: int) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Called after each epoch with that epoch's metrics."""

    def on_train_end(self, history: "History") -> None:
        """Called once after the last epoch (also after early stopping)."""


def _optional_real(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))


def _optional_count(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _finite_arrays(arrays: Any) -> bool:
    return isinstance(arrays, dict) and all(isinstance(a, np.ndarray) and np.all(np.isfinite(a)) for a in arrays.values())


class EarlyStopping(Callback):
    """Stop when ``monitor`` (default ``dev_cost``) has not improved by ``min_delta`` for ``patience`` epochs.

    ``monitor`` is one of the metrics ``fit`` logs (:data:`MONITORS`); ``mode`` says which way is better:
    ``"min"`` (costs), ``"max"`` (accuracy, R²), or ``"auto"`` (the default), which takes it from
    :data:`MONITORS`. A metric of your own (one that another callback adds to the logs) needs an
    explicit ``mode``, since its name says nothing about its direction. With ``restore_best=True`` the weights and buffers of the best epoch are put back at
    the end, so the network is the one that did best on the monitored metric.
    """

    #: every metric ``fit`` logs, and whether a smaller value is better ("min") or a larger one ("max")
    MONITORS = {"cost": "min", "dev_cost": "min", "accuracy": "max", "dev_accuracy": "max", "r2": "max", "dev_r2": "max"}

    def __init__(self, patience: int = 5, monitor: str = "dev_cost", min_delta: float = 0.0, restore_best: bool = True,
                 mode: str = "auto") -> None:
        self.patience = check_positive_int("EarlyStopping", "patience", patience)
        mode = check_choice("EarlyStopping", "mode", mode, ("auto", "min", "max"))
        if mode == "auto":
            if monitor not in self.MONITORS:
                raise ConfigError(
                    f"EarlyStopping(monitor=...) expects one of {', '.join(map(repr, self.MONITORS))}, or a metric of your own "
                    f"with mode='min' or 'max'. Received: monitor={monitor!r}"
                )
            mode = self.MONITORS[monitor]
        elif not isinstance(monitor, str) or not monitor:
            raise ConfigError(f"EarlyStopping(monitor=...) expects a metric name. Received: monitor={monitor!r}")
        self.monitor, self.mode = monitor, mode
        self.min_delta = check_real("EarlyStopping", "min_delta", min_delta, low=0.0)
        self.restore_best = check_bool("EarlyStopping", "restore_best", restore_best)
        self.best_epoch: int | None = None
        self.best_value = math.inf
        self._network: "Network | None" = None
        self._best_state: dict[str, np.ndarray] | None = None
        self._waited = 0

    def on_train_begin(self, network: "Network", epochs: int) -> None:
        self._network = network
        self.stop_training = False
        if self._starts_afresh():
            self.best_epoch, self.best_value, self._best_state, self._waited = None, math.inf, None, 0
        elif self._best_state is not None:
            expected = {name: (array.shape, array.dtype) for name, array in network.state_arrays().items()}
            if {name: (array.shape, array.dtype) for name, array in self._best_state.items()} != expected:
                raise ConfigError("EarlyStopping: the restored best weights do not match this network's arrays.")

    def get_state(self) -> dict[str, Any]:
        """``best_value`` (None = none yet), ``best_epoch``, ``waited`` (epochs without improvement) and,
        with ``restore_best``, ``best_weights`` (the network's arrays at the best epoch)."""
        state: dict[str, Any] = {"best_value": None if math.isinf(self.best_value) else float(self.best_value),
                                 "best_epoch": self.best_epoch, "waited": self._waited}
        if self._best_state is not None:
            state["best_weights"] = self._best_state
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        best_value, best_epoch, waited = (state.get(key) for key in ("best_value", "best_epoch", "waited"))
        weights = state.get("best_weights")
        if not (_optional_real(best_value) and _optional_count(best_epoch) and _optional_count(waited) and waited is not None
                and (weights is None or _finite_arrays(weights))):
            raise ConfigError(f"EarlyStopping state must hold best_value, best_epoch, waited and finite best_weights. Received: {state!r:.200}")
        self.best_value = math.inf if best_value is None else float(best_value)
        self.best_epoch, self._waited, self._restored = best_epoch, int(waited), True
        self._best_state = None if weights is None else {name: np.array(array) for name, array in weights.items()}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        value = logs.get(self.monitor)
        if value is None:
            raise ConfigError(
                f"EarlyStopping(monitor={self.monitor!r}) but this run reports only {sorted(k for k, v in logs.items() if v is not None)}; "
                "give validation_data or monitor='cost'."
            )
        signed = value if self.mode == "min" else -value
        if signed < self.best_value - self.min_delta:
            self.best_value, self.best_epoch, self._waited = signed, epoch, 0
            if self.restore_best and self._network is not None:
                self._best_state = {name: array.copy() for name, array in self._network.state_arrays().items()}
        else:
            self._waited += 1
            if self._waited >= self.patience:
                self.stop_training = True

    def on_train_end(self, history: "History") -> None:
        history.best_epoch = self.best_epoch
        if history.diverged:  # the divergence guard restored the epoch-start weights: keep its promise
            return
        if self.restore_best and self._best_state is not None and self._network is not None:
            self._network.load_state_arrays(self._best_state)




class ConvergenceStopping(Callback):
    """Stop when training has converged: ``monitor`` (default the training ``cost``) has not improved by more
    than ``tol`` for ``n_iter_no_change`` epochs in a row — scikit-learn's ``MLPClassifier`` rule.

    After each epoch, with J the monitored value (metrics not ending in ``cost`` are maximised, so J = −value)::

        J < best − tol   →  an improvement: the count of epochs without one restarts at 0
        otherwise        →  count += 1, and training stops when count reaches n_iter_no_change
        best = min(best, J)

    Defaults (:mod:`glassnet.defaults`): tol = 1e-4, n_iter_no_change = 10. ``converged`` tells, after
    training, whether this rule stopped it (rather than the epoch limit); :meth:`reason` says it in words.
    """

    def __init__(self, tol: float = defaults.TOL, n_iter_no_change: int = defaults.N_ITER_NO_CHANGE, monitor: str = "cost") -> None:
        self.tol = check_real("ConvergenceStopping", "tol", tol, low=0.0)
        self.n_iter_no_change = check_positive_int("ConvergenceStopping", "n_iter_no_change", n_iter_no_change)
        self.monitor = monitor
        self.best_value = math.inf
        self.converged = False
        self.stopped_epoch: int | None = None
        self._waited = 0

    def on_train_begin(self, network: "Network", epochs: int) -> None:
        self.stop_training = False
        if self._starts_afresh():
            self.best_value, self.converged, self.stopped_epoch, self._waited = math.inf, False, None, 0

    def get_state(self) -> dict[str, Any]:
        """``best_value`` (None = none yet), ``waited`` (epochs without improvement), ``converged``, ``stopped_epoch``."""
        return {"best_value": None if math.isinf(self.best_value) else float(self.best_value), "waited": self._waited,
                "converged": self.converged, "stopped_epoch": self.stopped_epoch}

    def set_state(self, state: dict[str, Any]) -> None:
        best_value, waited, converged, stopped = (state.get(key) for key in ("best_value", "waited", "converged", "stopped_epoch"))
        if not (_optional_real(best_value) and _optional_count(waited) and waited is not None and isinstance(converged, bool) and _optional_count(stopped)):
            raise ConfigError(f"ConvergenceStopping state must hold best_value, waited, converged and stopped_epoch. Received: {state!r:.200}")
        self.best_value = math.inf if best_value is None else float(best_value)
        self._waited, self.converged, self.stopped_epoch, self._restored = int(waited), converged, stopped, True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        value = logs.get(self.monitor)
        if value is None:
            raise ConfigError(f"ConvergenceStopping(monitor={self.monitor!r}) but this run reports only {sorted(k for k, v in logs.items() if v is not None)}.")
        signed = value if self.monitor.endswith("cost") else -value
        self._waited = 0 if signed < self.best_value - self.tol else self._waited + 1
        self.best_value = min(self.best_value, signed)
        if self._waited >= self.n_iter_no_change:
            self.stop_training = self.converged = True
            self.stopped_epoch = epoch

    def reason(self, epochs_run: int, max_epochs: int) -> str:
        """Why training stopped, in one sentence: converged (with the rule) or reached ``max_epochs``."""
        if self.converged:
            return (f"converged: the {self.monitor.replace('_', ' ')} did not improve by more than tol={self.tol:g} "
                    f"for {self.n_iter_no_change} epochs (stopped after epoch {epochs_run})")
        return f"reached the maximum of {max_epochs} epochs before converging (tol={self.tol:g}, n_iter_no_change={self.n_iter_no_change})"
