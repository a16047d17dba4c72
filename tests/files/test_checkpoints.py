"""Checkpoints: bit-exact resume, keeping the last two, falling back past damage, Ctrl-C and SIGKILL safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from samples import build, registered_names

import glassnet as gn
from glassnet.train.callbacks import Callback
from glassnet.files.checkpoints import Checkpointer, checkpoint_paths, latest_checkpoint, read_checkpoint, remove_temporary_files, save_checkpoint
from glassnet.data.bundled import load_dataset
from glassnet.data.splits import split_dataset
from glassnet.errors import ConfigError, ModelFileError

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def wine():
    return split_dataset(load_dataset("wine"), seed=0)


def make_run(seed=3):
    network = gn.Network([gn.Dense(16), gn.ReLU(), gn.Dense(8), gn.Tanh(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), l2=1e-3, seed=seed)
    return network, gn.Adam(0.01), gn.InverseTimeDecay(0.01, decay_rate=0.3)


def train(data, epochs, **options):
    network, optimizer, schedule = make_run()
    history = network.fit(data.X_train, data.y_train, optimizer, epochs=epochs, batch_size=16, schedule=schedule,
                          validation_data=(data.X_dev, data.y_dev), verbose=0, **options)
    return network, history


@pytest.fixture(scope="module")
def straight(wine):
    """Eight epochs in one run: the reference for every resume test."""
    return train(wine, 8)


def assert_same_run(a, b):
    (network_a, history_a), (network_b, history_b) = a, b
    assert np.array_equal(network_a.flat_parameters, network_b.flat_parameters)  # bit for bit
    assert network_a.rng.bit_generator.state == network_b.rng.bit_generator.state
    assert history_a.optimizer_state["t"] == history_b.optimizer_state["t"]
    for moment in ("v", "s"):
        for name, value in history_a.optimizer_state[moment].items():
            assert np.array_equal(value, history_b.optimizer_state[moment][name])
    assert history_a["cost"] == history_b["cost"] and history_a["learning_rate"] == history_b["learning_rate"]


def test_n_epochs_then_resume_n_more_equals_2n_straight(tmp_path, wine, straight):
    first = train(wine, 4, checkpoint=Checkpointer(tmp_path))
    assert [p.name for p in checkpoint_paths(tmp_path)] == ["checkpoint-000004.safetensors", "checkpoint-000003.safetensors"]
    resumed = train(wine, 4, checkpoint=Checkpointer(tmp_path, resume=True))  # fresh objects: everything comes from the file
    assert len(resumed[1]) == 8 and [record["epoch"] for record in resumed[1].epochs] == list(range(8))
    assert_same_run(straight, resumed)
    assert not np.array_equal(first[0].flat_parameters, resumed[0].flat_parameters)


def test_resume_is_exact_with_every_layer_type(tmp_path, wine):
    """Every registered layer (dropout masks and batch-norm running statistics included), Adam, exponential decay."""

    def run(epochs, **options):
        layers = [layer for name in registered_names("layer") for layer in (gn.Dense(8), build("layer", name))]
        network = gn.Network(layers + [gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=4)
        network.fit(wine.X_train, wine.y_train, gn.Adam(0.01), epochs=epochs, batch_size=16, schedule=gn.ExponentialDecay(0.01, 0.9), verbose=0, **options)
        return network

    straight = run(6)
    run(3, checkpoint=Checkpointer(tmp_path))
    resumed = run(3, checkpoint=Checkpointer(tmp_path, resume=True))
    for name, value in straight.state_arrays().items():
        assert np.array_equal(resumed.state_arrays()[name], value), name


def test_checkpoint_every_and_resume_without_checkpoint_starts_fresh(tmp_path, wine, straight):
    run = train(wine, 8, checkpoint=Checkpointer(tmp_path, 3, resume=True))  # nothing to resume: a plain run
    assert_same_run(straight, run)
    assert [p.name for p in checkpoint_paths(tmp_path)] == ["checkpoint-000008.safetensors", "checkpoint-000006.safetensors"]


def test_resume_refuses_a_different_network_optimizer_or_schedule(tmp_path, wine):
    train(wine, 1, checkpoint=Checkpointer(tmp_path))
    network, optimizer, schedule = make_run()
    with pytest.raises(ConfigError, match="different network"):
        gn.Network([gn.Dense(5), gn.Dense(3)], gn.SoftmaxCrossEntropy()).fit(wine.X_train, wine.y_train, optimizer, epochs=1, verbose=0, schedule=schedule, checkpoint=Checkpointer(tmp_path, resume=True))
    with pytest.raises(ConfigError, match="optimizer"):
        network.fit(wine.X_train, wine.y_train, gn.Adam(0.02), epochs=1, verbose=0, schedule=schedule, checkpoint=Checkpointer(tmp_path, resume=True))
    with pytest.raises(ConfigError, match="schedule"):
        network.fit(wine.X_train, wine.y_train, optimizer, epochs=1, verbose=0, checkpoint=Checkpointer(tmp_path, resume=True))
    with pytest.raises(TypeError, match="resume"):  # resuming is the Checkpointer's business, not fit's
        network.fit(wine.X_train, wine.y_train, optimizer, epochs=1, verbose=0, resume=True)
    with pytest.raises(ConfigError, match=r"Checkpointer\(every=...\).*Received: every=0"):
        Checkpointer(tmp_path, 0)
    with pytest.raises(ConfigError, match=r"Checkpointer\(resume=...\).*Received: resume='no'"):
        Checkpointer(tmp_path, resume="no")


def test_damaged_newest_falls_back_to_the_older_and_temporaries_are_cleaned(tmp_path, wine):
    train(wine, 3, checkpoint=Checkpointer(tmp_path))
    newest, older = checkpoint_paths(tmp_path)
    data = bytearray(newest.read_bytes())
    data[-5] ^= 0xFF
    newest.write_bytes(bytes(data))
    (tmp_path / ".checkpoint-000004.safetensors.abc123.tmp").write_bytes(b"half a file")
    state = latest_checkpoint(tmp_path)
    assert state.path == older and state.epoch == 2 and len(state.history) == 2
    assert [p.name for p in remove_temporary_files(tmp_path)] == [".checkpoint-000004.safetensors.abc123.tmp"]
    older.write_bytes(older.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="no usable checkpoint.*checksum mismatch.*000002"):
        latest_checkpoint(tmp_path)


class InterruptAt(Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) at the end of epoch ``epoch``, after it was recorded."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_ctrl_c_saves_the_last_completed_epoch_and_resume_is_exact(tmp_path, wine, straight):
    network, history = train(wine, 8, checkpoint=Checkpointer(tmp_path, 100), callbacks=[InterruptAt(5)])
    # epoch index 5 was interrupted in its callbacks, so the saved state is the end of epoch index 4 (5 epochs)
    assert history.interrupted and len(history) == 5
    assert read_checkpoint(checkpoint_paths(tmp_path)[0]).epoch == 5
    assert_same_run(straight, train(wine, 3, checkpoint=Checkpointer(tmp_path, resume=True)))


def test_ctrl_c_in_the_middle_of_an_epoch_puts_back_the_epoch_start(tmp_path, wine, straight):
    network, optimizer, schedule = make_run()
    calls = {"n": 0}
    update = optimizer.update

    def interrupting_update(*args):
        calls["n"] += 1
        if calls["n"] == 40:  # 106 training rows in batches of 16 = 7 steps per epoch: step 40 is inside epoch 6
            raise KeyboardInterrupt
        update(*args)

    optimizer.update = interrupting_update
    history = network.fit(wine.X_train, wine.y_train, optimizer, epochs=8, batch_size=16, schedule=schedule,
                          validation_data=(wine.X_dev, wine.y_dev), verbose=0, checkpoint=Checkpointer(tmp_path, 100))
    completed = len(history)
    assert history.interrupted and completed == (40 - 1) // 7  # 7 batches per epoch: 5 epochs completed
    reference, _ = train(wine, completed)
    assert np.array_equal(network.flat_parameters, reference.flat_parameters)  # half an epoch was undone
    assert_same_run(straight, train(wine, 8 - completed, checkpoint=Checkpointer(tmp_path, resume=True)))


def test_without_checkpoint_dir_ctrl_c_propagates(wine):
    with pytest.raises(KeyboardInterrupt):
        train(wine, 3, callbacks=[InterruptAt(1)])


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import glassnet as gn
    from glassnet.files.checkpoints import latest_checkpoint, save_checkpoint

    folder = sys.argv[1]
    network = gn.Network([gn.Dense(512), gn.ReLU(), gn.Dense(512), gn.ReLU(), gn.Dense(10)], gn.SoftmaxCrossEntropy(), seed=0).build(256)
    optimizer = gn.Adam()
    state = optimizer.init(network.parameters())
    epoch = 0
    previous = latest_checkpoint(folder)  # carry on from the last run, as a resumed training would
    if previous is not None:
        network.load_state_arrays(previous.arrays)
        epoch = previous.epoch
    while True:  # ~400k parameters + 2 moments: about 5 MB per checkpoint
        epoch += 1
        network.flat_parameters += 1.0
        state["t"] = epoch
        save_checkpoint(folder, network, optimizer, state, None, epoch, [{"epoch": epoch - 1, "cost": 1.0 / epoch}])
        print(epoch, flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_while_writing_always_leaves_a_loadable_checkpoint(tmp_path):
    rng = np.random.default_rng(0)
    env = {**os.environ, "PYTHONPATH": SRC}
    initial = gn.Network([gn.Dense(512), gn.ReLU(), gn.Dense(512), gn.ReLU(), gn.Dense(10)], gn.SoftmaxCrossEntropy(), seed=0).build(256).flat_parameters
    last_epoch = 0
    for attempt in range(6):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], env=env, stdout=subprocess.PIPE, text=True)
        try:
            process.stdout.readline()  # its first checkpoint is complete
            time.sleep(float(rng.uniform(0.0, 0.4)))
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            process.stdout.close()
        state = latest_checkpoint(tmp_path)
        assert state is not None and state.epoch >= 1
        # the weights match the epoch recorded with them: the writer added 1.0 to every weight before each write
        assert np.allclose(state.build_network().flat_parameters - initial, state.epoch, atol=1e-3)
        assert state.optimizer_scalars["t"] == state.epoch and state.history[0]["cost"] == 1.0 / state.epoch
        assert state.epoch > last_epoch  # every run wrote at least one checkpoint after the previous kill
        last_epoch = state.epoch
        remove_temporary_files(tmp_path)
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert len(checkpoint_paths(tmp_path)) <= 2 + 1  # the kill may land between the rename and the cleanup


def test_save_checkpoint_keeps_the_newest_two(tmp_path):
    network = gn.Network([gn.Dense(2)], gn.SoftmaxCrossEntropy(), seed=0).build(3)
    optimizer = gn.SGD(0.1)
    for epoch in range(1, 6):
        save_checkpoint(tmp_path, network, optimizer, optimizer.init(network.parameters()), None, epoch, [])
    assert [p.name for p in checkpoint_paths(tmp_path)] == ["checkpoint-000005.safetensors", "checkpoint-000004.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-000004.safetensors", "checkpoint-000005.safetensors"]


def test_a_checkpoint_without_an_optimizer_moment_is_refused_on_resume(tmp_path, wine):
    network, optimizer, schedule = make_run()
    network.build(wine.X_train.shape[1])
    state = optimizer.init(network.parameters())
    del state["s"]  # Adam's second moment missing: the checksum is valid, the content is not
    save_checkpoint(tmp_path, network, optimizer, state, schedule, 1, [])
    fresh, optimizer, schedule = make_run()
    with pytest.raises(ModelFileError, match=r"optimizer moment s\.layers\.0\.W is missing"):
        fresh.fit(wine.X_train, wine.y_train, optimizer, epochs=1, schedule=schedule, verbose=0, checkpoint=Checkpointer(tmp_path, resume=True))


def test_a_fresh_run_in_a_folder_of_a_longer_earlier_run_replaces_its_checkpoints(tmp_path, wine):
    train(wine, 5, checkpoint=Checkpointer(tmp_path))
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=1)
    network.fit(wine.X_train, wine.y_train, gn.Adam(0.01), epochs=2, batch_size=16, verbose=0, checkpoint=Checkpointer(tmp_path))
    assert [p.name for p in checkpoint_paths(tmp_path)] == ["checkpoint-000002.safetensors", "checkpoint-000001.safetensors"]
    newest = latest_checkpoint(tmp_path)
    assert newest.epoch == 2 and newest.network_config == network.get_config()
    assert np.array_equal(newest.arrays["layers.0.W"], network.parameters()["layers.0.W"])


def test_an_interrupted_run_with_early_stopping_resumes_to_the_uninterrupted_result(wine, tmp_path):
    """Early stopping with min_delta 0.005 stops this run after 41 epochs (best: the 37th, index 36); a cut after
    39 epochs, with the patience counter at 2, must resume with that counter and the best epoch's weights."""

    def run(epochs, directory=None, resume=False):
        stopper = gn.EarlyStopping(patience=4, min_delta=0.005)
        checkpoint = None if directory is None else Checkpointer(directory, resume=resume, callbacks=[stopper])
        result = train(wine, epochs, callbacks=[stopper], checkpoint=checkpoint)
        return result, stopper

    (straight_network, straight_history), straight_stopper = run(100)
    assert len(straight_history) == 41 and straight_stopper.best_epoch == 36
    (_, first_history), first_stopper = run(39, tmp_path)
    assert first_stopper.get_state()["waited"] == 2 and read_checkpoint(checkpoint_paths(tmp_path)[0]).callback_states[0]["waited"] == 2
    (network, history), stopper = run(100 - 39, tmp_path, resume=True)
    assert len(history) == 41 and history.stopped_early and stopper.best_epoch == 36
    assert np.array_equal(network.flat_parameters, straight_network.flat_parameters)  # the best epoch's weights, bit for bit
    with pytest.raises(ConfigError, match="keeps the state of 1 callbacks; this run has 0"):
        train(wine, 1, checkpoint=Checkpointer(tmp_path, resume=True))


def test_a_tampered_callback_state_in_a_checkpoint_is_refused(wine, tmp_path):
    stopper = gn.EarlyStopping(patience=4)
    train(wine, 2, callbacks=[stopper], checkpoint=Checkpointer(tmp_path, callbacks=[stopper]))
    state = read_checkpoint(checkpoint_paths(tmp_path)[0])
    assert set(state.callback_states[0]["best_weights"]) == set(state.arrays)
    network, optimizer, schedule = make_run()
    network = state.build_network()
    optimizer_state = state.apply(network, optimizer)
    state.callback_states[0]["waited"] = -1
    save_checkpoint(tmp_path, network, optimizer, optimizer_state, schedule, 3, state.history, callback_states=state.callback_states)
    resumed = gn.EarlyStopping()
    with pytest.raises(ModelFileError, match="checkpoint-000003.safetensors: EarlyStopping state must hold"):
        train(wine, 1, callbacks=[resumed], checkpoint=Checkpointer(tmp_path, resume=True, callbacks=[resumed]))
    with pytest.raises(ConfigError, match="keeps no state"):
        Callback().set_state({"waited": 1})
