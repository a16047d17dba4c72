"""Mini-batch gradient descent (lesson 3) with optimizers, schedules, callbacks and a divergence guard.

One epoch: draw a permutation of the rows from the network's generator, then walk through them
``batch_size`` rows at a time, gathering each mini-batch into a reused buffer (the last short batch
is kept). Each step: forward → cost → backward → (clip) → optimizer update. ``batch_size=1`` is
stochastic gradient descent, ``batch_size=None`` (or ≥ the number of rows) is batch gradient descent.

The reported training cost and accuracy of an epoch are means over its mini-batches (weighted by
their size), measured as the weights moved — the usual convention, and free to compute. The training
R² of a regression has no per-batch form, so it is measured on the whole training set, at inference,
after the epoch.

This module sits on the network's floor and never imports the network module at run time: ``fit``
works on any object with the network's methods (duck typing), and what writes files (a checkpoint,
see :class:`glassnet.files.checkpoints.Checkpointer`) is handed in as ``checkpoint=``.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Protocol, Sequence

import numpy as np

from glassnet import defaults
from glassnet._validation import check_real
from glassnet.errors import ConfigError, DataError, TrainingDiverged
from glassnet.nn._math import l2_norm
from glassnet.optim.optimizers import Adam, Optimizer
from glassnet.optim.schedules import Schedule
from glassnet.train.batching import min_training_rows, training_batch_size
from glassnet.train.callbacks import Callback
from glassnet.train.history import History
from glassnet.train.progress import ProgressReporter
from glassnet.train.state import copy_state, restore_state
from glassnet.train.threads import blas_threads, step_threads

if TYPE_CHECKING:
    from glassnet.nn.network import Network


class Checkpoint(Protocol):
    """What ``fit(checkpoint=...)`` calls; :class:`glassnet.files.checkpoints.Checkpointer` is the implementation."""

    def start(self, network: Any, optimizer: Optimizer, schedule: Schedule | None, state: dict[str, Any],
              history: History, initial_epoch: int) -> int:
        """Bind to the run (and resume into ``state``/``history`` if asked); return the epoch to start at."""

    def epoch_done(self, epochs_done: int, state: dict[str, Any], history: History) -> None:
        """Remember the state after ``epochs_done`` completed epochs (and write it when due)."""

    def finish(self, state: dict[str, Any], history: History) -> None:
        """After the last epoch: make sure the last completed state is written."""

    def interrupted(self, state: dict[str, Any], history: History) -> int:
        """On Ctrl-C: put back and write the state of the last completed epoch; return that epoch."""


def _check_epochs(epochs: Any, batch_size: Any) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ConfigError(f"fit(epochs=...) expects an integer ≥ 0. Received: epochs={epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ConfigError(f"fit(batch_size=...) expects a positive integer or None (whole batch). Received: batch_size={batch_size!r}")


def _prepare_weights(sample_weight: Any, rows: int, dtype: np.dtype) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=dtype)
    if weights.shape != (rows,):
        raise DataError(f"sample_weight must have shape ({rows},). Received shape {weights.shape}.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise DataError("sample_weight must be finite, non-negative and not all zero.")
    return weights


def fit(
    network: "Network",
    X: Any,
    y: Any,
    optimizer: Optimizer | None = None,
    epochs: int = defaults.EPOCHS,
    batch_size: int | None = defaults.BATCH_SIZE,
    schedule: Schedule | None = None,
    validation_data: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    verbose: int = 1,
    *,
    sample_weight: Any = None,
    clip_norm: float | None = None,
    optimizer_state: dict[str, Any] | None = None,
    initial_epoch: int = 0,
    divergence_factor: float = defaults.DIVERGENCE_FACTOR,
    checkpoint: Checkpoint | None = None,
) -> History:
    """Train ``network`` on ``X (m, n_features)``, ``y (m,)`` for ``epochs`` epochs; return the :class:`History`.

    optimizer          default ``Adam()`` (α = 0.001)
    epochs, batch_size default 40 and 32 (:mod:`glassnet.defaults`); ``batch_size=None`` is the whole batch.
                       When the last batch would be smaller than a layer can train on (BatchNorm needs
                       2 rows), the batch is grown by as little as needed: 65 rows in batches of 32 train
                       as 33 + 32 (:mod:`glassnet.train.batching`; a batch_size below that minimum raises)
    schedule           learning rate per epoch; overrides the optimizer's ``learning_rate``
    validation_data    ``(X_dev, y_dev)``: adds ``dev_cost`` and ``dev_accuracy``/``dev_r2`` each epoch
    sample_weight      ``(m,)`` non-negative weights; the cost is Σwℓ/Σw, so weight 2 = a duplicated row
    clip_norm          rescale the whole gradient vector g to ``clip_norm·g/‖g‖`` when ‖g‖ exceeds it
    optimizer_state /  continue an earlier run: the state from ``History.optimizer_state`` and the
    initial_epoch      epoch to resume at (the schedule is evaluated at the true epoch)
    divergence_factor  stop when a batch cost exceeds this many times max(first batch cost, 1); > 1
    verbose            0 silent, 1 progress (a live bar on a terminal, a line per epoch otherwise)
    checkpoint         a :class:`glassnet.files.checkpoints.Checkpointer`: crash-safe checkpoints, resume,
                       and on Ctrl-C the state of the last completed epoch is put back, saved,
                       ``history.interrupted`` set, and fit returns

    Training that diverges (a non-finite or exploding cost, a floating-point overflow, non-finite
    gradients or weights) raises :class:`TrainingDiverged` after restoring the weights and optimizer
    state to their values at the start of that epoch.

    A step of small matrix products runs with one BLAS thread (steady on a busy machine), larger ones
    with the library's default; see :mod:`glassnet.train.threads`.
    """
    _check_network(network)
    optimizer = Adam() if optimizer is None else optimizer
    _check_options(optimizer, epochs, batch_size, schedule, clip_norm, initial_epoch, divergence_factor, verbose)
    X, y = network.prepare(X, y)
    batch_size = training_batch_size(X.shape[0], batch_size, *min_training_rows(network.layers))
    weights = _prepare_weights(sample_weight, X.shape[0], network.dtype)
    dev = _prepare_validation(network, validation_data)

    state = optimizer.init(network.parameters()) if optimizer_state is None else optimizer_state
    all_callbacks = ([ProgressReporter()] if verbose else []) + list(callbacks)
    history = History(optimizer_state=state)
    runner = _EpochRunner(network, optimizer, X, y, weights, batch_size, clip_norm, divergence_factor)
    if checkpoint is not None:
        initial_epoch = checkpoint.start(network, optimizer, schedule, state, history, initial_epoch)

    epochs_to_run = range(initial_epoch, initial_epoch + epochs)
    _train_epochs(runner, optimizer, schedule, dev, epochs_to_run, state, history, all_callbacks, checkpoint)
    return history


def _train_epochs(runner: "_EpochRunner", optimizer: Optimizer, schedule: Schedule | None, dev: tuple[np.ndarray, np.ndarray] | None,
                  epochs: range, state: dict[str, Any], history: History, callbacks: list[Callback], checkpoint: Checkpoint | None) -> None:
    """The epochs of :func:`fit` with their callbacks, early stop, checkpoints, Ctrl-C and divergence handling."""
    network = runner.network
    params, grads = network.parameters(), network.gradients()
    for callback in callbacks:
        callback.on_train_begin(network, len(epochs))
    try:
        with blas_threads(step_threads(network.layers, runner.batch_size)):  # small products: one thread
            for epoch in epochs:
                logs = _run_epoch(runner, network, optimizer, schedule, dev, epoch, params, grads, state)
                history.epochs.append(logs)
                for callback in callbacks:
                    callback.on_epoch_end(epoch, logs)
                if checkpoint is not None:
                    checkpoint.epoch_done(epoch + 1, state, history)
                if any(callback.stop_training for callback in callbacks):
                    history.stopped_early = True
                    break
        if checkpoint is not None:
            checkpoint.finish(state, history)
    except KeyboardInterrupt:
        if checkpoint is None:
            raise
        checkpoint.interrupted(state, history)
        history.interrupted = True
    except TrainingDiverged:
        history.diverged = True
        raise
    finally:
        for callback in callbacks:
            callback.on_train_end(history)


def _run_epoch(runner: "_EpochRunner", network: "Network", optimizer: Optimizer, schedule: Schedule | None,
               dev: tuple[np.ndarray, np.ndarray] | None, epoch: int, params: dict, grads: dict, state: dict) -> dict[str, Any]:
    """One epoch of steps, then the dev metrics, the learning rate and the wall time: the epoch's ``logs``."""
    started = time.perf_counter()
    learning_rate = schedule(epoch) if schedule is not None else optimizer.learning_rate
    logs = runner.run_epoch(epoch, params, grads, state, learning_rate)
    if dev is not None:
        dev_cost, dev_score = network._evaluate(*dev)
        logs["dev_cost"] = dev_cost
        logs["dev_r2" if network.task == "regression" else "dev_accuracy"] = dev_score
    logs["learning_rate"] = learning_rate
    logs["seconds"] = time.perf_counter() - started
    return logs


