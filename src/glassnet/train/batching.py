"""The one batch-size policy: no training batch smaller than a layer can take.

A layer declares the fewest rows it can train on in ``Layer.min_training_rows`` (1 for most layers,
2 for BatchNorm, which cannot estimate a variance from one row). Walking ``rows`` rows in batches of
``b`` gives ⌊rows/b⌋ full batches and a last one of ``rows mod b`` rows (none when it is 0). When that
last batch is too small, the batch is grown by as little as needed::

    b ← the smallest b' ≥ b with rows mod b' = 0 or rows mod b' ≥ min_rows

e.g. 65 rows in batches of 32 (last batch 1) become batches of 33 and 32. ``b' = rows`` (one batch)
always qualifies, so growing can only fail when the data itself has fewer than ``min_rows`` rows.
A ``batch_size`` below ``min_rows`` is refused rather than grown: it asks for a different algorithm
(stochastic gradient descent, one row per step) that the network cannot run.
:func:`glassnet.train.loop.fit` applies this policy, so the estimators and learning curves, which
train through it, share it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from glassnet.errors import DataError

if TYPE_CHECKING:
    from glassnet.nn.layers import Layer


def min_training_rows(layers: Iterable["Layer"]) -> tuple[int, str]:
    """The fewest rows every layer accepts in a training batch, and the class name of the layer that sets it."""
    needed, owner = 1, "every layer"
    for layer in layers:
        if layer.min_training_rows > needed:
            needed, owner = layer.min_training_rows, type(layer).__name__
    return needed, owner


def training_batch_size(rows: int, batch_size: int | None, min_rows: int = 1, needed_by: str = "a layer") -> int:
    """The batch size to train ``rows`` rows with: ``batch_size`` (None = all rows), grown by as little as needed
    so that no batch has fewer than ``min_rows`` rows. Raises :class:`DataError` when no batch size can do it.

    ``needed_by`` names the layer that needs ``min_rows`` (for the error message).
    """
    if rows < min_rows:
        raise DataError(
            f"{needed_by} needs training batches of at least {min_rows} rows, but the training data has "
            f"{rows} sample{'' if rows == 1 else 's'}."
        )
    size = rows if batch_size is None else min(int(batch_size), rows)
    if size < min_rows:
        raise DataError(
            f"{needed_by} needs training batches of at least {min_rows} rows. Received: batch_size={batch_size!r}; "
            f"use a batch_size of {min_rows} or more."
        )
    while 0 < rows % size < min_rows:
        size += 1
    return size
