"""Initialisers: the distribution each promises, reproducibility, no global state, lookup by name."""

from __future__ import annotations

import math

import numpy as np
import pytest
from samples import build, registered_params

import glassnet as gn
from glassnet.errors import ConfigError
from glassnet.nn.initializers import HeNormal, Normal, XavierNormal, Zeros, get_initializer

N_IN, N_OUT = 400, 300  # 120,000 draws: the sample std is within ~0.5 % of the true one


@pytest.mark.parametrize(
    ("initializer", "expected_std"),
    [
        (gn.he(), math.sqrt(2.0 / N_IN)),  # He: Var = 2 / n_in
        (gn.xavier(), math.sqrt(1.0 / N_IN)),  # Xavier (course form): Var = 1 / n_in
        (gn.normal(), 0.01),  # the course's randn * 0.01
        (gn.normal(0.3), 0.3),
    ],
    ids=["he", "xavier", "normal-default", "normal-0.3"],
)
def test_standard_deviation_matches_the_formula(initializer, expected_std):
    W = initializer((N_IN, N_OUT), np.random.default_rng(0), "float64")
    assert W.shape == (N_IN, N_OUT)
    assert abs(W.mean()) < 0.02 * expected_std
    assert W.std() == pytest.approx(expected_std, rel=0.02)


def test_he_scale_depends_on_fan_in_only():
    rng = np.random.default_rng(1)
    narrow = gn.he()((50, 2000), rng, "float64")
    wide = gn.he()((800, 2000), rng, "float64")
    # std ratio √(2/50) / √(2/800) = 4
    assert narrow.std() / wide.std() == pytest.approx(4.0, rel=0.03)


def test_zeros_is_all_zero():
    W = gn.zeros()((3, 4), np.random.default_rng(0))
    assert W.shape == (3, 4) and not W.any()


@pytest.mark.parametrize("name", registered_params("initializer"))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_initializer_returns_the_requested_shape_and_dtype(name, dtype):
    W = build("initializer", name)((7, 5), np.random.default_rng(0), dtype)
    assert W.shape == (7, 5) and W.dtype == np.dtype(dtype) and np.all(np.isfinite(W))


@pytest.mark.parametrize("name", registered_params("initializer"))
def test_every_initializer_is_reproducible_and_leaves_global_state_alone(name):
    initializer = build("initializer", name)
    np.random.seed(123)
    global_state = np.random.get_state()[1].copy()
    first = initializer((6, 4), np.random.default_rng(42))
    second = initializer((6, 4), np.random.default_rng(42))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(np.random.get_state()[1], global_state)


def test_different_generators_give_different_weights():
    first = gn.he()((6, 4), np.random.default_rng(1))
    second = gn.he()((6, 4), np.random.default_rng(2))
    assert not np.array_equal(first, second)


def test_lookup_by_name_instance_and_config():
    assert type(get_initializer("zeros")) is Zeros
    assert type(get_initializer("normal")) is Normal
    assert type(get_initializer("he")) is HeNormal
    assert type(get_initializer("xavier")) is XavierNormal
    instance = Normal(0.5)
    assert get_initializer(instance) is instance
    assert get_initializer({"class_name": "Normal", "config": {"scale": 0.5}}) == Normal(0.5)


@pytest.mark.parametrize("spec", ["glorot", "He", 3, None])
def test_unknown_initializer_is_a_config_error(spec):
    with pytest.raises(ConfigError, match=repr(spec)):
        get_initializer(spec)


@pytest.mark.parametrize("scale", [0.0, -0.1, float("nan"), "0.1"])
def test_normal_scale_must_be_positive(scale):
    with pytest.raises(ConfigError, match=r"Normal\(scale=...\)"):
        gn.normal(scale)
