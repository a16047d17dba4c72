"""glassnet: the toolkit of a first deep-learning course, written from scratch on NumPy.

Arrays are batch-first: ``X (n_samples, n_features)``, ``W (n_in, n_out)``, ``Z = X @ W + b``.
"""

from __future__ import annotations

from glassnet._version import __version__
from glassnet.errors import ConfigError, DataError, GlassnetError, ModelFileError, TrainingDiverged
from glassnet.estimators.saving import load, save
from glassnet.files.checkpoints import Checkpointer
from glassnet.files.model_file import Model
from glassnet.nn.batchnorm import BatchNorm
from glassnet.nn.dropout import Dropout
from glassnet.nn.gradcheck import GradientCheckResult, check_gradients
from glassnet.nn.initializers import Initializer, he, normal, xavier, zeros
from glassnet.nn.layers import Dense, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from glassnet.nn.losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from glassnet.nn.network import Network
from glassnet.optim.averages import ExponentialMovingAverage
from glassnet.optim.optimizers import SGD, Adam, Momentum, Optimizer, RMSprop
from glassnet.optim.schedules import Constant, ExponentialDecay, InverseTimeDecay, Schedule, StepDecay
from glassnet.export.onnx import export_onnx
from glassnet.train.callbacks import Callback, ConvergenceStopping, EarlyStopping
from glassnet.train.history import History
from glassnet.train.loop import fit
from glassnet.train.progress import ProgressReporter

#: names imported on first use, so that ``import glassnet`` (and the CLI) does not pay for importing scikit-learn
_LAZY = {"GlassClassifier": "glassnet.estimators.models", "GlassRegressor": "glassnet.estimators.models"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


__all__ = [
    "Adam",
    "BatchNorm",
    "BinaryCrossEntropy",
    "Callback",
    "Checkpointer",
    "ConfigError",
    "Constant",
    "ConvergenceStopping",
    "DataError",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "ExponentialDecay",
    "ExponentialMovingAverage",
    "GlassClassifier",
    "GlassRegressor",
    "GlassnetError",
    "GradientCheckResult",
    "History",
    "Initializer",
    "InverseTimeDecay",
    "Layer",
    "LeakyReLU",
    "Loss",
    "MeanSquaredError",
    "Model",
    "ModelFileError",
    "Momentum",
    "Network",
    "Optimizer",
    "ProgressReporter",
    "RMSprop",
    "ReLU",
    "SGD",
    "Schedule",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "StepDecay",
    "Tanh",
    "TrainingDiverged",
    "__version__",
    "check_gradients",
    "export_onnx",
    "fit",
    "he",
    "load",
    "normal",
    "save",
    "xavier",
    "zeros",
]
