"""A search on a real Dask cluster (worker processes on 127.0.0.1) matches the same search in this process and on local processes."""

import os
from pathlib import Path

import pytest

import glassnet
from glassnet.strategy.search import load_trial_data, parse_param, search

distributed = pytest.importorskip("distributed", reason="the Dask test needs glassnet[distributed]")


@pytest.mark.slow
def test_dask_cluster_gives_the_local_results_and_survives_a_failing_trial(monkeypatch):
    # Worker processes must import this glassnet, installed or not.
    source = str(Path(glassnet.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])))
    data = load_trial_data("iris", seed=0)
    # A learning rate of 1e6 makes plain gradient descent diverge at once: those trials must fail, the rest run.
    space = dict(parse_param(text) for text in ("learning-rate=choice:0.05|1000000.0", "l2=log:1e-5:1e-1", "layers=choice:8|16"))
    options = dict(trials=6, rounds=2, base={"optimizer": "sgd", "epochs": 8, "batch_size": 16}, seed=1)

    local = search(space, data, n_jobs=1, **options)  # in this process: the reference
    processes = search(space, data, n_jobs=2, **options)  # joblib's default: local worker processes
    with distributed.LocalCluster(
        processes=True, host="127.0.0.1", n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        remote = search(space, data, scheduler=cluster.scheduler_address, **options)
        workers = len(cluster.scheduler_info["workers"])
        ran_there = [name for name in cluster.scheduler.task_prefixes if "run_trial" in name]
    assert workers == 2
    assert ran_there, "the trials did not run on the cluster"

    assert 1 <= len(remote.failed) < len(remote.trials)
    assert all(t.reason.startswith("diverged:") and t.config["learning_rate"] == 1e6 for t in remote.failed)
    assert remote.rounds == local.rounds
    for here, there in [*zip(local.trials, remote.trials, strict=True), *zip(local.trials, processes.trials, strict=True)]:
        assert (there.trial, there.round, there.config, there.status) == (here.trial, here.round, here.config, here.status)
        if here.ok:
            # One BLAS thread per trial everywhere: the numbers are bit-identical, not just close.
            assert (there.dev_error, there.train_error, there.dev_cost, there.history) == (here.dev_error, here.train_error, here.dev_cost, here.history)
    assert remote.best.dev_accuracy > 0.8
