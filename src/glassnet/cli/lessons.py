"""``glassnet lessons`` (the list of experiments) and ``glassnet lesson NAME|all`` (run them, write the report).

``lesson NAME`` prints the table of measured numbers, the checks and the verdict, and writes the figures,
``results.json`` and ``index.html`` under ``--out`` (default ``./lessons/NAME``); ``lesson all`` runs every
experiment in course order and writes ``index.html`` with a section per experiment (figures under
``--out/NAME/``). ``--quick`` uses each experiment's smaller settings; ``--json`` prints one JSON object.
A claim that does not hold is reported, not an error: the exit status is 0 either way.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from glassnet import defaults


@click.command("lessons")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
def lessons_command(as_json: bool) -> None:
    """List the experiments: lesson, name and the claim each one checks."""
    from glassnet.lessons.registry import EXPERIMENTS

    rows = [{"lesson": e.lesson, "name": e.name, "claim": e.claim} for e in EXPERIMENTS]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="glassnet lessons (run one with: glassnet lesson NAME, or all)")
    for column in ("lesson", "name", "claim"):
        table.add_column(column, justify="right" if column == "lesson" else "left", overflow="fold")
    for row in rows:
        table.add_row(str(row["lesson"]), row["name"], row["claim"])
    Console(file=sys.stdout, width=max(100, Console().width)).print(table)


def _print_result(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=max(100, Console().width))
    table = Table(title=f"lesson {result.lesson} · {result.name}: {result.claim}", title_justify="left")
    columns = list(dict.fromkeys(key for row in result.table for key in row))
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in result.table:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    console.print(table)
    for check in result.checks:
        console.print(f"  {'✓' if check.passed else '✗'} {check.description}", markup=False, highlight=False)
    console.print(f"verdict: {result.verdict}  ({result.seconds:.1f} s)", markup=False, highlight=False)


@click.command("lesson")
@click.argument("name")
@click.option("--quick", is_flag=True, help="Smaller settings (a few seconds per experiment).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the figures, results.json and index.html (default ./lessons/NAME).")
@click.option("--seed", type=click.IntRange(min=0), default=defaults.SEED, show_default=True, help="Seeds data and networks.")
def lesson_command(name: str, quick: bool, as_json: bool, out: Path | None, seed: int) -> None:
    """Run one experiment (NAME, see `glassnet lessons`) or all of them, and write the report."""
    from threadpoolctl import threadpool_limits

    from glassnet.cli.lesson_report import write_report
    from glassnet.lessons.registry import EXPERIMENTS, get_experiment

    chosen = list(EXPERIMENTS) if name == "all" else [get_experiment(name)]
    out = Path("lessons") / name if out is None else out
    started = time.perf_counter()
    results = []
    with threadpool_limits(limits=1):  # small matrices: one BLAS thread is faster and makes the numbers repeat
        for experiment in chosen:
            if not as_json and len(chosen) > 1:
                click.echo(f"running {experiment.name} …", err=True)
            result = experiment.run(quick=quick, seed=seed)
            results.append(result)
            if not as_json:
                _print_result(result)
    seconds = time.perf_counter() - started
    index = write_report(results, out, seconds, nested=len(chosen) > 1)
    if as_json:
        if len(results) == 1:
            payload: dict[str, Any] = {**results[0].to_dict(), "report": str(index)}
        else:
            payload = {"seconds": round(seconds, 3), "report": str(index), "results": [r.to_dict() for r in results]}
        click.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False))
        return
    holding = sum(result.verdict == "holds" for result in results)
    click.echo(f"{holding} of {len(results)} claims hold ({seconds:.1f} s). Report: {index}")
