"""Crafted model, estimator and checkpoint files (valid checksums, written with the library's own container code)
are refused with one ModelFileError: no traceback, no huge allocation, no endless read (issue 15, cases 2–4)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet.errors import ModelFileError
from glassnet.estimators.file_format import ESTIMATOR_FORMAT
from glassnet.estimators.models import GlassClassifier
from glassnet.files.checkpoints import FORMAT as CHECKPOINT_FORMAT
from glassnet.files.checkpoints import Checkpointer, read_checkpoint
from glassnet.files.container import FORMAT_VERSION, checksum, pack, read_container, write_container
from glassnet.files.model_file import FORMAT as MODEL_FORMAT
from glassnet.files.model_file import load_model_file
from glassnet.files.schema import MAX_DEPTH, MAX_DIGITS, nesting_depth, parse_json
from glassnet.nn.builders import build_network, build_optimizer
from glassnet.train.loop import fit

SOURCE = str(Path(glassnet.__file__).resolve().parents[1])


def write_raw(path: Path, file_format: str, strings: dict[str, str], tensors: dict[str, np.ndarray]) -> None:
    """A container whose metadata strings are given verbatim (to hold what json.dumps would not write)."""
    strings = {"format_version": FORMAT_VERSION, **strings}
    path.write_bytes(pack(tensors, {"format": file_format, **strings, "sha256": checksum(strings, tensors)}))


def tiny_network():
    network = build_network(2, (3,), "relu", "binary", batchnorm=True, seed=0)
    network.build(2)
    return network


def model_fields(network) -> dict:
    return {"config": network.get_config(), "preprocessing": None, "labels": {"class_names": ["a", "b"], "feature_names": [], "target_name": None}}


# ------------------------------------------------------------------------------------------- case 2
def test_a_zero_size_tensor_cannot_declare_a_huge_batchnorm_width(tmp_path):
    width = 2**31
    config = {**tiny_network().get_config(), "layers": [{"class_name": "BatchNorm", "config": {"momentum": 0.9, "epsilon": 1e-5}}], "input_units": width}
    empty = np.zeros((width, 0), dtype=np.float32)
    tensors = {f"layers.0.{name}": empty for name in ("gamma", "beta", "running_mean", "running_var")}
    path = tmp_path / "m.safetensors"
    write_container(path, MODEL_FORMAT, {**model_fields(tiny_network()), "config": config}, tensors)
    assert path.stat().st_size < 2000  # the file was 592 bytes
    with pytest.raises(ModelFileError, match="is empty"):
        load_model_file(path)


def test_a_width_larger_than_every_stored_array_is_refused_before_building(tmp_path):
    config = {**tiny_network().get_config(), "layers": [{"class_name": "BatchNorm", "config": {"momentum": 0.9, "epsilon": 1e-5}}], "input_units": 10**6}
    tensors = {f"layers.0.{name}": np.ones(10, dtype=np.float32) for name in ("gamma", "beta", "running_mean", "running_var")}
    write_container(tmp_path / "m.safetensors", MODEL_FORMAT, {**model_fields(tiny_network()), "config": config}, tensors)
    with pytest.raises(ModelFileError, match="larger than any stored array"):
        load_model_file(tmp_path / "m.safetensors")


# ------------------------------------------------------------------------------------------- case 3
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_model_that_is_a_symlink_to_a_device_is_refused_without_reading(tmp_path, device):
    link = tmp_path / "model.safetensors"
    link.symlink_to(device)
    with pytest.raises(ModelFileError, match="not a regular file"):
        glassnet.load(link)


def test_a_fifo_model_or_checkpoint_is_refused_without_blocking(tmp_path):
    """In a subprocess with a time cap: a regression would block forever on the FIFO."""
    fifo = tmp_path / "checkpoints" / "checkpoint-000001.safetensors"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    code = (
        "import sys; from glassnet.errors import ModelFileError; import glassnet\n"
        "from glassnet.files.checkpoints import latest_checkpoint\n"
        "for attempt in (lambda: glassnet.load(sys.argv[1]), lambda: latest_checkpoint(sys.argv[2])):\n"
        "    try: attempt(); print('read')\n"
        "    except ModelFileError as error: print('refused', 'FIFO' in str(error))\n"
    )
    env = {**os.environ, "PYTHONPATH": SOURCE}
    done = subprocess.run([sys.executable, "-c", code, str(fifo), str(fifo.parent)], capture_output=True, text=True, timeout=60, env=env)
    assert done.stdout.split() == ["refused", "True", "refused", "True"], done.stderr


# ------------------------------------------------------------------------------------------- case 4
def test_deep_nesting_and_huge_integers_are_refused_before_parsing(tmp_path):
    assert nesting_depth('{"a": [[1], "[[[[", {"b": []}]}') == 4  # brackets inside strings do not count
    with pytest.raises(ModelFileError, match="nested 100000 levels"):
        parse_json("f", "x", "[" * 100_000)
    with pytest.raises(ModelFileError, match="5000-digit integer"):
        parse_json("f", "x", "[" + "7" * 5000 + "]")
    with pytest.raises(ModelFileError, match="NaN"):
        parse_json("f", "x", "[NaN]")
    assert parse_json("f", "x", "[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None and parse_json("f", "x", "9" * MAX_DIGITS) > 0


def test_a_safetensors_header_of_nested_brackets_is_one_model_file_error(tmp_path):
    header = ("[" * 100_000).encode()
    path = tmp_path / "deep.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(ModelFileError, match="nested"):
        glassnet.load(path)
    network = tiny_network()
    write_raw(tmp_path / "digits.safetensors", MODEL_FORMAT, {
        "config": '{"layers": [], "input_units": ' + "9" * 5000 + "}", "preprocessing": "null", "labels": "{}"}, network.state_arrays())
    with pytest.raises(ModelFileError, match="5000-digit"):
        glassnet.load(tmp_path / "digits.safetensors")


@pytest.fixture(scope="module")
def estimator_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    estimator = GlassClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, (X[:, 0] > 0).astype(int))
    path = tmp_path_factory.mktemp("est") / "e.safetensors"
    glassnet.save(estimator, path)
    return path


@pytest.mark.parametrize("change, message", [
    (lambda d: d["params"].update(hidden_layer_sizes=5), r"params\.hidden_layer_sizes must be a list"),
    (lambda d: d.update(params=[1, 2]), r"params must be a table"),
    (lambda d: d["fitted"].pop("n_iter"), r"missing \['n_iter'\]"),
    (lambda d: d["params"].update(epochs=-3), r"expects a positive integer"),
    (lambda d: d["params"].update(learning_rate="fast"), r"learning_rate"),
    (lambda d: d["fitted"].update(classes=["a"] * 50), r"fitted\.classes must be a list of 2 to 2 items"),
    (lambda d: d["fitted"].update(loss_curve=[1, 2, "x"]), r"loss_curve\[2\] must be a finite number"),
    (lambda d: d.update(class_name="Pickle"), r"class_name must be one of"),
])
def test_bad_estimator_fields_are_one_model_file_error(tmp_path, estimator_file, change, message):
    parsed, tensors = read_container(estimator_file, ESTIMATOR_FORMAT, ("config", "estimator"))
    change(parsed["estimator"])
    write_container(tmp_path / "bad.safetensors", ESTIMATOR_FORMAT, parsed, tensors)
    with pytest.raises(ModelFileError, match=message):
        glassnet.load(tmp_path / "bad.safetensors")


@pytest.fixture(scope="module")
def checkpoint_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).astype(np.float32)
    network = build_network(2, (4,), "relu", "binary", seed=0)
    fit(network, X, (X[:, 0] > 0).astype(np.int64), build_optimizer("adam", 0.01), epochs=2, batch_size=8, verbose=0, checkpoint=Checkpointer(folder))
    return folder / "checkpoint-000002.safetensors"


@pytest.mark.parametrize("change, message", [
    (lambda t: t["optimizer_scalars"].update(t=-1), r"optimizer_scalars\.t must be an integer from 0"),
    (lambda t: t.update(history=[1, 2, "x"]), r"history\[0\] must be a table"),
    (lambda t: t.update(epoch=2.5), r"epoch must be an integer"),
    (lambda t: t.pop("rng"), r"missing \['rng'\]"),
    (lambda t: t["rng"]["state"].update(state="x"), r"rng\.state\.state must be an integer"),
    (lambda t: t.update(optimizer="adam"), r"optimizer must be a table"),
])
def test_bad_checkpoint_fields_are_one_model_file_error(tmp_path, checkpoint_file, change, message):
    parsed, tensors = read_container(checkpoint_file, CHECKPOINT_FORMAT, ("config", "training", "extra"))
    change(parsed["training"])
    write_container(tmp_path / "bad.safetensors", CHECKPOINT_FORMAT, parsed, tensors)
    with pytest.raises(ModelFileError, match=message):
        read_checkpoint(tmp_path / "bad.safetensors")


def test_optimizer_scalars_must_be_the_optimizers_own(tmp_path, checkpoint_file):
    parsed, tensors = read_container(checkpoint_file, CHECKPOINT_FORMAT, ("config", "training", "extra"))
    parsed["training"]["optimizer_scalars"] = {"t": 3, "injected": 1}
    write_container(tmp_path / "bad.safetensors", CHECKPOINT_FORMAT, parsed, tensors)
    state = read_checkpoint(tmp_path / "bad.safetensors")
    network = build_network(2, (4,), "relu", "binary", seed=0)
    network.build(2)
    with pytest.raises(ModelFileError, match="optimizer.s scalar state"):
        state.apply(network, build_optimizer("adam", 0.01))
