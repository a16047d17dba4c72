"""One source of defaults: every entry point that a user can leave an option out of agrees with glassnet.defaults."""

from __future__ import annotations

import inspect

import pytest

import glassnet as gn
from glassnet import defaults
from glassnet.cli.strategy import search_command
from glassnet.cli.train import train
from glassnet.nn.builders import build_network, build_optimizer, build_schedule
from glassnet.strategy.learning_curve import learning_curve
from glassnet.strategy.search import DEFAULTS as SEARCH_DEFAULTS
from glassnet.strategy.search import search
from glassnet.train.loop import fit


def signature_defaults(function) -> dict:
    return {name: p.default for name, p in inspect.signature(function).parameters.items() if p.default is not inspect.Parameter.empty}


def cli_defaults(command) -> dict:
    return {option.name: option.default for option in command.params}


def test_epochs_and_batch_size_agree_everywhere():
    estimator = gn.GlassClassifier().get_params()
    fixed = {  # a fixed number of epochs: the library's fit, learning curves and every search trial
        "fit": signature_defaults(fit),
        "Network.fit": signature_defaults(gn.Network.fit),
        "learning_curve": signature_defaults(learning_curve),
        "glassnet search": cli_defaults(search_command),
        "search fixed values": SEARCH_DEFAULTS,
    }
    converging = {"estimator": estimator, "glassnet train": cli_defaults(train)}  # until converged, up to a maximum
    for name, values in {**fixed, **converging}.items():
        assert values["batch_size"] == defaults.BATCH_SIZE, name
    for name, values in fixed.items():
        assert values["epochs"] == defaults.EPOCHS, name
    for name, values in converging.items():
        assert values["epochs"] is None, name
    train_options = cli_defaults(train)
    assert estimator["max_iter"] == train_options["max_epochs"] == defaults.MAX_EPOCHS
    assert estimator["tol"] == train_options["tol"] == defaults.TOL
    assert estimator["n_iter_no_change"] == train_options["n_iter_no_change"] == defaults.N_ITER_NO_CHANGE


def test_seeds_layers_activation_optimizer_and_decay_agree():
    train_options, search_options = cli_defaults(train), cli_defaults(search_command)
    estimator = gn.GlassRegressor().get_params()
    layers = ",".join(map(str, defaults.HIDDEN_LAYERS))
    assert train_options["hidden"] == search_options["layers"] == SEARCH_DEFAULTS["layers"] == layers
    assert tuple(estimator["hidden_layer_sizes"]) == signature_defaults(build_network)["hidden"] == defaults.HIDDEN_LAYERS
    assert train_options["activation"] == search_options["activation"] == estimator["activation"] == defaults.ACTIVATION
    assert train_options["optimizer_name"] == search_options["optimizer_name"] == estimator["optimizer"] == defaults.OPTIMIZER
    assert train_options["decay"] == estimator["decay"] == SEARCH_DEFAULTS["decay"] == defaults.DECAY
    assert train_options["seed"] == search_options["seed"] == signature_defaults(search)["seed"] == defaults.SEED
    assert signature_defaults(gn.Network)["seed"] == signature_defaults(build_network)["seed"] == defaults.SEED
    assert search_options["jobs"] == signature_defaults(search)["n_jobs"] == defaults.JOBS
    assert search_options["trials"] == signature_defaults(search)["trials"] == defaults.TRIALS
    assert train_options["split_text"] == ",".join(map(str, defaults.SPLIT))


def test_a_left_out_learning_rate_is_the_optimizers_own_everywhere():
    # the CLI, the estimators and search leave it None; the optimizer then takes its default from the table
    assert cli_defaults(train)["learning_rate"] is None
    assert gn.GlassClassifier().get_params()["learning_rate"] is None and SEARCH_DEFAULTS["learning_rate"] is None
    for name, optimizer in (("sgd", gn.SGD()), ("momentum", gn.Momentum()), ("rmsprop", gn.RMSprop()), ("adam", gn.Adam())):
        assert optimizer.learning_rate == defaults.LEARNING_RATES[name] == build_optimizer(name).learning_rate


@pytest.mark.parametrize("decay", ["inverse-time", "exponential", "step"])
def test_a_left_out_decay_rate_is_each_schedules_own(decay):
    schedule = build_schedule(decay, 0.1)
    rate = defaults.DECAY_RATES[decay]
    # epoch 10: inverse-time 0.1/(1 + 0.1·10) = 0.05; exponential 0.1·0.95¹⁰ ≈ 0.05987; step 0.1·0.5^⌊10/10⌋ = 0.05
    expected = {"inverse-time": 0.1 / (1 + rate * 10), "exponential": 0.1 * rate**10, "step": 0.1 * rate}[decay]
    assert schedule(10) == pytest.approx(expected, rel=1e-12)
    assert cli_defaults(train)["decay_rate"] is None and gn.GlassClassifier().get_params()["decay_rate"] is None
    assert SEARCH_DEFAULTS["decay_rate"] is None
