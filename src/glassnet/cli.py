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
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True, help="Mini-batch size (1 = stochastic).")
@click.option("--epochs", type=click.IntRange(min=1), default=40, show_default=True)
@click.option("--l2", type=click.FloatRange(min=0.0), default=0.0, show_default=True, help="L2 strength λ: cost + (λ/2m)·Σ‖W‖².")
@click.option("--decay", type=click.Choice(["none", "inverse-time", "exponential", "step"]), default="none", show_default=True)
@click.option("--decay-rate", type=click.FloatRange(min=0.0), default=0.1, show_default=True, help="k of inverse-time, r of exponential, drop factor of step.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the results.")
@click.option("--quiet", is_flag=True, help="No progress output.")
def train(
    data_name: str,
    hidden: tuple[int, ...],
    activation: str,
    optimizer_name: str,
    learning_rate: float,
    batch_size: int,
    epochs: int,
    l2: float,
    decay: str,
    decay_rate: float,
    seed: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Train a network and report train/dev/test accuracy."""
    from .builders import build_network, build_optimizer, build_schedule
    from .data import load_dataset, split_dataset

    dataset = load_dataset(data_name, seed=seed)
    splits = split_dataset(dataset, seed=seed)
    n_outputs = len(dataset.class_names) if dataset.task != "regression" else 1
    network = build_network(n_outputs, hidden, activation, dataset.task, l2=l2, seed=seed)
    optimizer = build_optimizer(optimizer_name, learning_rate)
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
    if as_json:
        click.echo(json.dumps(results))
        return
    _print_results(results)


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


if __name__ == "__main__":  # pragma: no cover
    main()
