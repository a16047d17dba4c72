"""Mini-batch gradient descent (lesson 3) with optimizers, schedules, callbacks and a divergence guard.

One epoch: draw a permutation of the rows from the network's generator, then walk through them
``batch_size`` rows at a time, gathering each mini-batch into a reused buffer (the last short batch
is kept). Each step: forward → cost → backward → (clip) → optimizer update. ``batch_size=1`` is stochastic gradient descent,
``batch_size=None`` (or ≥ the number of rows) is batch gradient descent.

The reported training cost and accuracy of an epoch are means over its mini-batches (weighted by
their size), measured as the weights moved — the usual convention, and free to compute. The training
R² of a regression has no per-batch form, so it is measured on the whole training set, at inference,
after the epoch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .callbacks import Callback, ProgressReporter
from .errors import ConfigError, DataError, TrainingDiverged
from .optimizers import Adam, Optimizer
from .schedules import Schedule

if TYPE_CHECKING:
    from .network import Network


@dataclass
class History:
    """Per-epoch metrics of a :func:`fit` call.

    ``epochs`` is a list of dicts (``epoch``, ``cost``, ``accuracy`` or ``r2``, ``dev_cost``,
    ``dev_accuracy`` or ``dev_r2``, ``learning_rate``, ``seconds``); ``history["cost"]`` is the
    column of one metric. ``optimizer_state`` is the optimizer state after the last step, to continue
    training with ``fit(..., optimizer_state=history.optimizer_state, initial_epoch=len(history))``.
    ``interrupted`` is True when Ctrl-C ended a run that had a ``checkpoint_dir``; ``diverged`` is True
    while a :class:`TrainingDiverged` is on its way out (callbacks then leave the restored weights alone).
    """

    epochs: list[dict[str, Any]] = field(default_factory=list)
    stopped_early: bool = False
    interrupted: bool = False
    diverged: bool = False
    best_epoch: int | None = None
    optimizer_state: dict[str, Any] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.epochs)

    def __getitem__(self, key: str) -> list[Any]:
        return [record.get(key) for record in self.epochs]

    @property
    def cost(self) -> list[float]:
        return self["cost"]

    @property
    def accuracy(self) -> list[float | None]:
        return self["accuracy"]

    @property
    def dev_cost(self) -> list[float | None]:
        return self["dev_cost"]

    @property
    def dev_accuracy(self) -> list[float | None]:
        return self["dev_accuracy"]

    @property
    def learning_rate(self) -> list[float]:
        return self["learning_rate"]


def _check_epochs(epochs: Any, batch_size: Any) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ConfigError(f"fit(epochs=...) expects an integer ≥ 0. Received: epochs={epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ConfigError(f"fit(batch_size=...) expects a positive integer or None (whole batch). Received: batch_size={batch_size!r}")


def _check_batch_rows(network: "Network", rows: int, batch_size: int | None) -> None:
    """Refuse, before any step, a batch layout that gives some layer fewer rows than it needs."""
    needed = max(layer.min_training_rows for layer in network.layers)
    size = rows if batch_size is None else min(int(batch_size), rows)
    smallest = min(size, rows % size or size)
    if smallest < needed:
        layer = next(layer for layer in network.layers if layer.min_training_rows == needed)
        raise DataError(
            f"{type(layer).__name__} needs training batches of at least {needed} rows, but {rows} rows in batches of "
            f"{size} leave a batch of {smallest}. Choose another batch_size (e.g. {size + 1})."
        )


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
    epochs: int = 10,
    batch_size: int | None = 64,
    schedule: Schedule | None = None,
    validation_data: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    verbose: int = 1,
    *,
    sample_weight: Any = None,
    clip_norm: float | None = None,
    optimizer_state: dict[str, Any] | None = None,
    initial_epoch: int = 0,
    divergence_factor: float = 1e3,
    checkpoint_dir: Any = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    checkpoint_extra: dict[str, Any] | None = None,
) -> History:
    """Train ``network`` on ``X (m, n_features)``, ``y (m,)`` for ``epochs`` epochs; return the :class:`History`.

    optimizer          default ``Adam()`` (α = 0.001)
    schedule           learning rate per epoch; overrides the optimizer's ``learning_rate``
    validation_data    ``(X_dev, y_dev)``: adds ``dev_cost`` and ``dev_accuracy``/``dev_r2`` each epoch
    sample_weight      ``(m,)`` non-negative weights; the cost is Σwℓ/Σw, so weight 2 = a duplicated row
    clip_norm          rescale the whole gradient vector g to ``clip_norm·g/‖g‖`` when ‖g‖ exceeds it
    optimizer_state /  continue an earlier run: the state from ``History.optimizer_state`` and the
    initial_epoch      epoch to resume at (the schedule is evaluated at the true epoch)
    divergence_factor  stop when a batch cost exceeds this many times max(first batch cost, 1)
    verbose            0 silent, 1 progress (a live bar on a terminal, a line per epoch otherwise)
    checkpoint_dir     folder for crash-safe checkpoints (see :mod:`glassnet.checkpoints`), written every
    checkpoint_every   ``checkpoint_every`` epochs and after the last one; with a checkpoint_dir, Ctrl-C
                       puts back the state of the last completed epoch, saves it, sets
                       ``history.interrupted`` and returns; a run that does not resume replaces the
                       checkpoints already in the folder when it writes its first one
    resume             continue from the newest checkpoint in ``checkpoint_dir`` (if there is one): weights,
                       optimizer state, generator, epoch and History; then train ``epochs`` more epochs.
                       ``checkpoint_extra`` is stored with each checkpoint for the caller

    Training that diverges (a non-finite or exploding cost, non-finite gradients or weights) raises
    :class:`TrainingDiverged` after restoring the weights to their values at the start of that epoch.
    """
    from .network import Network

    if not isinstance(network, Network):
        raise ConfigError(f"fit expects a Network. Received: {network!r}")
    _check_epochs(epochs, batch_size)
    optimizer = Adam() if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise ConfigError(f"fit(optimizer=...) expects an Optimizer such as Adam(0.001). Received: {optimizer!r}")
    if schedule is not None and not isinstance(schedule, Schedule):
        raise ConfigError(f"fit(schedule=...) expects a Schedule such as InverseTimeDecay(0.01, 1.0). Received: {schedule!r}")
    if clip_norm is not None and not (isinstance(clip_norm, (int, float)) and clip_norm > 0 and math.isfinite(clip_norm)):
        raise ConfigError(f"fit(clip_norm=...) expects a positive number or None. Received: clip_norm={clip_norm!r}")

    X, y = network.prepare(X, y)
    _check_batch_rows(network, X.shape[0], batch_size)
    weights = _prepare_weights(sample_weight, X.shape[0], network.dtype)
    dev = None
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ConfigError("fit(validation_data=...) expects a pair (X_dev, y_dev).")
        dev = network.prepare(*validation_data)

    params, grads = network.parameters(), network.gradients()
    state = optimizer.init(params) if optimizer_state is None else optimizer_state
    all_callbacks = ([ProgressReporter()] if verbose else []) + list(callbacks)
    history = History(optimizer_state=state)
    trainer = _EpochRunner(network, optimizer, X, y, weights, batch_size, clip_norm, divergence_factor)
    checkpointer = None
    if checkpoint_dir is not None:
        from .checkpoints import Checkpointer

        checkpointer = Checkpointer(checkpoint_dir, checkpoint_every, network, optimizer, schedule, checkpoint_extra)
        resumed_epoch = checkpointer.resume(state, history) if resume else None
        initial_epoch = initial_epoch if resumed_epoch is None else resumed_epoch
        checkpointer.remember(initial_epoch, state, history, write=False)
    elif resume:
        raise ConfigError("fit(resume=True) needs checkpoint_dir=... (the folder to resume from).")

    for callback in all_callbacks:
        callback.on_train_begin(network, epochs)
    try:
        for epoch in range(initial_epoch, initial_epoch + epochs):
            started = time.perf_counter()
            learning_rate = schedule(epoch) if schedule is not None else optimizer.learning_rate
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the divergence guard reports these
                logs = trainer.run_epoch(epoch, params, grads, state, learning_rate)
            if dev is not None:
                dev_cost, dev_score = network._evaluate(*dev)
                logs["dev_cost"] = dev_cost
                logs["dev_r2" if network.task == "regression" else "dev_accuracy"] = dev_score
            logs["learning_rate"] = learning_rate
            logs["seconds"] = time.perf_counter() - started
            history.epochs.append(logs)
            for callback in all_callbacks:
                callback.on_epoch_end(epoch, logs)
            if checkpointer is not None:
                checkpointer.remember(epoch + 1, state, history)
            if any(callback.stop_training for callback in all_callbacks):
                history.stopped_early = True
                break
        if checkpointer is not None:
            checkpointer.finish(state, history)
    except KeyboardInterrupt:
        if checkpointer is None:
            raise
        checkpointer.interrupted(state, history)
        history.interrupted = True
    except TrainingDiverged:
        history.diverged = True
        raise
    finally:
        for callback in all_callbacks:
            callback.on_train_end(history)
    return history


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
        network, loss = self.network, self.network.loss
        np.copyto(self.snapshot, network.flat_parameters)
        for name, value in network.buffers().items():
            np.copyto(self.buffer_snapshot[name], value)
        self._snapshot_optimizer_state(state)
        order = network.rng.permutation(self.X.shape[0])

        classifier = network.task != "regression"
        total_cost, total_weight, correct = 0.0, 0.0, 0
        rows, size = self.X.shape[0], self.batch_size
        for batch, start in enumerate(range(0, rows, size)):
            stop = min(start + size, rows)
            x_batch, y_batch, w_batch = self._gather(order[start:stop])
            cost, logits = network._train_step(x_batch, y_batch, w_batch)
            self._check_cost(cost, epoch, batch, learning_rate)
            if self.clip_norm is not None:
                self._clip(epoch, batch, learning_rate)
            self.optimizer.update(params, grads, state, learning_rate)
            batch_weight = float(stop - start) if w_batch is None else float(w_batch.sum())
            total_cost += cost * batch_weight
            total_weight += batch_weight
            if classifier:
                correct += loss.count_correct(logits, y_batch)
        if not np.all(np.isfinite(network.flat_parameters)):
            self._diverged(epoch, "the weights became non-finite (NaN or inf)", learning_rate)
        logs: dict[str, Any] = {"epoch": epoch, "cost": total_cost / total_weight}
        if classifier:
            logs["accuracy"] = correct / rows
        else:
            logs["r2"] = network._evaluate(self.X, self.y)[1]
        return logs

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
        norm = math.sqrt(float(np.vdot(gradients, gradients)))
        if not math.isfinite(norm):
            self._diverged(epoch, f"the gradient became non-finite at batch {batch + 1}", learning_rate)
        if norm > self.clip_norm:
            gradients *= self.clip_norm / norm

    def _snapshot_optimizer_state(self, state: dict[str, Any]) -> None:
        """Copy the optimizer state (step count and moments) so a divergence can put it back too."""
        self.state = state
        for key, value in state.items():
            if isinstance(value, dict):
                copies = self.state_snapshot.setdefault(key, {})
                for name, array in value.items():
                    if name not in copies or copies[name].shape != array.shape:
                        copies[name] = np.empty_like(array)
                    np.copyto(copies[name], array)
            else:
                self.state_snapshot[key] = value

    def _diverged(self, epoch: int, what: str, learning_rate: float) -> None:
        np.copyto(self.network.flat_parameters, self.snapshot)
        for name, value in self.network.buffers().items():
            np.copyto(value, self.buffer_snapshot[name])
        for key, value in self.state_snapshot.items():
            if isinstance(value, dict):
                for name, array in value.items():
                    np.copyto(self.state[key][name], array)
            else:
                self.state[key] = value
        raise TrainingDiverged(
            f"Training diverged in epoch {epoch + 1}: {what}. The weights and optimizer state were restored to their values at the start "
            f"of epoch {epoch + 1}. Try a smaller learning rate (it was {learning_rate:g}).",
            epoch=epoch,
        )
