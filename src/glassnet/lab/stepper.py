"""One mini-batch at a time: the lab's "step one mini-batch", walking an epoch exactly as ``fit`` would.

At the first step of an epoch the row order is drawn from the network's generator, as
:func:`glassnet.train.loop.fit` draws it; each step then takes the next ``batch_size`` rows (the last
batch of the epoch may be shorter), runs forward, cost, backward and L2 (``Network._train_step``) and
one optimizer update at the epoch's learning rate. So the steps of a whole epoch leave the same weights
and optimizer state as one epoch of ``fit``, and a run may mix steps, epochs and play freely. When the
epoch's last batch is done, its metrics are recorded as ``fit`` reports them: the training cost and
accuracy as size-weighted means over its batches, the dev cost and accuracy at inference.

A step whose arithmetic overflows, or whose cost is not finite or exceeds ``DIVERGENCE_FACTOR`` times
max(first step's cost, 1) (``fit``'s rule), puts the weights, buffers and optimizer state back to their
values before the step and raises :class:`TrainingDiverged`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import defaults
from glassnet.errors import DataError, TrainingDiverged
from glassnet.train.state import copy_state, restore_state

if TYPE_CHECKING:
    from glassnet.lab.run import Run


class BatchStepper:
    """The position inside the current epoch and the running sums of its metrics."""

    def __init__(self) -> None:
        self.order: np.ndarray | None = None
        self.position = 0
        self.batch = 0
        self.cost_sum = 0.0
        self.correct = 0
        self.reference_cost: float | None = None

    @property
    def mid_epoch(self) -> bool:
        """True between the first and the last mini-batch of an epoch."""
        return self.order is not None

    def step(self, run: "Run", X: np.ndarray, y: np.ndarray) -> None:
        """One optimizer step on the next mini-batch of ``X``, ``y`` (as returned by ``network.prepare``)."""
        network, rows = run.network, X.shape[0]
        size = min(run.settings.fit_batch_size or rows, rows)
        needed = max(layer.min_training_rows for layer in network.layers)
        if min(size, rows % size or size) < needed:  # fit's own rule, checked before any step
            raise DataError(f"Batch norm needs training batches of at least {needed} rows, but {rows} rows in batches of {size} "
                            f"leave a smaller one. Choose another batch size.")
        if self.order is None:
            self.order, self.position, self.batch, self.cost_sum, self.correct = network.rng.permutation(rows), 0, 0, 0.0, 0
        rows_now = self.order[self.position : self.position + size]
        learning_rate = run.schedule(run.epochs_done) if run.schedule is not None else run.optimizer.learning_rate
        weights, state = network.flat_parameters.copy(), copy_state(run.state)
        buffers = {name: array.copy() for name, array in network.buffers().items()}
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                cost, logits = network._train_step(X[rows_now], y[rows_now])
                self._check_cost(cost)
                run.optimizer.update(network.parameters(), network.gradients(), run.state, learning_rate)
        except FloatingPointError as error:
            np.copyto(network.flat_parameters, weights)
            network.load_state_arrays({**network.parameters(), **buffers})
            restore_state(run.state, state)
            raise TrainingDiverged(
                f"Training diverged in epoch {run.epochs_done + 1} at batch {self.batch + 1} ({error}). The weights and optimizer state "
                f"were restored to their values before this step. Try a smaller learning rate (it was {learning_rate:g}).",
                epoch=run.epochs_done,
            ) from None
        self.cost_sum += cost * rows_now.size
        if network.task != "regression":
            self.correct += network.loss.count_correct(logits, y[rows_now])
        self.position += rows_now.size
        self.batch += 1
        if self.position >= rows:
            self._end_epoch(run, rows)

    def _check_cost(self, cost: float) -> None:
        if self.reference_cost is None and math.isfinite(cost):
            self.reference_cost = cost
        if not cost <= defaults.DIVERGENCE_FACTOR * max(self.reference_cost or 0.0, 1.0):  # also true for NaN
            raise FloatingPointError(f"the cost became {cost:.4g}; the first step's was {self.reference_cost or float('nan'):.4g}")

    def _end_epoch(self, run: "Run", rows: int) -> None:
        logs: dict[str, Any] = {"cost": self.cost_sum / rows, "accuracy": self.correct / rows}
        logs["dev_cost"], logs["dev_accuracy"] = run.network.evaluate(run.data.splits.X_dev, run.data.splits.y_dev)
        run.epochs_done += 1
        run.curves.add(run.epochs_done, logs)
        self.order = None
