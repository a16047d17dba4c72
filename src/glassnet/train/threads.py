"""BLAS threads chosen by the size of a step's matrix products: small ones single-threaded, large ones threaded.

A threaded matrix product splits its work between threads that meet at the end. On a machine where
other processes are running, one of those threads is often waiting for a core, and the product takes
as long as its slowest thread: a scheduler time slice (milliseconds) instead of the microseconds the
product needs. A mini-batch step of a small network makes thousands of such products a second, so the
default thread count made one user's training ten times slower on a busy machine (34 s against 3.3 s
single-threaded). A single-threaded product never waits for a second core, so a busy machine slows it
by no more than the share of the core the other processes take.

The rule: a step whose largest product has fewer than :data:`THREADED_PRODUCT_MACS` multiply-adds runs
single-threaded; larger steps keep the library's thread count, where a product lasts long enough that a
wait for a core costs a small part of it. Measured on the 2-core development machine beside one
CPU-bound process (``benchmarks/compare.py --scenarios load``): the 784-512-256-10 network trained
4.0× slower with two threads than quietly at batch 32 and 3.3× at batch 128 (51 million multiply-adds
per product), but 1.8× at batch 512 (205 million), within the fair share of 2× — hence the threshold
between them. On a quiet machine two threads were 25% and 59% faster at batch 32 and 128: the rule
trades that peak for steadiness. The products of one step of a multilayer
perceptron are within an order of magnitude of each other, so the choice is made once per step size
rather than per product (which would cost a call per product in the hot loop). The thread count is set
for the training run and put back afterwards; inference keeps the default. The count is a function of
the network and the batch size only, never of the machine's load: OpenBLAS's results depend (in the
last bit) on its thread count, and the same run must give the same weights.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from threadpoolctl import threadpool_limits

#: a step whose largest matrix product has fewer multiply-adds than this runs with one BLAS thread
THREADED_PRODUCT_MACS = 2**27  # ≈ 134 million: between batch 128 and 512 of a 784×512 layer


def largest_product(layers: Sequence[Any], batch_size: int) -> int:
    """Multiply-adds of the largest matrix product in a training step of ``batch_size`` rows.

    A dense layer with ``W (n_in, n_out)`` makes three products of ``batch_size·n_in·n_out``
    multiply-adds each (forward ``X @ W``, ``dW = Xᵀ @ dZ``, ``dX = dZ @ Wᵀ``).
    """
    sizes = [weights.size for layer in layers for weights in [layer.params.get("W")] if weights is not None and weights.ndim == 2]
    return batch_size * max(sizes, default=0)


def step_threads(layers: Sequence[Any], batch_size: int) -> int | None:
    """1 for a step of small products, None (the library's own count) for a step of large ones."""
    return 1 if largest_product(layers, batch_size) < THREADED_PRODUCT_MACS else None


@contextmanager
def blas_threads(threads: int | None) -> Iterator[None]:
    """Within the block, BLAS uses ``threads`` threads (None: leave it as it is); restored on exit.

    Finding the loaded BLAS libraries takes a millisecond or two, so this wraps a whole run, not a step
    (and is not cached: a library loaded since the last run must be limited too).
    """
    if threads is None:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield
