"""Pictures of training: cost and accuracy curves per epoch, decision boundaries of 2-D data, learning
curves (error against training-set size) and hyperparameter searches (dev error against each setting).

Figures are drawn with matplotlib's Agg canvas on a ``Figure`` object (no pyplot, no global state, no
display needed) and written as PNG files atomically.
"""

from __future__ import annotations

import io as _bytes_io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from glassnet.errors import DataError
from glassnet.files.atomic import write_bytes_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from glassnet.strategy.learning_curve import LearningCurve
    from glassnet.nn.network import Network
    from glassnet.strategy.search import SearchResult
    from glassnet.strategy.search_space import SearchSpace
    from glassnet.train.history import History


def new_figure(width: float, height: float, columns: int = 1, rows: int = 1) -> tuple["Figure", Any]:
    """A figure (inches, 100 dpi, constrained layout) and its ``rows × columns`` axes, flattened row by row."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure, figure.subplots(rows, columns, squeeze=False).ravel()


def figure_png(figure: "Figure") -> bytes:
    """``figure`` rendered to PNG bytes with the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = _bytes_io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def save_figure(figure: "Figure", path: str | Path) -> None:
    """Render ``figure`` to PNG with the Agg canvas and write it atomically to ``path``."""
    write_bytes_atomic(path, figure_png(figure))


def _records(history: "History | Sequence[dict[str, Any]]") -> list[dict[str, Any]]:
    records = list(getattr(history, "epochs", history))
    if not records:
        raise DataError("Cannot plot curves of a history with no epochs.")
    return records


def curves_figure(history: "History | Sequence[dict[str, Any]]", title: str = "Learning curves") -> "Figure":
    """Two panels against the epoch: cost (train and dev) and accuracy or R² (train and dev)."""
    records = _records(history)
    epochs = [record["epoch"] + 1 for record in records]
    score = "r2" if any(record.get("r2") is not None for record in records) else "accuracy"
    figure, (cost_axes, score_axes) = new_figure(10, 4, columns=2)
    panels = ((cost_axes, "cost", "cost J (mean loss + L2 term)"), (score_axes, score, "R²" if score == "r2" else "accuracy"))
    for axes, key, label in panels:
        for prefix, name, style in (("", "train", "-"), ("dev_", "dev", "--")):
            values = [record.get(prefix + key) for record in records]
            if any(value is not None for value in values):
                points = np.array([np.nan if value is None else value for value in values], dtype=float)
                axes.plot(epochs, points, style, marker="o" if len(epochs) <= 30 else None, markersize=3, label=name)
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
        axes.legend()
    cost_axes.set_title("cost per epoch")
    score_axes.set_title(f"{'R²' if score == 'r2' else 'accuracy'} per epoch")
    figure.suptitle(title)
    return figure


def plot_curves(history: "History | Sequence[dict[str, Any]]", path: str | Path, title: str = "Learning curves") -> None:
    """Write the cost/accuracy curves of ``history`` to the PNG file ``path``."""
    save_figure(curves_figure(history, title), path)


def boundary_figure(
    network: "Network",
    X: np.ndarray,
    y: np.ndarray,
    transform: Any = None,
    class_names: Sequence[str] = (),
    feature_names: Sequence[str] = ("x1", "x2"),
    title: str = "Decision boundary",
    resolution: int = 300,
) -> "Figure":
    """The classifier's predicted region for every point of a grid over 2-D raw data, with the samples on top.

    ``transform`` (e.g. the fitted scaler's ``transform``) maps raw points to network inputs, so the
    axes show the data in its own units. Binary networks shade by P(class 1) with the 0.5 contour.
    """
    figure, (axes,) = new_figure(6.5, 5.5)
    draw_boundary(axes, network, X, y, transform, class_names, feature_names, title, resolution, colorbar=True)
    return figure


