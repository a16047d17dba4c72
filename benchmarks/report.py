"""What ``compare.py`` makes of its runs: medians, ratios, the table, the goals, and whether to trust any of it.

Every verdict here is computed from the numbers of one run; nothing is typed in by hand.
"""

from __future__ import annotations

import statistics
from typing import Any

IMPLEMENTATIONS = ("glassnet", "glassnet-numpy", "torch", "torch-fused", "torch-fused-ftz", "sklearn", "floor")
TORCH_IMPLEMENTATIONS = ("torch", "torch-fused", "torch-fused-ftz")
LABELS = {
    "glassnet": "glassnet",
    "glassnet-numpy": "glassnet, NumPy fallback (no numba)",
    "torch": "PyTorch eager, default Adam",
    "torch-fused": "PyTorch, fused Adam",
    "torch-fused-ftz": "PyTorch, fused Adam + flush denormals",
    "sklearn": "scikit-learn MLPClassifier",
    "floor": "GEMM floor + one pass over the state",
}
#: a verdict of "too noisy" when rounds of one cell differ by more than this fraction of their median ...
MAX_SPREAD = 0.10
#: ... or other processes took more than this share of the machine's CPU during a timed run
MAX_OTHERS_SHARE = 0.10
#: ... or an implementation beat the floor by more than this (impossible: the measurement is wrong)
FLOOR_SLACK = 1.05
#: the speed issue's goals: glassnet ÷ fastest PyTorch, and glassnet ÷ floor, per (scenario, batch)
GOALS_TORCH = {("big", "32"): 1.2, ("big", "128"): 1.2, ("big", "512"): 1.2, ("small", "32"): 5.0}
GOALS_FLOOR = {("big", "32"): 0.5, ("big", "128"): 0.75, ("big", "512"): 0.75}


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``summary[scenario][impl][batch]``: median samples/s, the runs behind it, their spread, peak memory, dtype."""
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for run in runs:
        if "samples_per_second" not in run:
            continue
        cell = summary.setdefault(run.get("label", run["scenario"]), {}).setdefault(run["impl"], {}).setdefault(
            str(run["batch_size"]), {"runs": [], "peak_rss_mb": 0.0, "dtype": run.get("dtype")})
        cell["runs"].append(run["samples_per_second"])
        cell["peak_rss_mb"] = max(cell["peak_rss_mb"], run["peak_rss_mb"])
    for scenario in summary.values():
        for cells in scenario.values():
            for cell in cells.values():
                cell["median"] = statistics.median(cell["runs"])
                cell["spread"] = (max(cell["runs"]) - min(cell["runs"])) / cell["median"]
    return summary


def ratios(summary: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, float]]]:
    """glassnet's median divided by each peer's median (and by the fastest PyTorch), per scenario and batch size."""
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


def slowdowns(summary: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Under-load scenario: quiet median ÷ busy median per implementation and batch (2.0 = half the speed)."""
    quiet, busy = summary.get("load-quiet", {}), summary.get("load-busy", {})
    return {impl: {batch: quiet[impl][batch]["median"] / cell["median"] for batch, cell in cells.items() if batch in quiet.get(impl, {})}
            for impl, cells in busy.items()}


def format_table(summary: dict, ratio_table: dict) -> str:
    """Markdown: samples/s (thousands) and the share of the floor per implementation and batch size, then ratios."""
    lines = []
    for scenario, impls in summary.items():
        if scenario.startswith("load-"):
            continue
        batches = sorted({batch for cells in impls.values() for batch in cells}, key=int)
        floor = impls.get("floor", {})
        lines += [f"**{scenario}** — samples/s (median; in brackets: share of the floor), peak memory of the process; "
                  "glassnet is the default install", "",
                  "| implementation | " + " | ".join(f"bs {batch}" for batch in batches) + " | peak MB | dtype |",
                  "|---" * (len(batches) + 3) + "|"]
        for impl in IMPLEMENTATIONS:
            if impl not in impls:
                continue
            cells = impls[impl]
            values = [_cell(cells.get(batch), floor.get(batch), impl != "floor") for batch in batches]
            peak = max(cell["peak_rss_mb"] for cell in cells.values())
            dtype = next(iter(cells.values()))["dtype"]
            lines.append(f"| {LABELS[impl]} | " + " | ".join(values) + f" | {peak:.0f} | {dtype} |")
        for peer, row in ratio_table.get(scenario, {}).items():
            values = [f"{row[batch]:.2f}×" if batch in row else "—" for batch in batches]
            lines.append(f"| glassnet ÷ {LABELS.get(peer, peer)} | " + " | ".join(values) + " | | |")
        lines.append("")
    return "\n".join(lines)


