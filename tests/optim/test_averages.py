"""Exponentially weighted averages with bias correction, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ConfigError
from glassnet.optim.averages import update_average as update_average


def test_bias_corrected_average_by_hand():
    average = gn.ExponentialMovingAverage(beta=0.9)
    # θ = 10: v₁ = 0.9·0 + 0.1·10 = 1;           corrected 1 / (1 − 0.9) = 10
    assert average.update(10.0) == pytest.approx(10.0, rel=1e-15)
    # θ = 20: v₂ = 0.9·1 + 0.1·20 = 2.9;         corrected 2.9 / (1 − 0.81) = 2.9/0.19 = 15.263…
    assert average.update(20.0) == pytest.approx(2.9 / 0.19, rel=1e-15)
    # θ = 30: v₃ = 0.9·2.9 + 0.1·30 = 5.61;      corrected 5.61 / (1 − 0.729) = 5.61/0.271 = 20.701…
    assert average.update(30.0) == pytest.approx(5.61 / 0.271, rel=1e-14)
    assert average.average == pytest.approx(5.61, rel=1e-15)  # the raw v_t is kept uncorrected
    assert average.t == 3


def test_without_correction_the_start_is_biased_toward_zero():
    average = gn.ExponentialMovingAverage(beta=0.9, bias_correction=False)
    assert average.update(10.0) == pytest.approx(1.0, rel=1e-15)  # v₁ = 0.1·10
    assert average.update(20.0) == pytest.approx(2.9, rel=1e-15)  # v₂ = 0.9·1 + 0.1·20


def test_corrected_average_of_a_constant_is_that_constant_from_the_first_step():
    corrected = gn.ExponentialMovingAverage(beta=0.98)
    biased = gn.ExponentialMovingAverage(beta=0.98, bias_correction=False)
    for t in range(1, 30):
        assert corrected.update(5.0) == pytest.approx(5.0, rel=1e-12)
        # uncorrected: v_t = 5·(1 − 0.98ᵗ)
        assert biased.update(5.0) == pytest.approx(5.0 * (1 - 0.98**t), rel=1e-12)


def test_long_run_forgets_old_values():
    # after 200 steps of 1.0 following one step of 1000, the weight left on the 1000 is 0.1·0.9^200 ≈ 7e-11
    average = gn.ExponentialMovingAverage(beta=0.9)
    average.update(1000.0)
    for _ in range(200):
        value = average.update(1.0)
    assert value == pytest.approx(1.0, abs=1e-6)


def test_arrays_are_averaged_element_wise():
    average = gn.ExponentialMovingAverage(beta=0.5)
    average.update(np.array([2.0, -4.0]))
    # v₂ = 0.5·(1, −2) + 0.5·(4, 0) = (2.5, −1); corrected ÷ (1 − 0.25) = (3.333…, −1.333…)
    result = average.update(np.array([4.0, 0.0]))
    assert isinstance(result, np.ndarray) and result.shape == (2,)
    np.testing.assert_allclose(result, [2.5 / 0.75, -1.0 / 0.75], rtol=1e-15)


def test_value_before_any_update_is_nan_and_scalars_come_back_as_floats():
    average = gn.ExponentialMovingAverage()
    assert math.isnan(average.value)
    assert type(average.update(np.float32(1.5))) is float


def test_beta_zero_is_the_latest_value():
    average = gn.ExponentialMovingAverage(beta=0.0)
    average.update(3.0)
    assert average.update(-7.0) == -7.0


@pytest.mark.parametrize("beta", [1.0, -0.1, 2, float("nan")])
def test_beta_outside_zero_one_is_a_config_error(beta):
    with pytest.raises(ConfigError, match=r"ExponentialMovingAverage\(beta=...\).*beta="):
        gn.ExponentialMovingAverage(beta=beta)


def test_config():
    assert gn.ExponentialMovingAverage(0.95, bias_correction=False).get_config() == {"beta": 0.95, "bias_correction": False}


def test_update_average_is_the_step_in_place():
    average, scratch = np.array([1.0, -2.0], dtype=np.float32), np.empty(2, dtype=np.float32)
    result = update_average(average, np.array([4.0, 0.0], dtype=np.float32), 0.5, scratch)
    assert result is average  # v ← 0.5·(1, −2) + 0.5·(4, 0) = (2.5, −1), no new array
    np.testing.assert_array_equal(average, [2.5, -1.0])
    raw = gn.ExponentialMovingAverage(beta=0.5, bias_correction=False)
    raw.update(np.array([2.0, -4.0]))
    np.testing.assert_array_equal(raw.update(np.array([4.0, 0.0])), [2.5, -1.0])  # the class takes the same step
