"""Using a model file: ``glassnet evaluate`` and ``glassnet predict``; ``glassnet datasets`` lists the bundled sets."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from glassnet.cli.safe_output import for_terminal, r_squared


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--data", "data_name", required=True, help="Bundled set or a .csv/.npz file with the target column.")
@click.option("--target", default=None, help="CSV target column (default: the one the model was trained on).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(model_path: str, data_name: str, target: str | None, as_json: bool) -> None:
    """Accuracy, error and confusion matrix of MODEL on every row of --data (MSE and R² for regression)."""
    from glassnet.cli.reports import evaluation, model_inputs
    from glassnet.estimators.saving import load_model

    model = load_model(model_path)
    X, y = model_inputs(model, data_name, target, need_target=True)
    report = {"model": model_path, "data": data_name, **evaluation(model, X, y)}
    if as_json:
        click.echo(json.dumps(report))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout)
    heading = f"{for_terminal(model_path)} on {for_terminal(data_name)} ({report['rows']} rows)"
    if model.task == "regression":
        console.print(f"{heading}: MSE {report['mse']:.6g}, {r_squared()} {report['r2']}")
        return
    console.print(f"{heading}: accuracy {report['accuracy']:.4f}, error {report['error']:.4f}")
    table = Table(title="confusion matrix (rows: true class, columns: predicted)")
    table.add_column("true \\ predicted")
    for name in report["class_names"]:
        table.add_column(for_terminal(name), justify="right")
    for name, row in zip(report["class_names"], report["confusion_matrix"]):
        table.add_row(for_terminal(name), *map(str, row))
    console.print(table)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--data", "data_name", required=True, help="A .csv file with the model's feature columns (a target column is ignored).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None, help="Write the predictions CSV here (default: stdout).")
def predict(model_path: str, data_name: str, out_path: str | None) -> None:
    """Predicted class names with their probabilities (or values for regression) for each row of --data."""
    from glassnet.cli.reports import model_inputs, predictions_csv
    from glassnet.estimators.saving import load_model
    from glassnet.files.atomic import write_text_atomic

    if out_path is not None:
        _refuse_overwriting(out_path, {"the model": model_path, "the input data": data_name})
    model = load_model(model_path)
    X, _ = model_inputs(model, data_name, None, need_target=False)
    text = predictions_csv(model, X)
    if out_path is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(out_path, text)
        click.echo(f"wrote {len(X)} predictions to {out_path}", err=True)


def _refuse_overwriting(out_path: str, inputs: dict[str, str]) -> None:
    """``--out`` must not name one of the command's own input files (it would replace it)."""
    from glassnet.errors import ConfigError

    out = Path(out_path)
    for what, path in inputs.items():
        source = Path(path)
        same = os.path.samefile(out, source) if out.exists() and source.exists() else out.resolve() == source.resolve()
        if same:
            raise ConfigError(f"--out {out_path} is {what} ({path}); writing there would replace it. Choose another file.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
def datasets(as_json: bool) -> None:
    """List the bundled data sets (no download needed) with their sizes."""
    from glassnet.data.bundled import describe_bundled

    rows = describe_bundled()
    if as_json:
        click.echo(json.dumps(rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="bundled data sets (use with --data NAME)")
    for column in ("name", "rows", "features", "task", "classes"):
        table.add_column(column, justify="left" if column in ("name", "task") else "right")
    for row in rows:
        table.add_row(*(str(row[column]) for column in ("name", "rows", "features", "task", "classes")))
    Console(file=sys.stdout).print(table)

