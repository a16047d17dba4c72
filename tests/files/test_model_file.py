"""Model files: exact round trips, tamper detection, refusal of hostile metadata, atomic writes."""

from __future__ import annotations

import json
import struct
import tracemalloc

import numpy as np
import pytest
from samples import build, registered_names

import glassnet as gn
from glassnet.files import atomic, container, model_file
from glassnet.data.bundled import load_dataset
from glassnet.data.splits import split_dataset
from glassnet.errors import ModelFileError


def every_layer_stack() -> list:
    """Each registered layer class (from the shared sample table) after a Dense(6), so all are in one network."""
    return [layer for name in registered_names("layer") for layer in (gn.Dense(6), build("layer", name))]


def trained(network, X, y, epochs=3):
    network.fit(X, y, gn.Adam(0.01), epochs=epochs, batch_size=16, verbose=0)
    return network


@pytest.fixture(scope="module")
def iris():
    return split_dataset(load_dataset("iris"), seed=0)


@pytest.mark.parametrize(
    "loss, output_units, dtype",
    [(gn.SoftmaxCrossEntropy, 3, "float32"), (gn.BinaryCrossEntropy, 1, "float32"), (gn.MeanSquaredError, 1, "float32"), (gn.SoftmaxCrossEntropy, 3, "float64")],
)
def test_round_trip_predicts_identically_with_every_layer_type(tmp_path, iris, loss, output_units, dtype):
    y = {"multiclass": iris.y_train, "binary": (iris.y_train == 1).astype(int), "regression": iris.X_train[:, 0] * 2.0}[loss.task]
    network = gn.Network(every_layer_stack() + [gn.Dense(output_units)], loss(), l2=1e-3, seed=2, dtype=dtype)
    trained(network, iris.X_train, y)  # BatchNorm running statistics move away from their initial values
    gn.save(network, tmp_path / "m.safetensors")
    loaded = gn.load(tmp_path / "m.safetensors").network
    assert loaded.get_config() == network.get_config()
    for name, value in network.state_arrays().items():
        assert np.array_equal(loaded.state_arrays()[name], value) and loaded.state_arrays()[name].dtype == value.dtype
    assert np.array_equal(loaded.forward(iris.X_test), network.forward(iris.X_test))
    assert np.array_equal(loaded.predict(iris.X_test), network.predict(iris.X_test))


