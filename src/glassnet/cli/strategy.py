"""The strategy commands: ``glassnet diagnose`` (bias/variance advisor) and ``glassnet search`` (random search)."""

from __future__ import annotations

import json
import re
import sys
import time
from typing import Any

import click

from glassnet import defaults
from glassnet.cli.options import data_options
from glassnet.errors import ConfigError
from glassnet.nn.layers import ACTIVATIONS
from glassnet.optim.optimizers import OPTIMIZERS
from glassnet.strategy.diagnose import ParameterNames

#: the advisor names settings by these flags on the command line
CLI_NAMES = ParameterNames(layers="--layers", epochs="--epochs", optimizer="--optimizer", l2="--l2", keep_prob="--keep-prob",
                           human_error="--human-error", search="glassnet search")


def cli_words(message: str) -> str:
    """A library message in command-line words: ``train_error=0.5`` → ``--train-error 0.5``, ``unit=...`` → ``--unit``."""
    message = re.sub(r"\b(human|train_dev|train|dev|test)_error=(?!\.\.\.)", lambda m: f"--{m.group(1).replace('_', '-')}-error ", message)
    message = re.sub(r"\b(human|train_dev|train|dev|test)_error\b", lambda m: f"--{m.group(1).replace('_', '-')}-error", message)
    return message.replace("unit=...", "--unit").replace("unit=", "--unit ").replace("unit expects", "--unit expects")


def _diagnose_options(command: Any) -> Any:
    """The five error options of ``glassnet diagnose``."""
    for name in ("test", "dev", "train-dev", "train", "human"):
        label = {"human": "human-level (proxy for the Bayes error)", "train-dev": "train-dev (training distribution, not trained on)"}.get(name, name)
        command = click.option(f"--{name}-error", type=float, default=None, help=f"Error rate on {label}: a fraction or a percentage.")(command)
    return command


@click.command(name="diagnose")
@_diagnose_options
@click.option("--unit", type=click.Choice(["auto", "fraction", "percent"]), default="auto", show_default=True, help="How to read the errors (auto: percentages as soon as one exceeds 1).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def diagnose_command(human_error: float | None, train_error: float | None, train_dev_error: float | None, dev_error: float | None, test_error: float | None, unit: str, as_json: bool) -> None:
    """Bias/variance advisor: gaps between error rates, what to work on first, and remedies."""
    from glassnet.strategy.diagnose import diagnose

    try:
        diagnosis = diagnose(train_error, human_error, train_dev_error, dev_error, test_error, unit=unit, names=CLI_NAMES)
    except ConfigError as error:
        raise ConfigError(cli_words(str(error))) from None
    click.echo(json.dumps(diagnosis.to_dict()) if as_json else diagnosis.to_text())


DEFAULT_SEARCH_PARAMS = ("learning-rate=log:1e-4:1e-1", "l2=log:1e-6:1e-1")


@click.command(name="search")
@data_options
@click.option("--trials", type=click.IntRange(min=1), default=defaults.TRIALS, show_default=True, help="Trials in all, split evenly over the rounds.")
@click.option("--rounds", type=click.IntRange(min=1), default=1, show_default=True, help="Coarse-to-fine rounds: each narrows the ranges around the best trials.")
@click.option("--param", "params", multiple=True, metavar="NAME=DIST", help="A searched hyperparameter: log:A:B, one-minus-log:A:B, uniform:A:B, int:A:B or choice:u|v|w (repeat the option). Default: " + " ".join(DEFAULT_SEARCH_PARAMS))
@click.option("--layers", default=",".join(map(str, defaults.HIDDEN_LAYERS)), show_default=True, help="Hidden widths when layers are not searched.")
@click.option("--activation", type=click.Choice(list(ACTIVATIONS)), default=defaults.ACTIVATION, show_default=True)
@click.option("--optimizer", "optimizer_name", type=click.Choice(list(OPTIMIZERS)), default=defaults.OPTIMIZER, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=defaults.BATCH_SIZE, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=defaults.EPOCHS, show_default=True, help="Epochs of every trial.")
@click.option("--seed", type=click.IntRange(min=0), default=defaults.SEED, show_default=True, help="Seeds the data split, the sampling and every trial's network.")
@click.option("--jobs", type=click.IntRange(min=-1), default=defaults.JOBS, show_default=True, help="Local worker processes (-1: one per core; 1: run in this process).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", help="Run the trials on this Dask cluster instead (pip install 'glassnet[distributed]').")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="glassnet-search", show_default=True, help="Folder for trials.csv, search.png and best.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the best config and the files written.")
@click.option("--quiet", is_flag=True, help="No progress output.")
def search_command(data_name: str, target: str | None, drop: tuple[str, ...], task: str, split_text: str, train_dev: float, trials: int, rounds: int,
                   params: tuple[str, ...], layers: str, activation: str, optimizer_name: str, batch_size: int, epochs: int, seed: int, jobs: int,
                   scheduler: str | None, out_dir: str, as_json: bool, quiet: bool) -> None:
    """Random hyperparameter search on log scales, coarse to fine, on local processes or a Dask cluster."""
    from glassnet.cli.search_report import error_label, write_results
    from glassnet.data.splits import parse_split
    from glassnet.strategy.search import load_trial_data, search

    if jobs == 0:
        raise ConfigError("--jobs expects a positive number of processes or -1 (one per core). Received: --jobs 0")
    space = _search_space(params)
    base = {"layers": layers, "activation": activation, "optimizer": optimizer_name, "batch_size": batch_size, "epochs": epochs}
    data_settings = {"target": target, "task": task, "split": split_text, "train_dev": train_dev, "drop": list(drop)}

    def announce(index: int, ranges: dict[str, str]) -> None:
        if not quiet:
            listing = "  ".join(f"{name}={spec}" for name, spec in ranges.items())
            click.echo(f"round {index}/{rounds}: {listing}", err=True)

    data = load_trial_data(data_name, seed=seed, target=target, task=task, fractions=parse_split(split_text), train_dev=train_dev, drop=drop)
    started = time.perf_counter()
    result = search(space, data, trials=trials, rounds=rounds, base=base, seed=seed, n_jobs=jobs, scheduler=scheduler, on_round=announce)
    seconds = time.perf_counter() - started
    files = write_results(result, space, out_dir, seed=seed, data_name=data_name, task=data.task, data_settings=data_settings)
    label = error_label(data.task)
    if as_json:
        click.echo(json.dumps(_search_summary(result, data_name, data.task, seed, seconds, files)))
    else:
        _print_search(result, list(space), seconds, label)
        click.echo(f"best {label} by round: " + ", ".join("all failed" if e is None else f"{e:.4f}" for e in result.round_best()))
        for name, path in files.items():
            click.echo(f"{name.replace('_', ' ')}: {path}")
    result.best_config()  # every trial failed: exit 2 with their reasons, after the CSV is written


