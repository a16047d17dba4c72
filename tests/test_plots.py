"""Plots: learning curves and decision boundaries draw the right data, with labels and legends, as real PNGs."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.data.bundled import load_dataset
from glassnet.data.splits import split_dataset
from glassnet.errors import DataError
from glassnet.plots import boundary_figure, curves_figure, plot_curves, plot_decision_boundary

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def moons():
    dataset = load_dataset("moons", seed=0)
    splits = split_dataset(dataset, seed=0)
    network = gn.Network([gn.Dense(16), gn.ReLU(), gn.Dense(16), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    history = network.fit(splits.X_train, splits.y_train, gn.Adam(0.01), epochs=40, batch_size=32,
                          validation_data=(splits.X_dev, splits.y_dev), verbose=0)
    return dataset, splits, network, history


def test_curves_show_train_and_dev_cost_and_accuracy_per_epoch(moons):
    _, _, _, history = moons
    figure = curves_figure(history, title="moons")
    cost_axes, score_axes = figure.axes
    assert (cost_axes.get_xlabel(), score_axes.get_xlabel(), score_axes.get_ylabel()) == ("epoch", "epoch", "accuracy")
    assert cost_axes.get_ylabel().startswith("cost")
    for axes, key in ((cost_axes, "cost"), (score_axes, "accuracy")):
        lines = {line.get_label(): line for line in axes.get_lines()}
        assert [text.get_text() for text in axes.get_legend().get_texts()] == ["train", "dev"]
        assert lines["train"].get_xdata().tolist() == list(range(1, 41))
        assert np.allclose(lines["train"].get_ydata(), history[key])
        assert np.allclose(lines["dev"].get_ydata(), history[f"dev_{key}"])


def test_regression_curves_plot_r2(tmp_path):
    records = [{"epoch": e, "cost": 1.0 / (e + 1), "r2": e / 10, "dev_cost": None, "dev_r2": None} for e in range(5)]
    figure = curves_figure(records)
    assert figure.axes[1].get_ylabel() == "R²"
    assert [line.get_label() for line in figure.axes[1].get_lines()] == ["train"]  # no dev data: no dev line
    with pytest.raises(DataError, match="no epochs"):
        curves_figure([])


def test_curves_png_is_written(tmp_path, moons):
    plot_curves(moons[3], tmp_path / "curves.png")
    data = (tmp_path / "curves.png").read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]  # no temporary left behind


def test_decision_boundary_shades_what_the_network_predicts(tmp_path, moons):
    dataset, splits, network, _ = moons
    figure = boundary_figure(network, dataset.X, dataset.y, transform=splits.scaler.transform, class_names=dataset.class_names,
                             feature_names=dataset.feature_names, resolution=60)
    axes = figure.axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x1", "x2")
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["lower", "upper"]
    scatter = axes.collections[-2:]  # one point cloud per class, in raw (unscaled) units
    assert np.allclose(scatter[0].get_offsets(), dataset.X[dataset.y == 0])
    assert np.allclose(scatter[1].get_offsets(), dataset.X[dataset.y == 1])
    # the shaded field is P(upper) of the network on the grid: its 0.5 contour separates the moons
    probabilities = network.predict_proba(splits.scaler.transform(dataset.X).astype(np.float32))[:, 1]
    assert np.mean((probabilities > 0.5) == dataset.y) > 0.9
    plot_decision_boundary(network, dataset.X, dataset.y, tmp_path / "boundary.png", transform=splits.scaler.transform, resolution=60)
    assert (tmp_path / "boundary.png").read_bytes().startswith(PNG_MAGIC)


def test_multiclass_boundary_and_bad_inputs(tmp_path):
    iris = load_dataset("iris")
    X = iris.X[:, :2]
    network = gn.Network([gn.Dense(8), gn.Tanh(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=0)
    network.fit(X, iris.y, gn.Adam(0.05), epochs=30, verbose=0)
    figure = boundary_figure(network, X, iris.y, class_names=iris.class_names, feature_names=iris.feature_names[:2], resolution=40)
    assert [text.get_text() for text in figure.axes[0].get_legend().get_texts()] == ["setosa", "versicolor", "virginica"]
    with pytest.raises(DataError, match=r"needs 2-D data \(n_samples, 2\). Received shape \(150, 4\)"):
        boundary_figure(network, iris.X, iris.y)
    regressor = gn.Network([gn.Dense(1)], gn.MeanSquaredError(), seed=0).build(2)
    with pytest.raises(DataError, match="needs a classifier"):
        boundary_figure(regressor, X, iris.X[:, 2])
