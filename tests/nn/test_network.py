"""Network: flat parameter buffer, L2 by hand, building, input validation, copies and state arrays."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ConfigError, DataError


def _mlp(**kwargs):
    options = {"seed": 0, "dtype": "float64", **kwargs}
    return gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), **options)


def test_parameters_are_named_views_into_one_flat_buffer():
    network = _mlp().build(5)
    params = network.parameters()
    assert list(params) == ["layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"]
    assert network.flat_parameters.size == 5 * 4 + 4 + 4 * 3 + 3
    for value in params.values():
        assert np.shares_memory(value, network.flat_parameters)
    params["layers.2.b"][1] = 42.0
    assert network.flat_parameters[5 * 4 + 4 + 4 * 3 + 1] == 42.0  # layout: layer order, then W before b
    network.flat_parameters[0] = -7.0
    assert network.layers[0].params["W"][0, 0] == -7.0


def test_gradients_land_in_the_flat_gradient_buffer():
    network = _mlp().build(5)
    rng = np.random.default_rng(0)
    _, grads = network.loss_and_gradients(rng.standard_normal((6, 5)), rng.integers(0, 3, 6))
    flat = np.concatenate([grad.ravel() for grad in grads.values()])
    np.testing.assert_array_equal(network.flat_gradients, flat)
    assert not np.shares_memory(grads["layers.0.W"], network.flat_gradients)  # the returned dict is a copy


def test_l2_cost_and_gradient_by_hand():
    network = gn.Network([gn.Dense(1, initializer="zeros")], gn.MeanSquaredError(), l2=0.5, dtype="float64").build(2)
    network.parameters()["layers.0.W"][:, 0] = [1.0, 2.0]
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([1.0, 2.0])  # predictions are exactly (1, 2): the data term is 0
    cost, grads = network.loss_and_gradients(X, y)
    # (λ/2m)·‖W‖² = 0.5/(2·2)·(1 + 4) = 0.625
    assert cost == pytest.approx(0.625, rel=1e-15)
    # (λ/m)·W = 0.25·(1, 2); biases are not penalised
    np.testing.assert_allclose(grads["layers.0.W"][:, 0], [0.25, 0.5], rtol=1e-15)
    assert grads["layers.0.b"][0] == 0.0
    # evaluate reports the same regularised cost at inference
    assert network.evaluate(X, y)[0] == pytest.approx(0.625, rel=1e-15)


def test_l2_uses_the_total_sample_weight_as_m():
    network = gn.Network([gn.Dense(1, initializer="zeros")], gn.MeanSquaredError(), l2=0.5, dtype="float64").build(2)
    network.parameters()["layers.0.W"][:, 0] = [1.0, 2.0]
    cost, grads = network.loss_and_gradients(np.eye(2), [1.0, 2.0], sample_weight=[3.0, 1.0])
    # m = Σw = 4: 0.5/8·5 = 0.3125; gradient (0.5/4)·(1, 2)
    assert cost == pytest.approx(0.3125, rel=1e-15)
    np.testing.assert_allclose(grads["layers.0.W"][:, 0], [0.125, 0.25], rtol=1e-15)


def test_forward_builds_lazily_and_checks_the_loss_width():
    network = _mlp()
    assert not network.built
    logits = network.forward(np.zeros((2, 7)))
    assert logits.shape == (2, 3) and network.input_units == 7 and network.output_units == 3
    with pytest.raises(ConfigError, match="1 unit"):
        gn.Network([gn.Dense(2)], gn.BinaryCrossEntropy()).build(3)


def test_first_layer_does_not_compute_its_input_gradient():
    network = _mlp().build(5)
    assert [layer.needs_input_gradient for layer in network.layers] == [False, True, True]


def test_same_seed_same_weights_different_seed_different_weights():
    first, second, other = _mlp(seed=7).build(5), _mlp(seed=7).build(5), _mlp(seed=8).build(5)
    np.testing.assert_array_equal(first.flat_parameters, second.flat_parameters)
    assert not np.array_equal(first.flat_parameters, other.flat_parameters)


def test_float32_is_the_default_and_nothing_is_upcast():
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    X = np.random.default_rng(0).standard_normal((5, 3))  # float64 input
    assert network.forward(X).dtype == np.float32
    network.loss_and_gradients(X, [0, 1, 0, 1, 1])
    assert network.flat_parameters.dtype == np.float32 and network.flat_gradients.dtype == np.float32
    assert all(value.dtype == np.float32 for value in network.gradients().values())


def test_predict_predict_proba_and_score():
    network = _mlp().build(4)
    X = np.random.default_rng(1).standard_normal((10, 4))
    predictions = network.predict(X)
    assert predictions.shape == (10,) and set(predictions) <= {0, 1, 2}
    proba = network.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), predictions)
    assert network.score(X, predictions) == 1.0
    binary = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    assert binary.predict_proba(X).shape == (10, 2)
    regressor = gn.Network([gn.Dense(1)], gn.MeanSquaredError(), seed=0)
    with pytest.raises(ConfigError, match="regressor"):
        regressor.predict_proba(X)


def test_regression_score_is_r2():
    network = gn.Network([gn.Dense(1)], gn.MeanSquaredError(), seed=0, dtype="float64").build(1)
    network.parameters()["layers.0.W"][...] = 2.0
    X = np.array([[0.0], [1.0], [2.0]])
    # predictions 0, 2, 4 against targets 0, 2, 4 → R² = 1; against 1, 2, 3 → 1 − (1 + 0 + 1)/2 = 0
    assert network.score(X, [0.0, 2.0, 4.0]) == 1.0
    assert network.score(X, [1.0, 2.0, 3.0]) == pytest.approx(0.0, abs=1e-15)


def test_training_forward_returns_a_copy_not_the_workspace():
    network = _mlp().build(3)
    X = np.ones((2, 3))
    training_output = network.forward(X, training=True)
    network.forward(X * 5, training=True)
    np.testing.assert_array_equal(training_output, network.forward(X))


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.zeros(5), r"2-D.*\(5,\)"),
        (np.zeros((0, 5)), "no rows"),
        (np.zeros((2, 6)), "6 features.*built for 5"),
        (np.array([[0.0, np.nan, 0, 0, 0]]), "NaN or inf"),
        ([["a", "b", "c", "d", "e"]], "numeric"),
    ],
    ids=["1-D", "empty", "width", "nan", "strings"],
)
def test_bad_inputs_are_data_errors(X, match):
    network = _mlp().build(5)
    with pytest.raises(DataError, match=match):
        network.predict(X)


def test_row_count_mismatch_is_a_data_error():
    with pytest.raises(DataError, match="3 rows but y has 2"):
        _mlp().prepare(np.zeros((3, 2)), [0, 1])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: gn.Network([], gn.MeanSquaredError()), r"layers=\[\]"),
        (lambda: gn.Network([gn.Dense(2), "relu"], gn.MeanSquaredError()), "position 1: 'relu'"),
        (lambda: gn.Network([gn.Dense(2)], "mse"), r"loss='mse'"),
        (lambda: gn.Network([gn.Dense(2)], gn.MeanSquaredError(), l2=-1.0), r"l2=-1\.0"),
        (lambda: gn.Network([gn.Dense(2)], gn.MeanSquaredError(), dtype="float16"), "dtype='float16'"),
        (lambda: gn.Network([gn.Dense(2)], gn.MeanSquaredError(), seed=-3), "seed=-3"),
        (lambda: gn.Network([gn.Dense(2)], gn.MeanSquaredError(), seed=1.5), r"seed=1\.5"),
        (lambda: gn.Network([gn.Dense(2)], gn.MeanSquaredError()).build(0), "Received: 0"),
    ],
)
def test_bad_construction_is_a_config_error(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_layers_of_another_network_are_refused_until_it_is_gone():
    first = gn.Network([gn.Dense(3), gn.ReLU(), gn.Dense(2)], gn.SoftmaxCrossEntropy()).build(4)
    with pytest.raises(ConfigError, match="already belongs to another network"):
        gn.Network(first.layers, gn.SoftmaxCrossEntropy())
    layers = first.layers
    del first  # the layers belong to nobody once their network is gone
    second = gn.Network(layers, gn.SoftmaxCrossEntropy()).build(4)
    assert second.layers[0].params["W"].base is not None  # views into the new network's flat array
    assert np.shares_memory(second.layers[0].params["W"], second.flat_parameters)


def test_the_same_layer_object_twice_is_refused():
    relu = gn.ReLU()
    with pytest.raises(ConfigError, match="same layer object twice"):
        gn.Network([gn.Dense(3), relu, gn.Dense(3), relu, gn.Dense(2)], gn.SoftmaxCrossEntropy())


def test_unbuilt_network_has_no_parameters_yet():
    with pytest.raises(RuntimeError, match="no weights yet"):
        _mlp().parameters()


def test_copy_is_independent_and_can_change_dtype():
    network = gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=0).build(5)
    twin = network.copy()
    np.testing.assert_array_equal(twin.flat_parameters, network.flat_parameters)
    twin.flat_parameters[:] = 0.0
    assert network.flat_parameters.any()
    wide = network.copy(dtype="float64")
    assert wide.dtype == np.float64 and wide.flat_parameters.dtype == np.float64
    np.testing.assert_array_equal(wide.flat_parameters, network.flat_parameters.astype(np.float64))
    assert wide.rng.random() == network.copy().rng.random()  # the generator state is copied too


def test_state_arrays_round_trip_and_mismatches_are_data_errors():
    source, target = _mlp(seed=1).build(5), _mlp(seed=2).build(5)
    target.load_state_arrays({name: value.copy() for name, value in source.state_arrays().items()})
    np.testing.assert_array_equal(target.flat_parameters, source.flat_parameters)
    arrays = source.state_arrays()
    missing = {name: value for name, value in arrays.items() if name != "layers.0.b"}
    with pytest.raises(DataError, match=r"missing \['layers.0.b'\]"):
        target.load_state_arrays(missing)
    wrong = {**arrays, "layers.0.W": np.zeros((4, 5))}
    with pytest.raises(DataError, match=r"'layers.0.W' has shape \(4, 5\).*\(5, 4\)"):
        target.load_state_arrays(wrong)


def test_summary_and_repr():
    network = _mlp().build(5)
    summary = network.summary()
    assert "params=24" in summary and "params=15" in summary and "total trainable parameters: 39" in summary
    assert repr(network).startswith("Network(layers=[Dense(")


def test_logistic_regression_is_a_network_without_hidden_layers():
    network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0, dtype="float64").build(2)
    network.parameters()["layers.0.W"][:, 0] = [1.0, -1.0]
    network.parameters()["layers.0.b"][0] = 0.5
    X = np.array([[2.0, 1.0], [0.0, 3.0]])
    # z = X @ W + b = (2 − 1 + 0.5, 0 − 3 + 0.5) = (1.5, −2.5); P(y = 1) = σ(z)
    np.testing.assert_allclose(network.predict_proba(X)[:, 1], 1 / (1 + np.exp(-np.array([1.5, -2.5]))), rtol=1e-15)
    np.testing.assert_array_equal(network.predict(X), [1, 0])
