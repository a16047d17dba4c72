"""Sample constructor arguments for every registered class, shared by the parameterised tests.

Tests iterate over ``serialization.registered(kind)``, so a class registered later is covered the
moment it exists — and fails loudly (``pytest.fail``) until it gets an entry here. Arguments are
deliberately *not* the defaults, so a config round trip that drops one is caught.
"""

from __future__ import annotations

from typing import Any

import pytest

from glassnet import serialization

# kind -> class name -> keyword arguments for the constructor
SAMPLE_ARGS: dict[str, dict[str, dict[str, Any]]] = {
    "layer": {
        "Dense": {"units": 3, "initializer": "xavier", "use_bias": False},
        "ReLU": {},
        "LeakyReLU": {"slope": 0.2},
        "Tanh": {},
        "Sigmoid": {},
        "Dropout": {"keep_prob": 0.7},
        "BatchNorm": {"momentum": 0.8, "epsilon": 1e-3},
    },
    "loss": {
        "BinaryCrossEntropy": {},
        "SoftmaxCrossEntropy": {},
        "MeanSquaredError": {},
    },
    "optimizer": {
        "SGD": {"learning_rate": 0.05},
        "Momentum": {"learning_rate": 0.02, "beta": 0.8},
        "RMSprop": {"learning_rate": 0.003, "beta": 0.95, "epsilon": 1e-6},
        "Adam": {"learning_rate": 0.004, "beta1": 0.85, "beta2": 0.99, "epsilon": 1e-7},
    },
    "schedule": {
        "Constant": {"initial_learning_rate": 0.2},
        "InverseTimeDecay": {"initial_learning_rate": 0.2, "decay_rate": 0.5, "decay_every": 2, "staircase": True},
        "ExponentialDecay": {"initial_learning_rate": 0.2, "decay_rate": 0.9, "decay_every": 3, "staircase": False},
        "StepDecay": {"initial_learning_rate": 0.2, "drop": 0.25, "every": 4},
    },
    "initializer": {
        "Zeros": {},
        "Normal": {"scale": 0.05},
        "HeNormal": {},
        "XavierNormal": {},
    },
}

KINDS = tuple(SAMPLE_ARGS)


def registered_names(kind: str) -> list[str]:
    """Every class name registered under ``kind`` (sorted, for stable test ids)."""
    return sorted(serialization.registered(kind))


def registered_params(kind: str) -> list[Any]:
    """``pytest.param(name, id=name)`` for each registered class of ``kind``."""
    return [pytest.param(name, id=name) for name in registered_names(kind)]


def sample_args(kind: str, name: str) -> dict[str, Any]:
    """The sample arguments of ``name``; fails the test loudly when the table has no entry."""
    table = SAMPLE_ARGS.get(kind, {})
    if name not in table:
        pytest.fail(f"{kind} {name!r} is registered but tests/samples.py has no SAMPLE_ARGS[{kind!r}][{name!r}]; add one.")
    return dict(table[name])


def build(kind: str, name: str) -> Any:
    """An instance of the registered class ``name`` built from its sample arguments."""
    return serialization.registered(kind)[name](**sample_args(kind, name))
