"""The shared numerical functions: one softmax (the loss's fused form included) and one L2 norm."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn._math import l2_norm, softmax, squared_norm


def test_softmax_by_hand_and_without_overflow():
    z = np.array([[0.0, np.log(3.0)], [1e4, 1e4 - np.log(4.0)]])
    # e^0 : e^(log 3) = 1 : 3; shifting by the row maximum keeps e^1e4 from overflowing
    np.testing.assert_allclose(softmax(z), [[0.25, 0.75], [0.8, 0.2]], rtol=1e-12)


def test_the_allocation_free_form_gives_the_same_bits_and_the_row_statistics():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 3)).astype(np.float32)
    out, row_max, row_sums, scratch = np.empty_like(z), np.empty((6, 1), np.float32), np.empty((6, 1), np.float32), np.empty_like(z)
    result = softmax(z, out=out, row_max=row_max, row_sums=row_sums, row_scratch=scratch)
    assert result is out
    np.testing.assert_array_equal(result, softmax(z))
    np.testing.assert_array_equal(row_max[:, 0], z.max(axis=1))
    np.testing.assert_allclose(row_sums[:, 0], np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1), rtol=1e-6)


def test_the_loss_probabilities_are_this_softmax():
    rng = np.random.default_rng(1)
    logits, labels = rng.normal(size=(5, 4)).astype(np.float32), rng.integers(0, 4, 5)
    loss = gn.SoftmaxCrossEntropy()
    cost = loss.forward(logits, labels)
    np.testing.assert_array_equal(loss._cache[0], softmax(logits))
    assert cost == pytest.approx(-np.mean(np.log(softmax(logits.astype(np.float64))[np.arange(5), labels])), rel=1e-6)


def test_norms_read_any_shape_as_one_vector():
    a = np.array([[3.0, 0.0], [0.0, 4.0]], dtype=np.float32)
    assert squared_norm(a) == 25.0 and l2_norm(a) == 5.0
    assert l2_norm(np.zeros(3)) == 0.0