def _search_space(params: tuple[str, ...]) -> dict[str, Any]:
    """The ``--param`` distributions (every value checked now, before any trial runs)."""
    from glassnet.strategy.search import parse_param

    space: dict[str, Any] = {}
    for text in params or DEFAULT_SEARCH_PARAMS:
        name, distribution = parse_param(text)
        if name in space:
            raise ConfigError(f"--param {name.replace('_', '-')} is given twice. Received: {text!r}")
        space[name] = distribution
    return space


def _search_summary(result: Any, data_name: str, task: str, seed: int, seconds: float, files: dict[str, str]) -> dict[str, Any]:
    best = result.best
    return {
        "data": data_name,
        "task": task,
        "error": "1 - R²" if task == "regression" else "1 - accuracy",
        "trials": len(result.trials),
        "failed": len(result.failed),
        "seconds": round(seconds, 3),
        "rounds": result.rounds,
        "round_best_dev_error": result.round_best(),
        "best": None if best is None else {"config": {**result.best_config(), "seed": seed}, "dev_error": best.dev_error, "dev_accuracy": best.dev_accuracy, "train_error": best.train_error},
        "files": files,
    }


def _print_search(result: Any, names: list[str], seconds: float, label: str, rows: int = 15) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"glassnet search: {len(result.trials)} trials, {len(result.failed)} failed, {seconds:.1f} s (best {min(rows, len(result.trials))} by {label})")
    for column in ("rank", "trial", "round", label, label.replace("dev", "train"), *names):
        table.add_column(column, justify="right")
    for rank, trial in enumerate(result.ranked()[:rows], start=1):
        values = [f"{trial.config[name]:.4g}" if isinstance(trial.config[name], float) else str(trial.config[name]) for name in names]
        metrics = [f"{trial.dev_error:.4f}", f"{trial.train_error:.4f}"] if trial.ok else ["failed", trial.reason[:40]]
        table.add_row(str(rank), str(trial.trial), str(trial.round), *metrics, *values)
    Console(file=sys.stdout, width=max(100, 24 + 14 * len(names))).print(table)
