"""The registry of experiments: every claim of the course, in the order of the course.

``EXPERIMENTS`` is the table of contents; :func:`get_experiment` looks one up by name. A new experiment
goes into its lesson's module and into :data:`ORDER`; the tests run every registered experiment.
"""

from __future__ import annotations

from glassnet.errors import ConfigError
from glassnet.lessons import lesson1_networks, lesson1_vectorization, lesson2, lesson3_batches, lesson3_optimizers, lesson4, lesson5
from glassnet.lessons.base import Experiment

#: the course's lessons, by number
LESSONS = {
    1: "Neural networks and deep learning",
    2: "Initialisation, bias and variance, regularisation",
    3: "Optimisation: mini-batches, averages, optimizers, decay",
    4: "Hyperparameter search, batch norm, softmax",
    5: "Structuring a learning project",
}

#: experiment names in the order of the course
ORDER = ("logistic-vs-hidden", "vectorization", "activations", "learning-rate", "initialization", "bias-variance", "regularization",
         "mini-batch", "ewa", "optimizers", "decay", "log-scale", "batchnorm", "softmax", "strategy")

_MODULES = (lesson1_networks, lesson1_vectorization, lesson2, lesson3_batches, lesson3_optimizers, lesson4, lesson5)
_BY_NAME = {experiment.name: experiment for module in _MODULES for experiment in module.EXPERIMENTS}
if set(_BY_NAME) != set(ORDER):  # pragma: no cover - a registration mistake, caught at import
    raise RuntimeError(f"lessons.registry.ORDER and the lesson modules disagree: {sorted(set(_BY_NAME) ^ set(ORDER))}")

EXPERIMENTS: tuple[Experiment, ...] = tuple(_BY_NAME[name] for name in ORDER)


def names() -> tuple[str, ...]:
    """Every experiment name, in course order."""
    return ORDER


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; :class:`ConfigError` listing the names when there is none."""
    if name not in _BY_NAME:
        raise ConfigError(f"Unknown lesson {name!r}; expected one of: {', '.join(ORDER)}, or all.")
    return _BY_NAME[name]