def test_model_keeps_scaler_class_and_feature_names(tmp_path):
    dataset = load_dataset("iris")
    splits = split_dataset(dataset, seed=0)
    network = trained(gn.Network([gn.Dense(8), gn.Tanh(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=0), splits.X_train, splits.y_train, 20)
    gn.save(network, tmp_path / "m.safetensors", scaler=splits.scaler, class_names=dataset.class_names, feature_names=dataset.feature_names, target_name="species")
    model = gn.load(tmp_path / "m.safetensors")
    assert model.class_names == ["setosa", "versicolor", "virginica"] and model.target_name == "species"
    assert model.feature_names == dataset.feature_names
    assert np.array_equal(model.scaler.mean_, splits.scaler.mean_) and np.array_equal(model.scaler.scale_, splits.scaler.scale_)
    raw = dataset.X
    expected = network.predict_proba(splits.scaler.transform(raw).astype(np.float32))
    assert np.array_equal(model.predict_proba(raw), expected)
    assert model.predict(raw).tolist() == [dataset.class_names[k] for k in expected.argmax(axis=1)]


def test_a_float64_model_predicts_raw_float64_inputs_at_full_precision(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 1e3 + 1e-3  # most values need more than float32's 24 bits
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(2)], gn.MeanSquaredError(), seed=0, dtype="float64")
    trained(network, X, X[:, :2] * 1e-3)
    gn.save(network, tmp_path / "m.safetensors")
    model = gn.load(tmp_path / "m.safetensors")
    assert np.array_equal(model.predict(X), network.predict(X)) and model.predict(X).dtype == np.float64
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    assert np.array_equal(gn.Model(network, scaler).predict(X), network.predict(scaler.transform(X)))


def test_save_refuses_an_unbuilt_network_and_load_a_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no weights yet"):
        gn.save(gn.Network([gn.Dense(2)], gn.SoftmaxCrossEntropy()), tmp_path / "m.safetensors")
    with pytest.raises(ModelFileError, match=r"nope\.safetensors: no such file"):
        gn.load(tmp_path / "nope.safetensors")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------- tampering
@pytest.fixture(scope="module")
def saved(tmp_path_factory, iris):
    """A trained model file (with scaler and class names), its bytes, and its predictions on the test rows."""
    path = tmp_path_factory.mktemp("model") / "m.safetensors"
    network = trained(gn.Network(every_layer_stack() + [gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=1), iris.X_train, iris.y_train)
    gn.save(network, path, scaler=iris.scaler, class_names=["a", "b", "c"], feature_names=["f1", "f2", "f3", "f4"])
    model = gn.load(path)
    return path.read_bytes(), model.predict_proba(iris.X_test), iris.X_test


def outcome(tmp_path, data: bytes, expected: np.ndarray, X: np.ndarray) -> str:
    """'refused' (ModelFileError) or 'identical'; any other result fails the test."""
    path = tmp_path / "t.safetensors"
    path.write_bytes(data)
    try:
        model = gn.load(path)
    except ModelFileError as error:
        assert str(path) in str(error)
        return "refused"
    assert np.array_equal(model.predict_proba(X), expected), "a changed file loaded and predicts differently"
    return "identical"


def test_flipped_truncated_and_appended_bytes_never_change_predictions_silently(tmp_path, saved):
    data, expected, X = saved
    rng = np.random.default_rng(0)
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    positions = np.concatenate([rng.integers(0, header_end, 150), rng.integers(header_end, len(data), 150)])
    results = []
    for position in positions:
        corrupted = bytearray(data)
        corrupted[position] ^= 1 << int(rng.integers(0, 8))
        results.append(outcome(tmp_path, bytes(corrupted), expected, X))
    for length in rng.integers(0, len(data), 60):
        results.append(outcome(tmp_path, data[:length], expected, X))
    for extra in (b"\x00", b"junk", bytes(100)):
        results.append(outcome(tmp_path, data + extra, expected, X))
    assert len(results) == 363
    # every flipped bit in the tensor bytes is caught by the checksum
    assert results[150:300] == ["refused"] * 150
    assert results.count("refused") > 330


def edit_metadata(data: bytes, field: str, edit) -> bytes:
    """Rewrite one metadata string with ``edit`` and re-pack the file (the header stays valid JSON)."""
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    header["__metadata__"][field] = edit(header["__metadata__"][field])
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + data[8 + size :]


def test_every_single_digit_edit_of_config_preprocessing_or_labels_is_refused(tmp_path, saved):
    data, expected, X = saved
    edits = 0
    for field in ("config", "preprocessing", "labels"):
        text = json.loads(data[8 : 8 + struct.unpack("<Q", data[:8])[0]])["__metadata__"][field]
        for index, character in enumerate(text):
            if character.isdigit():
                replacement = str((int(character) + 1) % 10)
                changed = edit_metadata(data, field, lambda s, i=index, r=replacement: s[:i] + r + s[i + 1 :])
                assert outcome(tmp_path, changed, expected, X) == "refused", (field, index, text[max(0, index - 20) : index + 5])
                edits += 1
    assert edits > 100  # layer sizes, l2, slope/keep-prob/epsilon digits, every scaler mean and scale digit
    untouched = edit_metadata(data, "glassnet_version", lambda s: "9.9.9")  # not part of the checksum: still loads
    assert outcome(tmp_path, untouched, expected, X) == "identical"


def rewrite(tmp_path, config, tensors, preprocessing=None, labels=None):
    """A model file whose checksum is *valid* for the given (possibly hostile) content."""
    path = tmp_path / "hostile.safetensors"
    fields = {"config": config, "preprocessing": preprocessing, "labels": labels or {}}
    container.write_container(path, model_file.FORMAT, fields, tensors)
    return path


@pytest.fixture
def small(tmp_path):
    network = gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=0).build(5)
    return network.get_config(), {name: value.copy() for name, value in network.state_arrays().items()}


@pytest.mark.parametrize("where", ["units", "input_units"])
def test_absurd_sizes_are_refused_before_allocating(tmp_path, small, where):
    config, tensors = small
    config = json.loads(json.dumps(config))
    if where == "units":
        config["layers"][0]["config"]["units"] = 10**12
    else:
        config["input_units"] = 10**12
    path = rewrite(tmp_path, config, tensors)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="size of 1000000000000, larger than any stored array"):
            gn.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_sizes_within_the_largest_array_but_too_many_weights_are_refused(tmp_path, small):
    config, tensors = small  # Dense(4) on 5 inputs → ReLU → Dense(3): 5·4 + 4 + 4·3 + 3 = 39 stored numbers
    config = json.loads(json.dumps(config))
    config["layers"][0]["config"]["units"] = 5  # every size ≤ 5, the largest stored dimension, yet
    config["layers"][2]["config"]["units"] = 5  # 5·5 + 5·5 = 50 weights > 39: refused before building
    with pytest.raises(ModelFileError, match=r"layers 0 to 2 would need 50 weights; the file stores 39 numbers in all"):
        gn.load(rewrite(tmp_path, config, tensors))


