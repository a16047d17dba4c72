"""Running one worker and watching the machine while it runs: wall time, other processes' CPU, competitors.

The CPU that other processes used during a run is the machine's busy time (``/proc/stat``: user, nice,
system, irq, softirq and steal, over all CPUs) minus what this script's children used (the worker and any
competitors, from ``getrusage``), as a share of wall time × CPUs. Without ``/proc/stat`` it is not measured.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COMPETITOR = "while True: pass"
#: rough samples/s on the development machine (2 cores, quiet), only to estimate how long a run takes
EXPECTED_RATE = {"glassnet": 25_000, "glassnet-numpy": 18_000, "torch": 12_000, "torch-fused": 18_000,
                 "torch-fused-ftz": 18_000, "sklearn": 12_000, "floor": 20_000}
EXPECTED_SMALL_RATE = {"glassnet": 240_000, "glassnet-numpy": 150_000, "torch": 40_000, "torch-fused": 50_000,
                       "torch-fused-ftz": 50_000, "sklearn": 60_000, "floor": 500_000}
#: seconds to start a worker (imports, data) before its timed part
STARTUP = {"torch": 4.0, "torch-fused": 4.0, "torch-fused-ftz": 4.0, "floor": 3.0}


def estimate_seconds(spec: dict[str, Any]) -> float:
    """About how long the worker for ``spec`` runs on a quiet development machine (a busy one: a lot longer)."""
    impl, batch = spec["impl"], spec["batch_size"]
    rate = (EXPECTED_SMALL_RATE if spec["scenario"] == "small" else EXPECTED_RATE)[impl] * min(1.0, (batch / 128) ** 0.5)
    slowdown = 1.0 + spec.get("competitors", 0)
    return STARTUP.get(impl, 2.0) + slowdown * spec["samples"] * spec["epochs"] / rate


def _machine_busy_seconds() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = handle.readline().split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_worker(spec: dict[str, Any], environment: dict[str, str], timeout: float) -> dict[str, Any]:
    """One worker run (beside ``spec["competitors"]`` busy processes), with its wall time and others' CPU share."""
    command = [sys.executable, str(HERE / "worker.py"), json.dumps(spec)]
    busy_before, children_before, started = _machine_busy_seconds(), _children_seconds(), time.perf_counter()
    competitors = [subprocess.Popen([sys.executable, "-c", COMPETITOR]) for _ in range(spec.get("competitors", 0))]
    try:
        completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        completed = None
    finally:
        for competitor in competitors:
            competitor.kill()
            competitor.wait()
    wall = time.perf_counter() - started
    busy_after = _machine_busy_seconds()
    measured: dict[str, Any] = {"wall_seconds": wall}
    if busy_before is not None and busy_after is not None:
        others = (busy_after - busy_before) - (_children_seconds() - children_before)
        measured["others_cpu_share"] = max(0.0, others) / (wall * (os.cpu_count() or 1))
    if completed is None:
        return {**spec, **measured, "error": f"timed out after {timeout:g} s"}
    if completed.returncode != 0:
        return {**spec, **measured, "error": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "failed"}
    return {**json.loads(completed.stdout.strip().splitlines()[-1]), **measured}


def busy_processes(seconds: float = 1.0) -> list[str]:
    """Other processes using over 5% of a CPU now (needs psutil; empty without it): what shared the machine."""
    try:
        import psutil
    except ImportError:
        return []
    processes = list(psutil.process_iter(["pid", "nice", "cmdline"]))
    for process in processes:
        try:
            process.cpu_percent(None)
        except psutil.Error:
            pass
    time.sleep(seconds)
    found = []
    for process in processes:
        try:
            percent = process.cpu_percent(None)
        except psutil.Error:
            continue
        if percent > 5.0 and process.info["pid"] != os.getpid():
            found.append(f"{percent:.0f}% nice {process.info['nice']}: {' '.join(process.info['cmdline'] or [])[:100]}")
    return found
