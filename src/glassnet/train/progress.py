"""Progress of a training run on the terminal: a live bar on a terminal, one line per epoch otherwise."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from glassnet.train.callbacks import Callback

if TYPE_CHECKING:
    from glassnet.nn.network import Network
    from glassnet.train.history import History


class ProgressReporter(Callback):
    """Shows progress on ``stream`` (stderr by default): a live rich bar on a terminal, else one line per epoch."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._progress: Any = None
        self._task: Any = None
        self._epochs = 0

    def on_train_begin(self, network: "Network", epochs: int) -> None:
        self._epochs = epochs
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("epoch"),
                MofNCompleteColumn(),
                BarColumn(),
                TextColumn("{task.fields[metrics]}"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("train", total=epochs, metrics="")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        text = format_logs(logs)
        if self._progress is not None:
            self._progress.update(self._task, advance=1, metrics=text)
        else:
            print(f"epoch {epoch + 1}: {text}", file=self.stream, flush=True)

    def on_train_end(self, history: "History") -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def format_logs(logs: dict[str, Any]) -> str:
    """``cost 0.1234  accuracy 0.9650  dev_cost ...`` for the metrics present in ``logs``."""
    keys = ("cost", "accuracy", "r2", "dev_cost", "dev_accuracy", "dev_r2", "learning_rate")
    parts = []
    for key in keys:
        value = logs.get(key)
        if value is not None:
            parts.append(f"{key} {value:.4g}" if key == "learning_rate" else f"{key} {value:.4f}")
    return "  ".join(parts)