def _check_network(network: Any) -> None:
    """Duck typing: anything with the network's training methods (this floor never imports the network module)."""
    needed = ("prepare", "parameters", "gradients", "buffers", "_train_step", "_evaluate", "flat_parameters", "layers", "rng")
    if not all(hasattr(network, name) for name in needed):
        raise ConfigError(f"fit expects a Network. Received: {network!r:.200}")


def _check_options(optimizer: Any, epochs: Any, batch_size: Any, schedule: Any, clip_norm: Any, initial_epoch: Any,
                   divergence_factor: Any, verbose: Any) -> None:
    """Every option of :func:`fit`, checked before anything runs; each error names the received value."""
    _check_epochs(epochs, batch_size)
    if not isinstance(optimizer, Optimizer):
        raise ConfigError(f"fit(optimizer=...) expects an Optimizer such as Adam(0.001). Received: {optimizer!r}")
    if schedule is not None and not isinstance(schedule, Schedule):
        raise ConfigError(f"fit(schedule=...) expects a Schedule such as InverseTimeDecay(0.01, 1.0). Received: {schedule!r}")
    if clip_norm is not None:
        check_real("fit", "clip_norm", clip_norm, low=0.0, low_open=True)
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, (int, np.integer)) or initial_epoch < 0:
        raise ConfigError(f"fit(initial_epoch=...) expects an integer ≥ 0. Received: initial_epoch={initial_epoch!r}")
    check_real("fit", "divergence_factor", divergence_factor, low=1.0, low_open=True)
    if verbose not in (0, 1, True, False):
        raise ConfigError(f"fit(verbose=...) expects 0 or 1. Received: verbose={verbose!r}")


