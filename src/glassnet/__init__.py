"""glassnet: the toolkit of a first deep-learning course, written from scratch on NumPy.

Arrays are batch-first: ``X (n_samples, n_features)``, ``W (n_in, n_out)``, ``Z = X @ W + b``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .averages import ExponentialMovingAverage
from .callbacks import Callback, EarlyStopping, ProgressReporter
from .errors import ConfigError, DataError, GlassnetError, ModelFileError, TrainingDiverged
from .gradcheck import GradientCheckResult, check_gradients
from .initializers import Initializer, he, normal, xavier, zeros
from .io import Model, load, save
from .layers import BatchNorm, Dense, Dropout, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from .losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from .network import Network
from .optimizers import SGD, Adam, Momentum, Optimizer, RMSprop
from .schedules import Constant, ExponentialDecay, InverseTimeDecay, Schedule, StepDecay
from .training import History, fit

try:
    __version__ = version("glassnet")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "Adam",
    "BatchNorm",
    "BinaryCrossEntropy",
    "Callback",
    "ConfigError",
    "Constant",
    "DataError",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "ExponentialDecay",
    "ExponentialMovingAverage",
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
    "fit",
    "he",
    "load",
    "normal",
    "save",
    "xavier",
    "zeros",
]
