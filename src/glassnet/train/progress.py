"""Progress of a training run on the terminal: a live line on a terminal, one line per epoch otherwise.

The live line always shows the epoch counter and the main metric (dev accuracy, or dev R² for
regression; the training one when there is no dev set). What else fits the terminal's width follows,
in this order of preference: full names with every metric and a bar; abbreviated names
(``acc``, ``lr``) with every metric and a shorter bar; no bar; then fewer metrics, the least
important first (time left, learning rate, dev cost, training cost, training accuracy or R²).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, Iterator, TextIO

from glassnet.train.callbacks import Callback

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions

    from glassnet.nn.network import Network
    from glassnet.train.history import History

#: the metrics of the per-epoch logs, in the order a line shows them
METRICS = ("cost", "accuracy", "r2", "dev_cost", "dev_accuracy", "dev_r2", "learning_rate")
#: the metrics a line gives up last to first when it runs out of room (after the main metric)
PRIORITY = ("accuracy", "r2", "cost", "dev_cost", "dev_accuracy", "dev_r2", "learning_rate")
#: short labels, used when the full names do not fit
SHORT_LABELS = {"cost": "cost", "accuracy": "acc", "r2": "R²", "dev_cost": "dev cost", "dev_accuracy": "dev acc",
                "dev_r2": "dev R²", "learning_rate": "lr", "eta": "eta"}
FULL_LABELS = {**{name: name for name in METRICS}, "r2": "R²", "dev_r2": "dev_R²", "eta": "eta"}
#: the narrowest bar worth drawing, in characters
MIN_BAR = 8
#: the widest bar drawn on a wide terminal
MAX_BAR = 40


def metric_text(key: str, value: float) -> str:
    """The value of one metric as every progress display writes it: 4 decimals, learning rate in 4 significant digits."""
    return f"{value:.4g}" if key == "learning_rate" else f"{value:.4f}"


def format_logs(logs: dict[str, Any]) -> str:
    """``cost 0.1234  accuracy 0.9650  dev_cost ...`` for the metrics present in ``logs``."""
    return "  ".join(f"{key} {metric_text(key, logs[key])}" for key in METRICS if logs.get(key) is not None)


def main_metric(logs: dict[str, Any]) -> str | None:
    """The metric a line must always show: dev accuracy or dev R², else the training one (None when absent)."""
    for key in ("dev_accuracy", "dev_r2", "accuracy", "r2", "dev_cost", "cost"):
        if logs.get(key) is not None:
            return key
    return None


def _bar(done: int, total: int, width: int) -> str:
    filled = round(width * done / total) if total else width
    return "━" * filled + "─" * (width - filled)


def progress_line(epoch: int, epochs: int, logs: dict[str, Any], width: int, eta: str | None = None) -> str:
    """The live progress line after ``epoch`` of ``epochs`` (counted from 1), at most ``width`` characters.

    ``epoch 12/40`` and the main metric always come first; the rest shortens to fit (see the module docstring).
    """
    head = f"epoch {epoch:>{len(str(epochs))}}/{epochs}"
    main = main_metric(logs)
    extras = [key for key in PRIORITY if key != main and logs.get(key) is not None] + (["eta"] if eta else [])
    values = {**{key: metric_text(key, logs[key]) for key in METRICS if logs.get(key) is not None}, "eta": eta}

    def compose(labels: dict[str, str], keep: int, bar: bool) -> str:
        fields = [f"{labels[key]} {values[key]}" for key in ([main] if main else []) + extras[:keep]]
        text = "  ".join([head, *fields])
        room = min(width - len(text) - 1, MAX_BAR)
        return f"{head} {_bar(epoch, epochs, room)} {text[len(head) + 2:]}".rstrip() if bar else text

    def bar_fits(labels: dict[str, str], keep: int) -> bool:
        return len(compose(labels, keep, bar=False)) + 1 + MIN_BAR <= width

    if bar_fits(FULL_LABELS, len(extras)):
        return compose(FULL_LABELS, len(extras), bar=True)
    if bar_fits(SHORT_LABELS, len(extras)):
        return compose(SHORT_LABELS, len(extras), bar=True)
    for keep in range(len(extras), -1, -1):
        text = compose(SHORT_LABELS, keep, bar=False)
        if len(text) <= width:
            return text
    bare = f"{head} {values[main]}" if main else head  # a very narrow terminal: the main value without its name
    return bare if len(bare) <= width else head[:width]


class _LiveLine:
    """A rich renderable: the progress line laid out for the width the console gives it."""

    def __init__(self) -> None:
        self.epoch, self.epochs, self.logs, self.eta = 0, 0, {}, None

    def __rich_console__(self, console: "Console", options: "ConsoleOptions") -> Iterator[str]:
        yield progress_line(self.epoch, self.epochs, self.logs, options.max_width, self.eta)


def _eta(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


class ProgressReporter(Callback):
    """Shows progress on ``stream`` (stderr by default): a live line on a terminal, else one line per epoch.

    ``console`` (a ``rich.console.Console``) draws the live line instead of one made for ``stream``;
    its width decides what the line shows (see :func:`progress_line`).
    """

    def __init__(self, stream: TextIO | None = None, live: bool | None = None, console: Any = None) -> None:
        self.stream = stream if stream is not None else (console.file if console is not None else sys.stderr)
        self.live = self.stream.isatty() if live is None else live
        self.console = console
        self._live: Any = None
        self._line = _LiveLine()
        self._started = 0.0

    def on_train_begin(self, network: "Network", epochs: int) -> None:
        self._line = _LiveLine()
        self._line.epochs = epochs
        self._started = time.perf_counter()
        if self.live:
            from rich.console import Console
            from rich.live import Live

            console = self.console if self.console is not None else Console(file=self.stream)
            self._live = Live(self._line, console=console, auto_refresh=False, transient=False)
            self._live.start()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self._live is None:
            print(f"epoch {epoch + 1}: {format_logs(logs)}", file=self.stream, flush=True)
            return
        line = self._line
        line.epoch, line.logs = epoch + 1, dict(logs)
        done = max(line.epoch, 1)
        line.eta = _eta((time.perf_counter() - self._started) / done * max(line.epochs - line.epoch, 0))
        self._live.refresh()

    def on_train_end(self, history: "History") -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
