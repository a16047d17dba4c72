"""Optimizers: steps worked by hand (arithmetic in the comments) and invariants over every optimizer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from samples import build, registered_names, registered_params

import glassnet as gn
from glassnet.errors import ConfigError
from glassnet.serialization import deserialize, serialize


def _params(*values):
    return {"w": np.array(values, dtype=np.float64)}


def test_sgd_one_step_by_hand():
    sgd = gn.SGD(learning_rate=0.1)
    params = _params(1.0, -2.0)
    state = sgd.init(params)
    sgd.update(params, _params(0.5, 0.25), state)
    # W − α·dW = (1 − 0.1·0.5, −2 − 0.1·0.25) = (0.95, −2.025)
    np.testing.assert_allclose(params["w"], [0.95, -2.025], rtol=1e-15)
    assert state == {"t": 1}  # plain SGD has no moments


def test_momentum_steps_by_hand():
    momentum = gn.Momentum(learning_rate=0.1, beta=0.9)
    params = _params(1.0, -2.0)
    state = momentum.init(params)
    momentum.update(params, _params(0.5, -1.0), state)
    # v = 0.9·0 + 0.1·(0.5, −1) = (0.05, −0.1); W = (1 − 0.1·0.05, −2 + 0.1·0.1) = (0.995, −1.99)
    np.testing.assert_allclose(state["v"]["w"], [0.05, -0.1], rtol=1e-15)
    np.testing.assert_allclose(params["w"], [0.995, -1.99], rtol=1e-15)
    momentum.update(params, _params(0.5, -1.0), state)
    # v = 0.9·(0.05, −0.1) + 0.1·(0.5, −1) = (0.095, −0.19); W = (0.995 − 0.0095, −1.99 + 0.019) = (0.9855, −1.971)
    np.testing.assert_allclose(state["v"]["w"], [0.095, -0.19], rtol=1e-15)
    np.testing.assert_allclose(params["w"], [0.9855, -1.971], rtol=1e-15)
    assert state["t"] == 2


def test_rmsprop_one_step_by_hand():
    rmsprop = gn.RMSprop(learning_rate=0.01, beta=0.99, epsilon=1e-8)
    params = _params(1.0, -1.0)
    state = rmsprop.init(params)
    rmsprop.update(params, _params(0.2, -3.0), state)
    # s = 0.99·0 + 0.01·(0.04, 9) = (0.0004, 0.09); √s = (0.02, 0.3)
    np.testing.assert_allclose(state["s"]["w"], [0.0004, 0.09], rtol=1e-14)
    # W − α·dW/(√s + ε) = (1 − 0.01·0.2/0.02000001, −1 + 0.01·3/0.30000001) ≈ (0.9, −0.9)
    expected = [1.0 - 0.01 * 0.2 / (0.02 + 1e-8), -1.0 + 0.01 * 3.0 / (0.3 + 1e-8)]
    np.testing.assert_allclose(params["w"], expected, rtol=1e-15)
    assert params["w"][0] == pytest.approx(0.9, abs=1e-7)  # ε changes the step by only 5e-7 of itself


def test_adam_two_steps_by_hand():
    adam = gn.Adam(learning_rate=0.1, beta1=0.9, beta2=0.999, epsilon=1e-8)
    params = _params(1.0, 2.0)
    state = adam.init(params)

    adam.update(params, _params(0.5, 0.0), state)
    # t = 1: v = 0.1·0.5 = 0.05, s = 0.001·0.25 = 0.00025
    #        v̂ = 0.05 / (1 − 0.9¹) = 0.5, ŝ = 0.00025 / (1 − 0.999¹) = 0.25, √ŝ = 0.5
    #        W = 1 − 0.1·0.5/(0.5 + 1e-8) ≈ 0.9   (bias correction makes the first step ≈ α·sign(g))
    np.testing.assert_allclose(state["v"]["w"], [0.05, 0.0], rtol=1e-15)
    np.testing.assert_allclose(state["s"]["w"], [0.00025, 0.0], rtol=1e-14)
    np.testing.assert_allclose(params["w"], [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 2.0], rtol=1e-15)

    adam.update(params, _params(-1.0, 0.0), state)
    # t = 2: v = 0.9·0.05 + 0.1·(−1) = −0.055, s = 0.999·0.00025 + 0.001·1 = 0.00124975
    #        v̂ = −0.055 / (1 − 0.9²) = −0.055/0.19 = −0.28947…
    #        ŝ = 0.00124975 / (1 − 0.999²) = 0.00124975/0.001999 = 0.62519…, √ŝ = 0.79069…
    #        W = 0.9 + 0.1·0.28947/0.79069 = 0.9 + 0.036610 = 0.936610
    np.testing.assert_allclose(state["v"]["w"], [-0.055, 0.0], rtol=1e-14)
    np.testing.assert_allclose(state["s"]["w"], [0.00124975, 0.0], rtol=1e-14)
    first = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)
    second = first - 0.1 * (-0.055 / 0.19) / (math.sqrt(0.00124975 / 0.001999) + 1e-8)
    np.testing.assert_allclose(params["w"], [second, 2.0], rtol=1e-14)
    assert params["w"][0] == pytest.approx(0.936610, abs=1e-6)
    # without the ᵗ in the bias correction (v̂ = v/0.1, ŝ = s/0.001) the second step would be
    # 0.1·0.55/1.1179 = 0.0492 instead of 0.0366 — this test tells the two apart
    assert state["t"] == 2


def test_epsilon_is_added_to_the_root_not_inside_it():
    # a large ε makes the placement visible
    adam = gn.Adam(learning_rate=0.1, epsilon=0.5)
    params = _params(1.0)
    adam.update(params, _params(0.5), adam.init(params))
    # v̂ = 0.5, ŝ = 0.25: α·v̂/(√ŝ + ε) = 0.1·0.5/(0.5 + 0.5) = 0.05   (inside the root: 0.1·0.5/√0.75 = 0.0577)
    assert params["w"][0] == pytest.approx(0.95, rel=1e-14)
    rmsprop = gn.RMSprop(learning_rate=0.01, beta=0.99, epsilon=0.1)
    params = _params(1.0)
    rmsprop.update(params, _params(0.2), rmsprop.init(params))
    # s = 0.01·0.04 = 0.0004, √s = 0.02: 0.01·0.2/(0.02 + 0.1) = 0.002/0.12 = 0.016667
    assert params["w"][0] == pytest.approx(1.0 - 0.002 / 0.12, rel=1e-14)


def test_learning_rate_argument_overrides_the_default():
    sgd = gn.SGD(learning_rate=100.0)
    params = _params(1.0)
    sgd.update(params, _params(2.0), sgd.init(params), learning_rate=0.25)
    assert params["w"][0] == 0.5  # 1 − 0.25·2


@pytest.mark.parametrize("name", registered_params("optimizer"))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_invariants_over_every_optimizer(name, dtype):
    optimizer = build("optimizer", name)
    rng = np.random.default_rng(0)
    params = {"layers.0.W": rng.standard_normal((4, 3)).astype(dtype), "layers.0.b": np.zeros(3, dtype=dtype)}
    shapes = {key: value.shape for key, value in params.items()}
    views = dict(params)  # the optimizer must update in place: the network's views must see the change
    state = optimizer.init(params)
    for moment in optimizer.moments:
        assert set(state[moment]) == set(params)
        for key, value in state[moment].items():
            assert value.shape == shapes[key] and value.dtype == np.dtype(dtype), f"{moment}[{key}]"
            assert not value.any()
    before = {key: value.copy() for key, value in params.items()}
    for step in range(1, 6):
        grads = {key: rng.standard_normal(shape).astype(dtype) * 10.0 ** (step - 3) for key, shape in shapes.items()}
        optimizer.update(params, grads, state)
        assert state["t"] == step
        for key, value in params.items():
            assert value is views[key] and value.shape == shapes[key] and value.dtype == np.dtype(dtype)
            assert np.all(np.isfinite(value))
        for moment in optimizer.moments:
            for value in state[moment].values():
                assert value.dtype == np.dtype(dtype) and np.all(np.isfinite(value))
    assert not np.array_equal(params["layers.0.W"], before["layers.0.W"])
    assert deserialize("optimizer", serialize(optimizer)) == optimizer  # the config round trip


@pytest.mark.parametrize("name", registered_params("optimizer"))
def test_every_optimizer_descends_a_quadratic(name):
    # J(w) = ½‖w − c‖², ∇J = w − c: 200 steps with α = 0.05 must close most of the distance to c
    optimizer = type(build("optimizer", name))(learning_rate=0.05)
    target = np.array([3.0, -2.0, 0.5])
    params = {"w": np.zeros(3)}
    state = optimizer.init(params)
    for _ in range(200):
        optimizer.update(params, {"w": params["w"] - target}, state)
    assert np.linalg.norm(params["w"] - target) < 0.2 * np.linalg.norm(target)


@pytest.mark.parametrize("name", registered_params("optimizer"))
def test_zero_gradient_from_fresh_state_does_not_move(name):
    optimizer = build("optimizer", name)
    params = _params(1.5, -0.5)
    state = optimizer.init(params)
    optimizer.update(params, _params(0.0, 0.0), state)
    np.testing.assert_array_equal(params["w"], [1.5, -0.5])


@pytest.mark.parametrize("name", registered_params("optimizer"))
def test_state_is_plain_data_that_resumes_bit_exactly(name):
    optimizer = build("optimizer", name)
    rng = np.random.default_rng(3)
    grads = [{"w": rng.standard_normal(4)} for _ in range(6)]
    straight = {"w": np.ones(4)}
    state = optimizer.init(straight)
    for grad in grads:
        optimizer.update(straight, grad, state)

    resumed = {"w": np.ones(4)}
    first_state = optimizer.init(resumed)
    for grad in grads[:3]:
        optimizer.update(resumed, grad, first_state)
    # a "checkpoint": copy the state into fresh arrays and rebuild the optimizer from its config
    saved = {key: ({k: v.copy() for k, v in value.items()} if isinstance(value, dict) else value) for key, value in first_state.items()}
    rebuilt = deserialize("optimizer", serialize(optimizer))
    for grad in grads[3:]:
        rebuilt.update(resumed, grad, saved)
    np.testing.assert_array_equal(resumed["w"], straight["w"])
    assert saved["t"] == state["t"] == 6


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: gn.SGD(0.0), r"SGD\(learning_rate=...\).*learning_rate=0\.0"),
        (lambda: gn.Adam(-1e-3), r"learning_rate=-0\.001"),
        (lambda: gn.Adam(float("inf")), r"learning_rate=inf"),
        (lambda: gn.Adam(beta1=1.0), r"beta1=1\.0"),
        (lambda: gn.Adam(beta2=-0.1), r"beta2=-0\.1"),
        (lambda: gn.Adam(epsilon=0.0), r"epsilon=0\.0"),
        (lambda: gn.Momentum(beta=1.5), r"Momentum\(beta=...\).*beta=1\.5"),
        (lambda: gn.RMSprop(beta=1.0), r"beta=1\.0"),
        (lambda: gn.RMSprop(epsilon=-1.0), r"epsilon=-1\.0"),
        (lambda: gn.SGD("0.1"), r"learning_rate='0\.1'"),
        (lambda: gn.SGD(True), r"learning_rate=True"),
        (lambda: gn.ExponentialMovingAverage(bias_correction="no"), r"bias_correction='no'"),
    ],
)
def test_bad_hyperparameters_name_the_value(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_every_cli_optimizer_name_is_registered():
    from glassnet.optim.optimizers import OPTIMIZERS

    assert {cls.__name__ for cls in OPTIMIZERS.values()} <= set(registered_names("optimizer"))
