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


@pytest.fixture(scope="session")
def quick_lessons(tmp_path_factory):
    """``glassnet lesson all --quick --json --out DIR`` run once for the session: (CLI result, DIR, parsed JSON).

    Shared by the lesson tests, the CLI tests and the browser test of the report (about 15 s of CPU).
    """
    import json

    from click.testing import CliRunner

    from glassnet.cli.main import main

    out = tmp_path_factory.mktemp("lessons")
    result = CliRunner().invoke(main, ["lesson", "all", "--quick", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result, out, json.loads(result.stdout)
