"""glassnet against PyTorch (CPU), scikit-learn's MLPClassifier and the GEMM floor, in one run.

Usage (from the repository root; PyTorch only for this script: ``pip install torch==2.13.0``)::

    python benchmarks/compare.py                 # the full benchmark (about 15–30 minutes on 2 cores)
    python benchmarks/compare.py --quick         # fewer samples, one repeat: a quick look
    python benchmarks/compare.py --scenarios small --repeats 5

Each (implementation, scenario, batch size) is trained in its own subprocess (``worker.py``), and
the runs are interleaved — A B C A B C — so slow phases of a noisy machine hit every implementation
alike; the table reports medians, and only the ratios between numbers of the same run are meaningful.
Before timing, one step of glassnet and PyTorch from the same weights must agree (``agreement.py``).

The machine's ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are removed from the workers' environment
so OpenBLAS picks its kernel for the real CPU (``--keep-openblas-env`` keeps them); the kernel that was
active is reported, as threadpoolctl sees it. Results are printed as a Markdown table and written as
JSON under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
IMPLEMENTATIONS = ("glassnet", "glassnet-numpy", "torch", "torch-fused", "torch-fused-ftz", "sklearn", "floor")
TORCH_IMPLEMENTATIONS = ("torch", "torch-fused", "torch-fused-ftz")
LABELS = {
    "glassnet": "glassnet",
    "glassnet-numpy": "glassnet, NumPy optimizer step",
    "torch": "PyTorch eager, default Adam",
    "torch-fused": "PyTorch, fused Adam",
    "torch-fused-ftz": "PyTorch, fused Adam + flush denormals",
    "sklearn": "scikit-learn MLPClassifier",
    "floor": "GEMM floor (matrix products only)",
}
REMOVED_ENVIRONMENT = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default="big,small,regularised", help="comma-separated: big, small, regularised")
    parser.add_argument("--impls", default=",".join(IMPLEMENTATIONS), help="comma-separated implementations")
    parser.add_argument("--batch-sizes", default="32,128,512", help="batch sizes of big and regularised")
    parser.add_argument("--samples", type=int, default=60_000, help="rows of synthetic data (big, regularised)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of big and regularised")
    parser.add_argument("--small-epochs", type=int, default=50, help="epochs of small (digits, batch 32)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; the table shows medians")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="6,000 samples, 1 epoch (small: 5), 1 repeat")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default benchmarks/results/<time>.json)")
    parser.add_argument("--keep-openblas-env", action="store_true", help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every library (OpenBLAS, OpenMP, PyTorch); default: each library's own choice")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed for one worker run")
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.epochs, args.small_epochs, args.repeats = 6000, 1, 5, 1
    return args


def plan(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[str]]:
    """Worker specs in run order (round by round, implementations interleaved) and notes on what was skipped."""
    impls, notes = [name for name in args.impls.split(",") if name], []
    unknown = sorted(set(impls) - set(IMPLEMENTATIONS))
    if unknown:
        raise SystemExit(f"Unknown implementation(s) {unknown}; expected some of {', '.join(IMPLEMENTATIONS)}.")
    if importlib.util.find_spec("torch") is None and any(name in TORCH_IMPLEMENTATIONS for name in impls):
        impls = [name for name in impls if name not in TORCH_IMPLEMENTATIONS]
        notes.append("PyTorch is not installed: its rows are skipped (pip install torch==2.13.0 for the CPU build).")
    scenarios = [name for name in args.scenarios.split(",") if name]
    if "regularised" in scenarios and not _glassnet_has_regularisation():
        scenarios.remove("regularised")
        notes.append("regularised skipped: this glassnet has no Dropout/BatchNorm layers yet.")
    batch_sizes = [int(size) for size in args.batch_sizes.split(",") if size]
    specs = []
    for repeat in range(args.repeats):
        for scenario in scenarios:
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


def _glassnet_has_regularisation() -> bool:
    sys.path.insert(0, str(HERE.parent / "src"))
    import glassnet

    return hasattr(glassnet, "Dropout") and hasattr(glassnet, "BatchNorm")


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


def run_worker(spec: dict[str, Any], environment: dict[str, str], timeout: float) -> dict[str, Any]:
    command = [sys.executable, str(HERE / "worker.py"), json.dumps(spec)]
    try:
        completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {**spec, "error": f"timed out after {timeout:g} s"}
    if completed.returncode != 0:
        return {**spec, "error": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "failed"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_agreement(environment: dict[str, str]) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, str(HERE / "agreement.py")], env=environment, capture_output=True,
                               text=True, check=False)
    if not completed.stdout.strip():
        return {"ok": False, "error": completed.stderr.strip()[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``summary[scenario][impl][batch]`` = median samples/s, the runs behind it, peak memory and dtype."""
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for run in runs:
        if "samples_per_second" not in run:
            continue
        cell = summary.setdefault(run["scenario"], {}).setdefault(run["impl"], {}).setdefault(
            str(run["batch_size"]), {"runs": [], "peak_rss_mb": 0.0, "dtype": run.get("dtype")})
        cell["runs"].append(run["samples_per_second"])
        cell["peak_rss_mb"] = max(cell["peak_rss_mb"], run["peak_rss_mb"])
    for scenario in summary.values():
        for cells in scenario.values():
            for cell in cells.values():
                cell["median"] = statistics.median(cell["runs"])
    return summary


