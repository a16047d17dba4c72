"""Where a search's trials run: in this process, on local worker processes, or on a Dask cluster.

Each runner takes ``jobs`` (a list of ``(position, config)``) and yields ``(position, TrialResult)`` as each
trial finishes, in finishing order, so the caller can record a trial the moment it is done.

* :func:`in_process` runs them one after another here.
* :func:`on_local_processes` runs them through joblib's loky workers. Each worker watches its parent:
  when the search process is gone (kill -9, a closed terminal), the worker exits within a second, so no
  process is left behind.
* :func:`on_dask` submits every trial to the cluster with ``client.submit`` — never in this process, whatever
  the cluster's size — after scattering the data once. If the cluster loses trials (the workers holding the
  data die, or a worker is killed), the data is scattered again and only the unfinished trials are resubmitted,
  up to ``attempts`` times; then one :class:`~glassnet.errors.GlassnetError` says so (the finished trials have
  already been yielded and recorded).
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

from glassnet.errors import ConfigError, GlassnetError

if TYPE_CHECKING:
    from glassnet.strategy.search import TrialResult

Trial = Callable[[dict[str, Any], int, Any], "TrialResult"]
Jobs = list[tuple[int, dict[str, Any]]]
#: how often a local worker checks that the search process still exists (seconds)
PARENT_POLL_SECONDS = 0.5

_watching = threading.Event()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)  # the search process is gone: nobody will read this worker's results


def watch_parent() -> None:
    """Start (once per process) a daemon thread that ends this process when its parent is gone."""
    if not _watching.is_set():
        _watching.set()
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="glassnet-parent-watch").start()


def _watched_trial(trial: Trial, position: int, config: dict[str, Any], seed: int, data: Any) -> tuple[int, "TrialResult"]:
    watch_parent()
    return position, trial(config, seed, data)


def in_process(trial: Trial, jobs: Jobs, seed: int, data: Any) -> Iterator[tuple[int, "TrialResult"]]:
    """One trial after another, in this process."""
    for position, config in jobs:
        yield position, trial(config, seed, data)


def on_local_processes(trial: Trial, jobs: Jobs, seed: int, data: Any, n_jobs: int) -> Iterator[tuple[int, "TrialResult"]]:
    """``n_jobs`` loky worker processes (−1: one per core); results as they finish."""
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    yield from parallel(delayed(_watched_trial)(trial, position, config, seed, data) for position, config in jobs)


def check_scheduler_address(address: str) -> None:
    """Refuse an address whose scheme no Dask transport knows (``garbage://x``) before any connection is tried."""
    try:
        from distributed.comm import parse_address
        from distributed.comm.registry import get_backend
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConfigError("search(scheduler=...) needs Dask: pip install 'glassnet[distributed]'.") from None
    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
    except ValueError as error:
        raise ConfigError(f"search(scheduler=...) expects an address such as tcp://HOST:PORT. Received: {address!r} ({error})") from None
    if not location:
        raise ConfigError(f"search(scheduler=...) expects an address such as tcp://HOST:PORT. Received: {address!r}")


def dask_client(address: str) -> Any:
    """A client of the scheduler at ``address`` (checked first); a scheduler that cannot be reached is a :class:`ConfigError`."""
    check_scheduler_address(address)
    from distributed import Client

    try:
        return Client(address, timeout=30, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ConfigError(f"Cannot reach the Dask scheduler at {address!r}: {error}") from None


def on_dask(client: Any, trial: Trial, jobs: Jobs, seed: int, data: Any, attempts: int = 3,
            notice: Callable[[str], None] = lambda message: None) -> Iterator[tuple[int, "TrialResult"]]:
    """Every trial on the cluster of ``client``; lost trials are retried with the data sent again (see the module docstring)."""
    from distributed import as_completed

    pending = dict(jobs)
    for attempt in range(1, attempts + 1):
        shared = client.scatter(data, hash=False)
        futures = {client.submit(trial, config, seed, shared, pure=False): position for position, config in pending.items()}
        for future in as_completed(futures, loop=client.loop):
            if future.status == "finished":
                position = futures[future]
                yield position, future.result()
                del pending[position]
        if not pending:
            return
        if attempt < attempts:
            notice(f"the Dask cluster lost {len(pending)} trial(s) (workers or their data gone); sending the data again (attempt {attempt + 1} of {attempts})")
    raise GlassnetError(f"The Dask cluster lost {len(pending)} trial(s) {attempts} times (workers or their data gone); "
                        "the finished trials are kept. Check the cluster, then continue with search(resume=...).")
