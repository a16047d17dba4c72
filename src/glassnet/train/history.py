"""The record of a training run: one dict of metrics per epoch, and how the run ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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

