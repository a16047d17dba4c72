"""Test-wide settings: one BLAS thread.

The networks in tests are small, and on a shared 2-core machine OpenBLAS's thread hand-offs cost far
more than they save (a 5 s experiment took 55 s with two threads under load). One thread also makes
float results independent of how busy the machine is. Benchmarks, not tests, measure threaded speed.
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    with threadpool_limits(limits=1):
        yield
