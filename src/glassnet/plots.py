"""Plots (matplotlib, Agg backend, no global pyplot state); every function writes one PNG atomically."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ._files import save_figure

if TYPE_CHECKING:
    from .learning_curve import LearningCurve
    from .search import SearchResult
    from .search_space import SearchSpace


def _figure(width: float, height: float):  # -> matplotlib.figure.Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def plot_learning_curve(curve: "LearningCurve", path: str | os.PathLike[str]) -> Path:
    """Train and dev error against the number of training rows (see :mod:`glassnet.learning_curve`)."""
    figure = _figure(6.0, 4.0)
    axes = figure.add_subplot()
    axes.plot(curve.sizes, curve.train_error, "o-", label="train error")
    axes.plot(curve.sizes, curve.dev_error, "s-", label="dev error")
    axes.set_xlabel("training rows")
    axes.set_ylabel("error")
    axes.set_ylim(bottom=0.0)
    axes.set_title("Learning curve: a shrinking gap means variance, two high flat curves mean bias")
    axes.title.set_fontsize(9)
    axes.grid(alpha=0.3)
    axes.legend()
    return save_figure(figure, path)


def plot_search(result: "SearchResult", space: "SearchSpace", path: str | os.PathLike[str]) -> Path:
    """Dev error against each searched hyperparameter, one panel each.

    A log range gets a log axis; a ``one-minus-log`` range (β near 1) is drawn against 1 − β on a log
    axis; a choice gets one column per value. Failed trials are left out (their count is in the title).
    """
    names = list(space)
    done = [t for t in result.trials if t.ok]
    columns = min(3, max(1, len(names)))
    rows = math.ceil(len(names) / columns) if names else 1
    figure = _figure(4.0 * columns, 3.2 * rows)
    errors = [t.dev_error for t in done]
    rounds = [t.round for t in done]
    for index, name in enumerate(names, start=1):
        axes = figure.add_subplot(rows, columns, index)
        distribution = space[name]
        values = [t.config[name] for t in done]
        label = name
        if distribution.kind == "choice":
            options = [str(option) for option in getattr(distribution, "options", [])]
            positions = [options.index(str(v)) if str(v) in options else -1 for v in values]
            axes.set_xticks(range(len(options)), options, rotation=30, fontsize=8)
            values = positions
        elif distribution.kind == "one-minus-log":
            values = [1.0 - v for v in values]
            label = f"1 − {name}"
        axes.scatter(values, errors, c=rounds, cmap="viridis", s=22, vmin=1, vmax=max(2, len(result.rounds)))
        if distribution.log_axis:
            axes.set_xscale("log")
        axes.set_xlabel(label)
        axes.set_ylabel("dev error")
        axes.grid(alpha=0.3)
    failed = len(result.trials) - len(done)
    figure.suptitle(f"{len(result.trials)} trials in {len(result.rounds)} round(s) (colour = round), {failed} failed", fontsize=10)
    return save_figure(figure, path)
