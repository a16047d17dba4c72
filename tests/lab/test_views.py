"""What the page draws: the boundary is the model's prediction on the grid, unit maps, norms, confusion, advice."""

from __future__ import annotations

import base64

import numpy as np

from glassnet.files.model_file import Model
from glassnet.lab.data import GRID, HEAT, load_lab_data, raw_grid
from glassnet.lab.settings import LabSettings
from glassnet.lab.views import MAX_UNIT_MAPS, compute_view


def _bytes(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def _trained(settings: LabSettings, epochs: int = 30):
    data = load_lab_data(settings)
    network = settings.build_network(data.n_outputs, data.dataset.task)
    network.fit(data.splits.X_train, data.splits.y_train, settings.build_optimizer(), epochs=epochs, verbose=0)
    return network, data


def test_the_boundary_is_what_a_saved_model_predicts_on_the_raw_grid():
    network, data = _trained(LabSettings(data="blobs", hidden=(6,)))
    view = compute_view(network, data)
    classes = _bytes(view["boundary"]["classes"])
    assert classes.shape == (GRID * GRID,) and set(np.unique(classes)) == {0, 1, 2}
    model = Model(network, data.splits.scaler)
    assert np.array_equal(classes, model.predict(raw_grid(data.extent, GRID)))
    confidence = _bytes(view["boundary"]["confidence"])
    probabilities = model.predict_proba(raw_grid(data.extent, GRID)).max(axis=1)
    assert np.corrcoef(confidence, probabilities)[0, 1] > 0.99


def test_the_grid_spans_the_points_top_row_first():
    data = load_lab_data(LabSettings(data="moons"))
    grid = raw_grid(data.extent, 4)
    assert grid[0, 1] > grid[-1, 1] and grid[0, 0] < grid[3, 0]  # the first row is the top, x grows along a row
    low, high = data.dataset.X.min(axis=0), data.dataset.X.max(axis=0)
    assert data.extent[0] < low[0] and data.extent[1] > high[0] and data.extent[2] < low[1] and data.extent[3] > high[1]


def test_unit_maps_show_the_first_hidden_layers_and_zeros_make_them_identical():
    network, data = _trained(LabSettings(data="circles", hidden=(20, 3, 4, 5), activation="tanh", batchnorm=True), epochs=3)
    layers = compute_view(network, data)["units"]["layers"]
    assert [len(maps) for maps in layers] == [MAX_UNIT_MAPS, 3, 4]  # at most 8 units of at most 3 layers
    assert all(_bytes(m).shape == (HEAT * HEAT,) for maps in layers for m in maps)
    assert len(set(layers[0])) == MAX_UNIT_MAPS  # random initial weights: every unit differs
    first = np.tanh(network.layers[1].forward(network.layers[0].forward(data.heat_grid, training=False), training=False))
    expected = np.round(127.5 * (first[:, 0] / np.abs(first[:, 0]).max() + 1.0))
    assert np.array_equal(_bytes(layers[0][0]), expected.astype(np.uint8))  # Dense → BatchNorm → tanh, at inference
    symmetric, data = _trained(LabSettings(data="circles", hidden=(5,), initializer="zeros"), epochs=10)
    maps = compute_view(symmetric, data)["units"]["layers"][0]
    assert len(set(maps)) == 1  # the course's symmetry: zero initial weights keep every hidden unit the same
    logistic, data = _trained(LabSettings(data="circles", hidden=()), epochs=1)
    assert compute_view(logistic, data)["units"]["layers"] == []


def test_norms_confusion_metrics_and_advice_agree_with_the_network():
    network, data = _trained(LabSettings(data="iris", hidden=(8,)), epochs=20)
    view = compute_view(network, data, human_error=0.02)
    dense = [layer for layer in network.layers if hasattr(layer, "units")]
    assert [round(n["weight"], 4) for n in view["norms"]] == [round(float(np.linalg.norm(d.params["W"])), 4) for d in dense]
    confusion = np.array(view["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == len(data.splits.y_dev)
    assert np.trace(confusion) / confusion.sum() == view["metrics"]["dev_accuracy"]
    assert view["metrics"]["train_accuracy"] == network.score(data.splits.X_train, data.splits.y_train)
    assert view["advice"]["errors"]["human"] == 0.02 and view["advice"]["verdict"]
    assert "boundary" not in view and "misclassified" not in view


def test_digits_show_the_misclassified_images_with_their_labels():
    network, data = _trained(LabSettings(data="digits", hidden=(4,)), epochs=2)
    view = compute_view(network, data)
    wrong = view["misclassified"]
    assert 0 < len(wrong) <= 12
    assert all(_bytes(d["pixels"]).shape == (64,) and d["true"] != d["predicted"] for d in wrong)