def _prepare_validation(network: "Network", validation_data: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if validation_data is None:
        return None
    if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
        raise ConfigError(f"fit(validation_data=...) expects a pair (X_dev, y_dev). Received: {type(validation_data).__name__}")
    return network.prepare(*validation_data)


class _EpochRunner:
    """The hot loop: the per-batch gather buffers and the divergence snapshot.

    Each mini-batch is gathered from the data in the epoch's shuffled order straight into a buffer
    that is reused for every batch of that size (no shuffled copy of the whole data set, and the
    batch is still in cache when the forward pass reads it). After the first batch of each size,
    a step allocates no arrays: layers, loss and optimizer reuse their own buffers.
    """

    def __init__(
        self,
        network: "Network",
        optimizer: Optimizer,
        X: np.ndarray,
        y: np.ndarray,
        weights: np.ndarray | None,
        batch_size: int | None,
        clip_norm: float | None,
        divergence_factor: float,
    ) -> None:
        self.network, self.optimizer = network, optimizer
        self.X, self.y, self.weights = X, y, weights
        rows = X.shape[0]
        self.batch_size = rows if batch_size is None else min(int(batch_size), rows)
        self.clip_norm = clip_norm
        self.divergence_factor = divergence_factor
        self.reference_cost: float | None = None
        self.batches: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray | None]] = {}
        self.snapshot = np.empty_like(network.flat_parameters)
        self.buffer_snapshot = {name: value.copy() for name, value in network.buffers().items()}
        self.state: dict[str, Any] = {}
        self.state_snapshot: dict[str, Any] = {}

    def run_epoch(self, epoch: int, params: dict, grads: dict, state: dict, learning_rate: float) -> dict[str, Any]:
        """Snapshot the state (for the divergence guard), run every step of the epoch, return its metrics."""
        network = self.network
        np.copyto(self.snapshot, network.flat_parameters)
        for name, value in network.buffers().items():
            np.copyto(self.buffer_snapshot[name], value)
        self.state = state
        copy_state(state, into=self.state_snapshot)
        # overflow and invalid operations raise here, so the guard reports them (they are never silenced)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            cost, correct = self._steps(epoch, params, grads, state, learning_rate)
        if not np.all(np.isfinite(network.flat_parameters)):
            self._diverged(epoch, "the weights became non-finite (NaN or inf)", learning_rate)
        logs: dict[str, Any] = {"epoch": epoch, "cost": cost}
        if network.task != "regression":
            logs["accuracy"] = correct / self.X.shape[0]
        else:
            logs["r2"] = network._evaluate(self.X, self.y)[1]
        return logs

    def _steps(self, epoch: int, params: dict, grads: dict, state: dict, learning_rate: float) -> tuple[float, int]:
        """The hot loop over shuffled mini-batches; returns the weighted mean cost and the correct count."""
        network, loss = self.network, self.network.loss
        order = network.rng.permutation(self.X.shape[0])
        classifier = network.task != "regression"
        total_cost, total_weight, correct = 0.0, 0.0, 0
        rows, size = self.X.shape[0], self.batch_size
        for batch, start in enumerate(range(0, rows, size)):
            stop = min(start + size, rows)
            x_batch, y_batch, w_batch = self._gather(order[start:stop])
            try:
                cost, logits = network._train_step(x_batch, y_batch, w_batch)
                self._check_cost(cost, epoch, batch, learning_rate)
                if self.clip_norm is not None:
                    self._clip(epoch, batch, learning_rate)
                self.optimizer.update(params, grads, state, learning_rate)
            except FloatingPointError as error:
                self._diverged(epoch, f"the arithmetic failed at batch {batch + 1} ({error})", learning_rate)
            batch_weight = float(stop - start) if w_batch is None else float(w_batch.sum())
            total_cost += cost * batch_weight
            total_weight += batch_weight
            if classifier:
                correct += loss.count_correct(logits, y_batch)
        return total_cost / total_weight, correct

    def _gather(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Rows ``indices`` of X, y (and the sample weights) copied into this batch size's reused buffers."""
        buffers = self.batches.get(indices.shape[0])
        if buffers is None:
            m = indices.shape[0]
            buffers = self.batches[m] = (
                np.empty((m,) + self.X.shape[1:], self.X.dtype),
                np.empty((m,) + self.y.shape[1:], self.y.dtype),
                None if self.weights is None else np.empty(m, self.weights.dtype),
            )
        # mode="clip" lets take write straight into `out` (mode="raise" buffers a copy); a permutation is in range anyway
        for source, target in zip((self.X, self.y, self.weights), buffers):
            if target is not None:
                source.take(indices, axis=0, out=target, mode="clip")
        return buffers

    def _check_cost(self, cost: float, epoch: int, batch: int, learning_rate: float) -> None:
        if self.reference_cost is None and math.isfinite(cost):
            self.reference_cost = cost
        limit = self.divergence_factor * max(self.reference_cost or 0.0, 1.0)
        if not cost <= limit:  # also true for NaN
            what = f"the cost became {cost:.4g}" if math.isfinite(cost) else f"the cost became {cost}"
            self._diverged(epoch, f"{what} at batch {batch + 1} (first batch cost {self.reference_cost or float('nan'):.4g})", learning_rate)

    def _clip(self, epoch: int, batch: int, learning_rate: float) -> None:
        gradients = self.network.flat_gradients
        norm = l2_norm(gradients)
        if not math.isfinite(norm):
            self._diverged(epoch, f"the gradient became non-finite at batch {batch + 1}", learning_rate)
        if norm > self.clip_norm:
            gradients *= self.clip_norm / norm

    def _diverged(self, epoch: int, what: str, learning_rate: float) -> None:
        np.copyto(self.network.flat_parameters, self.snapshot)
        for name, value in self.network.buffers().items():
            np.copyto(value, self.buffer_snapshot[name])
        restore_state(self.state, self.state_snapshot)
        raise TrainingDiverged(
            f"Training diverged in epoch {epoch + 1}: {what}. The weights and optimizer state were restored to their values at the start "
            f"of epoch {epoch + 1}. Try a smaller learning rate (it was {learning_rate:g}).",
            epoch=epoch,
        )
