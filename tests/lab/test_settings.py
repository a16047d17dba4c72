"""The run settings the page sends: checked value by value, built into a network, written as TOML."""

from __future__ import annotations


import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from glassnet.errors import ConfigError
from glassnet.lab.presets import PRESETS
from glassnet.lab.settings import LabSettings, parse_settings, to_toml
from glassnet.nn.layers import Dense


def test_missing_keys_take_the_defaults_and_json_round_trips():
    settings = parse_settings({})
    assert settings == LabSettings()
    assert parse_settings(settings.to_dict()) == settings


@pytest.mark.parametrize(("key", "value"), [
    ("learning_rate", 0), ("learning_rate", "0.1"), ("hidden", [4] * 7), ("hidden", [300]), ("hidden", "8"),
    ("batch_size", -1), ("batch_size", 1.5), ("keep_prob", 0), ("optimizer", "lbfgs"), ("initializer", "ones"),
    ("batchnorm", "yes"), ("seed", True), ("noise", float("nan")), ("human_error", 2), ("train_fraction", 0.95),
])
def test_each_bad_value_is_named_in_one_line(key, value):
    with pytest.raises(ConfigError, match=key) as caught:
        parse_settings({key: value})
    assert "\n" not in str(caught.value)


def test_every_preset_and_its_comparison_are_valid_settings():
    for preset in PRESETS:
        settings = parse_settings(preset["settings"])
        if "compare" in preset:
            assert parse_settings({**preset["settings"], **preset["compare"]}).training_key() != settings.training_key()


def test_only_the_human_error_is_display_only():
    base = LabSettings()
    assert LabSettings(human_error=0.1).training_key() == base.training_key()
    assert LabSettings(seed=1).training_key() != base.training_key()


def test_the_initializer_reaches_every_dense_layer_and_zero_means_symmetric():
    network = LabSettings(hidden=(4, 3), initializer="zeros").build_network(2, "binary").build(2)
    weights = [layer.params["W"] for layer in network.layers if isinstance(layer, Dense)]
    assert len(weights) == 3 and all(not w.any() for w in weights)
    auto = LabSettings(hidden=(4,), activation="relu").build_network(3, "multiclass")
    assert [layer.get_config()["initializer"]["class_name"] for layer in auto.layers if isinstance(layer, Dense)] == ["HeNormal", "XavierNormal"]


def test_the_optimizer_gets_its_own_betas_and_full_batch_is_zero():
    adam = LabSettings(optimizer="adam", beta1=0.8, beta2=0.99).build_optimizer()
    assert (adam.beta1, adam.beta2) == (0.8, 0.99)
    assert LabSettings(optimizer="rmsprop", beta1=0.5, beta2=0.9).build_optimizer().beta == 0.9
    assert LabSettings(batch_size=0).fit_batch_size is None


def test_the_toml_holds_every_train_flag_and_notes_what_the_cli_cannot_take():
    settings = LabSettings(data="spiral", hidden=(), optimizer="adam", beta1=0.85, beta2=0.99, noise=0.3, initializer="zeros", batch_size=0,
                           train_fraction=0.7, decay="exponential", decay_rate=0.9)
    text = to_toml(settings, epochs=12)
    table = tomllib.loads(text)
    assert table == {"data": "spiral", "split": "0.7,0.15,0.15", "layers": "none", "activation": "tanh", "optimizer": "adam",
                     "learning_rate": 0.01, "batch_size": 100000, "epochs": 12, "l2": 0.0, "decay": "exponential", "keep_prob": 1.0,
                     "batchnorm": False, "seed": 0, "beta": 0.85, "decay_rate": 0.9}
    assert "# lab only (glassnet train has no flag for it): noise = 0.3" in text
    assert "initializer = \"zeros\"" in text and "beta2 = 0.99" in text
    assert tomllib.loads(to_toml(LabSettings(data="upload"), 3, data_name='my "odd".csv'))["data"] == 'my "odd".csv'
