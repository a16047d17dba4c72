"""The ``glassnet`` command line (click). Bad input exits with status 2 and a one-line message.

``glassnet train`` trains a network on a bundled data set (digits by default) or a CSV/NPZ file, shows
progress on stderr, and prints train/dev/test accuracy (or one JSON object with ``--json``); with
``--out DIR`` it writes a model file, the history, metrics and plots, and checkpoints for ``--resume``.
Every ``train`` flag can also come from ``--config FILE.toml`` (flags given on the command line win).
``evaluate``, ``predict`` and ``datasets`` use model files and list the bundled sets.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from . import __version__
from .builders import DECAYS
from .data import TASK_CHOICES
from .errors import GlassnetError
from .layers import ACTIVATIONS
from .optimizers import OPTIMIZERS


class GlassnetGroup(click.Group):
    """Turns :class:`GlassnetError` into ``Error: ...`` and exit status 2 (a traceback only with ``--debug``).

    An ``OSError`` (an output folder that does not exist or cannot be written) is reported the same way.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (GlassnetError, OSError) as error:
            if ctx.meta.get("glassnet.debug"):
                raise
            message = str(error)
            if isinstance(error, OSError) and not isinstance(error, GlassnetError):
                where = error.filename if error.filename is not None else "file system"
                message = f"{where}: {error.strerror or error}"
            exception = click.ClickException(message)
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


