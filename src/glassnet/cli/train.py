"""``glassnet train``: train a network on a bundled set or a CSV/NPZ file, report, write a run folder, resume."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from glassnet import defaults
from glassnet.cli.options import data_options, layers_option, read_config
from glassnet.cli.safe_output import for_terminal, r_squared
from glassnet.nn.builders import DECAYS
from glassnet.nn.layers import ACTIVATIONS
from glassnet.optim.optimizers import OPTIMIZERS


@click.command()
@click.option("--config", type=click.Path(exists=True, dir_okay=False), is_eager=True, expose_value=False, callback=read_config, help="TOML file of option values (flags override it).")
@data_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Folder for model.safetensors, history.csv, metrics.json, plots and checkpoints.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=1, show_default=True, help="Epochs between checkpoints (with --out).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None, help="Continue the run whose --out folder is DIR.")
@click.option("--allow-changed-data", is_flag=True, help="With --resume: continue even though the data differs from the data the run started on.")
@click.option("--layers", "hidden", default=",".join(map(str, defaults.HIDDEN_LAYERS)), show_default=True, callback=layers_option, help="Hidden layer widths, e.g. 128,64 ('none' for logistic/softmax regression).")
@click.option("--activation", type=click.Choice(list(ACTIVATIONS)), default=defaults.ACTIVATION, show_default=True)
@click.option("--optimizer", "optimizer_name", type=click.Choice(list(OPTIMIZERS)), default=defaults.OPTIMIZER, show_default=True)
@click.option("--learning-rate", type=click.FloatRange(min=0.0, min_open=True), default=None, help="α (α₀ of a decay schedule); default: the optimizer's own, " + ", ".join(f"{name} {rate:g}" for name, rate in defaults.LEARNING_RATES.items()) + ".")
@click.option("--beta", type=click.FloatRange(min=0.0, max=1.0, max_open=True), default=None, help="β of momentum and RMSprop, β₁ of Adam (default: the optimizer's own).")
@click.option("--batch-size", type=click.IntRange(min=1), default=defaults.BATCH_SIZE, show_default=True, help="Mini-batch size (1 = stochastic).")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Train exactly this many epochs (default: until converged, see --max-epochs).")
@click.option("--max-epochs", type=click.IntRange(min=1), default=defaults.MAX_EPOCHS, show_default=True, help="Without --epochs: stop here if not converged before.")
@click.option("--tol", type=click.FloatRange(min=0.0), default=defaults.TOL, show_default=True, help="Without --epochs: an epoch improves when the training cost falls below its best − tol …")
@click.option("--n-iter-no-change", type=click.IntRange(min=1), default=defaults.N_ITER_NO_CHANGE, show_default=True, help="… and training has converged after this many epochs without improving.")
@click.option("--l2", type=click.FloatRange(min=0.0), default=0.0, show_default=True, help="L2 strength λ: cost + (λ/2m)·Σ‖W‖².")
@click.option("--decay", type=click.Choice(list(DECAYS)), default=defaults.DECAY, show_default=True)
@click.option("--decay-rate", type=click.FloatRange(min=0.0), default=None, help="k of inverse-time (default 0.1), r of exponential (default 0.95), drop factor of step every 10 epochs (default 0.5).")
@click.option("--keep-prob", type=click.FloatRange(min=0.0, max=1.0, min_open=True), default=1.0, show_default=True, help="Dropout keep probability after each hidden activation (1 = no dropout).")
@click.option("--batchnorm", is_flag=True, help="Batch normalisation between each hidden Dense and its activation.")
@click.option("--scale-target/--no-scale-target", default=True, show_default=True, help="Regression: train on the target standardised on the training rows (predictions are mapped back).")
@click.option("--seed", type=click.IntRange(min=0), default=defaults.SEED, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the results.")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--human-error", type=click.FloatRange(min=0.0, max=1.0), default=None, help="Human-level error as a fraction (0.01 = 1%), for the bias/variance diagnosis.")
@click.option("--learning-curve", "learning_curve_path", is_flag=False, flag_value="learning_curve.png", default=None, help="Also train on growing parts of the training set and plot train/dev error (default file learning_curve.png).")
def train(**params: Any) -> None:
    """Train a network and report train/dev/test accuracy with the bias/variance diagnosis (and write a run folder with --out)."""
    from glassnet.files.atomic import remove_stale_temporaries
    from glassnet.files.run_lock import RunLock

    ctx = click.get_current_context()
    folder = params["resume_dir"] or params["out_dir"]
    if folder is None:
        return _run(ctx, params, None)
    with RunLock(folder, notice=lambda message: click.echo(message, err=True)):
        for path in remove_stale_temporaries(folder):
            click.echo(f"removed {path.name}, left by an interrupted write", err=True)
        state = None
        if params["resume_dir"] is not None:
            params, state = _resume_params(ctx, params)
            if params is None:
                return None
        _run(ctx, params, state)


def _run(ctx: click.Context, params: dict[str, Any], resumed: Any) -> None:
    """One training run with ``params`` (continuing the checkpoint ``resumed`` when given); report and write the run folder."""
    from glassnet.cli.reports import split_metrics, write_run_folder
    from glassnet.data.readers import load_data
    from glassnet.data.splits import SplitRecipe, fingerprint, parse_split, split_dataset

    p = params
    if p["decay"] == "none" and p["decay_rate"] is not None:
        _warn(f"--decay-rate {p['decay_rate']:g} is ignored: it sets the rate of --decay inverse-time, exponential or step, and --decay is none.")
    dataset = load_data(p["data_name"], p["target"], p["task"], seed=p["seed"], drop=p["drop"])
    data = fingerprint(dataset.X, dataset.y)
    if resumed is not None:
        _check_same_data(resumed, data, p)
    human_error = p["human_error"]
    if dataset.task == "regression" and human_error is not None:
        _warn("--human-error is ignored: a regression run reports MSE and R², not the error rates the bias/variance diagnosis needs.")
        human_error = None
    fractions = parse_split(p["split_text"])
    splits = split_dataset(dataset, fractions, seed=p["seed"], train_dev=p["train_dev"])
    target_scaler, y_train, y_dev = _training_targets(splits, p["scale_target"] and dataset.task == "regression")
    network, optimizer, schedule = _build(p, dataset)
    started = time.perf_counter()
    history, options, stopped = _fit(ctx, p, (network, optimizer, schedule), (splits.X_train, y_train, splits.X_dev, y_dev), resumed, data)
    results: dict[str, Any] = {"data": p["data_name"], "task": dataset.task, "epochs_run": len(history), "seconds": round(time.perf_counter() - started, 3)}
    results["stopped"] = stopped
    results.update(split_metrics(network, splits, target_scaler))
    settings = {"optimizer": p["optimizer_name"], "hidden": p["hidden"], "l2": p["l2"], "keep_prob": p["keep_prob"], "epochs": len(history)}
    diagnosis = _diagnose_run(results, human_error, settings)
    if p["learning_curve_path"] is not None:
        path = _learning_curve_file(p["learning_curve_path"], p["out_dir"])
        data_parts = (splits.X_train, y_train, splits.X_dev, y_dev)
        results["learning_curve"] = _learning_curve(network, optimizer, schedule, data_parts, len(history), p["batch_size"], p["seed"], path, p["quiet"])
    if p["out_dir"] is not None:
        recipe = SplitRecipe.of(dataset, fractions, p["seed"], p["train_dev"], p["drop"])
        results["files"] = write_run_folder(p["out_dir"], network, dataset, splits, history, {**results, "options": options}, recipe, target_scaler)
    if p["as_json"]:
        click.echo(json.dumps(results))
        return
    _print_results(results)
    if diagnosis is not None:
        click.echo(diagnosis.to_text())


#: options that name where this invocation writes or how it resumes: never stored in (or taken from) a checkpoint
_NOT_STORED = {"out_dir", "resume_dir", "allow_changed_data"}
#: options that may be given with --resume (the rest come from the checkpoint)
_RESUME_OPTIONS = {"resume_dir", "epochs", "max_epochs", "as_json", "quiet", "data_name", "allow_changed_data"}


def _warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def _build(p: dict[str, Any], dataset: Any) -> tuple[Any, Any, Any]:
    """The network, optimizer and learning-rate schedule that the options ``p`` describe, for ``dataset``."""
    from glassnet.nn.builders import build_network, build_optimizer, build_schedule

    n_outputs = len(dataset.class_names) if dataset.task != "regression" else 1
    network = build_network(n_outputs, p["hidden"], p["activation"], dataset.task, l2=p["l2"], seed=p["seed"], keep_prob=p["keep_prob"], batchnorm=p["batchnorm"])
    optimizer = build_optimizer(p["optimizer_name"], p["learning_rate"], beta=p["beta"])
    return network, optimizer, build_schedule(p["decay"], optimizer.learning_rate, p["decay_rate"])


def _fit(ctx: click.Context, p: dict[str, Any], model: tuple, data: tuple, resumed: Any, fingerprint: dict[str, Any]) -> tuple[Any, dict[str, Any], str]:
    """Train ``model = (network, optimizer, schedule)`` on ``data = (X_train, y_train, X_dev, y_dev)`` (checkpointing into
    ``--out``, with the data's ``fingerprint``) until converged or for ``--epochs``; continue the checkpoint ``resumed`` when
    given. Return the history, the stored options and why it stopped. Ctrl-C saves the state and exits 130."""
    from glassnet.files.checkpoints import Checkpointer
    from glassnet.train.callbacks import ConvergenceStopping
    from glassnet.train.loop import fit

    network, optimizer, schedule = model
    resumed_epoch = 0 if resumed is None else resumed.epoch
    # the convergence rule's state travels in every checkpoint (so a resume continues its count), even when
    # a resume with --epochs turns a converging run into one of fixed length and fit no longer consults it
    stopping = ConvergenceStopping(p["tol"], p["n_iter_no_change"])
    checkpoint, options = None, {}
    if p["out_dir"] is not None:
        options = {name: list(value) if isinstance(value, tuple) else value for name, value in p.items() if name not in _NOT_STORED}
        if Path(p["data_name"]).is_file():  # so --resume works from any folder
            options["data_name"] = str(Path(p["data_name"]).resolve())
        checkpoint = Checkpointer(Path(p["out_dir"]) / "checkpoints", p["checkpoint_every"], resume=resumed is not None,
                                  extra={"options": options, "data": fingerprint}, callbacks=[stopping])
    epochs = p["epochs"]
    X_train, y_train, X_dev, y_dev = data
    history = fit(
        network, X_train, y_train, optimizer, epochs=max((p["max_epochs"] if epochs is None else epochs) - resumed_epoch, 0),
        batch_size=p["batch_size"], schedule=schedule, validation_data=(X_dev, y_dev), verbose=0 if p["quiet"] else 1,
        callbacks=[] if epochs is not None else [stopping], checkpoint=checkpoint,
    )
    if history.interrupted:
        click.echo(f"Interrupted: the state after epoch {len(history)} is saved in {checkpoint.directory}. "
                   f"Continue with: glassnet train --resume {p['out_dir']}", err=True)
        ctx.exit(130)
    stopped = f"ran the {epochs} epochs asked for" if epochs is not None else stopping.reason(len(history), p["max_epochs"])
    return history, options, stopped


def _training_targets(splits: Any, scale: bool) -> tuple[Any, Any, Any]:
    """``(target_scaler, y_train, y_dev)``: with ``scale``, the targets standardised on the training rows (and the scaler)."""
    from glassnet.data.target_scaling import fit_target_scaler, scale_target

    if not scale:
        return None, splits.y_train, splits.y_dev
    scaler = fit_target_scaler(splits.y_train)
    return scaler, scale_target(scaler, splits.y_train), scale_target(scaler, splits.y_dev)


def _learning_curve_file(path: str, out_dir: str | None) -> str:
    """A bare file name goes into the run folder (when there is one); a path is used as given."""
    if out_dir is not None and not Path(path).is_absolute() and Path(path).parent == Path("."):
        return str(Path(out_dir) / path)
    return path


def _check_same_data(state: Any, fingerprint: dict[str, Any], params: dict[str, Any]) -> None:
    """Refuse to resume on data that differs from the data the checkpoint was trained on (unless --allow-changed-data)."""
    from glassnet.data.splits import describe_fingerprint
    from glassnet.errors import DataError

    stored = state.extra.get("data")
    if stored == fingerprint:
        return
    if stored is None:  # a checkpoint written before fingerprints were stored
        click.echo(f"note: {state.path} records no fingerprint of its data; the data cannot be checked.", err=True)
        return
    message = (f"{params['data_name']}: the data differs from the data this run was trained on "
               f"(checkpoint: {describe_fingerprint(stored)}; now: {describe_fingerprint(fingerprint)})")
    if not params["allow_changed_data"]:
        raise DataError(message + "; give the same data, or --allow-changed-data to continue on this data.")
    click.echo(f"warning: {message}; continuing on it (--allow-changed-data).", err=True)


def _resume_params(ctx: click.Context, params: dict[str, Any]) -> tuple[dict[str, Any] | None, Any]:
    """The run options stored in the newest checkpoint of ``--resume DIR``, each checked as its flag is; and that checkpoint.

    Only --epochs, --max-epochs (which may raise the total), --json, --quiet, --data (the same data, moved) and
    --allow-changed-data may be given. A total at or below the epochs done is refused (exit 2); a run with nothing
    left to do says so and gives None (exit 0). Paths never come from the file: the run folder is DIR, and a
    learning-curve image is written into DIR under its file name.
    """
    from glassnet.cli.options import flags_given, stored_option_values
    from glassnet.errors import ConfigError, ModelFileError
    from glassnet.files.checkpoints import latest_checkpoint

    resume_dir = params["resume_dir"]
    given = flags_given(ctx, _RESUME_OPTIONS)
    if given:
        raise click.UsageError(f"--resume continues the stored run with its own options; only --epochs, --max-epochs, --json, --quiet, --data and "
                               f"--allow-changed-data may be given. Received: {', '.join(given)}.")
    state = latest_checkpoint(Path(resume_dir) / "checkpoints")
    stored = None if state is None else state.extra.get("options")
    if not isinstance(stored, dict):
        raise ModelFileError(f"{resume_dir}: no checkpoint of a 'glassnet train --out' run to resume (looked in {Path(resume_dir) / 'checkpoints'}).")
    resumed = {**params, **stored_option_values(ctx, stored, _NOT_STORED, str(state.path))}
    resumed.update({name: params[name] for name in ("as_json", "quiet", "allow_changed_data")})
    resumed.update({name: params[name] for name in ("epochs", "max_epochs", "data_name") if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE})
    if ctx.get_parameter_source("epochs") == ParameterSource.COMMANDLINE and resumed["epochs"] <= state.epoch:
        raise ConfigError(f"--epochs {resumed['epochs']}: the run in {resume_dir} has already trained {state.epoch} epochs; "
                          f"give a total above {state.epoch} to train on.")
    finished = _finished(resumed, state)
    if finished is not None:
        click.echo(f"{resume_dir}: the run is already complete ({finished}); nothing to train. Give --epochs N above {state.epoch} to train on.")
        return None, state
    curve = resumed.get("learning_curve_path")
    if curve is not None and Path(curve).name != curve:
        click.echo(f"the learning curve goes into the run folder as {Path(curve).name} (paths are not taken from a checkpoint)", err=True)
        resumed["learning_curve_path"] = Path(curve).name
    return {**resumed, "resume_dir": None, "out_dir": resume_dir}, state


def _finished(options: dict[str, Any], state: Any) -> str | None:
    """Why the checkpointed run has nothing left to do (its epochs done, or converged), or None."""
    if options.get("epochs") is not None:
        return f"{state.epoch} of {options['epochs']} epochs done" if state.epoch >= options["epochs"] else None
    stopping = (state.callback_states or [{}])[0]
    if stopping.get("converged"):
        return f"converged after {state.epoch} epochs"
    maximum = options.get("max_epochs", defaults.MAX_EPOCHS)
    return f"{state.epoch} of at most {maximum} epochs done" if state.epoch >= maximum else None


def _print_results(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from glassnet.cli.formats import metric

    regression = results.get("task") == "regression"
    columns = ("r2", "mse") if regression else ("accuracy", "error")
    table = Table(title=f"glassnet on {for_terminal(results['data'])} ({results['epochs_run']} epochs, {results['seconds']:.1f} s)", min_width=44)
    table.add_column("split")
    for column in columns:
        table.add_column(r_squared() if column == "r2" else column, justify="right")
    for split in ("train", "train_dev", "dev", "test"):
        if f"{split}_{columns[0]}" in results:
            values = [results[f"{split}_{column}"] for column in columns]
            table.add_row(split.replace("_", "-"), *(metric(column, value) for column, value in zip(columns, values)))
    console = Console(file=sys.stdout)
    console.print(table)
    console.print(f"stopped: {results['stopped']}")
    if results.get("files"):
        click.echo(for_terminal(f"wrote {', '.join(results['files'])}"))
    if results.get("learning_curve"):
        click.echo(for_terminal(f"learning curve: {results['learning_curve']['plot']}"))


def _diagnose_run(results: dict[str, Any], human_error: float | None, settings: dict[str, Any]) -> Any:
    """The advisor on this run's error rates (classification only), stored in ``results["diagnosis"]``.

    ``settings`` (optimizer, hidden widths, λ, keep probability, epochs) make the remedies specific to this run.
    """
    from glassnet.cli.strategy import CLI_NAMES
    from glassnet.strategy.diagnose import RunSettings, diagnose

    if "train_error" not in results:
        return None
    diagnosis = diagnose(results["train_error"], human_error, results.get("train_dev_error"), results.get("dev_error"), results.get("test_error"),
                         unit="fraction", settings=RunSettings(**settings), names=CLI_NAMES)
    results["diagnosis"] = diagnosis.to_dict()
    return diagnosis


def _learning_curve(network: Any, optimizer: Any, schedule: Any, data: tuple, epochs: int, batch_size: int, seed: int, path: str, quiet: bool) -> dict[str, Any]:
    """Train fresh copies of the network on growing parts of the training split ``data = (X_train, y_train, X_dev, y_dev)``
    (the targets as training sees them); plot to ``path``."""
    from glassnet.strategy.learning_curve import learning_curve
    from glassnet.plots import plot_learning_curve

    if not quiet:
        click.echo("learning curve: training on 10%, 25%, 50%, 75% and 100% of the training rows", err=True)
    curve = learning_curve(network, optimizer, *data, epochs=epochs, batch_size=batch_size, schedule=schedule, seed=seed)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return {**curve.to_dict(), "plot": str(plot_learning_curve(curve, path))}

