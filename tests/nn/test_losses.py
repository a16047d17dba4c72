"""Losses: values against independent exact arithmetic, stability on huge logits, weights, validation.

The exact references use Python's ``decimal`` at 60 significant digits, evaluating the textbook
formulas directly (ℓ = ln Σⱼ e^(zⱼ) − z_y and ℓ = ln(1 + e^z) − y·z) — no log-sum-exp shift, no
softplus rewrite, so they share nothing with the implementation but the definition.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet.errors import ConfigError, DataError


def exact_softmax_cross_entropy(logits: list[float], label: int) -> float:
    with localcontext() as context:
        context.prec = 60
        total = sum(Decimal(z).exp() for z in logits)
        return float(total.ln() - Decimal(logits[label]))


def exact_sigmoid_cross_entropy(z: float, y: int) -> float:
    with localcontext() as context:
        # when the label is confidently right, ℓ ≈ e^(−|z|) is the difference of two numbers near |z|: keep
        # |z|/ln 10 extra digits; past |z| ≈ 745 the true ℓ is below the smallest float64 and rounds to 0 anyway
        context.prec = 60 + int(min(abs(z), 760.0) / math.log(10))
        return float((1 + Decimal(z).exp()).ln() - y * Decimal(z))


def exact_sigmoid(z: float) -> float:
    with localcontext() as context:
        context.prec = 60
        return float(1 / (1 + (-Decimal(z)).exp()))


HUGE_ROWS = [
    ([1e4, -1e4, 0.0], 0),
    ([1e4, -1e4, 0.0], 1),  # ℓ = 2e4: the true class is 2e4 below the largest logit
    ([1e4, -1e4, 0.0], 2),
    ([-1e4, -1e4, -1e4], 1),  # all equal and very negative: ℓ = ln 3
    ([1e4, 1e4 - 1.0, 3.0], 1),  # ℓ = ln(1 + e^(−1) + e^(3−1e4)) + 1
    ([0.5, -0.25, 2.0], 2),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_cross_entropy_on_huge_logits_is_finite_and_exact(dtype):
    logits = np.array([row for row, _ in HUGE_ROWS], dtype=dtype)
    labels = np.array([label for _, label in HUGE_ROWS])
    loss = gn.SoftmaxCrossEntropy()
    cost = loss.forward(logits, labels)
    expected = [exact_softmax_cross_entropy(row, label) for row, label in HUGE_ROWS]
    assert math.isfinite(cost)
    # float32 represents 1e4 − 1 exactly but rounds inside the exponentials: relative 1e-6
    assert cost == pytest.approx(sum(expected) / len(expected), rel=1e-12 if dtype == "float64" else 1e-6)
    grad = loss.backward()
    assert grad.dtype == np.dtype(dtype) and np.all(np.isfinite(grad))
    # ∂J/∂z = (p − onehot(y)) / m, with p from the exact softmax
    for row_index, (row, label) in enumerate(HUGE_ROWS):
        exact_p = [math.exp(-(exact_softmax_cross_entropy(row, j))) for j in range(3)]
        exact_p[label] -= 1.0
        np.testing.assert_allclose(grad[row_index], np.array(exact_p) / len(HUGE_ROWS), atol=1e-7)


def test_softmax_cross_entropy_per_row_values():
    loss = gn.SoftmaxCrossEntropy()
    for row, label in HUGE_ROWS:
        value = loss.forward(np.array([row]), np.array([label]))
        assert value == pytest.approx(exact_softmax_cross_entropy(row, label), rel=1e-13)
    # the hand-checked case: logits (1e4, −1e4, 0), class 1 → ℓ = ln(e^1e4·(1 + tiny)) + 1e4 = 2e4
    assert loss.forward(np.array([[1e4, -1e4, 0.0]]), np.array([1])) == 2e4


logit = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.lists(logit, min_size=2, max_size=5), st.integers(0, 4)), min_size=1, max_size=6))
def test_softmax_cross_entropy_matches_exact_arithmetic_on_random_logits(rows):
    rows = [(row, label % len(row)) for row, label in rows]
    width = max(len(row) for row, _ in rows)
    rows = [(row + [-1e4] * (width - len(row)), label) for row, label in rows]  # pad with a very unlikely class
    loss = gn.SoftmaxCrossEntropy()
    cost = loss.forward(np.array([row for row, _ in rows]), np.array([label for _, label in rows]))
    expected = math.fsum(exact_softmax_cross_entropy(row, label) for row, label in rows) / len(rows)
    # absolute slack 1e-12: when the true class dominates, ℓ ≈ 0 is the small difference of two O(1) numbers
    assert cost == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert np.all(np.isfinite(loss.backward()))


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.tuples(logit, st.integers(0, 1)), min_size=1, max_size=8))
def test_sigmoid_cross_entropy_matches_exact_arithmetic_on_random_logits(values):
    loss = gn.BinaryCrossEntropy()
    logits = np.array([[z] for z, _ in values])
    cost = loss.forward(logits, np.array([[float(label)] for _, label in values]))
    expected = math.fsum(exact_sigmoid_cross_entropy(z, label) for z, label in values) / len(values)
    assert cost == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert np.all(np.isfinite(loss.backward()))


HUGE_LOGITS = [-1e4, -745.0, -40.0, -1.5, 0.0, 0.75, 40.0, 745.0, 1e4]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("label", [0, 1])
def test_sigmoid_cross_entropy_on_huge_logits_is_finite_and_exact(dtype, label):
    logits = np.array(HUGE_LOGITS, dtype=dtype).reshape(-1, 1)
    labels = np.full(len(HUGE_LOGITS), label)
    loss = gn.BinaryCrossEntropy()
    expected = [exact_sigmoid_cross_entropy(z, label) for z in HUGE_LOGITS]
    cost = loss.forward(logits, labels.astype(dtype).reshape(-1, 1))
    assert math.isfinite(cost)
    assert cost == pytest.approx(math.fsum(expected) / len(expected), rel=1e-12 if dtype == "float64" else 1e-6)
    grad = loss.backward()
    assert np.all(np.isfinite(grad))
    exact_grad = [(exact_sigmoid(z) - label) / len(HUGE_LOGITS) for z in HUGE_LOGITS]
    np.testing.assert_allclose(grad[:, 0], exact_grad, atol=1e-7, rtol=1e-6)


def test_sigmoid_cross_entropy_per_sample_values():
    loss = gn.BinaryCrossEntropy()
    for z in HUGE_LOGITS:
        for label in (0, 1):
            value = loss.forward(np.array([[z]]), np.array([[float(label)]]))
            assert value == pytest.approx(exact_sigmoid_cross_entropy(z, label), rel=1e-14, abs=1e-300)
    # z = 1e4, y = 0: ℓ = ln(1 + e^1e4) = 1e4 (+ e^−1e4, far below float precision)
    assert loss.forward(np.array([[1e4]]), np.array([[0.0]])) == 1e4


def test_binary_cross_entropy_by_hand():
    # z = 0 → a = ½ → ℓ = ln 2 for either label; z = ln 3 → a = ¾: y = 1 gives −ln ¾, y = 0 gives −ln ¼
    loss = gn.BinaryCrossEntropy()
    logits = np.array([[0.0], [math.log(3.0)], [math.log(3.0)]])
    y = np.array([[1.0], [1.0], [0.0]])
    expected = (math.log(2) - math.log(0.75) - math.log(0.25)) / 3
    assert loss.forward(logits, y) == pytest.approx(expected, rel=1e-14)
    # ∂J/∂z = (a − y)/m = (½ − 1, ¾ − 1, ¾ − 0) / 3
    np.testing.assert_allclose(loss.backward()[:, 0], np.array([-0.5, -0.25, 0.75]) / 3, rtol=1e-14)


def test_mean_squared_error_by_hand():
    loss = gn.MeanSquaredError()
    outputs = np.array([[1.0, 2.0], [0.0, -1.0]])
    targets = np.array([[0.0, 2.0], [2.0, 1.0]])
    # residuals (1, 0), (−2, −2): per-row mean of squares 0.5 and 4; cost = (0.5 + 4)/2 = 2.25
    assert loss.forward(outputs, targets) == 2.25
    # ∂J/∂ŷ = 2·r/(m·k) = r/2
    np.testing.assert_array_equal(loss.backward(), [[0.5, 0.0], [-1.0, -1.0]])


@pytest.mark.parametrize(
    ("loss", "logits", "y"),
    [
        (gn.SoftmaxCrossEntropy(), [[0.2, -1.0, 3.0], [1.0, 1.0, 0.0], [-2.0, 0.5, 0.5]], [2, 0, 1]),
        (gn.BinaryCrossEntropy(), [[0.3], [-2.0], [4.0]], [[1.0], [0.0], [0.0]]),
        (gn.MeanSquaredError(), [[0.3, 1.0], [-2.0, 0.0], [4.0, 2.0]], [[1.0, 1.0], [0.0, 0.5], [2.0, 2.0]]),
    ],
    ids=["softmax", "binary", "mse"],
)
def test_weight_two_equals_a_duplicated_row(loss, logits, y):
    logits, y = np.array(logits), np.array(y)
    weighted_cost = loss.forward(logits, y, np.array([2.0, 1.0, 1.0]))
    weighted_grad = loss.backward().copy()
    duplicated = [0, 0, 1, 2]
    cost = loss.forward(logits[duplicated], y[duplicated])
    grad = loss.backward()
    assert weighted_cost == pytest.approx(cost, rel=1e-14)
    # the duplicated row's two gradient rows add up to the weighted row's gradient
    np.testing.assert_allclose(weighted_grad, [grad[0] + grad[1], grad[2], grad[3]], rtol=1e-14)


def test_cost_is_the_weighted_mean_of_losses():
    loss = gn.SoftmaxCrossEntropy()
    logits = np.array([[0.0, 0.0], [math.log(3.0), 0.0]])
    # ℓ₀ = ln 2; row 1: p₀ = 3/4 so ℓ₁ = −ln ¾; with w = (1, 3): J = (ln 2 − 3·ln ¾) / 4
    cost = loss.forward(logits, np.array([0, 0]), np.array([1.0, 3.0]))
    assert cost == pytest.approx((math.log(2) - 3 * math.log(0.75)) / 4, rel=1e-14)


def test_two_class_softmax_is_logistic_regression_on_the_logit_difference():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((10, 2)) * 3
    y = rng.integers(0, 2, 10)
    softmax = gn.SoftmaxCrossEntropy()
    binary = gn.BinaryCrossEntropy()
    difference = (logits[:, 1] - logits[:, 0]).reshape(-1, 1)
    assert softmax.forward(logits, y) == pytest.approx(binary.forward(difference, y.astype(float).reshape(-1, 1)), rel=1e-13)
    np.testing.assert_allclose(softmax.predict_proba(logits), binary.predict_proba(difference), rtol=1e-12)
    np.testing.assert_array_equal(softmax.predict(logits), binary.predict(difference))


def test_predictions():
    softmax = gn.SoftmaxCrossEntropy()
    logits = np.array([[1.0, 5.0, 2.0], [1e4, -1e4, 0.0]])
    np.testing.assert_array_equal(softmax.predict(logits), [1, 0])
    proba = softmax.predict_proba(logits)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    assert proba[1, 0] == 1.0 and proba[1, 1] == 0.0
    binary = gn.BinaryCrossEntropy()
    np.testing.assert_array_equal(binary.predict(np.array([[-0.1], [0.1], [0.0]])), [0, 1, 0])
    np.testing.assert_allclose(binary.predict_proba(np.array([[0.0]])), [[0.5, 0.5]])
    mse = gn.MeanSquaredError()
    assert mse.predict(np.array([[1.5], [2.5]])).shape == (2,)
    assert mse.predict(np.array([[1.5, 0.0]])).shape == (1, 2)


def test_backward_before_forward_raises():
    for loss in (gn.BinaryCrossEntropy(), gn.SoftmaxCrossEntropy(), gn.MeanSquaredError()):
        with pytest.raises(RuntimeError, match="before forward"):
            loss.backward()


def test_target_validation_names_the_bad_value():
    with pytest.raises(DataError, match="labels 0 or 1.*2"):
        gn.BinaryCrossEntropy().prepare_targets([0, 1, 2], 1, np.dtype("float32"))
    with pytest.raises(DataError, match="integer labels 0..2.*from 0 to 3"):
        gn.SoftmaxCrossEntropy().prepare_targets([0, 3, 1], 3, np.dtype("float32"))
    with pytest.raises(DataError, match="integer labels"):
        gn.SoftmaxCrossEntropy().prepare_targets([0.5, 1.0], 3, np.dtype("float32"))
    with pytest.raises(DataError, match="integer labels"):
        gn.SoftmaxCrossEntropy().prepare_targets([-1, 1], 3, np.dtype("float32"))
    with pytest.raises(DataError, match="non-finite"):
        gn.SoftmaxCrossEntropy().prepare_targets([0.0, np.nan], 3, np.dtype("float32"))
    with pytest.raises(DataError, match=r"shape \(m,\).*\(2, 2\)"):
        gn.BinaryCrossEntropy().prepare_targets([[0, 1], [1, 0]], 1, np.dtype("float32"))
    with pytest.raises(DataError, match=r"\(m, 2\).*\(3, 1\)"):
        gn.MeanSquaredError().prepare_targets([1.0, 2.0, 3.0], 2, np.dtype("float32"))
    with pytest.raises(DataError, match="non-finite"):
        gn.MeanSquaredError().prepare_targets([1.0, np.inf], 1, np.dtype("float32"))


def test_prepared_targets_have_the_compute_form():
    binary = gn.BinaryCrossEntropy().prepare_targets([[0], [1]], 1, np.dtype("float32"))
    assert binary.shape == (2, 1) and binary.dtype == np.float32
    labels = gn.SoftmaxCrossEntropy().prepare_targets(np.array([2.0, 0.0]), 3, np.dtype("float32"))
    assert labels.dtype == np.int64 and labels.tolist() == [2, 0]


def test_output_width_is_checked():
    with pytest.raises(ConfigError, match="1 unit.*3 units"):
        gn.BinaryCrossEntropy().check_outputs(3)
    with pytest.raises(ConfigError, match="at least 2 units"):
        gn.SoftmaxCrossEntropy().check_outputs(1)
    gn.MeanSquaredError().check_outputs(4)
