"""glassnet: the toolkit of a first deep-learning course, written from scratch on NumPy.

Arrays are batch-first: ``X (n_samples, n_features)``, ``W (n_in, n_out)``, ``Z = X @ W + b``.
"""

from __future__ import annotations as _annotations

from importlib import import_module as _import_module

from glassnet._version import __version__

#: where each public name lives; a name is imported on first use, so ``import glassnet`` (and every CLI command)
#: pays only for what it touches (``gn.Dense`` imports the layers, not scikit-learn or numba)
_PUBLIC_MODULES = {
    "glassnet.errors": ("ConfigError", "DataError", "GlassnetError", "ModelFileError", "TrainingDiverged"),
    "glassnet.estimators.saving": ("load", "save"),
    "glassnet.estimators.models": ("GlassClassifier", "GlassRegressor"),
    "glassnet.export.onnx": ("export_onnx",),
    "glassnet.files.checkpoints": ("Checkpointer",),
    "glassnet.files.model_file": ("Model",),
    "glassnet.nn.batchnorm": ("BatchNorm",),
    "glassnet.nn.dropout": ("Dropout",),
    "glassnet.nn.gradcheck": ("GradientCheckResult", "check_gradients"),
    "glassnet.nn.initializers": ("Initializer", "he", "normal", "xavier", "zeros"),
    "glassnet.nn.layers": ("Dense", "Layer", "LeakyReLU", "ReLU", "Sigmoid", "Tanh"),
    "glassnet.nn.losses": ("BinaryCrossEntropy", "Loss", "MeanSquaredError", "SoftmaxCrossEntropy"),
    "glassnet.nn.network": ("Network",),
    "glassnet.optim.averages": ("ExponentialMovingAverage",),
    "glassnet.optim.optimizers": ("SGD", "Adam", "Momentum", "Optimizer", "RMSprop"),
    "glassnet.optim.schedules": ("Constant", "ExponentialDecay", "InverseTimeDecay", "Schedule", "StepDecay"),
    "glassnet.train.callbacks": ("Callback", "ConvergenceStopping", "EarlyStopping"),
    "glassnet.train.history": ("History",),
    "glassnet.train.loop": ("fit",),
    "glassnet.train.progress": ("ProgressReporter",),
}
_LAZY = {name: module for module, names in _PUBLIC_MODULES.items() for name in names}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(_import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Only the public names (``__all__``), not the helpers of this module or its loaded submodules."""
    return list(__all__)


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
