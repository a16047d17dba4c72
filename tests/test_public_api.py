"""The curated public API: ``__all__`` is importable, sorted, documented and free of private names."""

from __future__ import annotations

import inspect
import types
from pathlib import Path

import pytest

import glassnet

PACKAGE_DIR = Path(glassnet.__file__).parent
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python ≥ 3.11
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def test_every_name_in_all_is_importable():
    namespace: dict = {}
    exec("from glassnet import *", namespace)
    exported = set(namespace) - {"__builtins__"}
    assert exported == set(glassnet.__all__)
    for name in glassnet.__all__:
        assert getattr(glassnet, name) is namespace[name]


def test_all_is_sorted_and_unique():
    assert len(set(glassnet.__all__)) == len(glassnet.__all__)
    assert glassnet.__all__ == sorted(glassnet.__all__)


def test_nothing_private_and_no_modules_exported():
    for name in glassnet.__all__:
        assert name == "__version__" or not name.startswith("_"), name
        assert not isinstance(getattr(glassnet, name), types.ModuleType), name


def test_exported_objects_are_glassnet_code_with_docstrings():
    for name in glassnet.__all__:
        obj = getattr(glassnet, name)
        if name == "__version__":
            assert isinstance(obj, str) and obj
            continue
        assert obj.__module__.startswith("glassnet."), f"{name} comes from {obj.__module__}"
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_the_design_vocabulary_is_exported():
    expected = {
        "Network", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid",
        "BinaryCrossEntropy", "SoftmaxCrossEntropy", "MeanSquaredError",
        "SGD", "Momentum", "RMSprop", "Adam",
        "Constant", "InverseTimeDecay", "ExponentialDecay", "StepDecay",
        "ExponentialMovingAverage", "EarlyStopping", "ProgressReporter", "Callback",
        "check_gradients", "fit", "History",
        "GlassnetError", "ConfigError", "DataError", "TrainingDiverged",
        "he", "xavier", "normal", "zeros",
    }  # fmt: skip
    assert expected <= set(glassnet.__all__)


def test_errors_form_one_hierarchy():
    for error in (glassnet.ConfigError, glassnet.DataError, glassnet.TrainingDiverged):
        assert issubclass(error, glassnet.GlassnetError)
    assert issubclass(glassnet.ConfigError, ValueError) and issubclass(glassnet.DataError, ValueError)


def test_py_typed_is_shipped():
    assert (PACKAGE_DIR / "py.typed").is_file()
    config = _pyproject()
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["glassnet"]


def test_console_script_points_at_the_cli():
    config = _pyproject()
    assert config["project"]["scripts"]["glassnet"] == "glassnet.cli:main"
    assert "torch" not in " ".join(config["project"]["dependencies"])
