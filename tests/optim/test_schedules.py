"""Learning-rate schedules: each worked by hand at several epochs, invariants over all, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from samples import build, registered_params

import glassnet as gn
from glassnet.errors import ConfigError


def _rates(schedule, epochs):
    return [schedule(epoch) for epoch in epochs]


def test_constant():
    assert _rates(gn.Constant(0.1), [0, 1, 7, 1000]) == [0.1, 0.1, 0.1, 0.1]


def test_inverse_time_decay():
    schedule = gn.InverseTimeDecay(0.1, decay_rate=0.5)
    # α₀/(1 + k·epoch): 0.1/1, 0.1/1.5, 0.1/2, 0.1/3 (epoch 4), 0.1/6 (epoch 10)
    assert _rates(schedule, [0, 1, 2, 4, 10]) == pytest.approx([0.1, 0.1 / 1.5, 0.05, 0.1 / 3, 0.1 / 6], rel=1e-15)


def test_inverse_time_decay_every_n_epochs_and_staircase():
    smooth = gn.InverseTimeDecay(0.1, decay_rate=0.5, decay_every=2)
    # e = epoch/2: epoch 1 → 0.1/(1 + 0.25) = 0.08; epoch 3 → 0.1/1.75; epoch 4 → 0.1/2
    assert _rates(smooth, [1, 3, 4]) == pytest.approx([0.08, 0.1 / 1.75, 0.05], rel=1e-15)
    stair = gn.InverseTimeDecay(0.1, decay_rate=0.5, decay_every=2, staircase=True)
    # e = ⌊epoch/2⌋: epochs 0,1 → 0.1; 2,3 → 0.1/1.5; 4 → 0.05; 9 → ⌊4.5⌋ = 4 → 0.1/3
    assert _rates(stair, [0, 1, 2, 3, 4, 9]) == pytest.approx([0.1, 0.1, 0.1 / 1.5, 0.1 / 1.5, 0.05, 0.1 / 3], rel=1e-15)


def test_inverse_time_decay_rate_zero_is_constant():
    assert _rates(gn.InverseTimeDecay(0.3, decay_rate=0.0), [0, 5, 50]) == [0.3, 0.3, 0.3]


def test_exponential_decay():
    schedule = gn.ExponentialDecay(0.2, decay_rate=0.5)
    # α₀·rᵉᵖᵒᶜʰ: 0.2, 0.1, 0.05, 0.025 (epoch 3), 0.2/1024 (epoch 10)
    assert _rates(schedule, [0, 1, 2, 3, 10]) == pytest.approx([0.2, 0.1, 0.05, 0.025, 0.2 / 1024], rel=1e-15)
    # the course's example 0.95^epoch·α₀ at epoch 2: 0.9025·α₀
    assert gn.ExponentialDecay(1.0, 0.95)(2) == pytest.approx(0.9025, rel=1e-15)


def test_exponential_decay_every_n_epochs_and_staircase():
    smooth = gn.ExponentialDecay(0.2, decay_rate=0.5, decay_every=2)
    # epoch 1 → 0.2·0.5^0.5 = 0.2/√2; epoch 4 → 0.2·0.25
    assert _rates(smooth, [1, 4]) == pytest.approx([0.2 / math.sqrt(2), 0.05], rel=1e-15)
    stair = gn.ExponentialDecay(0.2, decay_rate=0.5, decay_every=2, staircase=True)
    # ⌊epoch/2⌋: 0, 0, 1, 1, 2 → 0.2, 0.2, 0.1, 0.1, 0.05
    assert _rates(stair, [0, 1, 2, 3, 5]) == pytest.approx([0.2, 0.2, 0.1, 0.1, 0.05], rel=1e-15)


def test_step_decay():
    schedule = gn.StepDecay(0.1, drop=0.5, every=10)
    # α₀·0.5^⌊epoch/10⌋: epochs 0–9 → 0.1, 10–19 → 0.05, 25 → 0.025, 30 → 0.0125
    assert _rates(schedule, [0, 9, 10, 19, 25, 30]) == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125], rel=1e-15)


def test_step_decay_defaults():
    schedule = gn.StepDecay(1.0)  # drop ½ every 10 epochs
    assert (schedule(9), schedule(10), schedule(20)) == (1.0, 0.5, 0.25)


@pytest.mark.parametrize("name", registered_params("schedule"))
def test_every_schedule_starts_at_its_rate_and_never_increases(name):
    schedule = build("schedule", name)
    rates = _rates(schedule, range(60))
    assert rates[0] == schedule.initial_learning_rate
    assert all(math.isfinite(rate) and rate > 0 for rate in rates)
    assert all(later <= earlier for earlier, later in zip(rates, rates[1:]))


@pytest.mark.parametrize("name", registered_params("schedule"))
@pytest.mark.parametrize("epoch", [-1, 1.5, True, "3", None])
def test_every_schedule_rejects_a_bad_epoch(name, epoch):
    with pytest.raises(ConfigError, match=r"epoch ≥ 0.*epoch=" + repr(epoch).replace(".", r"\.")):
        build("schedule", name)(epoch)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: gn.Constant(0.0), r"Constant\(initial_learning_rate=...\).*initial_learning_rate=0\.0"),
        (lambda: gn.InverseTimeDecay(0.1, decay_rate=-0.5), r"decay_rate=-0\.5"),
        (lambda: gn.InverseTimeDecay(0.1, 0.5, decay_every=0), r"decay_every=0"),
        (lambda: gn.InverseTimeDecay(0.1, 0.5, staircase=1), r"staircase=1"),
        (lambda: gn.ExponentialDecay(0.1, decay_rate=0.0), r"decay_rate=0\.0"),
        (lambda: gn.ExponentialDecay(0.1, decay_rate=1.5), r"decay_rate=1\.5"),
        (lambda: gn.StepDecay(0.1, drop=0.0), r"drop=0\.0"),
        (lambda: gn.StepDecay(0.1, every=2.5), r"every=2\.5"),
        (lambda: gn.StepDecay(-1.0), r"initial_learning_rate=-1\.0"),
    ],
)
def test_bad_arguments_name_the_value(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_numpy_integer_epochs_are_accepted():
    # ExponentialDecay(0.1, 0.5) at epoch 3: 0.1 · 0.5³ = 0.0125, whether 3 is a Python or a NumPy int
    schedule = gn.ExponentialDecay(0.1, 0.5)
    assert schedule(np.int64(3)) == schedule(3) == pytest.approx(0.0125)


@pytest.mark.parametrize(
    ("decay", "epoch", "expected"),
    [
        ("inverse-time", 10, 0.01 / (1 + 0.1 * 10)),  # k = 0.1: 0.01/2 = 0.005
        ("exponential", 2, 0.01 * 0.95**2),  # r = 0.95: 0.01 · 0.9025 = 0.009025
        ("step", 25, 0.01 * 0.5**2),  # drop 0.5 every 10 epochs: two drops by epoch 25 → 0.0025
    ],
)
def test_build_schedule_defaults_are_gentle_for_each_kind(decay, epoch, expected):
    from glassnet.nn.builders import build_schedule

    assert build_schedule(decay, 0.01)(epoch) == pytest.approx(expected)
