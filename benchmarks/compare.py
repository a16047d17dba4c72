"""glassnet against PyTorch (CPU), scikit-learn's MLPClassifier and the hardware floor, in one run.

Usage (from the repository root; PyTorch only for this script: ``pip install torch==2.13.0``)::

    python benchmarks/compare.py                 # everything; prints its time estimate before it starts
    python benchmarks/compare.py --quick         # fewer samples, one round: a quick look
    python benchmarks/compare.py --scenarios small --repeats 5 --out small.json

Each (implementation, scenario, batch size) is trained in its own subprocess (``worker.py``), and
the runs are interleaved — A B C A B C — so slow phases of a noisy machine hit every implementation
alike; the table reports medians, and only the ratios between numbers of the same run are meaningful.
Before timing, one step of glassnet and PyTorch from the same weights must agree (``agreement.py``).

The **floor** of a case is the time of one step's matrix products (at the faster of one BLAS thread and
the library's count) plus one read and one write of the parameters, gradients and Adam's moments at the
memory bandwidth measured on arrays of that size. The **load** scenario trains beside CPU-bound competitor
processes and reports the slowdown against a quiet run made in the same round.

The run ends with a **noise verdict**: it says the numbers are too noisy to trust when the rounds of a
case differ by more than 10%, when other processes used more than 10% of the machine's CPU during a
timed run (measured from ``/proc/stat``), or when anything beats the floor. Then the goals of the speed
issue, met or not, computed from this run's numbers.

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are removed from the workers' environment so OpenBLAS picks
its kernel for the real CPU (``--keep-openblas-env`` keeps them); the kernel that was active is reported
as threadpoolctl sees it. Results go to a JSON file outside the source tree (``--out``; by default under
``~/.cache/glassnet/benchmarks/``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import report as reporting  # noqa: E402
from measure import busy_processes, estimate_seconds, run_worker  # noqa: E402

REMOVED_ENVIRONMENT = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default="big,small,regularised,load", help="comma-separated: big, small, regularised, load")
    parser.add_argument("--impls", default=",".join(reporting.IMPLEMENTATIONS), help="comma-separated implementations")
    parser.add_argument("--batch-sizes", default="32,128,512", help="batch sizes of big and regularised")
    parser.add_argument("--samples", type=int, default=60_000, help="rows of synthetic data (big, regularised)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of big and regularised")
    parser.add_argument("--small-epochs", type=int, default=50, help="epochs of small (digits, batch 32)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; the table shows medians")
    parser.add_argument("--load-impls", default="glassnet,torch,torch-fused-ftz", help="implementations of the load scenario")
    parser.add_argument("--load-batch-sizes", default="32,512", help="batch sizes of the load scenario (big network)")
    parser.add_argument("--load-samples", type=int, default=20_000, help="rows of the load scenario (1 epoch)")
    parser.add_argument("--competitors", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                        help="CPU-bound processes beside training in the load scenario (default: half the CPUs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="6,000 samples (load: 4,000), small: 5 epochs, 1 round")
    parser.add_argument("--out", "--output", dest="output", type=Path, default=None,
                        help="JSON file (default ~/.cache/glassnet/benchmarks/<time>.json)")
    parser.add_argument("--keep-openblas-env", action="store_true", help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every library (OpenBLAS, OpenMP, PyTorch); default: each library's own choice")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed for one worker run")
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.epochs, args.small_epochs, args.repeats, args.load_samples = 6000, 1, 5, 1, 4000
    return args


def plan(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[str]]:
    """Worker specs in run order (round by round, implementations interleaved) and notes on what was skipped."""
    notes: list[str] = []
    impls, load_impls = _names(args.impls), _names(args.load_impls)
    if importlib.util.find_spec("torch") is None:
        if any(name in reporting.TORCH_IMPLEMENTATIONS for name in impls + load_impls):
            notes.append("PyTorch is not installed: its rows are skipped (pip install torch==2.13.0 for the CPU build).")
        impls = [name for name in impls if name not in reporting.TORCH_IMPLEMENTATIONS]
        load_impls = [name for name in load_impls if name not in reporting.TORCH_IMPLEMENTATIONS]
    scenarios = [name for name in args.scenarios.split(",") if name]
    batch_sizes = [int(size) for size in args.batch_sizes.split(",") if size]
    specs = []
    for repeat in range(args.repeats):
        for scenario in scenarios:
            if scenario == "load":
                specs += _load_specs(args, load_impls, repeat)
                continue
            for batch in [32] if scenario == "small" else batch_sizes:
                for impl in impls:
                    if impl == "sklearn" and scenario == "regularised":
                        continue
                    specs.append({
                        "impl": impl, "scenario": scenario, "batch_size": batch, "repeat": repeat, "seed": args.seed,
                        "epochs": args.small_epochs if scenario == "small" else args.epochs,
                        "samples": 1797 if scenario == "small" else args.samples,
                    })
    return specs, notes


def _names(text: str) -> list[str]:
    names = [name for name in text.split(",") if name]
    unknown = sorted(set(names) - set(reporting.IMPLEMENTATIONS))
    if unknown:
        raise SystemExit(f"Unknown implementation(s) {unknown}; expected some of {', '.join(reporting.IMPLEMENTATIONS)}.")
    return names


def _load_specs(args: argparse.Namespace, impls: list[str], repeat: int) -> list[dict[str, Any]]:
    """A quiet and a busy run of each implementation and batch size, side by side in the same round."""
    specs = []
    for batch in [int(size) for size in args.load_batch_sizes.split(",") if size]:
        for impl in impls:
            for competitors, label in ((0, "load-quiet"), (args.competitors, "load-busy")):
                specs.append({"impl": impl, "scenario": "big", "label": label, "competitors": competitors, "batch_size": batch,
                              "repeat": repeat, "seed": args.seed, "epochs": 1, "samples": args.load_samples})
    return specs


def worker_environment(keep_openblas: bool, threads: int | None) -> tuple[dict[str, str], dict[str, str]]:
    """The workers' environment, and the OpenBLAS variables removed from it (with their values)."""
    environment = dict(os.environ)
    removed = {}
    if not keep_openblas:
        removed = {name: environment.pop(name) for name in REMOVED_ENVIRONMENT if name in environment}
    if threads is not None:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            environment[name] = str(threads)
    return environment, removed


