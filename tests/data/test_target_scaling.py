"""Target scaling: ỹ = (y − μ)/σ per column on the training rows, ŷ = σ·f(x) + μ back."""

import numpy as np
import pytest

from glassnet.data.target_scaling import fit_target_scaler, scale_target, unscale_target


def test_hand_worked_mean_and_scale_and_the_round_trip():
    y = np.array([1.0, 3.0, 5.0])  # μ = 3, σ = √(8/3) (population standard deviation)
    scaler = fit_target_scaler(y)
    assert scaler.mean_ == pytest.approx([3.0]) and scaler.scale_ == pytest.approx([np.sqrt(8 / 3)])
    scaled = scale_target(scaler, y)
    assert scaled.shape == (3,) and scaled == pytest.approx([-2 / np.sqrt(8 / 3), 0.0, 2 / np.sqrt(8 / 3)])
    np.testing.assert_allclose(unscale_target(scaler, scaled), y, rtol=1e-15)


def test_each_column_of_a_multi_output_target_gets_its_own_statistics():
    y = np.column_stack([np.arange(5.0) * 1e5 + 2e5, -np.arange(5.0)])
    scaler = fit_target_scaler(y)
    scaled = scale_target(scaler, y)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(unscale_target(scaler, scaled), y, rtol=1e-14)


def test_a_weight_of_two_counts_as_two_copies_of_the_row():
    y, weights = np.array([1.0, 2.0, 7.0]), np.array([2.0, 1.0, 1.0])
    weighted, repeated = fit_target_scaler(y, weights), fit_target_scaler(np.array([1.0, 1.0, 2.0, 7.0]))
    np.testing.assert_allclose([weighted.mean_, weighted.scale_], [repeated.mean_, repeated.scale_], rtol=1e-12)


def test_a_constant_target_keeps_scale_one_and_no_scaler_means_identity():
    scaler = fit_target_scaler(np.full(4, 5.0))
    assert scaler.scale_ == pytest.approx([1.0]) and scale_target(scaler, np.full(4, 5.0)) == pytest.approx(np.zeros(4))
    np.testing.assert_array_equal(unscale_target(None, np.array([[1.5], [2.5]])), [[1.5], [2.5]])
