"""BLAS threads per step size: one thread for small products, the library's count for large ones, restored after."""

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import glassnet as gn
from glassnet.train.threads import THREADED_PRODUCT_MACS, largest_product, step_threads


def _blas_threads() -> dict[str, int]:
    return {info["filepath"]: info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


class _RecordThreads(gn.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, int]] = []

    def on_epoch_end(self, epoch, logs):
        self.seen.append(_blas_threads())


def _network(hidden: int) -> gn.Network:
    return gn.Network([gn.Dense(hidden), gn.ReLU(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=0)


def test_the_largest_product_is_batch_times_the_largest_weight_matrix():
    network = _network(512).build(784)
    assert largest_product(network.layers, 32) == 32 * 784 * 512
    assert step_threads(network.layers, 128) == 1  # 51 million multiply-adds: one thread
    assert step_threads(network.layers, 512) is None  # 205 million: the library's own count


def test_the_threshold_is_exclusive():
    network = _network(THREADED_PRODUCT_MACS // (1024 * 64)).build(64)  # batch 1024 × W (64, n) = the threshold
    assert largest_product(network.layers, 1024) == THREADED_PRODUCT_MACS
    assert step_threads(network.layers, 1023) == 1 and step_threads(network.layers, 1024) is None


def test_fit_runs_small_steps_single_threaded_and_restores_the_count():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((1024, 64)), rng.integers(0, 3, 1024)
    _network(4).fit(X[:8], y[:8], epochs=1, verbose=0)  # loads every library a fit loads, before counting them
    with threadpool_limits(limits=2, user_api="blas"):  # as on a 2-core machine, whatever the test runner set
        before = _blas_threads()
        small, large = _RecordThreads(), _RecordThreads()
        _network(16).fit(X[:64], y[:64], epochs=2, batch_size=16, verbose=0, callbacks=[small])
        between = _blas_threads()
        hidden = THREADED_PRODUCT_MACS // (1024 * 64)  # batch 1024 × W (64, hidden) = the threshold
        _network(hidden).fit(X, y, epochs=1, batch_size=1024, verbose=0, callbacks=[large])
        after = _blas_threads()
    assert before and set(before.values()) == {2}
    assert small.seen == [{path: 1 for path in before}] * 2  # inside fit: one thread
    assert between == before and after == before  # put back afterwards
    assert large.seen == [before]  # large products: the count is left alone