def _cell(cell: dict | None, floor: dict | None, share: bool) -> str:
    if cell is None:
        return "—"
    text = f"{cell['median'] / 1000:.1f}k"
    return f"{text} ({cell['median'] / floor['median']:.0%})" if share and floor else text


def format_load_table(summary: dict, slowdown_table: dict, competitors: int, cpus: int) -> str:
    """Markdown: quiet vs busy samples/s and the slowdown, with the slowdown a fair share of the CPU allows."""
    if not slowdown_table:
        return ""
    allowed = allowed_slowdown(competitors, cpus)
    lines = [f"**under load** — {competitors} CPU-bound competitor process(es) on {cpus} CPUs: a fair share allows a "
             f"slowdown of {allowed:.2f}×", "", "| implementation | batch | quiet | busy | slowdown |", "|---|---|---|---|---|"]
    for impl, row in slowdown_table.items():
        for batch, factor in sorted(row.items(), key=lambda item: int(item[0])):
            quiet, busy = summary["load-quiet"][impl][batch]["median"], summary["load-busy"][impl][batch]["median"]
            lines.append(f"| {LABELS.get(impl, impl)} | {batch} | {quiet / 1000:.1f}k | {busy / 1000:.1f}k | {factor:.2f}× |")
    return "\n".join(lines) + "\n"


def allowed_slowdown(competitors: int, cpus: int) -> float:
    """1 / (the CPU share the competitors leave): 2.0 when one competitor takes one of two CPUs."""
    return 1.0 / max(1.0 - competitors / cpus, 1.0 / cpus)


def noise_verdict(summary: dict, runs: list[dict[str, Any]]) -> tuple[bool, list[str]]:
    """``(trustworthy, reasons)`` from the spread between rounds, other processes' CPU use and impossible ratios."""
    reasons = []
    for scenario, impls in summary.items():
        for impl, cells in impls.items():
            for batch, cell in cells.items():
                if len(cell["runs"]) > 1 and cell["spread"] > MAX_SPREAD:
                    reasons.append(f"{scenario} {impl} bs {batch}: rounds differ by {cell['spread']:.0%} of the median")
                floor = impls.get("floor", {}).get(batch)
                if floor and impl != "floor" and cell["median"] > FLOOR_SLACK * floor["median"]:
                    reasons.append(f"{scenario} {impl} bs {batch}: {cell['median'] / floor['median']:.2f}× the floor, "
                                   "which is impossible")
    busy = [run for run in runs if run.get("others_cpu_share", 0.0) > MAX_OTHERS_SHARE]
    if busy:
        worst = max(busy, key=lambda run: run["others_cpu_share"])
        reasons.append(f"{len(busy)} of {len(runs)} runs shared the machine with other processes "
                       f"(up to {worst['others_cpu_share']:.0%} of its CPU, in {worst.get('label', worst['scenario'])} "
                       f"{worst['impl']} bs {worst['batch_size']})")
    single = [scenario for scenario, impls in summary.items() if any(len(c["runs"]) < 2 for cells in impls.values() for c in cells.values())]
    if single:
        reasons.append(f"only one round in {', '.join(sorted(set(single)))}: the spread between rounds is unknown")
    return not reasons, reasons


def goal_verdicts(ratio_table: dict, slowdown_table: dict, competitors: int, cpus: int) -> list[str]:
    """One line per goal of the speed issue that this run measured: the number, the target, met or not."""
    lines = []
    for (scenario, batch), target in GOALS_TORCH.items():
        value = ratio_table.get(scenario, {}).get("fastest PyTorch", {}).get(batch)
        if value is not None:
            lines.append(_goal(f"{scenario} bs {batch}: glassnet ÷ fastest PyTorch", value, target, "×"))
    for (scenario, batch), target in GOALS_FLOOR.items():
        value = ratio_table.get(scenario, {}).get("floor", {}).get(batch)
        if value is not None:
            lines.append(_goal(f"{scenario} bs {batch}: glassnet ÷ floor", value, target, "%"))
    allowed = allowed_slowdown(competitors, cpus)
    for impl, row in slowdown_table.items():
        for batch, factor in row.items():
            met = "met" if factor <= allowed else "NOT met"
            lines.append(f"under load, {impl} bs {batch}: slowdown {factor:.2f}× (fair share ≤ {allowed:.2f}×): {met}")
    return lines


def _goal(what: str, value: float, target: float, unit: str) -> str:
    shown = (f"{value:.0%}", f"{target:.0%}") if unit == "%" else (f"{value:.2f}×", f"{target:g}×")
    return f"{what} = {shown[0]} (goal ≥ {shown[1]}): {'met' if value >= target else 'NOT met'}"
