"""One run's thread: bounded curves, play/pause/step continue the same optimizer state, a diverged run stays put."""

from __future__ import annotations

import time

import numpy as np

from glassnet.lab.data import load_lab_data
from glassnet.lab.run import MAX_POINTS, Curves, Run
from glassnet.lab.settings import LabSettings


def test_curves_keep_at_most_max_points_evenly_spread_over_the_whole_run():
    curves = Curves()
    for epoch in range(1, 10_001):
        curves.add(epoch, {"cost": 1.0 / epoch, "dev_cost": float("nan"), "accuracy": 0.5})
    data = curves.to_dict()
    assert MAX_POINTS // 2 <= len(data["epoch"]) <= MAX_POINTS
    assert data["epoch"] == list(range(curves.stride, 10_001, curves.stride))[: len(data["epoch"])]
    assert data["epoch"][-1] > 9_900 - curves.stride
    assert data["dev_cost"][0] is None and data["dev_accuracy"][0] is None  # NaN and missing become null
    assert data["cost"][0] == round(1.0 / curves.stride, 6)


def test_pause_then_play_continues_like_one_uninterrupted_fit():
    settings = LabSettings(data="moons", hidden=(4,), optimizer="adam", decay="inverse-time")
    run = Run(settings, load_lab_data(settings))
    for _ in range(3):
        run.play(epochs=2)
        run._thread.join(30)
    assert run.epochs_done == 6 and run.state["t"] == 6 * 8  # 240 rows in batches of 32: 8 steps per epoch
    data = load_lab_data(settings)
    reference = settings.build_network(2, "binary")
    reference.fit(data.splits.X_train, data.splits.y_train, settings.build_optimizer(), epochs=6, schedule=settings.build_schedule(), verbose=0)
    assert np.array_equal(run.network.flat_parameters, reference.flat_parameters)


def test_pause_stops_a_long_run_after_its_current_epoch_and_the_view_shows_the_weights_kept():
    settings = LabSettings(data="flower")
    run = Run(settings, load_lab_data(settings))
    run.play()
    time.sleep(0.3)
    run.pause()
    assert not run.training and run.status == "paused" and run.epochs_done > 0
    assert run.view["epochs"] == run.epochs_done and run.view["status"] == "paused"
    shown = run.model_network()
    assert np.array_equal(shown.flat_parameters, run.network.flat_parameters)


def test_a_diverged_run_keeps_its_message_and_does_not_train_again():
    settings = LabSettings(data="flower", optimizer="sgd", learning_rate=50.0, hidden=(16, 16), activation="relu")
    run = Run(settings, load_lab_data(settings))
    run.play()
    run._thread.join(30)
    assert run.status == "diverged" and "Training diverged" in run.message
    run.play()
    assert not run.training and run.epochs_done == 0


def test_the_mini_batch_steps_of_an_epoch_leave_what_one_epoch_of_fit_leaves():
    settings = LabSettings(data="flower", hidden=(5,), keep_prob=0.8, optimizer="momentum", decay="inverse-time")
    stepped, fitted = (Run(settings, load_lab_data(settings)) for _ in range(2))
    for batch in range(8):  # 240 training rows: 7 batches of 32 and one of 16
        assert stepped.epochs_done == 0
        stepped.step_batch()
    assert stepped.epochs_done == 1 and not stepped.stepper.mid_epoch and stepped.status == "paused"
    fitted.step()
    fitted._thread.join(30)
    assert np.array_equal(stepped.network.flat_parameters, fitted.network.flat_parameters)
    assert stepped.state["t"] == fitted.state["t"] == 8
    assert stepped.curves.to_dict() == fitted.curves.to_dict()  # the same epoch metrics as fit reports
    stepped.step_batch()
    stepped.step()  # finishes the epoch begun by the mini-batch step, then fit's epochs would follow
    stepped._thread.join(30)
    fitted.step()
    fitted._thread.join(30)
    assert stepped.epochs_done == fitted.epochs_done == 2
    assert np.array_equal(stepped.network.flat_parameters, fitted.network.flat_parameters)


def test_a_mini_batch_step_that_overflows_is_undone_and_reported():
    settings = LabSettings(data="flower", optimizer="sgd", learning_rate=100.0, hidden=(16, 16), activation="relu")
    run = Run(settings, load_lab_data(settings))
    for _ in range(8):
        before = run.network.flat_parameters.copy()
        run.step_batch()
        if run.status == "diverged":
            break
    assert run.status == "diverged" and "at batch" in run.message and "restored to their values before this step" in run.message
    assert np.array_equal(run.network.flat_parameters, before)


def test_batch_norm_with_one_row_batches_is_refused_by_steps_as_by_fit():
    settings = LabSettings(data="moons", batchnorm=True, batch_size=1)
    stepped, played = (Run(settings, load_lab_data(settings)) for _ in range(2))
    stepped.step_batch()
    played.step()
    played._thread.join(30)
    assert stepped.status == played.status == "failed"
    assert "at least 2 rows" in stepped.message and "at least 2 rows" in played.message
    assert stepped.epochs_done == played.epochs_done == 0
