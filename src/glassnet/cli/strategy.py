"""The strategy commands: ``glassnet diagnose`` (bias/variance advisor) and ``glassnet search`` (random search)."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
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
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None, help="Continue the interrupted search whose --out folder is DIR (its finished trials are kept).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the best config and the files written.")
@click.option("--quiet", is_flag=True, help="No progress output.")
def search_command(**options: Any) -> None:
    """Random hyperparameter search on log scales, coarse to fine, on local processes or a Dask cluster."""
    from glassnet.files.atomic import remove_stale_temporaries
    from glassnet.files.run_lock import RunLock
    from glassnet.strategy.execution import check_scheduler_address

    ctx = click.get_current_context()
    if options["jobs"] == 0:
        raise ConfigError("--jobs expects a positive number of processes or -1 (one per core). Received: --jobs 0")
    if options["scheduler"]:
        check_scheduler_address(options["scheduler"])
    if options["resume_dir"] is not None:
        options = _resumed_search_options(ctx, options)
    with RunLock(options["out_dir"], notice=lambda message: click.echo(message, err=True)):
        remove_stale_temporaries(options["out_dir"])
        _run_search(ctx, options)


#: where and how a search runs or reports: never stored in search.json, and free to change on --resume
_RUN_OPTIONS = ("jobs", "scheduler", "out_dir", "resume_dir", "as_json", "quiet")


def _resumed_search_options(ctx: click.Context, options: dict[str, Any]) -> dict[str, Any]:
    """The options stored in ``DIR/search.json`` (each checked as its flag is), with this call's run options."""
    from glassnet.cli.options import flags_given, stored_option_values
    from glassnet.errors import ModelFileError
    from glassnet.files.safe_read import read_regular_file
    from glassnet.files.schema import parse_json

    folder = Path(options["resume_dir"])
    given = flags_given(ctx, _RUN_OPTIONS)
    if given:
        raise click.UsageError(f"--resume continues the stored search with its own options; only --jobs, --scheduler, --json and --quiet may be given. Received: {', '.join(given)}.")
    stored = parse_json(folder / "search.json", "search.json", read_regular_file(folder / "search.json", ModelFileError, 1024 * 1024))
    if not isinstance(stored, dict):
        raise ModelFileError(f"{folder / 'search.json'}: expected a table of search options.")
    checked = stored_option_values(ctx, stored, _RUN_OPTIONS, str(folder / "search.json"))
    return {**options, **checked, "out_dir": str(folder), "resume_dir": str(folder)}


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


def _start_journal(o: dict[str, Any], names: list[str]) -> tuple[Any, list[Any]]:
    """The trial journal of ``o["out_dir"]`` and the trials an interrupted run finished; a fresh search stores its options first."""
    from glassnet.cli.search_journal import TrialJournal, read_trials
    from glassnet.files.atomic import write_text_atomic
    from glassnet.strategy.search import DEFAULTS

    out, resuming = Path(o["out_dir"]), o["resume_dir"] is not None
    finished, skipped = read_trials(out / "trials.csv", names) if resuming else ([], 0)
    if resuming and not o["quiet"]:
        click.echo(f"resuming: {len(finished)} finished trial(s) in {out / 'trials.csv'}" + (f", {skipped} unreadable row(s) run again" if skipped else ""), err=True)
    if not resuming:
        stored = {name: value for name, value in o.items() if name not in _RUN_OPTIONS}
        stored["params"], stored["drop"] = list(o["params"]), list(o["drop"])
        if Path(o["data_name"]).is_file():
            stored["data_name"] = str(Path(o["data_name"]).resolve())
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "search.json", json.dumps(stored, indent=2) + "\n")
    return TrialJournal(out / "trials.csv", names, {**DEFAULTS, **_base_config(o)}, fresh=not resuming), finished


def _base_config(o: dict[str, Any]) -> dict[str, Any]:
    """The values of the hyperparameters that are not searched, from the options ``o``."""
    return {"layers": o["layers"], "activation": o["activation"], "optimizer": o["optimizer_name"], "batch_size": o["batch_size"], "epochs": o["epochs"]}


def _run_search(ctx: click.Context, o: dict[str, Any]) -> None:
    """Run (or continue) the search of options ``o``: record each trial as it finishes, then report and write the files."""
    from glassnet.cli.search_report import write_results
    from glassnet.data.splits import parse_split
    from glassnet.strategy.search import DEFAULTS, load_trial_data, search

    space, base, out = _search_space(o["params"]), _base_config(o), Path(o["out_dir"])
    data_settings = {"target": o["target"], "task": o["task"], "split": o["split_text"], "train_dev": o["train_dev"], "drop": list(o["drop"])}
    data = load_trial_data(o["data_name"], seed=o["seed"], target=o["target"], task=o["task"], fractions=parse_split(o["split_text"]),
                           train_dev=o["train_dev"], drop=tuple(o["drop"]))
    journal, finished = _start_journal(o, list(dict.fromkeys([*DEFAULTS, *base, *space])))

    def announce(index: int, ranges: dict[str, str]) -> None:
        if not o["quiet"]:
            click.echo(f"round {index}/{o['rounds']}: " + "  ".join(f"{name}={spec}" for name, spec in ranges.items()), err=True)

    started = time.perf_counter()
    try:
        result = search(space, data, trials=o["trials"], rounds=o["rounds"], base=base, seed=o["seed"], n_jobs=o["jobs"], scheduler=o["scheduler"],
                        on_round=announce, on_trial=journal.append, finished=finished, notice=lambda message: click.echo(message, err=True))
        seconds = time.perf_counter() - started
        files = write_results(result, space, out, seed=o["seed"], data_name=o["data_name"], task=data.task, data_settings=data_settings)
    except KeyboardInterrupt:
        click.echo(f"Interrupted: the finished trials are in {out / 'trials.csv'}. Continue with: glassnet search --resume {out}", err=True)
        ctx.exit(130)
    _report_search(result, space, files, seconds, o, data.task)


def _report_search(result: Any, space: dict[str, Any], files: dict[str, str], seconds: float, o: dict[str, Any], task: str) -> None:
    """Print the search's results (a table, or one JSON object with ``--json``); exit 2 if every trial failed."""
    from glassnet.cli.search_report import error_label

    label = error_label(task)
    if o["as_json"]:
        click.echo(json.dumps(_search_summary(result, o["data_name"], task, o["seed"], seconds, files)))
    else:
        _print_search(result, list(space), seconds, label)
        click.echo(f"best {label} by round: " + ", ".join("all failed" if e is None else f"{e:.4f}" for e in result.round_best()))
        for name, path in files.items():
            click.echo(f"{name.replace('_', ' ')}: {path}")
    result.best_config()  # every trial failed: exit 2 with their reasons, after the CSV is written


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
