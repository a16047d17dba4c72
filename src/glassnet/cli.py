"""The ``glassnet`` command line (click). Bad input exits with status 2 and a one-line message.

``glassnet train`` trains a network on a bundled data set (digits by default), shows progress on
stderr, and prints train/dev/test accuracy (or one JSON object with ``--json``).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from . import __version__
from .errors import GlassnetError


class GlassnetGroup(click.Group):
    """Turns :class:`GlassnetError` into ``Error: ...`` and exit status 2 (a traceback only with ``--debug``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GlassnetError as error:
            if ctx.meta.get("glassnet.debug"):
                raise
            exception = click.ClickException(str(error))
            exception.exit_code = 2
            raise exception from None


@click.group(cls=GlassnetGroup)
@click.version_option(version=__version__, prog_name="glassnet")  # also from a source tree
@click.option("--debug", is_flag=True, help="Show a full traceback on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """glassnet: deep learning from scratch on NumPy, every formula readable and checked."""
    ctx.meta["glassnet.debug"] = debug


def _layers(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    from .builders import parse_layers

    try:
        return parse_layers(value)
    except GlassnetError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@click.option("--data", "data_name", default="digits", show_default=True, help="Bundled data set.")
@click.option("--layers", "hidden", default="64,32", show_default=True, callback=_layers, help="Hidden layer widths, e.g. 128,64 ('none' for logistic/softmax regression).")
@click.option("--activation", type=click.Choice(["relu", "leaky-relu", "tanh", "sigmoid"]), default="relu", show_default=True)
@click.option("--optimizer", "optimizer_name", type=click.Choice(["sgd", "momentum", "rmsprop", "adam"]), default="adam", show_default=True)
@click.option("--learning-rate", type=click.FloatRange(min=0.0, min_open=True), default=1e-3, show_default=True)
@click.option("--beta", type=click.FloatRange(min=0.0, max=1.0, max_open=True), default=None, help="β of momentum and RMSprop, β₁ of Adam (default: the optimizer's own).")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True, help="Mini-batch size (1 = stochastic).")
@click.option("--epochs", type=click.IntRange(min=1), default=40, show_default=True)
@click.option("--l2", type=click.FloatRange(min=0.0), default=0.0, show_default=True, help="L2 strength λ: cost + (λ/2m)·Σ‖W‖².")
@click.option("--decay", type=click.Choice(["none", "inverse-time", "exponential", "step"]), default="none", show_default=True)
@click.option("--decay-rate", type=click.FloatRange(min=0.0), default=0.1, show_default=True, help="k of inverse-time, r of exponential, drop factor of step.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the results.")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--human-error", type=click.FloatRange(min=0.0, max=1.0), default=None, help="Human-level error as a fraction (0.01 = 1%), for the bias/variance diagnosis.")
@click.option("--learning-curve", "learning_curve_path", is_flag=False, flag_value="learning_curve.png", default=None, help="Also train on growing parts of the training set and plot train/dev error (default file learning_curve.png).")
def train(
    data_name: str,
    hidden: tuple[int, ...],
    activation: str,
    optimizer_name: str,
    learning_rate: float,
    beta: float | None,
    batch_size: int,
    epochs: int,
    l2: float,
    decay: str,
    decay_rate: float,
    seed: int,
    as_json: bool,
    quiet: bool,
    human_error: float | None,
    learning_curve_path: str | None,
) -> None:
    """Train a network and report train/dev/test accuracy, with the bias/variance diagnosis."""
    from .builders import build_network, build_optimizer, build_schedule
    from .data import load_dataset, split_dataset

    dataset = load_dataset(data_name, seed=seed)
    splits = split_dataset(dataset, seed=seed)
    n_outputs = len(dataset.class_names) if dataset.task != "regression" else 1
    network = build_network(n_outputs, hidden, activation, dataset.task, l2=l2, seed=seed)
    optimizer = build_optimizer(optimizer_name, learning_rate, beta=beta)
    schedule = build_schedule(decay, learning_rate, decay_rate)
    started = time.perf_counter()
    history = network.fit(
        splits.X_train,
        splits.y_train,
        optimizer,
        epochs=epochs,
        batch_size=batch_size,
        schedule=schedule,
        validation_data=(splits.X_dev, splits.y_dev),
        verbose=0 if quiet else 1,
    )
    seconds = time.perf_counter() - started
    results: dict[str, Any] = {"data": data_name, "epochs_run": len(history), "seconds": round(seconds, 3)}
    for split, X, y in (("train", splits.X_train, splits.y_train), ("dev", splits.X_dev, splits.y_dev), ("test", splits.X_test, splits.y_test)):
        accuracy = network.score(X, y)
        results[f"{split}_accuracy"] = accuracy
        results[f"{split}_error"] = 1.0 - accuracy
    from .diagnose import diagnose

    diagnosis = diagnose(results["train_error"], human_error, dev_error=results["dev_error"], test_error=results["test_error"], unit="fraction")
    results["diagnosis"] = diagnosis.to_dict()
    if learning_curve_path is not None:
        results["learning_curve"] = _learning_curve(network, optimizer, schedule, splits, epochs, batch_size, seed, learning_curve_path, quiet)
    if as_json:
        click.echo(json.dumps(results))
        return
    _print_results(results)
    click.echo(diagnosis.to_text())


def _print_results(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"glassnet on {results['data']} ({results['epochs_run']} epochs, {results['seconds']:.1f} s)")
    table.add_column("split")
    table.add_column("accuracy", justify="right")
    table.add_column("error", justify="right")
    for split in ("train", "dev", "test"):
        table.add_row(split, f"{results[f'{split}_accuracy']:.4f}", f"{results[f'{split}_error']:.4f}")
    Console(file=sys.stdout).print(table)


def _learning_curve(network: Any, optimizer: Any, schedule: Any, splits: Any, epochs: int, batch_size: int, seed: int, path: str, quiet: bool) -> dict[str, Any]:
    """Train fresh copies of the network on growing parts of the training split; plot to ``path``."""
    from .learning_curve import learning_curve
    from .plots import plot_learning_curve

    if not quiet:
        click.echo("learning curve: training on 10%, 25%, 50%, 75% and 100% of the training rows", err=True)
    curve = learning_curve(network, optimizer, splits.X_train, splits.y_train, splits.X_dev, splits.y_dev, epochs=epochs, batch_size=batch_size, schedule=schedule, seed=seed)
    return {**curve.to_dict(), "plot": str(plot_learning_curve(curve, path))}


def _diagnose_options(command: Any) -> Any:
    """The five error options of ``glassnet diagnose``."""
    for name in ("test", "dev", "train-dev", "train", "human"):
        label = {"human": "human-level (proxy for the Bayes error)", "train-dev": "train-dev (training distribution, not trained on)"}.get(name, name)
        command = click.option(f"--{name}-error", type=float, default=None, help=f"Error rate on {label}: a fraction or a percentage.")(command)
    return command


@main.command(name="diagnose")
@_diagnose_options
@click.option("--unit", type=click.Choice(["auto", "fraction", "percent"]), default="auto", show_default=True, help="How to read the errors (auto: percentages as soon as one exceeds 1).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def diagnose_command(human_error: float | None, train_error: float | None, train_dev_error: float | None, dev_error: float | None, test_error: float | None, unit: str, as_json: bool) -> None:
    """Bias/variance advisor: gaps between error rates, what to work on first, and remedies."""
    from .diagnose import diagnose

    diagnosis = diagnose(train_error, human_error, train_dev_error, dev_error, test_error, unit=unit)
    click.echo(json.dumps(diagnosis.to_dict()) if as_json else diagnosis.to_text())


DEFAULT_SEARCH_PARAMS = ("learning-rate=log:1e-4:1e-1", "l2=log:1e-6:1e-1")


@main.command(name="search")
@click.option("--data", "data_name", default="digits", show_default=True, help="Bundled data set.")
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True, help="Trials in all, split evenly over the rounds.")
@click.option("--rounds", type=click.IntRange(min=1), default=1, show_default=True, help="Coarse-to-fine rounds: each narrows the ranges around the best trials.")
@click.option("--param", "params", multiple=True, metavar="NAME=DIST", help="A searched hyperparameter: log:A:B, one-minus-log:A:B, uniform:A:B, int:A:B or choice:u|v|w (repeat the option). Default: " + " ".join(DEFAULT_SEARCH_PARAMS))
@click.option("--layers", default="64,32", show_default=True, help="Hidden widths when layers are not searched.")
@click.option("--activation", type=click.Choice(["relu", "leaky-relu", "tanh", "sigmoid"]), default="relu", show_default=True)
@click.option("--optimizer", "optimizer_name", type=click.Choice(["sgd", "momentum", "rmsprop", "adam"]), default="adam", show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True, help="Epochs of every trial.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seeds the data split, the sampling and every trial's network.")
@click.option("--jobs", type=click.IntRange(min=-1), default=-1, show_default=True, help="Local worker processes (-1: one per core; 1: run in this process).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", help="Run the trials on this Dask cluster instead (pip install 'glassnet[distributed]').")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="glassnet-search", show_default=True, help="Folder for trials.csv, search.png and best.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the best config and the files written.")
@click.option("--quiet", is_flag=True, help="No progress output.")
def search_command(
    data_name: str,
    trials: int,
    rounds: int,
    params: tuple[str, ...],
    layers: str,
    activation: str,
    optimizer_name: str,
    batch_size: int,
    epochs: int,
    seed: int,
    jobs: int,
    scheduler: str | None,
    out_dir: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Random hyperparameter search on log scales, coarse to fine, on local processes or a Dask cluster."""
    from .errors import ConfigError
    from .search import load_trial_data, parse_param, search, write_results

    if jobs == 0:
        raise ConfigError("--jobs expects a positive number of processes or -1 (one per core). Received: --jobs 0")
    space = {}
    for text in params or DEFAULT_SEARCH_PARAMS:
        name, distribution = parse_param(text)
        if name in space:
            raise ConfigError(f"--param {name.replace('_', '-')} is given twice. Received: {text!r}")
        space[name] = distribution
    base = {"layers": layers, "activation": activation, "optimizer": optimizer_name, "batch_size": batch_size, "epochs": epochs}

    def announce(index: int, ranges: dict[str, str]) -> None:
        if not quiet:
            listing = "  ".join(f"{name}={spec}" for name, spec in ranges.items())
            click.echo(f"round {index}/{rounds}: {listing}", err=True)

    data = load_trial_data(data_name, seed=seed)
    started = time.perf_counter()
    result = search(space, data, trials=trials, rounds=rounds, base=base, seed=seed, n_jobs=jobs, scheduler=scheduler, on_round=announce)
    seconds = time.perf_counter() - started
    files = write_results(result, space, out_dir, seed=seed, data_name=data_name)
    best = result.best
    summary = {
        "data": data_name,
        "trials": len(result.trials),
        "failed": len(result.failed),
        "seconds": round(seconds, 3),
        "rounds": result.rounds,
        "round_best_dev_error": result.round_best(),
        "best": None if best is None else {"config": {**result.best_config(), "seed": seed}, "dev_error": best.dev_error, "dev_accuracy": best.dev_accuracy, "train_error": best.train_error},
        "files": files,
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        _print_search(result, list(space), seconds)
        click.echo("best dev error by round: " + ", ".join("all failed" if e is None else f"{e:.4f}" for e in result.round_best()))
        for name, path in files.items():
            click.echo(f"{name.replace('_', ' ')}: {path}")
    result.best_config()  # every trial failed: exit 2 with their reasons, after the CSV is written


def _print_search(result: Any, names: list[str], seconds: float, rows: int = 15) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"glassnet search: {len(result.trials)} trials, {len(result.failed)} failed, {seconds:.1f} s (best {min(rows, len(result.trials))} by dev error)")
    for column in ("rank", "trial", "round", "dev error", "train error", *names):
        table.add_column(column, justify="right")
    for rank, trial in enumerate(result.ranked()[:rows], start=1):
        values = [f"{trial.config[name]:.4g}" if isinstance(trial.config[name], float) else str(trial.config[name]) for name in names]
        metrics = [f"{trial.dev_error:.4f}", f"{trial.train_error:.4f}"] if trial.ok else ["failed", trial.reason[:40]]
        table.add_row(str(rank), str(trial.trial), str(trial.round), *metrics, *values)
    Console(file=sys.stdout, width=max(100, 24 + 14 * len(names))).print(table)


if __name__ == "__main__":  # pragma: no cover
    main()
