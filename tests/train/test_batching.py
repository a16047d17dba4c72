"""The one batch-size policy: grow the batch by as little as needed so no batch is smaller than a layer needs."""

import pytest

import glassnet as gn
from glassnet.train.batching import min_training_rows, training_batch_size


@pytest.mark.parametrize(
    ("rows", "batch_size", "expected"),
    [
        (65, 32, 33),  # 32 + 32 + 1 → 33 + 32
        (64, 32, 32),  # no remainder: unchanged
        (66, 32, 32),  # a last batch of 2 is enough
        (9, 4, 5),  # 4 + 4 + 1 → 5 + 4
        (7, 2, 4),  # 2 + 2 + 2 + 1; 3 + 3 + 1 is still short; 4 + 3
        (33, 64, 33),  # larger than the data: one batch of all rows
        (5, None, 5),  # None: the whole batch
        (2, None, 2),
    ],
)
def test_batch_norm_layouts(rows, batch_size, expected):
    size = training_batch_size(rows, batch_size, min_rows=2, needed_by="BatchNorm")
    assert size == expected
    last = rows % size or size
    assert last >= 2 and all(0 < rows % smaller < 2 for smaller in range(min(batch_size or rows, rows), size))  # smallest growth


def test_without_a_minimum_nothing_changes():
    assert training_batch_size(65, 32) == 32 and training_batch_size(65, 1) == 1 and training_batch_size(10, None) == 10


def test_a_larger_minimum_grows_further():
    assert training_batch_size(34, 16, min_rows=4) == 17  # 16 + 16 + 2 → 17 + 17


@pytest.mark.parametrize(
    ("rows", "batch_size", "message"),
    [
        (1, 32, "BatchNorm needs training batches of at least 2 rows, but the training data has 1 sample."),
        (1, None, "the training data has 1 sample"),
        (10, 1, r"Received: batch_size=1; use a batch_size of 2 or more"),
    ],
)
def test_what_cannot_grow_is_refused_in_one_line(rows, batch_size, message):
    with pytest.raises(gn.DataError, match=message):
        training_batch_size(rows, batch_size, min_rows=2, needed_by="BatchNorm")


def test_the_minimum_comes_from_the_layers():
    assert min_training_rows([gn.Dense(3), gn.ReLU()]) == (1, "every layer")
    assert min_training_rows([gn.Dense(3, use_bias=False), gn.BatchNorm(), gn.ReLU(), gn.Dense(2)]) == (2, "BatchNorm")
