"""Batch normalisation: batch statistics, running statistics, inference, full backward, state, CLI."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.nn.builders import build_network
from glassnet.cli.main import main
from glassnet.nn.gradcheck import relative_difference

ACTIVATIONS = [gn.ReLU, gn.LeakyReLU, gn.Tanh, gn.Sigmoid]


def built_batchnorm(units: int, dtype: str = "float64", **options) -> gn.BatchNorm:
    layer = gn.BatchNorm(**options)
    layer.build(units, np.random.default_rng(0), dtype)
    return layer


def scaled_data(rows: int, seed: int = 0) -> np.ndarray:
    """Columns with very different means and spreads: mean (3, −2, 0.5), std (2, 0.5, 10)."""
    rng = np.random.default_rng(seed)
    return rng.normal(loc=[3.0, -2.0, 0.5], scale=[2.0, 0.5, 10.0], size=(rows, 3))


@pytest.mark.parametrize(
    "options, text",
    [
        ({"momentum": 1.0}, "momentum=1.0"),
        ({"momentum": -0.1}, "momentum=-0.1"),
        ({"momentum": "0.9"}, "momentum='0.9'"),
        ({"epsilon": 0.0}, "epsilon=0.0"),
        ({"epsilon": -1e-5}, "epsilon=-1e-05"),
        ({"epsilon": float("nan")}, "epsilon=nan"),
    ],
)
def test_rejects_bad_hyperparameters_naming_the_value(options, text):
    with pytest.raises(gn.ConfigError, match=re.escape(f"Received: {text}")):
        gn.BatchNorm(**options)


def test_parameters_and_buffers_start_at_identity_values():
    layer = built_batchnorm(4, dtype="float32")
    assert set(layer.params) == {"gamma", "beta"} and set(layer.buffers) == {"running_mean", "running_var"}
    np.testing.assert_array_equal(layer.params["gamma"], np.ones(4))
    np.testing.assert_array_equal(layer.params["beta"], np.zeros(4))
    np.testing.assert_array_equal(layer.buffers["running_mean"], np.zeros(4))
    np.testing.assert_array_equal(layer.buffers["running_var"], np.ones(4))
    assert all(value.dtype == np.float32 for value in (*layer.params.values(), *layer.buffers.values()))


def test_training_output_has_mean_beta_and_std_gamma_per_feature():
    layer = built_batchnorm(3)
    gamma, beta = np.array([0.5, 2.0, 3.0]), np.array([-1.0, 0.0, 4.0])
    layer.params["gamma"][...] = gamma
    layer.params["beta"][...] = beta
    Z = scaled_data(64)
    out = layer.forward(Z, training=True)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    # std over the batch (biased, as normalised) is γ·σ_B/√(σ²_B + ε): γ to within ε/(2σ²_B) ≤ 3e-5
    variance = Z.var(axis=0)
    np.testing.assert_allclose(out.std(axis=0), gamma * np.sqrt(variance / (variance + 1e-5)), rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-4)


def test_hand_worked_running_statistics_update_uses_the_unbiased_batch_variance():
    layer = built_batchnorm(1, momentum=0.5)
    layer.forward(np.array([[1.0], [3.0], [5.0], [7.0]]), training=True)
    # batch 1: μ = 4, Σ(z − μ)² = 9 + 1 + 1 + 9 = 20, unbiased variance 20/3
    # running_mean = 0.5·0 + 0.5·4 = 2; running_var = 0.5·1 + 0.5·20/3 = 23/6
    np.testing.assert_allclose(layer.buffers["running_mean"], [2.0], rtol=1e-15)
    np.testing.assert_allclose(layer.buffers["running_var"], [23 / 6], rtol=1e-15)
    layer.forward(np.array([[0.0], [2.0]]), training=True)
    # batch 2: μ = 1, unbiased variance (1 + 1)/1 = 2
    # running_mean = 0.5·2 + 0.5·1 = 1.5; running_var = 0.5·23/6 + 0.5·2 = 35/12
    np.testing.assert_allclose(layer.buffers["running_mean"], [1.5], rtol=1e-15)
    np.testing.assert_allclose(layer.buffers["running_var"], [35 / 12], rtol=1e-15)


def test_running_statistics_converge_to_the_data_statistics():
    layer = built_batchnorm(3)
    rng = np.random.default_rng(1)
    mean, std = np.array([3.0, -2.0, 0.5]), np.array([2.0, 0.5, 10.0])
    for _ in range(300):  # 0.9³⁰⁰ ≈ 2e-14: the starting values are forgotten
        layer.forward(rng.normal(mean, std, size=(256, 3)), training=True)
    # the EWA of batch estimates has relative spread ≈ √(2/255)·√(0.1/1.9) ≈ 0.02 for the variance
    np.testing.assert_allclose(layer.buffers["running_var"], std**2, rtol=0.1)
    assert np.all(np.abs(layer.buffers["running_mean"] - mean) < 0.05 * std)


def test_inference_uses_running_statistics_row_by_row():
    layer = built_batchnorm(3)
    for seed in range(20):
        layer.forward(scaled_data(32, seed), training=True)
    layer.params["gamma"][...] = [1.5, 0.5, 2.0]
    layer.params["beta"][...] = [0.1, -0.2, 0.3]
    X = scaled_data(10, seed=99)
    expected = (X - layer.buffers["running_mean"]) / np.sqrt(layer.buffers["running_var"] + 1e-5) * [1.5, 0.5, 2.0] + [0.1, -0.2, 0.3]
    np.testing.assert_allclose(layer.forward(X, training=False), expected, rtol=1e-12)
    # a row's output does not depend on the rest of the batch, and a single row is fine at inference
    other_rows = np.vstack([X[:1], scaled_data(5, seed=7) * 100])
    np.testing.assert_allclose(layer.forward(other_rows, training=False)[0], expected[0], rtol=1e-12)
    np.testing.assert_allclose(layer.forward(X[3:4], training=False)[0], expected[3], rtol=1e-12)


def test_inference_leaves_buffers_unchanged_and_training_changes_them():
    layer = built_batchnorm(3)
    layer.forward(scaled_data(16), training=True)
    before = {name: value.copy() for name, value in layer.buffers.items()}
    for seed in range(5):
        layer.forward(scaled_data(16, seed) * 3 + 7, training=False)
    for name, value in layer.buffers.items():
        np.testing.assert_array_equal(value, before[name])
    layer.forward(scaled_data(16, seed=5) * 3 + 7, training=True)
    assert all(not np.array_equal(layer.buffers[name], before[name]) for name in before)


def test_a_training_batch_of_one_row_is_a_clear_error():
    layer = built_batchnorm(3)
    with pytest.raises(gn.DataError, match="at least 2 rows.*batch of 1 row"):
        layer.forward(np.ones((1, 3)), training=True)
    np.testing.assert_array_equal(layer.buffers["running_mean"], np.zeros(3))  # nothing half-updated
    network = gn.Network([gn.Dense(4, use_bias=False), gn.BatchNorm(), gn.Dense(2)], gn.SoftmaxCrossEntropy(), seed=0)
    with pytest.raises(gn.DataError, match="batch_size"):
        network.fit(scaled_data(8), np.arange(8) % 2, epochs=1, batch_size=1, verbose=0)


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="before forward"):
        built_batchnorm(3).backward(np.ones((4, 3)))


def test_input_gradient_of_the_layer_alone_matches_finite_differences():
    """dZ through μ_B and σ²_B, checked element by element on J = Σ out ⊙ R (R fixed, random)."""
    layer = built_batchnorm(3)
    layer.params["gamma"][...] = [0.7, 1.3, -0.4]
    layer.params["beta"][...] = [0.2, -0.1, 0.5]
    Z = scaled_data(6)
    R = np.random.default_rng(2).normal(size=Z.shape)
    saved = {name: value.copy() for name, value in layer.buffers.items()}

    def cost(Z_: np.ndarray) -> float:
        value = float(np.sum(layer.forward(Z_, training=True) * R))
        for name, buffer in layer.buffers.items():
            buffer[...] = saved[name]
        return value

    cost(Z)
    analytic = layer.backward(R).copy()
    numeric = np.zeros_like(Z)
    epsilon = 1e-6
    for index in np.ndindex(Z.shape):
        plus, minus = Z.copy(), Z.copy()
        plus[index] += epsilon
        minus[index] -= epsilon
        numeric[index] = (cost(plus) - cost(minus)) / (2 * epsilon)
    assert relative_difference(analytic, numeric) < 1e-7
    # the simplified backward that treats μ_B and σ²_B as constants is far off: the check can tell
    inv_std = 1 / np.sqrt(Z.var(axis=0) + 1e-5)
    simplified = R * layer.params["gamma"] * inv_std
    assert relative_difference(simplified, numeric) > 0.1


def test_gradient_check_of_batchnorm_as_the_first_layer():
    rng = np.random.default_rng(3)
    network = gn.Network([gn.BatchNorm(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=1, dtype="float64")
    result = gn.check_gradients(network, scaled_data(10), rng.integers(0, 3, size=10))
    assert result.difference < 1e-7, str(result)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda cls: cls.__name__)
def test_gradient_check_through_batchnorm_stacks_with_every_activation(activation):
    rng = np.random.default_rng(4)
    network = gn.Network(
        [
            gn.Dense(6, use_bias=False), gn.BatchNorm(), activation(),
            gn.Dense(5, use_bias=False), gn.BatchNorm(momentum=0.5), activation(),
            gn.Dense(3),
        ],
        gn.SoftmaxCrossEntropy(),
        l2=0.1,
        seed=2,
        dtype="float64",
    )
    network.build(3)
    for layer in network.layers:  # γ, β away from 1, 0 so that every term of the backward matters
        if isinstance(layer, gn.BatchNorm):
            layer.params["gamma"][...] = rng.uniform(0.5, 2.0, size=layer.params["gamma"].shape)
            layer.params["beta"][...] = rng.uniform(-0.5, 0.5, size=layer.params["beta"].shape)
    result = gn.check_gradients(network, scaled_data(12), rng.integers(0, 3, size=12))
    assert result.difference < 1e-7, str(result)
    assert all(value < 1e-6 for value in result.per_parameter.values()), result.per_parameter


def test_gradient_check_with_batchnorm_on_the_output_and_mean_squared_error():
    rng = np.random.default_rng(5)
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(2, use_bias=False), gn.BatchNorm()], gn.MeanSquaredError(), seed=3, dtype="float64")
    result = gn.check_gradients(network, scaled_data(9), rng.normal(size=(9, 2)))
    assert result.difference < 1e-7, str(result)


def test_a_dense_bias_before_batchnorm_gets_no_gradient():
    """Why Dense(use_bias=False): the batch mean subtracts any bias, so J does not depend on it."""
    rng = np.random.default_rng(6)
    network = gn.Network([gn.Dense(4), gn.BatchNorm(), gn.ReLU(), gn.Dense(2)], gn.SoftmaxCrossEntropy(), seed=0, dtype="float64")
    _, grads = network.loss_and_gradients(scaled_data(16), rng.integers(0, 2, size=16))
    np.testing.assert_allclose(grads["layers.0.b"], 0.0, atol=1e-12)
    assert np.abs(grads["layers.0.W"]).max() > 1e-3
    without_bias = gn.Dense(4, use_bias=False)
    without_bias.build(3, np.random.default_rng(0), "float64")
    assert set(without_bias.params) == {"W"}


def test_running_statistics_are_state_but_not_parameters():
    network = build_network(3, hidden=(8, 4), batchnorm=True, seed=0, l2=0.5)
    X, y = scaled_data(40).astype(np.float32), np.arange(40) % 3
    network.fit(X, y, gn.SGD(0.1), epochs=3, batch_size=10, verbose=0)
    buffers = network.buffers()
    assert set(buffers) == {"layers.1.running_mean", "layers.1.running_var", "layers.4.running_mean", "layers.4.running_var"}
    assert not set(buffers) & set(network.parameters())
    assert set(buffers) <= set(network.state_arrays())
    assert not set(buffers) & set(gn.Adam().init(network.parameters())["v"])
    assert not np.allclose(buffers["layers.1.running_mean"], 0.0)  # training moved them
    # L2 penalises only Dense weights: γ's gradient is the same with and without it
    _, with_l2 = network.loss_and_gradients(X, y)
    network.l2 = 0.0
    _, without_l2 = network.loss_and_gradients(X, y)
    np.testing.assert_array_equal(with_l2["layers.1.gamma"], without_l2["layers.1.gamma"])
    assert not np.array_equal(with_l2["layers.0.W"], without_l2["layers.0.W"])


def test_copy_and_config_round_trip_keep_what_inference_needs():
    network = build_network(3, hidden=(8,), batchnorm=True, seed=1)
    X, y = scaled_data(60).astype(np.float32), np.arange(60) % 3
    network.fit(X, y, gn.Adam(0.01), epochs=4, batch_size=16, verbose=0)
    expected = network.predict_proba(X)
    twin = network.copy()
    np.testing.assert_array_equal(twin.predict_proba(X), expected)
    rebuilt = gn.Network.from_config(json.loads(json.dumps(network.get_config())))
    assert not np.allclose(rebuilt.predict_proba(X), expected)  # fresh weights and statistics differ ...
    rebuilt.load_state_arrays({name: value.copy() for name, value in network.state_arrays().items()})
    np.testing.assert_array_equal(rebuilt.predict_proba(X), expected)  # ... until the state is loaded
    fresh_stats = gn.Network.from_config(network.get_config())
    fresh_stats.load_state_arrays({**network.parameters(), **fresh_stats.buffers()})
    assert not np.allclose(fresh_stats.predict_proba(X), expected)  # the running statistics matter
    layer = gn.BatchNorm(momentum=0.8, epsilon=1e-3)
    assert gn.BatchNorm.from_config(layer.get_config()) == layer


def test_model_file_keeps_the_running_statistics(tmp_path):
    network = build_network(3, hidden=(8,), batchnorm=True, keep_prob=0.8, seed=2)
    X, y = scaled_data(60).astype(np.float32), np.arange(60) % 3
    network.fit(X, y, gn.Adam(0.01), epochs=4, batch_size=16, verbose=0)
    gn.save(network, tmp_path / "model.safetensors")
    loaded = gn.load(tmp_path / "model.safetensors").network
    for name, value in network.buffers().items():
        np.testing.assert_array_equal(loaded.buffers()[name], value)
    np.testing.assert_array_equal(loaded.predict_proba(X), network.predict_proba(X))


def test_float32_stays_float32():
    layer = built_batchnorm(3, dtype="float32")
    X = scaled_data(8).astype(np.float32)
    assert layer.forward(X, training=True).dtype == np.float32
    assert layer.backward(np.ones_like(X)).dtype == np.float32
    assert layer.forward(X, training=False).dtype == np.float32
    assert all(value.dtype == np.float32 for value in layer.buffers.values())


def test_build_network_with_batchnorm_drops_the_redundant_bias():
    network = build_network(10, hidden=(16, 8), batchnorm=True, keep_prob=0.9)
    names = [type(layer).__name__ for layer in network.layers]
    assert names == ["Dense", "BatchNorm", "ReLU", "Dropout", "Dense", "BatchNorm", "ReLU", "Dropout", "Dense"]
    assert [layer.use_bias for layer in network.layers if isinstance(layer, gn.Dense)] == [False, False, True]
    with pytest.raises(gn.ConfigError, match="batchnorm='yes'"):
        build_network(10, batchnorm="yes")


def test_cli_train_with_batchnorm():
    result = CliRunner().invoke(main, ["train", "--batchnorm", "--keep-prob", "0.9", "--epochs", "3", "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dev_accuracy"] > 0.75  # 3 epochs at α = 0.001: about 0.83; chance is 0.1


def test_cli_batch_size_one_with_batchnorm_exits_2_with_one_line():
    result = CliRunner().invoke(main, ["train", "--batchnorm", "--batch-size", "1", "--epochs", "1", "--quiet"])
    assert result.exit_code == 2
    assert "at least 2 rows" in result.output and "Traceback" not in result.output


def test_fit_grows_a_batch_that_would_leave_one_row_and_refuses_what_cannot_grow():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((9, 3)), rng.integers(0, 2, 9)
    network = gn.Network([gn.Dense(4, use_bias=False), gn.BatchNorm(), gn.ReLU(), gn.Dense(2)], gn.SoftmaxCrossEntropy(), seed=0)
    network.build(3)
    before = network.flat_parameters.copy()
    for batch_size, samples in ((1, 9), (4, 1)):  # batches of one row; one row in all: nothing to grow into
        with pytest.raises(gn.DataError, match=rf"BatchNorm needs training batches of at least 2 rows.*{'batch_size=1' if samples == 9 else '1 sample'}"):
            network.fit(X[:samples], y[:samples], gn.SGD(0.1), epochs=1, batch_size=batch_size, verbose=0)
        np.testing.assert_array_equal(network.flat_parameters, before)  # refused before any step
    history = network.fit(X, y, gn.SGD(0.1), epochs=1, batch_size=4, verbose=0)  # 4 + 4 + 1 would end on one row
    assert history.optimizer_state["t"] == 2  # grown to batches of 5: 5 + 4