def draw_boundary(
    axes: Any,
    network: "Network",
    X: np.ndarray,
    y: np.ndarray,
    transform: Any = None,
    class_names: Sequence[str] = (),
    feature_names: Sequence[str] = ("x1", "x2"),
    title: str = "Decision boundary",
    resolution: int = 300,
    colorbar: bool = False,
) -> None:
    """Draw :func:`boundary_figure`'s picture into ``axes`` (several boundaries can share one figure)."""
    from matplotlib import colormaps

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise DataError(f"A decision boundary needs 2-D data (n_samples, 2). Received shape {X.shape}.")
    if network.task == "regression":
        raise DataError("A decision boundary needs a classifier; this network is a regressor.")
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    inputs = points if transform is None else transform(points)
    probabilities = network.predict_proba(np.asarray(inputs, dtype=network.dtype))
    classes = probabilities.shape[1]
    names = list(class_names) if len(class_names) == classes else [str(k) for k in range(classes)]
    colormap = "coolwarm" if classes == 2 else "tab10"
    if classes == 2:
        shading = axes.contourf(grid_x, grid_y, probabilities[:, 1].reshape(grid_x.shape), levels=np.linspace(0, 1, 11), cmap=colormap, alpha=0.6)
        axes.contour(grid_x, grid_y, probabilities[:, 1].reshape(grid_x.shape), levels=[0.5], colors="black", linewidths=1.2)
        if colorbar:
            axes.figure.colorbar(shading, ax=axes, label=f"P({names[1]})")
    else:
        region = np.argmax(probabilities, axis=1).reshape(grid_x.shape)
        axes.contourf(grid_x, grid_y, region, levels=np.arange(classes + 1) - 0.5, cmap=colormap, vmin=0, vmax=9, alpha=0.35)
    colors = colormaps[colormap]
    for k in range(classes):
        rows = np.asarray(y) == k
        shade = colors(0.0 if k == 0 else 1.0) if classes == 2 else colors(k / 9)
        axes.scatter(X[rows, 0], X[rows, 1], s=14, color=shade, edgecolors="black", linewidths=0.4, label=names[k])
    axes.set_xlabel(feature_names[0])
    axes.set_ylabel(feature_names[1])
    axes.set_title(title)
    axes.legend(title="class", loc="best", framealpha=0.85)


def plot_decision_boundary(network: "Network", X: np.ndarray, y: np.ndarray, path: str | Path, **options: Any) -> None:
    """Write :func:`boundary_figure` to the PNG file ``path`` (options as there)."""
    save_figure(boundary_figure(network, X, y, **options), path)


def plot_learning_curve(curve: "LearningCurve", path: str | Path) -> Path:
    """Train and dev error against the number of training rows (see :mod:`glassnet.learning_curve`)."""
    figure, (axes,) = new_figure(6.0, 4.0)
    axes.plot(curve.sizes, curve.train_error, "o-", label="train error")
    axes.plot(curve.sizes, curve.dev_error, "s-", label="dev error")
    axes.set_xlabel("training rows")
    axes.set_ylabel("error")
    axes.set_ylim(bottom=0.0)
    axes.set_title("Learning curve: a shrinking gap means variance, two high flat curves mean bias", fontsize=9)
    axes.grid(alpha=0.3)
    axes.legend()
    save_figure(figure, path)
    return Path(path)


def plot_search(result: "SearchResult", space: "SearchSpace", path: str | Path, error_label: str = "dev error") -> Path:
    """Dev error (``error_label``: ``dev 1 − R²`` for regression) against each searched hyperparameter, one panel each, coloured by round.

    A log range gets a log axis; a ``one-minus-log`` range (β near 1) is drawn against 1 − β on a log
    axis; a choice gets one column per value. Failed trials are left out (their count is in the title).
    """
    names = list(space)
    done = [t for t in result.trials if t.ok]
    columns = min(3, max(1, len(names)))
    rows = max(1, math.ceil(len(names) / columns))
    figure, panels = new_figure(4.0 * columns, 3.2 * rows, columns, rows)
    errors = [t.dev_error for t in done]
    rounds = [t.round for t in done]
    for axes, name in zip(panels, names):
        distribution = space[name]
        values = [t.config[name] for t in done]
        label = name
        if distribution.kind == "choice":
            options = [str(option) for option in getattr(distribution, "options", [])]
            values = [options.index(str(v)) if str(v) in options else -1 for v in values]
            axes.set_xticks(range(len(options)), options, rotation=30, fontsize=8)
        elif distribution.kind == "one-minus-log":
            values = [1.0 - v for v in values]
            label = f"1 − {name}"
        axes.scatter(values, errors, c=rounds, cmap="viridis", s=22, vmin=1, vmax=max(2, len(result.rounds)))
        if distribution.log_axis:
            axes.set_xscale("log")
        axes.set_xlabel(label)
        axes.set_ylabel(error_label)
        axes.grid(alpha=0.3)
    for axes in panels[len(names):]:
        axes.set_visible(False)
    failed = len(result.trials) - len(done)
    figure.suptitle(f"{len(result.trials)} trials in {len(result.rounds)} round(s) (colour = round), {failed} failed", fontsize=10)
    save_figure(figure, path)
    return Path(path)