def ratios(summary: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, float]]]:
    """glassnet's median divided by each peer's median, per scenario and batch size."""
    result: dict[str, dict[str, dict[str, float]]] = {}
    for scenario, impls in summary.items():
        ours = impls.get("glassnet", {})
        peers = {name: cells for name, cells in impls.items() if name != "glassnet"}
        torch_rows = [impls[name] for name in TORCH_IMPLEMENTATIONS if name in impls]
        for batch, cell in ours.items():
            row = result.setdefault(scenario, {})
            for name, cells in peers.items():
                if batch in cells:
                    row.setdefault(name, {})[batch] = cell["median"] / cells[batch]["median"]
            fastest = [cells[batch]["median"] for cells in torch_rows if batch in cells]
            if fastest:
                row.setdefault("fastest PyTorch", {})[batch] = cell["median"] / max(fastest)
    return result


def format_table(summary: dict, ratio_table: dict) -> str:
    """Markdown: samples/s (thousands) per implementation and batch size, then glassnet's ratios."""
    lines = []
    for scenario, impls in summary.items():
        batches = sorted({batch for cells in impls.values() for batch in cells}, key=int)
        lines += [f"**{scenario}** — samples/s (median), peak memory of the process", "",
                  "| implementation | " + " | ".join(f"bs {batch}" for batch in batches) + " | peak MB | dtype |",
                  "|---" * (len(batches) + 3) + "|"]
        for impl in IMPLEMENTATIONS:
            if impl not in impls:
                continue
            cells = impls[impl]
            values = [f"{cells[batch]['median'] / 1000:.1f}k" if batch in cells else "—" for batch in batches]
            peak = max(cell["peak_rss_mb"] for cell in cells.values())
            dtype = next(iter(cells.values()))["dtype"]
            lines.append(f"| {LABELS[impl]} | " + " | ".join(values) + f" | {peak:.0f} | {dtype} |")
        for peer, row in ratio_table.get(scenario, {}).items():
            values = [f"{row[batch]:.2f}×" if batch in row else "—" for batch in batches]
            lines.append(f"| glassnet ÷ {LABELS.get(peer, peer)} | " + " | ".join(values) + " | | |")
        lines.append("")
    return "\n".join(lines)


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


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    specs, notes = plan(args)
    environment, removed = worker_environment(args.keep_openblas_env, args.threads)
    report: dict[str, Any] = {"other_processes_before": busy_processes(), "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                              "machine": machine_description(), "removed_environment": removed, "notes": notes,
                              "arguments": {k: str(v) for k, v in vars(args).items()}}
    if any(spec["impl"] in TORCH_IMPLEMENTATIONS for spec in specs):
        report["agreement"] = run_agreement(environment)
        print(f"agreement of one step with PyTorch: {json.dumps(report['agreement'])}", flush=True)
        if not report["agreement"].get("ok"):
            print("glassnet and PyTorch disagree on one step: not timing anything.", file=sys.stderr)
            return 1
    runs = []
    for index, spec in enumerate(specs, 1):
        run = run_worker(spec, environment, args.timeout)
        runs.append(run)
        shown = f"{run['samples_per_second']:.0f} samples/s" if "samples_per_second" in run else run.get("error", run.get("skipped"))
        print(f"[{index}/{len(specs)}] {spec['scenario']} bs {spec['batch_size']} {spec['impl']}: {shown}", flush=True)
    report["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    report["load_average_after"] = os.getloadavg()
    report["other_processes_after"] = busy_processes()
    report["blas"] = {run["impl"]: run["blas"] for run in runs if "blas" in run}
    report["runs"] = runs
    report["summary"] = summarise(runs)
    report["ratios"] = ratios(report["summary"])
    table = report["table"] = format_table(report["summary"], report["ratios"])
    print()
    print(table)
    for impl, info in report["blas"].items():
        pools = sorted({f"{e['internal_api']} {e.get('version', '')} {e.get('architecture', '')} × {e['num_threads']} threads"
                        for e in info})
        print(f"{impl}: " + "; ".join(" ".join(pool.split()) for pool in pools))
    for note in notes:
        print(f"note: {note}")
    output = args.output or HERE / "results" / f"{report['started'].replace(':', '-')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, output)
    print(f"\nwritten: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
