"""Config round trip of every registered layer, loss, optimizer, schedule and initializer."""

from __future__ import annotations

import json

import numpy as np
import pytest
from samples import KINDS, build, registered_names, sample_args

import glassnet as gn
from glassnet import serialization
from glassnet.errors import ConfigError

ALL_REGISTERED = [pytest.param(kind, name, id=f"{kind}-{name}") for kind in KINDS for name in registered_names(kind)]


def test_every_registered_kind_has_a_sample_table():
    unknown = set(serialization._REGISTRY) - set(KINDS)
    assert not unknown, f"new registry kinds {sorted(unknown)}: add them to tests/samples.py SAMPLE_ARGS"


def test_every_kind_has_registered_classes():
    for kind in KINDS:
        assert registered_names(kind), f"nothing registered under {kind!r}"


@pytest.mark.parametrize(("kind", "name"), ALL_REGISTERED)
def test_config_round_trip_through_json(kind, name):
    original = build(kind, name)
    data = json.loads(json.dumps(serialization.serialize(original)))  # must be plain JSON
    assert data["class_name"] == name
    rebuilt = serialization.deserialize(kind, data)
    assert type(rebuilt) is type(original)
    assert rebuilt.get_config() == original.get_config()
    assert rebuilt == original
    # the non-default sample arguments survive (a get_config that drops one would fall back to a default)
    config = rebuilt.get_config()
    for key, value in sample_args(kind, name).items():
        if isinstance(value, (int, float, bool)) and not isinstance(config[key], dict):
            assert config[key] == value, f"{name}.{key}: {config[key]!r} != {value!r}"
    assert repr(rebuilt) == repr(original) and repr(original).startswith(name + "(")


@pytest.mark.parametrize("name", registered_names("schedule"))
def test_rebuilt_schedule_gives_the_same_rates(name):
    schedule = build("schedule", name)
    rebuilt = serialization.deserialize("schedule", serialization.serialize(schedule))
    assert [rebuilt(epoch) for epoch in range(30)] == [schedule(epoch) for epoch in range(30)]


@pytest.mark.parametrize("name", registered_names("initializer"))
def test_rebuilt_initializer_draws_the_same_weights(name):
    initializer = build("initializer", name)
    rebuilt = serialization.deserialize("initializer", serialization.serialize(initializer))
    first = initializer((5, 4), np.random.default_rng(7), "float64")
    second = rebuilt((5, 4), np.random.default_rng(7), "float64")
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", registered_names("optimizer"))
def test_rebuilt_optimizer_takes_the_same_step(name):
    optimizer = build("optimizer", name)
    rebuilt = serialization.deserialize("optimizer", serialization.serialize(optimizer))
    results = []
    for opt in (optimizer, rebuilt):
        params = {"w": np.array([0.5, -1.5, 2.0])}
        state = opt.init(params)
        for _ in range(3):
            opt.update(params, {"w": np.array([0.3, -0.2, 0.1])}, state)
        results.append(params["w"])
    np.testing.assert_array_equal(results[0], results[1])


def test_network_config_round_trip_keeps_architecture_and_width():
    network = gn.Network(
        [gn.Dense(4, initializer="xavier"), gn.LeakyReLU(0.3), gn.Dense(3, use_bias=False)],
        gn.SoftmaxCrossEntropy(),
        l2=0.25,
        seed=11,
        dtype="float64",
    )
    network.build(5)
    config = json.loads(json.dumps(network.get_config()))
    twin = gn.Network.from_config(config)
    assert twin.get_config() == network.get_config()
    assert twin.input_units == 5 and twin.output_units == 3 and twin.dtype == np.float64
    assert {name: value.shape for name, value in twin.parameters().items()} == {
        "layers.0.W": (5, 4),
        "layers.0.b": (4,),
        "layers.2.W": (4, 3),
    }
    # same seed, same config: the rebuilt network draws the same initial weights
    np.testing.assert_array_equal(twin.flat_parameters, network.flat_parameters)


def test_unknown_class_name_is_a_config_error_listing_known_ones():
    with pytest.raises(ConfigError, match=r"Unknown optimizer 'Nadam'.*Adam"):
        serialization.deserialize("optimizer", {"class_name": "Nadam", "config": {}})


@pytest.mark.parametrize("bad", [None, [], "Adam", {"config": {}}])
def test_malformed_description_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="class_name"):
        serialization.deserialize("optimizer", bad)


def test_non_dict_config_is_a_config_error():
    with pytest.raises(ConfigError, match="must be a dict"):
        serialization.deserialize("optimizer", {"class_name": "Adam", "config": [0.1]})


def test_unexpected_config_key_names_the_class():
    with pytest.raises(ConfigError, match=r"Cannot build Adam.*beta3"):
        serialization.deserialize("optimizer", {"class_name": "Adam", "config": {"beta3": 0.5}})


def test_invalid_value_in_a_config_is_rejected_by_the_constructor():
    with pytest.raises(ConfigError, match=r"beta1=1\.5"):
        serialization.deserialize("optimizer", {"class_name": "Adam", "config": {"beta1": 1.5}})


def test_network_from_config_rejects_missing_keys():
    with pytest.raises(ConfigError, match="'layers' and 'loss'"):
        gn.Network.from_config({"layers": []})
    with pytest.raises(ConfigError, match="must be a list"):
        gn.Network.from_config({"layers": "Dense", "loss": {"class_name": "MeanSquaredError"}})


def test_configurables_compare_by_config_and_are_unhashable():
    assert gn.Adam(0.01) == gn.Adam(0.01)
    assert gn.Adam(0.01) != gn.Adam(0.02)
    assert gn.SGD(0.01) != gn.Momentum(0.01, beta=0.9)
    with pytest.raises(TypeError):
        hash(gn.Adam())


def test_registering_another_class_under_a_taken_name_is_refused():
    before = serialization.registered("layer")["Dense"]
    with pytest.raises(ConfigError, match=r"Cannot register .*Dense.* belongs to glassnet\.nn\.layers\.Dense"):
        @serialization.register("layer")
        class Dense(gn.Layer):  # a user's own class that happens to share glassnet's name
            pass
    assert serialization.registered("layer")["Dense"] is before  # glassnet's Dense is untouched
    assert serialization.register("layer")(before) is before  # the same class again is fine
