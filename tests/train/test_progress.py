"""The live progress line: the epoch counter and the main metric survive every terminal width; the rest shortens."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from glassnet.train.progress import ProgressReporter, progress_line

LOGS = {"cost": 0.0002, "accuracy": 1.0, "dev_cost": 0.527, "dev_accuracy": 0.9722, "learning_rate": 0.001, "seconds": 0.1}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _run_live(width: int, epochs: int = 40, logs: dict | None = None) -> list[str]:
    """The lines a live reporter leaves on a ``width``-column terminal after a run of ``epochs`` epochs."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None)
    reporter = ProgressReporter(console=console, live=True)
    reporter.on_train_begin(None, epochs)
    for epoch in range(epochs):
        reporter.on_epoch_end(epoch, logs or LOGS)
    reporter.on_train_end(None)
    text = ANSI.sub("", buffer.getvalue())
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_live_line_keeps_the_epoch_counter_and_main_metric_at_every_width(width):
    lines = _run_live(width)
    last = lines[-1]
    assert len(last) <= width
    assert last.startswith("epoch 40/40")
    assert re.search(r"dev(_accuracy| acc) 0\.9722", last), last
    assert "…" not in last  # shortened by choice of fields, never cut mid-word


def test_what_each_width_shows():
    at_60, at_80, at_120 = (progress_line(12, 40, LOGS, width, eta="0:00:03") for width in (60, 80, 120))
    assert at_60 == "epoch 12/40  dev acc 0.9722  acc 1.0000  cost 0.0002"
    assert at_80 == "epoch 12/40  dev acc 0.9722  acc 1.0000  cost 0.0002  dev cost 0.5270  lr 0.001"
    # 12 of 40 epochs: 30% of the bar is filled
    assert at_120.startswith("epoch 12/40 " + "━" * 8 + "─" * 19 + " dev acc 0.9722")
    assert at_120.endswith("lr 0.001  eta 0:00:03") and len(at_120) <= 120
    wide = progress_line(12, 40, LOGS, 200)
    assert "dev_accuracy 0.9722" in wide and "learning_rate 0.001" in wide and "━" in wide


def test_regression_keeps_dev_r2_and_a_tiny_terminal_keeps_the_counter():
    logs = {"cost": 0.02, "r2": 0.9, "dev_cost": 0.5, "dev_r2": 0.85}
    assert progress_line(3, 40, logs, 60).startswith("epoch  3/40  dev R² 0.8500")
    assert progress_line(3, 40, LOGS, 20) == "epoch  3/40 0.9722"  # too narrow for a name: the main value alone