def _read_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--config FILE.toml``: its keys become the defaults of the command's options (flags still win).

    A key is an option's long name with ``_`` or ``-`` (``learning_rate = 0.01``, ``layers = "64,32"``,
    ``batchnorm = true``); an array becomes a comma-separated value. Unknown keys are refused.
    """
    if value is None:
        return
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
        import tomli as tomllib  # type: ignore[no-redef]

    try:
        table = tomllib.loads(Path(value).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"{value}: cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise click.BadParameter(f"{value}: not valid TOML ({error}).") from None
    names: dict[str, str] = {}
    for option in ctx.command.params:
        if isinstance(option, click.Option) and option.name and option.expose_value and option.name != "resume_dir":
            names.update({flag.lstrip("-").replace("-", "_"): option.name for flag in option.opts if flag.startswith("--")})
    defaults = dict(ctx.default_map or {})
    for key, setting in table.items():
        name = names.get(key.replace("-", "_"))
        if name is None:
            raise click.BadParameter(f"{value}: unknown setting {key!r}; expected one of: {', '.join(sorted(names))}.")
        if isinstance(setting, list):
            setting = ",".join(str(item) for item in setting)
        if isinstance(setting, dict):
            raise click.BadParameter(f"{value}: setting {key!r} must be a single value. Received a table.")
        defaults[name] = setting
    ctx.default_map = defaults


@main.command()
@click.option("--config", type=click.Path(exists=True, dir_okay=False), is_eager=True, expose_value=False, callback=_read_config, help="TOML file of option values (flags override it).")
@click.option("--data", "data_name", default="digits", show_default=True, help="Bundled set (see 'glassnet datasets') or a .csv/.npz file.")
@click.option("--target", default=None, help="CSV target column (default: the last column).")
@click.option("--task", type=click.Choice(TASK_CHOICES), default="auto", show_default=True, help="auto: integers with ≤ 20 values or text are classes, other numbers regression.")
@click.option("--split", "split_text", default="0.6,0.2,0.2", show_default=True, help="train,dev,test fractions.")
@click.option("--train-dev", type=click.FloatRange(0.0, 0.5), default=0.0, show_default=True, help="Fraction of the training split held out as the train-dev slice.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Folder for model.safetensors, history.csv, metrics.json, plots and checkpoints.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=1, show_default=True, help="Epochs between checkpoints (with --out).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None, help="Continue the run whose --out folder is DIR.")
@click.option("--layers", "hidden", default="64,32", show_default=True, callback=_layers, help="Hidden layer widths, e.g. 128,64 ('none' for logistic/softmax regression).")
@click.option("--activation", type=click.Choice(list(ACTIVATIONS)), default="relu", show_default=True)
@click.option("--optimizer", "optimizer_name", type=click.Choice(list(OPTIMIZERS)), default="adam", show_default=True)
@click.option("--learning-rate", type=click.FloatRange(min=0.0, min_open=True), default=1e-3, show_default=True)
@click.option("--beta", type=click.FloatRange(min=0.0, max=1.0, max_open=True), default=None, help="β of momentum and RMSprop, β₁ of Adam (default: the optimizer's own).")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True, help="Mini-batch size (1 = stochastic).")
@click.option("--epochs", type=click.IntRange(min=1), default=40, show_default=True)
@click.option("--l2", type=click.FloatRange(min=0.0), default=0.0, show_default=True, help="L2 strength λ: cost + (λ/2m)·Σ‖W‖².")
@click.option("--decay", type=click.Choice(list(DECAYS)), default="none", show_default=True)
@click.option("--decay-rate", type=click.FloatRange(min=0.0), default=None, help="k of inverse-time (default 0.1), r of exponential (default 0.95), drop factor of step every 10 epochs (default 0.5).")
@click.option("--keep-prob", type=click.FloatRange(min=0.0, max=1.0, min_open=True), default=1.0, show_default=True, help="Dropout keep probability after each hidden activation (1 = no dropout).")
@click.option("--batchnorm", is_flag=True, help="Batch normalisation between each hidden Dense and its activation.")
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
    decay_rate: float | None,
    keep_prob: float,
    batchnorm: bool,
    seed: int,
    as_json: bool,
    quiet: bool,
    target: str | None,
    task: str,
    split_text: str,
    train_dev: float,
    out_dir: str | None,
    checkpoint_every: int,
    resume_dir: str | None,
    human_error: float | None,
    learning_curve_path: str | None,
) -> None:
    """Train a network and report train/dev/test accuracy with the bias/variance diagnosis (and write a run folder with --out)."""
    from ._cli_support import split_metrics, write_run_folder
    from .builders import build_network, build_optimizer, build_schedule
    from .data import load_data, parse_split, split_dataset
    from .training import fit

    ctx = click.get_current_context()
    if resume_dir is not None:
        return _resume(ctx, resume_dir)
    dataset = load_data(data_name, target, task, seed=seed)
    splits = split_dataset(dataset, parse_split(split_text), seed=seed, train_dev=train_dev)
    n_outputs = len(dataset.class_names) if dataset.task != "regression" else 1
    network = build_network(n_outputs, hidden, activation, dataset.task, l2=l2, seed=seed, keep_prob=keep_prob, batchnorm=batchnorm)
    optimizer = build_optimizer(optimizer_name, learning_rate, beta=beta)
    schedule = build_schedule(decay, learning_rate, decay_rate)
    resumed_epoch = ctx.meta.get("glassnet.resumed_epoch", 0)
    checkpointing: dict[str, Any] = {}
    if out_dir is not None:
        options = {name: list(value) if isinstance(value, tuple) else value for name, value in ctx.params.items()}
        if Path(data_name).is_file():  # so --resume works from any folder
            options["data_name"] = str(Path(data_name).resolve())
        checkpointing = {"checkpoint_dir": Path(out_dir) / "checkpoints", "checkpoint_every": checkpoint_every,
                         "resume": resumed_epoch > 0, "checkpoint_extra": {"options": options}}
    started = time.perf_counter()
    history = fit(
        network,
        splits.X_train,
        splits.y_train,
        optimizer,
        epochs=max(epochs - resumed_epoch, 0),
        batch_size=batch_size,
        schedule=schedule,
        validation_data=(splits.X_dev, splits.y_dev),
        verbose=0 if quiet else 1,
        **checkpointing,
    )
    seconds = time.perf_counter() - started
    if history.interrupted:
        click.echo(f"Interrupted: the state after epoch {len(history)} is saved in {checkpointing['checkpoint_dir']}. "
                   f"Continue with: glassnet train --resume {out_dir}", err=True)
        ctx.exit(130)
    results: dict[str, Any] = {"data": data_name, "task": dataset.task, "epochs_run": len(history), "seconds": round(seconds, 3)}
    results.update(split_metrics(network, splits))
    diagnosis = _diagnose_run(results, human_error)
    if learning_curve_path is not None:
        if out_dir is not None and not Path(learning_curve_path).is_absolute() and Path(learning_curve_path).parent == Path("."):
            learning_curve_path = str(Path(out_dir) / learning_curve_path)  # a bare file name goes into the run folder
        results["learning_curve"] = _learning_curve(network, optimizer, schedule, splits, epochs, batch_size, seed, learning_curve_path, quiet)
    if out_dir is not None:
        results["files"] = write_run_folder(out_dir, network, dataset, splits, history, {**results, "options": checkpointing["checkpoint_extra"]["options"]})
    if as_json:
        click.echo(json.dumps(results))
        return
    _print_results(results)
    if diagnosis is not None:
        click.echo(diagnosis.to_text())


def _resume(ctx: click.Context, resume_dir: str) -> None:
    """Re-run ``train`` with the options stored in the newest checkpoint of ``resume_dir``; --epochs may raise the total."""
    from .checkpoints import latest_checkpoint
    from .errors import ModelFileError

    allowed = {"resume_dir", "epochs", "as_json", "quiet"}
    given = [parameter.opts[0] for parameter in ctx.command.params
             if parameter.name not in allowed and ctx.get_parameter_source(parameter.name) == ParameterSource.COMMANDLINE]
    if given:
        raise click.UsageError(f"--resume continues the stored run with its own options; only --epochs, --json and --quiet may be given. Received: {', '.join(given)}.")
    state = latest_checkpoint(Path(resume_dir) / "checkpoints")
    if state is None or not isinstance(state.extra.get("options"), dict):
        raise ModelFileError(f"{resume_dir}: no checkpoint of a 'glassnet train --out' run to resume (looked in {Path(resume_dir) / 'checkpoints'}).")
    options = dict(state.extra["options"])
    for name in ("epochs", "as_json", "quiet"):
        if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE or name != "epochs":
            options[name] = ctx.params[name]
    known = {parameter.name for parameter in ctx.command.params}
    options = {name: value for name, value in options.items() if name in known}
    ctx.meta["glassnet.resumed_epoch"] = state.epoch
    ctx.invoke(train, **{**options, "resume_dir": None, "out_dir": resume_dir})


def _print_results(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    regression = results.get("task") == "regression"
    columns = ("r2", "mse") if regression else ("accuracy", "error")
    table = Table(title=f"glassnet on {results['data']} ({results['epochs_run']} epochs, {results['seconds']:.1f} s)", min_width=44)
    table.add_column("split")
    for column in columns:
        table.add_column("R²" if column == "r2" else column, justify="right")
    for split in ("train", "train_dev", "dev", "test"):
        if f"{split}_{columns[0]}" in results:
            values = [results[f"{split}_{column}"] for column in columns]
            table.add_row(split.replace("_", "-"), *("n/a" if value is None else f"{value:.4f}" for value in values))
    console = Console(file=sys.stdout)
    console.print(table)
    if results.get("files"):
        console.print(f"wrote {', '.join(results['files'])}")


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--data", "data_name", required=True, help="Bundled set or a .csv/.npz file with the target column.")
@click.option("--target", default=None, help="CSV target column (default: the one the model was trained on).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(model_path: str, data_name: str, target: str | None, as_json: bool) -> None:
    """Accuracy, error and confusion matrix of MODEL on every row of --data (MSE and R² for regression)."""
    from ._cli_support import evaluation, model_inputs
    from .io import load_model

    model = load_model(model_path)
    X, y = model_inputs(model, data_name, target, need_target=True)
    report = {"model": model_path, "data": data_name, **evaluation(model, X, y)}
    if as_json:
        click.echo(json.dumps(report))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout)
    if model.task == "regression":
        console.print(f"{model_path} on {data_name} ({report['rows']} rows): MSE {report['mse']:.6g}, R² {report['r2']}")
        return
    console.print(f"{model_path} on {data_name} ({report['rows']} rows): accuracy {report['accuracy']:.4f}, error {report['error']:.4f}")
    table = Table(title="confusion matrix (rows: true class, columns: predicted)")
    table.add_column("true \\ predicted")
    for name in report["class_names"]:
        table.add_column(name, justify="right")
    for name, row in zip(report["class_names"], report["confusion_matrix"]):
        table.add_row(name, *map(str, row))
    console.print(table)


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--data", "data_name", required=True, help="A .csv file with the model's feature columns (a target column is ignored).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None, help="Write the predictions CSV here (default: stdout).")
def predict(model_path: str, data_name: str, out_path: str | None) -> None:
    """Predicted class names with their probabilities (or values for regression) for each row of --data."""
    from ._cli_support import model_inputs, predictions_csv
    from .io import load_model, write_text_atomic

    model = load_model(model_path)
    X, _ = model_inputs(model, data_name, None, need_target=False)
    text = predictions_csv(model, X)
    if out_path is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(out_path, text)
        click.echo(f"wrote {len(X)} predictions to {out_path}", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
def datasets(as_json: bool) -> None:
    """List the bundled data sets (no download needed) with their sizes."""
    from .data import describe_bundled

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


def _diagnose_run(results: dict[str, Any], human_error: float | None) -> Any:
    """The advisor on this run's error rates (classification only), stored in ``results["diagnosis"]``."""
    from .diagnose import diagnose

    if "train_error" not in results:
        return None
    diagnosis = diagnose(results["train_error"], human_error, results.get("train_dev_error"), results.get("dev_error"), results.get("test_error"), unit="fraction")
    results["diagnosis"] = diagnosis.to_dict()
    return diagnosis


