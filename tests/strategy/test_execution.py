"""Where trials run, and what survives when things go wrong (issue 15, cases 11, 14, 21)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import glassnet
from glassnet.cli.search_report import trials_csv
from glassnet.cli.strategy import DEFAULT_SEARCH_PARAMS
from glassnet.errors import ConfigError, GlassnetError
from glassnet.strategy import execution
from glassnet.strategy.search import TrialResult, load_trial_data, parse_param, search

SOURCE = str(Path(glassnet.__file__).resolve().parents[1])
distributed = pytest.importorskip("distributed", reason="the Dask tests need glassnet[distributed]")


def where_trial(config, seed, data):
    """A trial that records where it ran: the worker's address, or "client" in the calling process."""
    try:
        place = distributed.get_worker().address
    except ValueError:
        place = "client"
    return TrialResult(dict(config), seed, "ok", place, dev_error=config["learning_rate"], dev_cost=0.0, dev_accuracy=0.5, train_error=0.0)


def test_every_trial_runs_on_a_cluster_with_one_worker_thread():
    space = {"learning_rate": parse_param("learning-rate=log:1e-3:1e-1")[1]}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = search(space, None, trials=4, rounds=2, scheduler=cluster.scheduler_address, trial=where_trial)
        worker = next(iter(cluster.scheduler_info["workers"]))
    assert [t.reason for t in result.trials] == [worker] * 4  # joblib's dask backend ran these in the client ("client")


class FakeFuture:
    def __init__(self, status, value=None):
        self.status, self.value = status, value

    def result(self):
        return self.value


class LosingClient:
    """Loses every trial of its first ``losses`` submissions (as when the workers holding the data die)."""

    def __init__(self, losses):
        self.losses, self.scattered, self.submitted = losses, 0, []
        self.loop = None

    def scatter(self, data, hash=True):
        self.scattered += 1
        return data

    def submit(self, trial, config, seed, data, pure=False):
        self.submitted.append(config["n"])
        if self.scattered <= self.losses:
            return FakeFuture("cancelled")
        return FakeFuture("finished", trial(config, seed, data))


def test_lost_trials_are_sent_again_with_the_data_and_finished_ones_are_kept(monkeypatch):
    monkeypatch.setattr(distributed, "as_completed", lambda futures, loop=None: list(futures))
    jobs = [(i, {"n": i}) for i in range(3)]
    trial = lambda config, seed, data: config["n"] * 10  # noqa: E731
    client, notices = LosingClient(losses=1), []
    assert sorted(execution.on_dask(client, trial, jobs, 0, "data", notice=notices.append)) == [(0, 0), (1, 10), (2, 20)]
    assert client.scattered == 2 and client.submitted == [0, 1, 2, 0, 1, 2] and "sending the data again" in notices[0]
    with pytest.raises(GlassnetError, match="lost 3 trial\\(s\\) 3 times.*finished trials are kept"):
        list(execution.on_dask(LosingClient(losses=5), trial, jobs, 0, "data"))


def dying_trial(config, seed, data):
    """The first call kills its worker process (and with it the only copy of the scattered data)."""
    mark = Path(data)
    if not mark.exists():
        mark.write_text("died once")
        os._exit(1)
    return TrialResult(dict(config), seed, "ok", "", dev_error=config["learning_rate"], dev_cost=0.0, dev_accuracy=0.5, train_error=0.0)


@pytest.mark.slow
def test_a_worker_dying_with_the_data_costs_a_retry_not_the_search(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([SOURCE, str(Path(__file__).parent)]))
    space = {"learning_rate": parse_param("learning-rate=log:1e-3:1e-1")[1]}
    notices = []
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = search(space, str(tmp_path / "mark"), trials=3, scheduler=cluster.scheduler_address, trial=dying_trial, notice=notices.append)
    assert (tmp_path / "mark").exists() and [t.status for t in result.trials] == ["ok"] * 3
    assert len(notices) == 1 and "sending the data again (attempt 2 of 3)" in notices[0]


def test_a_scheduler_address_of_no_known_transport_fails_at_once():
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="unknown address scheme 'garbage'"):
        execution.check_scheduler_address("garbage://x")
    env = {**os.environ, "PYTHONPATH": SOURCE}
    done = subprocess.run([sys.executable, "-m", "glassnet.cli", "search", "--scheduler", "garbage://x", "--trials", "2"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "garbage://x" in done.stderr, done.stderr
    assert time.perf_counter() - started < 30 and "Exception ignored" not in done.stderr


def children(pid: int) -> set[int]:
    """Every descendant process of ``pid`` (Linux /proc)."""
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            for child in (task / "children").read_text().split():
                found.add(int(child))
                frontier.append(int(child))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_kill_9_keeps_finished_trials_leaves_no_workers_and_resume_finishes_the_same_search(tmp_path):
    env = {**os.environ, "PYTHONPATH": SOURCE}
    args = ["search", "--data", "digits", "--trials", "8", "--rounds", "2", "--epochs", "5", "--layers", "32", "--jobs", "2", "--quiet", "--json"]
    process = subprocess.Popen([sys.executable, "-m", "glassnet.cli", *args, "--out", str(tmp_path / "cut")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal, workers = tmp_path / "cut" / "trials.csv", set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 2):
        workers |= children(process.pid)
        time.sleep(0.05)
    workers |= children(process.pid)
    assert process.poll() is None, "the search ended before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    kept = journal.read_text().count("\n") - 1
    assert 1 <= kept < 8 and workers
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if alive(pid)], "worker processes outlived the killed search"

    resumed = subprocess.run([sys.executable, "-m", "glassnet.cli", "search", "--resume", str(tmp_path / "cut"), "--jobs", "1"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0 and f"resuming: {kept} finished trial(s)" in resumed.stderr, resumed.stderr
    base = {"layers": "32", "activation": "relu", "optimizer": "adam", "batch_size": 32, "epochs": 5}
    space = dict(parse_param(text) for text in DEFAULT_SEARCH_PARAMS)
    straight = search(space, load_trial_data("digits"), trials=8, rounds=2, base=base, n_jobs=1)  # uninterrupted, in this process

    def without_seconds(text):
        return [line.split(",")[:8] + line.split(",")[9:] for line in text.splitlines()]

    assert without_seconds((tmp_path / "cut" / "trials.csv").read_text()) == without_seconds(trials_csv(straight))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_ctrl_c_keeps_finished_trials_says_how_to_resume_and_leaves_no_workers(tmp_path):
    env = {**os.environ, "PYTHONPATH": SOURCE}
    args = ["search", "--data", "digits", "--trials", "40", "--epochs", "5", "--layers", "32", "--jobs", "2", "--quiet", "--out", str(tmp_path / "out")]
    process = subprocess.Popen([sys.executable, "-m", "glassnet.cli", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    journal, workers = tmp_path / "out" / "trials.csv", set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 2):
        workers |= children(process.pid)
        time.sleep(0.05)
    workers |= children(process.pid)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=60)
    kept = journal.read_text().count("\n") - 1
    assert process.returncode == 130 and f"Continue with: glassnet search --resume {tmp_path / 'out'}" in error and "Traceback" not in error, error
    assert 1 <= kept < 40 and workers
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if alive(pid)], "worker processes outlived the interrupted search"
