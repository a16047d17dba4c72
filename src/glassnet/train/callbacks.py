"""Training callbacks: hooks called by :func:`glassnet.train.loop.fit`.

A callback sees ``on_train_begin(network, epochs)``, ``on_epoch_end(epoch, logs)`` after every epoch
(``logs`` holds ``cost``, ``accuracy`` or ``r2``, the ``dev_`` versions when validation data is given,
``learning_rate`` and ``seconds``) and ``on_train_end(history)``. Setting ``self.stop_training = True``
ends training after the current epoch — that is all early stopping does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet._validation import check_bool, check_choice, check_positive_int, check_real
from glassnet.errors import ConfigError

if TYPE_CHECKING:
    from glassnet.nn.network import Network
    from glassnet.train.history import History


class Callback:
    """Base class with no-op hooks."""

    stop_training: bool = False

    def on_train_begin(self, network: "Network", epochs: int) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Called after each epoch with that epoch's metrics."""

    def on_train_end(self, history: "History") -> None:
        """Called once after the last epoch (also after early stopping)."""


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
        self.best_epoch, self.best_value, self._best_state, self._waited = None, math.inf, None, 0

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


