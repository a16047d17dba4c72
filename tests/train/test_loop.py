"""The training loop: end-to-end accuracy, divergence guard, mini-batch semantics, weights, clipping, resuming."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.data.bundled import load_dataset
from glassnet.data.splits import split_dataset
from glassnet.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def breast_cancer():
    return split_dataset(load_dataset("breast-cancer"), seed=0)


@pytest.fixture(scope="module")
def digits():
    return split_dataset(load_dataset("digits"), seed=0)


def _blobs(rows=40, seed=0):
    """Two well separated Gaussian blobs in 3-D (labels 0/1)."""
    rng = np.random.default_rng(seed)
    y = np.arange(rows) % 2
    X = rng.standard_normal((rows, 3)) + 2.5 * y[:, None]
    return X, y


class Recorder(gn.Callback):
    """Keeps a copy of the flat parameters at the end of every epoch."""

    def __init__(self):
        self.snapshots: dict[int, np.ndarray] = {}

    def on_train_begin(self, network, epochs):
        self.network = network

    def on_epoch_end(self, epoch, logs):
        self.snapshots[epoch] = self.network.flat_parameters.copy()


# ---------------------------------------------------------------------------------------- end to end
def test_logistic_regression_on_breast_cancer(breast_cancer):
    s = breast_cancer
    network = gn.Network([gn.Dense(1, initializer="zeros")], gn.BinaryCrossEntropy(), seed=0)
    history = network.fit(s.X_train, s.y_train, gn.Adam(0.01), epochs=30, batch_size=32, verbose=0)
    assert network.score(s.X_test, s.y_test) >= 0.95
    assert history.cost[-1] < 0.5 * history.cost[0]


@pytest.mark.slow
def test_two_hidden_relu_layers_with_adam_on_digits(digits):
    s = digits
    network = gn.Network(
        [gn.Dense(64), gn.ReLU(), gn.Dense(32), gn.ReLU(), gn.Dense(10, initializer="xavier")],
        gn.SoftmaxCrossEntropy(),
        seed=0,
    )
    history = network.fit(
        s.X_train, s.y_train, gn.Adam(1e-3), epochs=25, batch_size=32, validation_data=(s.X_dev, s.y_dev), verbose=0
    )
    assert network.score(s.X_test, s.y_test) >= 0.95
    assert history.dev_accuracy[-1] >= 0.95 and history.accuracy[-1] > history.accuracy[0]


def test_zeros_init_keeps_hidden_units_identical_while_he_breaks_symmetry():
    X, y = _blobs(60)

    def trained(initializer):
        network = gn.Network(
            [gn.Dense(6, initializer=initializer), gn.Sigmoid(), gn.Dense(1, initializer=initializer)],
            gn.BinaryCrossEntropy(),
            seed=0,
            dtype="float64",
        )
        network.fit(X, y, gn.SGD(0.5), epochs=30, batch_size=10, verbose=0)
        return network.parameters()

    zero = trained("zeros")
    # with every weight 0, all six sigmoid units compute the same thing and receive the same gradient:
    # they move (the weights are no longer 0) but stay identical — columns of W₁, entries of b₁ and rows of W₂
    assert np.abs(zero["layers.0.W"]).max() > 1e-3
    np.testing.assert_allclose(zero["layers.0.W"], zero["layers.0.W"][:, :1].repeat(6, axis=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(zero["layers.0.b"], zero["layers.0.b"][0], rtol=1e-12)
    np.testing.assert_allclose(zero["layers.2.W"], zero["layers.2.W"][0, 0], rtol=1e-12)
    he = trained("he")
    spread = he["layers.0.W"] - he["layers.0.W"][:, :1]
    assert np.abs(spread).max() > 0.1


# ---------------------------------------------------------------------------------------- divergence
class Absurd(gn.Schedule):
    """α = 0.05 for the first epochs, then an absurd 1e8."""

    def __init__(self, sane_epochs: int):
        super().__init__(0.05)
        self.sane_epochs = sane_epochs

    def _rate(self, epoch):
        return 0.05 if epoch < self.sane_epochs else 1e8

    def get_config(self):
        return {"sane_epochs": self.sane_epochs}


@pytest.mark.parametrize("optimizer", [gn.SGD(0.05), gn.Momentum(0.05), gn.RMSprop(0.05), gn.Adam(0.05)], ids=repr)
def test_absurd_learning_rate_raises_and_restores_the_epoch_start_weights(optimizer):
    X, y = _blobs(64)
    network = gn.Network([gn.Dense(8), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    recorder = Recorder()
    with pytest.raises(gn.TrainingDiverged, match=r"epoch 3.*start of epoch 3.*it was 1e\+08") as caught:
        network.fit(X, y, optimizer, epochs=10, batch_size=16, schedule=Absurd(2), callbacks=[recorder], verbose=0)
    assert caught.value.epoch == 2
    assert isinstance(caught.value, gn.GlassnetError)
    assert sorted(recorder.snapshots) == [0, 1]  # epoch 2 never ended
    assert np.all(np.isfinite(network.flat_parameters))
    np.testing.assert_array_equal(network.flat_parameters, recorder.snapshots[1])  # the start of epoch 2


def test_divergence_in_the_first_epoch_restores_the_initial_weights():
    X, y = _blobs(64)
    network = gn.Network([gn.Dense(8), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).build(3)
    initial = network.flat_parameters.copy()
    with pytest.raises(gn.TrainingDiverged):
        network.fit(X, y, gn.SGD(1e30), epochs=3, batch_size=8, verbose=0)
    np.testing.assert_array_equal(network.flat_parameters, initial)


# ---------------------------------------------------------------------------------------- mini-batches
@pytest.mark.parametrize(("batch_size", "steps"), [(1, 10), (None, 1), (4, 3), (10, 1), (64, 1), (3, 4)])
def test_number_of_steps_per_epoch(batch_size, steps):
    X, y = _blobs(10)
    network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    history = network.fit(X, y, gn.Adam(0.01), epochs=2, batch_size=batch_size, verbose=0)
    assert history.optimizer_state["t"] == 2 * steps  # Adam counts its updates


def test_batches_cover_every_row_once_keep_the_short_last_batch_and_reshuffle(monkeypatch):
    rows = 10
    X = np.column_stack([np.arange(rows), np.zeros(rows)]).astype(np.float64)  # column 0 identifies the row
    y = np.arange(rows) % 2
    network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0, dtype="float64")
    seen: list[np.ndarray] = []
    original = network._train_step

    def spy(x_batch, y_batch, sample_weight=None):
        seen.append(x_batch[:, 0].astype(int).copy())
        np.testing.assert_array_equal(y_batch[:, 0], x_batch[:, 0] % 2)  # labels travel with their rows
        return original(x_batch, y_batch, sample_weight)

    monkeypatch.setattr(network, "_train_step", spy)
    network.fit(X, y, gn.SGD(0.01), epochs=3, batch_size=4, verbose=0)
    assert [len(batch) for batch in seen] == [4, 4, 2] * 3
    orders = [np.concatenate(seen[i : i + 3]) for i in (0, 3, 6)]
    for order in orders:
        assert sorted(order) == list(range(rows))  # each epoch is a permutation of all rows
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])


def test_same_seed_same_result_different_seed_different_result():
    X, y = _blobs(30)

    def run(seed):
        network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=seed)
        history = network.fit(X, y, gn.Adam(0.01), epochs=4, batch_size=7, verbose=0)
        return network.flat_parameters.copy(), history.cost

    (weights_a, cost_a), (weights_b, cost_b), (weights_c, _) = run(5), run(5), run(6)
    np.testing.assert_array_equal(weights_a, weights_b)
    assert cost_a == cost_b
    assert not np.array_equal(weights_a, weights_c)


def test_shuffling_depends_on_the_seed_only_not_on_global_state():
    X, y = _blobs(30)
    results = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)
        network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=3)
        network.fit(X, y, gn.SGD(0.1), epochs=2, batch_size=4, verbose=0)
        results.append(network.flat_parameters.copy())
    np.testing.assert_array_equal(results[0], results[1])


# ---------------------------------------------------------------------------------------- sample weights
def test_sample_weight_two_equals_a_duplicated_row():
    X, y = _blobs(12, seed=4)
    weights = np.ones(12)
    weights[[0, 5]] = 2.0
    duplicated = np.r_[np.arange(12), 0, 5]

    def run(X_fit, y_fit, sample_weight):
        network = gn.Network([gn.Dense(3), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), l2=0.1, seed=0, dtype="float64")
        history = network.fit(X_fit, y_fit, gn.Adam(0.05), epochs=5, batch_size=None, sample_weight=sample_weight, verbose=0)
        return network.flat_parameters, history.cost

    weighted, weighted_cost = run(X, y, weights)
    copied, copied_cost = run(X[duplicated], y[duplicated], None)
    np.testing.assert_allclose(weighted, copied, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weighted_cost, copied_cost, rtol=1e-10)


def test_zero_weight_rows_are_ignored():
    X, y = _blobs(12, seed=4)
    weights = np.ones(12)
    weights[:3] = 0.0

    def run(X_fit, y_fit, sample_weight):
        network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0, dtype="float64")
        network.fit(X_fit, y_fit, gn.SGD(0.1), epochs=3, batch_size=None, sample_weight=sample_weight, verbose=0)
        return network.flat_parameters

    np.testing.assert_allclose(run(X, y, weights), run(X[3:], y[3:], None), rtol=1e-12)


@pytest.mark.parametrize(
    ("weights", "match"),
    [(np.ones(5), r"shape \(12,\).*\(5,\)"), (-np.ones(12), "non-negative"), (np.zeros(12), "not all zero")],
)
def test_bad_sample_weights_are_data_errors(weights, match):
    X, y = _blobs(12)
    with pytest.raises(DataError, match=match):
        gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy()).fit(X, y, sample_weight=weights, verbose=0)


# ---------------------------------------------------------------------------------------- clipping
@pytest.mark.parametrize("clip_norm", [0.01, 0.5])
def test_clip_norm_bounds_the_update(clip_norm):
    X, y = _blobs(20)
    X = X * 50.0  # large inputs, large gradient
    network = gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0, dtype="float64").build(3)
    _, grads = network.copy().loss_and_gradients(X, y)
    raw_norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    assert raw_norm > clip_norm
    before = network.flat_parameters.copy()
    network.fit(X, y, gn.SGD(0.1), epochs=1, batch_size=None, clip_norm=clip_norm, verbose=0)
    step = np.linalg.norm(network.flat_parameters - before)
    # the gradient is rescaled to length clip_norm (not zeroed): one SGD step moves exactly α·clip_norm
    assert step == pytest.approx(0.1 * clip_norm, rel=1e-9)
    unclipped = gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0, dtype="float64").build(3)
    unclipped.fit(X, y, gn.SGD(0.1), epochs=1, batch_size=None, verbose=0)
    assert np.linalg.norm(unclipped.flat_parameters - before) == pytest.approx(0.1 * raw_norm, rel=1e-9)


def test_clip_norm_leaves_small_gradients_alone():
    X, y = _blobs(20)
    results = []
    for clip_norm in (None, 1e6):
        network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0, dtype="float64")
        network.fit(X, y, gn.SGD(0.1), epochs=2, batch_size=5, clip_norm=clip_norm, verbose=0)
        results.append(network.flat_parameters)
    np.testing.assert_array_equal(results[0], results[1])


# ---------------------------------------------------------------------------------------- history, schedule, resume
def test_history_records_every_epoch_with_the_scheduled_learning_rate():
    X, y = _blobs(30)
    network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    schedule = gn.StepDecay(0.1, drop=0.5, every=2)
    history = network.fit(X, y, gn.SGD(99.0), epochs=5, batch_size=8, schedule=schedule, validation_data=(X, y), verbose=0)
    assert len(history) == 5 and history["epoch"] == [0, 1, 2, 3, 4]
    assert history.learning_rate == [0.1, 0.1, 0.05, 0.05, 0.025]  # the schedule, not the optimizer's 99
    for record in history.epochs:
        assert set(record) >= {"cost", "accuracy", "dev_cost", "dev_accuracy", "seconds"}
        assert 0.0 <= record["accuracy"] <= 1.0 and record["seconds"] >= 0.0
    assert history.dev_accuracy[-1] == network.score(X, y)
    assert not history.stopped_early and history.best_epoch is None


def test_regression_reports_r2():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    y = X @ np.array([1.5, -2.0]) + 0.5
    network = gn.Network([gn.Dense(1)], gn.MeanSquaredError(), seed=0)
    history = network.fit(X, y, gn.Adam(0.1), epochs=40, batch_size=10, validation_data=(X, y), verbose=0)
    assert "accuracy" not in history.epochs[0]
    assert history["r2"][-1] > 0.99 and history["dev_r2"][-1] > 0.99


def test_resuming_with_the_saved_optimizer_state_is_bit_exact():
    X, y = _blobs(30)
    schedule = gn.InverseTimeDecay(0.05, decay_rate=0.5)

    def network():
        return gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=1)

    straight = network()
    straight.fit(X, y, gn.Adam(), epochs=4, batch_size=8, schedule=schedule, verbose=0)
    resumed = network()
    first = resumed.fit(X, y, gn.Adam(), epochs=2, batch_size=8, schedule=schedule, verbose=0)
    second = resumed.fit(
        X, y, gn.Adam(), epochs=2, batch_size=8, schedule=schedule, optimizer_state=first.optimizer_state, initial_epoch=2, verbose=0
    )
    assert second["epoch"] == [2, 3] and second.learning_rate == [schedule(2), schedule(3)]
    np.testing.assert_array_equal(resumed.flat_parameters, straight.flat_parameters)


def test_zero_epochs_changes_nothing():
    X, y = _blobs(10)
    network = gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0).build(3)
    before = network.flat_parameters.copy()
    assert len(network.fit(X, y, epochs=0, verbose=0)) == 0
    np.testing.assert_array_equal(network.flat_parameters, before)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"epochs": -1}, "epochs=-1"),
        ({"epochs": 2.5}, r"epochs=2\.5"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"batch_size": True}, "batch_size=True"),
        ({"optimizer": "adam"}, "optimizer.*'adam'"),
        ({"schedule": 0.1}, r"schedule.*0\.1"),
        ({"clip_norm": -1.0}, r"clip_norm=-1\.0"),
        ({"clip_norm": True}, r"clip_norm=True"),
        ({"divergence_factor": -5}, r"divergence_factor=-5"),
        ({"divergence_factor": 1.0}, r"divergence_factor=1\.0"),
        ({"initial_epoch": -1}, r"initial_epoch=-1"),
        ({"verbose": 2}, r"verbose=2"),
        ({"validation_data": np.zeros((3, 3))}, "pair"),
    ],
)
def test_bad_fit_arguments_are_config_errors(options, match):
    X, y = _blobs(10)
    with pytest.raises(ConfigError, match=match):
        gn.Network([gn.Dense(1)], gn.BinaryCrossEntropy()).fit(X, y, **{"verbose": 0, **options})


def test_fit_requires_a_network():
    with pytest.raises(ConfigError, match="expects a Network"):
        gn.fit("net", np.zeros((2, 2)), [0, 1])


@pytest.mark.parametrize("make_optimizer", [lambda: gn.Momentum(0.05), lambda: gn.RMSprop(0.05), lambda: gn.Adam(0.05)])
def test_divergence_also_restores_the_optimizer_state_of_the_epoch_start(make_optimizer):
    X, y = _blobs(64)
    network = gn.Network([gn.Dense(8), gn.ReLU(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=0)
    optimizer = make_optimizer()
    # two sane epochs of 4 batches each: the state a caller would continue from has t = 8
    history = network.fit(X, y, optimizer, epochs=2, batch_size=16, verbose=0)
    state = history.optimizer_state
    assert state["t"] == 8
    before = {moment: {name: array.copy() for name, array in state[moment].items()} for moment in optimizer.moments}
    with pytest.raises(gn.TrainingDiverged, match="weights and optimizer state were restored"):
        network.fit(X, y, optimizer, epochs=3, batch_size=16, schedule=Absurd(0), verbose=0,
                    optimizer_state=state, initial_epoch=2)
    assert state["t"] == 8  # the steps of the failed epoch are undone
    for moment in optimizer.moments:
        for name, array in state[moment].items():
            assert np.all(np.isfinite(array))
            np.testing.assert_array_equal(array, before[moment][name])


def test_an_overflow_inside_training_is_reported_by_the_divergence_guard_not_silenced():
    """The cost guard is set out of reach (divergence_factor=1e30), so only the floating-point check can stop it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y = (X @ np.array([1.0, 2.0, 3.0])).astype(np.float32)
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.MeanSquaredError(), seed=0)
    before = network.build(3).flat_parameters.copy()
    with pytest.raises(gn.TrainingDiverged, match=r"arithmetic failed at batch \d+ \(overflow encountered"):
        network.fit(X, y, gn.SGD(1e20), epochs=3, batch_size=16, verbose=0, divergence_factor=1e30)
    np.testing.assert_array_equal(network.flat_parameters, before)  # restored to the start of epoch 1