@pytest.mark.parametrize("class_name", ["Lambda", "__import__", "os.system"])
def test_unknown_layer_classes_are_refused(tmp_path, small, class_name):
    config, tensors = small
    config = json.loads(json.dumps(config))
    config["layers"][1] = {"class_name": class_name, "config": {"function": "import os; os.remove('x')"}}
    with pytest.raises(ModelFileError, match=f"Unknown layer '{class_name}'"):
        gn.load(rewrite(tmp_path, config, tensors))


def test_arrays_that_do_not_fit_the_config_are_refused(tmp_path, small):
    config, tensors = small
    wrong = dict(tensors, **{"layers.0.W": tensors["layers.0.W"].T.copy()})
    with pytest.raises(ModelFileError, match=r"array 'layers\.0\.W' is float32\[4, 5\]; the config expects float32\[5, 4\]"):
        gn.load(rewrite(tmp_path, config, wrong))
    renamed = {("layers.0.Q" if name == "layers.0.W" else name): value for name, value in tensors.items()}
    with pytest.raises(ModelFileError, match=r"missing \['layers\.0\.W'\], unexpected \['layers\.0\.Q'\]"):
        gn.load(rewrite(tmp_path, config, renamed))
    poisoned = dict(tensors, **{"layers.0.b": np.full(4, np.nan, dtype=np.float32)})
    with pytest.raises(ModelFileError, match="NaN or inf"):
        gn.load(rewrite(tmp_path, config, poisoned))
    with pytest.raises(ModelFileError, match="StandardScaler with 5 finite means and positive scales"):
        gn.load(rewrite(tmp_path, config, tensors, preprocessing={"scaler": "StandardScaler", "mean": [0.0] * 5, "scale": [1.0] * 4 + [0.0]}))
    with pytest.raises(ModelFileError, match="'class_names' must be a list of 3 strings"):
        gn.load(rewrite(tmp_path, config, tensors, labels={"class_names": ["a", "b"]}))


def test_other_formats_and_versions_are_refused(tmp_path, small):
    config, tensors = small
    path = tmp_path / "other.safetensors"
    container.write_container(path, "glassnet-checkpoint", {"config": config}, tensors)
    with pytest.raises(ModelFileError, match="not a glassnet-model file"):
        gn.load(path)
    data = edit_metadata(rewrite(tmp_path, config, tensors).read_bytes(), "format_version", lambda s: "2")
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match="format version '2' is not supported"):
        gn.load(path)


# ---------------------------------------------------------------------------------------------- atomic writes
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, small, monkeypatch):
    path = tmp_path / "m.safetensors"
    atomic.write_bytes_atomic(path, b"old contents")

    def failing_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_bytes_atomic(path, b"new contents")
    assert path.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_saved_file_is_plain_safetensors_without_pickle(tmp_path, small):
    from safetensors.numpy import load_file

    config, tensors = small
    path = rewrite(tmp_path, config, tensors)
    arrays = load_file(path)  # any safetensors reader sees named arrays and nothing else
    assert set(arrays) == set(tensors) and all(np.array_equal(arrays[n], tensors[n]) for n in tensors)
    assert b"\x80\x04" not in path.read_bytes()[:8]  # not a pickle stream


# ---------------------------------------------------------------------------------------------- split recipe
def test_the_split_recipe_round_trips_and_is_checked_on_read(tmp_path, small):
    from glassnet.data.splits import SplitRecipe

    config, tensors = small
    network = gn.Network.from_config({**config, "input_units": None}).build(5)
    dataset = load_dataset("iris")
    recipe = SplitRecipe.of(dataset, (0.6, 0.2, 0.2), 3, 0.1, ("id",))
    gn.save(model_file.Model(network, split=recipe), tmp_path / "m.safetensors")
    loaded = gn.load(tmp_path / "m.safetensors").split
    assert loaded == recipe and loaded.matches(dataset.X, dataset.y) and not loaded.matches(dataset.X[1:], dataset.y[1:])
    assert gn.load(rewrite(tmp_path, config, tensors)).split is None  # a file from before the recipe still loads
    hostile = {**recipe.to_dict(), "fractions": [0.6, 0.2, 0.3]}
    path = tmp_path / "bad.safetensors"
    container.write_container(path, model_file.FORMAT, {"config": config, "preprocessing": None, "labels": {}, "split": hostile}, tensors)
    with pytest.raises(ModelFileError, match="split recipe"):
        gn.load(path)
    data = (tmp_path / "m.safetensors").read_bytes()
    changed = edit_metadata(data, "split", lambda text: text.replace('"seed": 3', '"seed": 4'))
    (tmp_path / "changed.safetensors").write_bytes(changed)
    with pytest.raises(ModelFileError, match="checksum"):  # the recipe is covered by the checksum
        gn.load(tmp_path / "changed.safetensors")