def _learning_curve(network: Any, optimizer: Any, schedule: Any, splits: Any, epochs: int, batch_size: int, seed: int, path: str, quiet: bool) -> dict[str, Any]:
    """Train fresh copies of the network on growing parts of the training split; plot to ``path``."""
    from .learning_curve import learning_curve
    from .plots import plot_learning_curve

    if not quiet:
        click.echo("learning curve: training on 10%, 25%, 50%, 75% and 100% of the training rows", err=True)
    curve = learning_curve(network, optimizer, splits.X_train, splits.y_train, splits.X_dev, splits.y_dev, epochs=epochs, batch_size=batch_size, schedule=schedule, seed=seed)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
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
@click.option("--data", "data_name", default="digits", show_default=True, help="Bundled set (see 'glassnet datasets') or a .csv/.npz file (last column is the target).")
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True, help="Trials in all, split evenly over the rounds.")
@click.option("--rounds", type=click.IntRange(min=1), default=1, show_default=True, help="Coarse-to-fine rounds: each narrows the ranges around the best trials.")
@click.option("--param", "params", multiple=True, metavar="NAME=DIST", help="A searched hyperparameter: log:A:B, one-minus-log:A:B, uniform:A:B, int:A:B or choice:u|v|w (repeat the option). Default: " + " ".join(DEFAULT_SEARCH_PARAMS))
@click.option("--layers", default="64,32", show_default=True, help="Hidden widths when layers are not searched.")
@click.option("--activation", type=click.Choice(list(ACTIVATIONS)), default="relu", show_default=True)
@click.option("--optimizer", "optimizer_name", type=click.Choice(list(OPTIMIZERS)), default="adam", show_default=True)
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
