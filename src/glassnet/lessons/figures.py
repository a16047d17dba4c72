"""Figure helpers shared by the lessons: one colour per arm across every figure, and a few common panels.

The same arm keeps the same colour in every figure of the report (Adam is always the same red,
ReLU always the same green, the training split always blue and dev always orange), so a learner
can compare figures at a glance. Figures are matplotlib ``Figure`` objects drawn on the Agg canvas
(:func:`glassnet.plots.new_figure`); :func:`render_png` turns one into PNG bytes.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from glassnet.plots import figure_png, new_figure

#: one colour per arm name, used by every lesson (matplotlib's colour-blind-friendly tab10 values)
COLOURS: dict[str, str] = {
    "train": "#1f77b4", "dev": "#ff7f0e",
    "gd": "#7f7f7f", "batch": "#7f7f7f", "momentum": "#1f77b4", "rmsprop": "#2ca02c", "adam": "#d62728",
    "sgd": "#9467bd", "mini-batch": "#d62728",
    "relu": "#2ca02c", "tanh": "#1f77b4", "sigmoid": "#9467bd",
    "zeros": "#7f7f7f", "large": "#ff7f0e", "he": "#2ca02c",
    "plain": "#7f7f7f", "l2": "#1f77b4", "dropout": "#2ca02c", "batchnorm": "#d62728",
    "small": "#9467bd", "good": "#2ca02c", "too large": "#d62728",
    "constant": "#7f7f7f", "decayed": "#d62728",
    "uniform": "#7f7f7f", "log": "#d62728",
    "before": "#7f7f7f", "after": "#2ca02c",
    "softmax": "#d62728", "logistic": "#1f77b4",
    "loop": "#7f7f7f", "vectorised": "#d62728",
}
#: colours for values of a swept hyperparameter (β, λ, …), in order
SEQUENCE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def colour(arm: str) -> str:
    """The report-wide colour of ``arm`` (an unknown arm gets black)."""
    return COLOURS.get(arm.lower(), "#000000")


def render_png(figure: Any) -> bytes:
    """PNG bytes of a matplotlib ``Figure``."""
    return figure_png(figure)


def panels(columns: int = 1, rows: int = 1, width: float = 5.0, height: float = 3.6) -> tuple[Any, Any]:
    """A figure of ``rows × columns`` panels, each ``width × height`` inches; the axes flattened."""
    return new_figure(width * columns, height * rows, columns, rows)


def finish(axes: Any, title: str, xlabel: str, ylabel: str, legend: bool = True, log_y: bool = False) -> None:
    """Title, axis labels (with units), a light grid and the legend."""
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if log_y:
        axes.set_yscale("log")
    axes.grid(True, alpha=0.3)
    if legend:
        axes.legend(fontsize=8)


def curves(axes: Any, series: dict[str, Sequence[float]], start: int = 1, **style: Any) -> None:
    """One line per arm: ``series[arm][i]`` against ``start + i`` (epoch or step), in the arm's colour."""
    for arm, values in series.items():
        values = np.asarray(values, dtype=float)
        axes.plot(np.arange(start, start + len(values)), values, color=colour(arm), label=arm, **style)


def bars(axes: Any, labels: Sequence[str], values: Sequence[float], arms: Sequence[str] | None = None) -> None:
    """Labelled bars, one per value, coloured by arm (the label itself when ``arms`` is None)."""
    arms = list(labels) if arms is None else list(arms)
    positions = np.arange(len(labels))
    drawn = axes.bar(positions, values, color=[colour(arm) for arm in arms])
    axes.set_xticks(positions, labels, fontsize=8)
    axes.bar_label(drawn, fmt="%.3g", fontsize=8)
