"""Callbacks: early stopping (patience, restoring the best weights) and progress output."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
from glassnet.train.progress import format_logs
from glassnet.errors import ConfigError


def _data(rows=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(rows) % 2
    return rng.standard_normal((rows, 3)) + 2.0 * y[:, None], y


class Snapshots(gn.Callback):
    def on_train_begin(self, network, epochs):
        self.network, self.weights = network, {}

    def on_epoch_end(self, epoch, logs):
        self.weights[epoch] = self.network.flat_parameters.copy()


def test_early_stopping_restores_the_best_weights_and_stops_after_patience():
    X, y = _data()
    # the "dev" set is the training set with every label flipped: the better the fit, the worse the dev cost,
    # so the dev cost is best after the first epoch and then rises
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    stopper, snapshots = gn.EarlyStopping(patience=3), Snapshots()
    history = network.fit(
        X, y, gn.Adam(0.05), epochs=50, batch_size=8, validation_data=(X, 1 - y), callbacks=[stopper, snapshots], verbose=0
    )
    best = int(np.argmin(history.dev_cost))
    assert history.stopped_early and len(history) == best + 3 + 1  # three epochs without improvement
    assert history.best_epoch == stopper.best_epoch == best
    assert not np.array_equal(snapshots.weights[len(history) - 1], snapshots.weights[best])
    np.testing.assert_array_equal(network.flat_parameters, snapshots.weights[best])
    assert network.evaluate(X, 1 - y)[0] == pytest.approx(history.dev_cost[best], rel=1e-6)


class ScriptedCost(gn.Callback):
    """Puts a prescribed ``scripted_cost`` into the logs (runs before EarlyStopping in the callback list)."""

    def __init__(self, values):
        self.values = values

    def on_epoch_end(self, epoch, logs):
        logs["scripted_cost"] = self.values[epoch]


def test_early_stopping_restores_a_best_epoch_in_the_middle():
    X, y = _data()
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    script = ScriptedCost([5.0, 4.0, 3.0, 2.0, 2.5, 2.0, 2.7, 1.0, 0.5])  # best at epoch 3; 2.0 again is no improvement
    stopper, snapshots = gn.EarlyStopping(patience=3, monitor="scripted_cost", mode="min"), Snapshots()
    history = network.fit(X, y, gn.SGD(0.1), epochs=9, batch_size=8, callbacks=[script, stopper, snapshots], verbose=0)
    assert len(history) == 7 and history.stopped_early and history.best_epoch == 3  # epochs 4, 5, 6 did not improve
    np.testing.assert_array_equal(network.flat_parameters, snapshots.weights[3])
    assert not np.array_equal(snapshots.weights[3], snapshots.weights[6])


def test_early_stopping_without_restore_keeps_the_last_weights():
    X, y = _data()
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    snapshots = Snapshots()
    history = network.fit(
        X,
        y,
        gn.Adam(0.05),
        epochs=50,
        batch_size=8,
        validation_data=(X, 1 - y),
        callbacks=[gn.EarlyStopping(patience=2, restore_best=False), snapshots],
        verbose=0,
    )
    assert history.stopped_early
    np.testing.assert_array_equal(network.flat_parameters, snapshots.weights[len(history) - 1])


def test_early_stopping_maximises_accuracy_and_honours_min_delta():
    stopper = gn.EarlyStopping(patience=2, monitor="dev_accuracy", min_delta=0.05)
    stopper.on_train_begin(None, 10)
    for epoch, accuracy in enumerate([0.50, 0.60, 0.62, 0.64]):  # 0.62 and 0.64 improve by < 0.05 over 0.60
        stopper.on_epoch_end(epoch, {"dev_accuracy": accuracy})
    assert stopper.best_epoch == 1 and stopper.stop_training


def test_early_stopping_on_a_missing_metric_is_a_config_error():
    X, y = _data()
    with pytest.raises(ConfigError, match=r"monitor='dev_cost'.*validation_data"):
        gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy()).fit(X, y, callbacks=[gn.EarlyStopping()], verbose=0)


def test_early_stopping_on_training_cost_never_stops_a_steady_descent():
    X, y = _data()
    history = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).fit(
        X, y, gn.SGD(0.01), epochs=6, batch_size=None, callbacks=[gn.EarlyStopping(patience=1, monitor="cost")], verbose=0
    )
    assert len(history) == 6 and not history.stopped_early


@pytest.mark.parametrize(("options", "match"), [
    ({"patience": 0}, "patience=0"),
    ({"min_delta": -1.0}, r"min_delta=-1\.0"),
    ({"monitor": "dev_costt"}, "monitor='dev_costt'"),  # a typo fails at construction, not at the first epoch's end
    ({"monitor": "dev_error", "mode": "auto"}, "monitor='dev_error'"),
    ({"mode": "minimise"}, "mode='minimise'"),
    ({"restore_best": "no"}, "restore_best='no'"),  # not True through bool()
])
def test_early_stopping_validates_its_arguments(options, match):
    with pytest.raises(ConfigError, match=match):
        gn.EarlyStopping(**options)


@pytest.mark.parametrize(("monitor", "mode"), [("dev_cost", "min"), ("cost", "min"), ("dev_accuracy", "max"), ("r2", "max")])
def test_early_stopping_takes_the_direction_from_the_metric_and_a_custom_one_from_mode(monitor, mode):
    assert gn.EarlyStopping(monitor=monitor).mode == mode
    assert gn.EarlyStopping(monitor="dev_error", mode="min").mode == "min"  # an error rate of your own is minimised


def test_verbose_zero_prints_nothing(capsys):
    X, y = _data()
    gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).fit(X, y, epochs=3, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_progress_on_a_non_terminal_stderr_is_one_line_per_epoch(capsys):
    X, y = _data()
    gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).fit(X, y, epochs=4, validation_data=(X, y), verbose=1)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1", "epoch 2", "epoch 3", "epoch 4"]
    assert all("cost" in line and "dev_accuracy" in line for line in lines)


def test_progress_reporter_writes_to_the_given_stream():
    X, y = _data()
    stream = io.StringIO()
    gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).fit(
        X, y, epochs=3, callbacks=[gn.ProgressReporter(stream=stream)], verbose=0
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[2].startswith("epoch 3: cost ")


def test_live_progress_bar_renders_and_stops():
    X, y = _data()
    stream = io.StringIO()
    reporter = gn.ProgressReporter(stream=stream, live=True)
    gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).fit(X, y, epochs=2, callbacks=[reporter], verbose=0)
    assert "2/2" in stream.getvalue() and reporter._live is None


def test_format_logs():
    text = format_logs({"cost": 0.123456, "accuracy": 0.5, "learning_rate": 0.001, "seconds": 3.0, "dev_cost": None})
    assert text == "cost 0.1235  accuracy 0.5000  learning_rate 0.001"


def test_callback_hooks_are_called_in_order():
    calls = []

    class Spy(gn.Callback):
        def on_train_begin(self, network, epochs):
            calls.append(("begin", epochs))

        def on_epoch_end(self, epoch, logs):
            calls.append(("epoch", epoch))

        def on_train_end(self, history):
            calls.append(("end", len(history)))

    X, y = _data()
    gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).fit(X, y, epochs=2, callbacks=[Spy()], verbose=0)
    assert calls == [("begin", 2), ("epoch", 0), ("epoch", 1), ("end", 2)]


def test_best_epoch_is_recorded_without_restoring_too():
    X, y = _data()
    network = gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    stopper = gn.EarlyStopping(patience=50, restore_best=False)
    history = network.fit(X, y, gn.Adam(0.05), epochs=6, batch_size=8, validation_data=(X, y), callbacks=[stopper], verbose=0)
    assert history.best_epoch == stopper.best_epoch
    assert history.best_epoch == int(np.argmin(history.dev_cost))


class _AbsurdFromEpoch3(gn.Schedule):
    """α = 0.05 for epochs 0–2, then 1e8 (divergence in epoch 3)."""

    def __init__(self):
        super().__init__(0.05)

    def _rate(self, epoch):
        return 0.05 if epoch < 3 else 1e8

    def get_config(self):
        return {}


def test_after_a_divergence_early_stopping_leaves_the_epoch_start_weights_as_the_error_says():
    X, y = _data()
    network = gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    snapshots = Snapshots()
    stopper = gn.EarlyStopping(patience=50, restore_best=True)
    with pytest.raises(gn.TrainingDiverged, match="restored to their values at the start of epoch 4"):
        # flipped labels as the dev set: the better the fit, the worse the dev cost, so the best epoch is early
        network.fit(X, y, gn.SGD(0.05), epochs=6, batch_size=8, schedule=_AbsurdFromEpoch3(), validation_data=(X, 1 - y),
                    callbacks=[snapshots, stopper], verbose=0)
    assert stopper.best_epoch is not None and stopper.best_epoch < 2  # a best epoch existed, and was not the last one
    np.testing.assert_array_equal(network.flat_parameters, snapshots.weights[2])  # the end of epoch 3 = start of epoch 4


def feed(callback, costs, monitor="cost"):
    """Run ``callback`` over epochs with these monitored values; return the epochs after which it asked to stop."""
    stops = []
    for epoch, value in enumerate(costs):
        callback.on_epoch_end(epoch, {monitor: value})
        if callback.stop_training:
            stops.append(epoch)
            break
    return stops


def test_convergence_stopping_counts_epochs_that_miss_best_minus_tol_by_hand():
    from glassnet.train.callbacks import ConvergenceStopping

    # best 1.0: 0.99995 is not below 1.0 − 1e-4 (count 1, best 0.99995); 0.99991 is not below 0.99995 − 1e-4
    # (count 2) → the rule fires after epoch 2 with n_iter_no_change = 2
    rule = ConvergenceStopping(tol=1e-4, n_iter_no_change=2)
    assert feed(rule, [1.0, 0.99995, 0.99991]) == [2] and rule.converged and rule.stopped_epoch == 2
    # a real improvement (0.99 < 1.0 − 1e-4) restarts the count: stop only two epochs after it
    rule = ConvergenceStopping(tol=1e-4, n_iter_no_change=2)
    assert feed(rule, [1.0, 0.99995, 0.99, 0.995, 0.98995, 0.5]) == [4]
    assert rule.best_value == pytest.approx(0.98995)  # best follows every lower value, even one inside tol
    assert "converged" in rule.reason(5, 200) and "tol=0.0001" in rule.reason(5, 200)


def test_convergence_stopping_maximises_scores_and_says_when_it_did_not_converge():
    from glassnet.train.callbacks import ConvergenceStopping

    rule = ConvergenceStopping(tol=0.0, n_iter_no_change=3, monitor="dev_accuracy")
    assert feed(rule, [0.5, 0.6, 0.7, 0.8, 0.9], monitor="dev_accuracy") == [] and not rule.converged
    assert rule.reason(5, 5) == "reached the maximum of 5 epochs before converging (tol=0, n_iter_no_change=3)"
    assert feed(rule, [0.9, 0.85, 0.9], monitor="dev_accuracy") == [2]  # three epochs without beating 0.9
    with pytest.raises(ConfigError, match="n_iter_no_change"):
        ConvergenceStopping(n_iter_no_change=0)


def test_convergence_stopping_ends_fit_before_the_epoch_limit():
    from glassnet.train.callbacks import ConvergenceStopping

    X, y = _data()
    network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    rule = ConvergenceStopping(tol=1e-3, n_iter_no_change=3)
    history = gn.fit(network, X, y, gn.Adam(0.05), epochs=500, batch_size=None, callbacks=[rule], verbose=0)
    assert rule.converged and history.stopped_early and len(history) < 500 and len(history) == rule.stopped_epoch + 1
    costs = history.cost
    assert all(costs[i] > min(costs[:i]) - 1e-3 for i in range(len(costs) - 3, len(costs)))  # the last three missed best − tol
    assert not all(costs[i] > min(costs[:i]) - 1e-3 for i in range(len(costs) - 4, len(costs)))  # the one before improved
