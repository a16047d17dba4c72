"""Using a model file: ``glassnet evaluate`` and ``glassnet predict``; ``glassnet datasets`` lists the bundled sets."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from glassnet.cli import formats
from glassnet.cli.safe_output import for_terminal, r_squared


#: a confusion matrix with more classes than this is summarised on screen and written in full to a CSV file
MAX_MATRIX_CLASSES = 12


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--data", "data_name", required=True, help="Bundled set or a .csv/.npz file with the target column.")
@click.option("--target", default=None, help="CSV target column (default: the one the model was trained on).")
@click.option("--split", type=click.Choice(["test", "dev", "train", "all"]), default=None,
              help="Rows to score: a part of the model's own split, or all. Default: test when --data is the set the model was trained on, else all.")
@click.option("--confusion-csv", type=click.Path(dir_okay=False), default=None,
              help=f"Where to write the full confusion matrix of a model with more than {MAX_MATRIX_CLASSES} classes (default: beside MODEL).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(model_path: str, data_name: str, target: str | None, split: str | None, confusion_csv: str | None, as_json: bool) -> None:
    """Accuracy, error and confusion matrix of MODEL on the test rows of --data (MSE and R² for regression)."""
    from glassnet.cli.reports import evaluation, model_inputs, select_split
    from glassnet.estimators.saving import load_model

    model = load_model(model_path)
    X, y = model_inputs(model, data_name, target, need_target=True)
    X, y, split, rows = select_split(model, X, y, split)
    report = {"model": model_path, "data": data_name, "split": split, **evaluation(model, X, y, rows)}
    if as_json:
        click.echo(json.dumps(report))
        return
    rows = "all rows" if split == "all" else f"{split} rows of its split"
    click.echo(f"model: {for_terminal(model_path)}\ndata:  {for_terminal(data_name)}, {rows} ({report['rows']})")
    if model.task == "regression":
        click.echo(f"MSE {formats.score(report['mse'])}   {r_squared()} {formats.score(report['r2'])}")
        return
    click.echo(f"accuracy {formats.rate(report['accuracy'])}   error {formats.rate(report['error'])}")
    if len(report["class_names"]) > MAX_MATRIX_CLASSES:
        path = confusion_csv or str(Path(model_path).with_name(Path(model_path).stem + ".confusion.csv"))
        _print_matrix_summary(report, path)
    else:
        _print_matrix(report)


def _print_matrix(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    click.echo("confusion matrix (rows: true class, columns: predicted):")
    table = Table()
    table.add_column("true \\ predicted")
    for name in report["class_names"]:
        table.add_column(for_terminal(name), justify="right")
    for name, row in zip(report["class_names"], report["confusion_matrix"]):
        table.add_row(for_terminal(name), *map(str, row))
    Console(file=sys.stdout).print(table)


def _print_matrix_summary(report: dict, path: str, shown: int = 5) -> None:
    """Per-class accuracy (recall) of the best and worst classes, and the full matrix written to ``path``."""
    from glassnet.cli.reports import confusion_csv
    from glassnet.files.atomic import write_text_atomic

    matrix, names = report["confusion_matrix"], [for_terminal(name) for name in report["class_names"]]
    recall = [(row[k] / sum(row) if sum(row) else None, name) for k, (name, row) in enumerate(zip(names, matrix))]
    scored = sorted((value, name) for value, name in recall if value is not None)
    click.echo(f"per-class accuracy (the {shown} best and {shown} worst of {len(scored)} classes with rows):")
    width = max(len(name) for _, name in scored)
    for word, part in (("best", scored[::-1][:shown]), ("worst", scored[:shown])):
        click.echo("\n".join(f"  {word:<5}  {name:<{width}}  {formats.rate(value)}" for value, name in part))
    write_text_atomic(path, confusion_csv(report["class_names"], matrix))
    click.echo(f"full confusion matrix ({len(names)} × {len(names)}) written to:\n{for_terminal(path)}")


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

