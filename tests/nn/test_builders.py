"""The builders the CLI, search and estimators share: networks, optimizers and schedules from a few names."""

import re

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn.builders import build_network, build_optimizer, build_schedule, loss_for_task, output_units, parse_layers


# ------------------------------------------------------------------------------ networks
@pytest.mark.parametrize(
    ("task", "n_outputs", "loss", "width"),
    [("multiclass", 3, gn.SoftmaxCrossEntropy, 3), ("binary", 2, gn.BinaryCrossEntropy, 1), ("regression", 2, gn.MeanSquaredError, 2)],
)
def test_each_task_gets_its_loss_and_output_width(task, n_outputs, loss, width):
    network = build_network(n_outputs, hidden=(6, 5), task=task, seed=0).build(4)
    assert isinstance(network.loss, loss) and network.output_units == width == output_units(task, n_outputs)
    shapes = {name: value.shape for name, value in network.parameters().items()}
    assert shapes == {"layers.0.W": (4, 6), "layers.0.b": (6,), "layers.2.W": (6, 5), "layers.2.b": (5,), "layers.4.W": (5, width), "layers.4.b": (width,)}
    assert network.forward(np.zeros((7, 4))).shape == (7, width)


def test_no_hidden_layer_is_logistic_regression():
    network = build_network(2, hidden=(), task="binary")
    assert [type(layer) for layer in network.layers] == [gn.Dense] and isinstance(network.loss, gn.BinaryCrossEntropy)


@pytest.mark.parametrize(
    ("activation", "layer", "initializer"),
    [("relu", gn.ReLU, "HeNormal"), ("leaky-relu", gn.LeakyReLU, "HeNormal"), ("tanh", gn.Tanh, "XavierNormal"), ("sigmoid", gn.Sigmoid, "XavierNormal")],
)
def test_activation_and_its_initializer(activation, layer, initializer):
    network = build_network(3, hidden=(4,), activation=activation)
    assert type(network.layers[1]) is layer
    assert type(network.layers[0].initializer).__name__ == initializer  # He for ReLU-like, Xavier for tanh/sigmoid
    assert type(network.layers[-1].initializer).__name__ == "XavierNormal"  # the linear output layer


def test_same_seed_same_network_and_options_reach_the_network():
    first, second = build_network(3, seed=5, l2=0.01).build(4), build_network(3, seed=5).build(4)
    np.testing.assert_array_equal(first.flat_parameters, second.flat_parameters)
    assert not np.array_equal(first.flat_parameters, build_network(3, seed=6).build(4).flat_parameters)
    assert first.l2 == 0.01 and first.dtype == np.float32 and build_network(3, dtype="float64").dtype == np.float64


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"task": "ranking"}, "Unknown task 'ranking'"),
        ({"activation": "swish"}, "Unknown activation 'swish'"),
        ({"keep_prob": 0.0}, "keep_prob=0.0"),
        ({"batchnorm": "yes"}, "batchnorm='yes'"),
        ({"l2": -1.0}, "l2=-1.0"),
    ],
)
def test_bad_network_options_name_the_value(options, message):
    with pytest.raises(gn.ConfigError, match=message):
        build_network(3, **options)


def test_loss_for_task_refuses_an_unknown_task():
    assert isinstance(loss_for_task("regression"), gn.MeanSquaredError)
    with pytest.raises(gn.ConfigError, match="expected one of 'binary', 'multiclass', 'regression'"):
        loss_for_task("clustering")


# ------------------------------------------------------------------------------ optimizers
@pytest.mark.parametrize(("name", "kind"), [("sgd", gn.SGD), ("momentum", gn.Momentum), ("rmsprop", gn.RMSprop), ("adam", gn.Adam)])
def test_every_optimizer_by_name_with_its_learning_rate(name, kind):
    optimizer = build_optimizer(name, 0.02)
    assert type(optimizer) is kind and optimizer.learning_rate == 0.02
    assert optimizer == kind(0.02)  # None leaves every other argument at the optimizer's default


def test_build_optimizer_sets_the_beta_each_optimizer_has():
    assert build_optimizer("adam", 0.01, beta=0.95).beta1 == 0.95
    assert build_optimizer("momentum", 0.01, beta=0.8).beta == 0.8
    assert build_optimizer("rmsprop", 0.01, beta=0.9).beta == 0.9
    assert build_optimizer("adam", 0.01).beta1 == 0.9  # the default when no β is given
    with pytest.raises(gn.ConfigError, match="'sgd' optimizer has no β"):
        build_optimizer("sgd", 0.01, beta=0.9)



@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: build_optimizer("adagrad", 0.01), "Unknown optimizer 'adagrad'"),
        (lambda: build_optimizer("sgd", 0.01, beta1=0.9), "'sgd' optimizer has no beta1"),
        (lambda: build_optimizer("momentum", 0.01, beta2=0.9), "'momentum' optimizer has no beta2"),
        (lambda: build_optimizer("adam", 0.01, 0.9, beta1=0.8), "beta and beta1 both set"),
        (lambda: build_optimizer("adam", -0.01), "learning_rate=-0.01"),
    ],
)
def test_bad_optimizer_options_name_the_value(call, message):
    with pytest.raises(gn.ConfigError, match=message):
        call()


# ------------------------------------------------------------------------------ schedules
@pytest.mark.parametrize(
    ("decay", "rate", "kind", "at_epoch_10"),
    [
        ("inverse-time", 0.5, gn.InverseTimeDecay, 0.1 / (1 + 0.5 * 10)),
        ("exponential", 0.9, gn.ExponentialDecay, 0.1 * 0.9**10),
        ("step", 0.25, gn.StepDecay, 0.1 * 0.25),  # one drop every 10 epochs
    ],
)
def test_every_decay_by_name_uses_the_given_rate(decay, rate, kind, at_epoch_10):
    schedule = build_schedule(decay, 0.1, rate)
    assert type(schedule) is kind
    assert schedule(0) == pytest.approx(0.1) and schedule(10) == pytest.approx(at_epoch_10)


def test_no_decay_is_no_schedule_and_an_unknown_decay_is_named():
    assert build_schedule("none", 0.1) is None
    with pytest.raises(gn.ConfigError, match="Unknown decay 'cosine'"):
        build_schedule("cosine", 0.1)
    with pytest.raises(gn.ConfigError, match="decay_rate=-1"):
        build_schedule("exponential", 0.1, -1.0)


# ------------------------------------------------------------------------------ layer widths
@pytest.mark.parametrize(("text", "widths"), [("64,32", (64, 32)), ("8", (8,)), ("", ()), ("none", ()), (" None ", ())])
def test_parse_layers(text, widths):
    assert parse_layers(text) == widths


@pytest.mark.parametrize("text", ["64,x", "64,,32", "0", "16,-4", "1.5"])
def test_bad_layer_widths_name_the_text(text):
    with pytest.raises(gn.ConfigError, match=re.escape(f"parse_layers(text=...) expects") + f".*Received: text={re.escape(repr(text))}"):
        parse_layers(text)