def run_agreement(environment: dict[str, str]) -> dict[str, Any]:
    import subprocess

    completed = subprocess.run([sys.executable, str(HERE / "agreement.py")], env=environment, capture_output=True,
                               text=True, check=False)
    if not completed.stdout.strip():
        return {"ok": False, "error": completed.stderr.strip()[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def default_output(started: str) -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "glassnet" / "benchmarks" / f"{started.replace(':', '-')}.json"


def machine_description() -> dict[str, Any]:
    description: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                                   "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        description["cpu"] = names[0] if names else platform.processor()
    except OSError:
        description["cpu"] = platform.processor()
    return description


def announce(specs: list[dict[str, Any]], args: argparse.Namespace, output: Path) -> None:
    """Before anything runs: how many runs, about how long, where the results go, and whether the machine is busy."""
    estimate = sum(estimate_seconds(spec) for spec in specs)
    print(f"{len(specs)} runs, about {estimate / 60:.0f} min on a quiet 2-core machine like the development one "
          f"(longer when busy or slower; the time left is updated after every run). Results: {output}", flush=True)
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > 0.5:
        print(f"warning: the load average is already {load:.2f} on {cpus} CPUs: other processes are running, "
              "expect a 'too noisy' verdict", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    specs, notes = plan(args)
    environment, removed = worker_environment(args.keep_openblas_env, args.threads)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    output = args.output or default_output(started)
    announce(specs, args, output)
    report: dict[str, Any] = {"other_processes_before": busy_processes(), "started": started,
                              "machine": machine_description(), "removed_environment": removed, "notes": notes,
                              "arguments": {k: str(v) for k, v in vars(args).items()}}
    if any(spec["impl"] in reporting.TORCH_IMPLEMENTATIONS for spec in specs):
        report["agreement"] = run_agreement(environment)
        print(f"agreement of one step with PyTorch: {json.dumps(report['agreement'])}", flush=True)
        if not report["agreement"].get("ok"):
            print("glassnet and PyTorch disagree on one step: not timing anything.", file=sys.stderr)
            return 1
    report["runs"] = run_all(specs, environment, args.timeout)
    finish(report, notes, args)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, output)
    print(f"\nwritten: {output}")
    return 0


def run_all(specs: list[dict[str, Any]], environment: dict[str, str], timeout: float) -> list[dict[str, Any]]:
    """Every worker in order, with a line per run and the time left, re-estimated from the pace so far."""
    runs, spent, planned = [], 0.0, 0.0
    for index, spec in enumerate(specs, 1):
        run = run_worker(spec, environment, timeout)
        runs.append(run)
        spent, planned = spent + run["wall_seconds"], planned + estimate_seconds(spec)
        left = sum(estimate_seconds(later) for later in specs[index:]) * spent / planned
        shown = f"{run['samples_per_second']:.0f} samples/s" if "samples_per_second" in run else run.get("error", run.get("skipped"))
        busy = f", others used {run['others_cpu_share']:.0%} of the CPU" if run.get("others_cpu_share", 0) > reporting.MAX_OTHERS_SHARE else ""
        print(f"[{index}/{len(specs)}] {spec.get('label', spec['scenario'])} bs {spec['batch_size']} {spec['impl']}: {shown}"
              f"{busy} (about {left / 60:.1f} min left)", flush=True)
    return runs


def finish(report: dict[str, Any], notes: list[str], args: argparse.Namespace) -> None:
    """Summaries, tables, the noise verdict and the goals, printed and stored in ``report``."""
    runs, cpus = report["runs"], os.cpu_count() or 1
    report["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    report["load_average_after"] = os.getloadavg()
    report["other_processes_after"] = busy_processes()
    report["blas"] = {run["impl"]: run["blas"] for run in runs if "blas" in run}
    report["summary"] = reporting.summarise(runs)
    report["ratios"] = reporting.ratios(report["summary"])
    report["slowdowns"] = reporting.slowdowns(report["summary"])
    report["table"] = reporting.format_table(report["summary"], report["ratios"])
    report["load_table"] = reporting.format_load_table(report["summary"], report["slowdowns"], args.competitors, cpus)
    trustworthy, reasons = reporting.noise_verdict(report["summary"], runs)
    report["noise"] = {"trustworthy": trustworthy, "reasons": reasons}
    report["goals"] = reporting.goal_verdicts(report["ratios"], report["slowdowns"], args.competitors, cpus)
    print("\n" + report["table"] + "\n" + report["load_table"])
    for impl, info in report["blas"].items():
        pools = sorted({f"{e['internal_api']} {e.get('version', '')} {e.get('architecture', '')} × {e['num_threads']} threads"
                        for e in info})
        print(f"{impl}: " + "; ".join(" ".join(pool.split()) for pool in pools))
    for note in notes:
        print(f"note: {note}")
    print("\nnoise verdict: " + ("the measurements look trustworthy (spread ≤ 10%, no other load, nothing beats the floor)"
                                 if trustworthy else "TOO NOISY TO TRUST —\n  " + "\n  ".join(reasons)))
    caveat = "" if trustworthy else " (the measurements are NOT trustworthy, see above)"
    print(f"\ngoals of the speed issue, from this run{caveat}:\n  " + "\n  ".join(report["goals"] or ["(none measured)"]))


if __name__ == "__main__":
    sys.exit(main())
