"""What the CLI reads and writes around a network: run folders, model inputs, predictions and metrics.

A run folder (``glassnet train --out DIR``) holds ``model.safetensors``, ``history.csv`` (one row per
epoch), ``metrics.json`` (the printed results plus the run options), ``curves.png`` and, for 2-D
classification data, ``boundary.png``. Every file is written atomically, after training succeeded.
"""

from __future__ import annotations

import csv
import io as _text_io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from glassnet.cli.safe_output import csv_cell
from glassnet.data.bundled import BUNDLED, load_dataset
from glassnet.data.labels import label_name, labels_to_indices
from glassnet.data.readers import load_data, read_features_csv, read_npz_checked
from glassnet.data.target_scaling import unscale_target
from glassnet.errors import DataError
from glassnet.estimators.saving import save
from glassnet.files.atomic import write_text_atomic
from glassnet.files.model_file import Model
from glassnet.nn.metrics import accuracy, confusion_matrix, mean_squared_error, r2_score

if TYPE_CHECKING:
    from glassnet.data.dataset import Dataset, Splits
    from glassnet.data.splits import SplitRecipe
    from glassnet.nn.network import Network
    from glassnet.train.history import History


def split_metrics(network: "Network", splits: "Splits", target_scaler: Any = None) -> dict[str, float | None]:
    """Accuracy and error (classification) or R² and mean squared error (regression) of every split.

    Regression metrics are on the target's own scale: with ``target_scaler`` (the network was trained on
    the standardised target) the outputs are mapped back first. R² of a split with one row is undefined:
    None (JSON null), as in :func:`evaluation`.
    """
    metrics: dict[str, float | None] = {}
    for name, X, y in splits.parts():
        if network.task == "regression":
            predictions = unscale_target(target_scaler, network.predict(X)).reshape(len(y), -1)
            truth = np.reshape(y, (len(y), -1))
            score = r2_score(truth, predictions) if len(y) > 1 else float("nan")
            metrics[f"{name}_r2"] = score if np.isfinite(score) else None
            metrics[f"{name}_mse"] = mean_squared_error(truth, predictions)
        else:
            score = network.evaluate(X, y)[1]
            metrics[f"{name}_accuracy"] = score
            metrics[f"{name}_error"] = 1.0 - score
    return metrics


def history_csv(records: Sequence[dict[str, Any]]) -> str:
    """One CSV row per epoch (epochs counted from 1), columns in a fixed order, absent metrics left blank."""
    order = ("epoch", "cost", "accuracy", "r2", "dev_cost", "dev_accuracy", "dev_r2", "learning_rate", "seconds")
    columns = [key for key in order if any(record.get(key) is not None for record in records)]
    buffer = _text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([record["epoch"] + 1 if key == "epoch" else ("" if record.get(key) is None else repr(record[key])) for key in columns])
    return buffer.getvalue()


def write_run_folder(out_dir: str | Path, network: "Network", dataset: "Dataset", splits: "Splits", history: "History", results: dict[str, Any],
                     recipe: "SplitRecipe | None" = None, target_scaler: Any = None) -> list[str]:
    """Write the model (with the split ``recipe``), history, metrics and plots of a finished run into ``out_dir``;
    return the file names. ``target_scaler`` (regression trained on the standardised target) is stored in the model file.
    """
    from glassnet.plots import plot_curves, plot_decision_boundary

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    model = Model(network, splits.scaler, list(dataset.class_names), list(dataset.feature_names), dataset.target_name, recipe, target_scaler)
    save(model, folder / "model.safetensors")
    write_text_atomic(folder / "history.csv", history_csv(history.epochs))
    write_text_atomic(folder / "metrics.json", json.dumps(results, indent=2, default=str) + "\n")
    written = ["model.safetensors", "history.csv", "metrics.json"]
    if history.epochs:
        plot_curves(history, folder / "curves.png", title=f"glassnet on {Path(dataset.name).name}")
        written.append("curves.png")
    if dataset.X.shape[1] == 2 and network.task != "regression":
        transform = None if splits.scaler is None else splits.scaler.transform
        plot_decision_boundary(
            network, dataset.X, dataset.y, folder / "boundary.png", transform=transform, class_names=dataset.class_names,
            feature_names=dataset.feature_names, title=f"Decision boundary on {Path(dataset.name).name} (all rows)",
        )
        written.append("boundary.png")
    return written


def model_inputs(model: Model, source: str, target: str | None, need_target: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Raw features (in the model's column order) and targets (class indices or values) from a set or file.

    CSV columns are matched to the model's feature names; an NPZ file or a bundled set must have the
    model's number of features. Class labels are compared with the model's by value (``1``, ``1.0``), and must be
    among the model's classes. Without ``need_target`` a target column is not read at all.
    """
    network = model.network
    target = target if target is not None else model.target_name
    if source not in BUNDLED and Path(source).suffix.lower() == ".csv":
        features = model.feature_names or [f"x{i}" for i in range(network.input_units)]
        ignore = model.split.drop if model.split is not None else ()
        X, raw_target, lines = read_features_csv(source, features, target, ignore_extra_last=not need_target, ignore=ignore)
        if not need_target:
            return X, None
        if raw_target is None:
            raise DataError(f"{source}: no target column {target!r}; evaluation needs the true labels (use --target COLUMN).")
        return X, _targets(model, raw_target, f"{source}: column {target!r}", lines)
    if source in BUNDLED:
        dataset = load_dataset(source)
        X, raw, where, row_word = dataset.X, _bundled_labels(model, dataset), source, "row"
    elif Path(source).suffix.lower() == ".npz":
        X, raw = read_npz_checked(source)
        where, row_word = f"{source}: array 'y'", "index"
    else:
        load_data(source)  # raises the error that names the accepted sources
        raise AssertionError("load_data accepts only bundled names, .csv and .npz files")  # pragma: no cover
    if X.shape[1] != network.input_units:
        raise DataError(f"{source}: has {X.shape[1]} feature columns; the model expects {network.input_units}.")
    return X, (_targets(model, raw, where, range(len(raw)), row_word) if need_target else None)


def _bundled_labels(model: Model, dataset: "Dataset") -> np.ndarray:
    """A bundled set's labels as the model knows them: its class names, or its integer targets when the model
    was trained on the integers (as scikit-learn's ``load_iris()`` gives them) and knows none of the names."""
    names = np.asarray(dataset.class_names, dtype=object)[dataset.y]
    known = {label_name(name) for name in model.class_names}
    if model.task != "regression" and known and not known & {label_name(name) for name in dataset.class_names}:
        return dataset.y
    return names


def _targets(model: Model, raw: np.ndarray, where: str, lines: Sequence[int], row_word: str = "line") -> np.ndarray:
    if model.task == "regression":
        try:
            values = np.asarray(raw).astype(np.float64)
        except ValueError:
            raise DataError(f"{where}: the target must be numeric for a regression model.") from None
        if not np.all(np.isfinite(values)):
            raise DataError(f"{where}: targets must be finite (no NaN or inf).")
        return values
    names = model.class_names or [str(k) for k in range(max(2, model.network.output_units))]
    return labels_to_indices(np.asarray(raw), names, where, lines, row_word)


def select_split(model: Model, X: np.ndarray, y: np.ndarray, split: str | None) -> tuple[np.ndarray, np.ndarray, str, np.ndarray | None]:
    """The rows of ``split`` (``test``, ``dev``, ``train`` or ``all``), the split's name and which rows of the data
    they are (None: all of them, in order).

    ``None`` chooses: ``test`` when the data is the set the model was trained on (its fingerprint matches
    the model's split recipe), else ``all``. A part other than ``all`` needs that match.
    """
    from glassnet.data.splits import split_indices

    recipe = model.split
    same = recipe is not None and recipe.matches(X, y)
    split = split or ("test" if same else "all")
    if split == "all":
        return X, y, split, None
    if recipe is None:
        raise DataError("the model file stores no split recipe (written before glassnet kept one, or not by 'glassnet train --out'); it can only be scored on all the rows.")
    if not same:
        raise DataError(f"the data is not the set the model was trained on ({len(y)} rows, its fingerprint differs from that of the model's {recipe.data['rows']} rows); it can only be scored on all the rows.")
    rows = split_indices(y, model.task != "regression", recipe.fractions, recipe.seed, recipe.train_dev)[split]
    return X[rows], y[rows], split, rows


def evaluation(model: Model, X: np.ndarray, y: np.ndarray, rows: np.ndarray | None = None) -> dict[str, Any]:
    """Accuracy, error and confusion matrix (rows: true class, columns: predicted) — or MSE and R² for regression.

    ``rows``: which rows of the data ``X`` holds (from :func:`select_split`), for an error that names rows."""
    if model.task == "regression":
        predictions = model.predict(X, rows)
        return {"rows": int(len(y)), "mse": mean_squared_error(y, predictions), "r2": r2_score(y, predictions) if len(y) > 1 else None}
    predictions = model.predict_indices(X, rows)
    names = model.class_names or [str(k) for k in range(max(2, model.network.output_units))]
    score = accuracy(y, predictions)
    matrix = confusion_matrix(y, predictions, len(names))
    return {"rows": int(len(y)), "accuracy": score, "error": 1.0 - score, "class_names": names, "confusion_matrix": matrix.tolist()}


def predictions_csv(model: Model, X: np.ndarray) -> str:
    """``prediction`` (class name or value) per row, plus ``p(<class>)`` probability columns for classifiers.

    Values and probabilities are written with 7 significant digits (:func:`glassnet.cli.formats.prediction`).
    Text from the model file (class names) goes through :func:`~glassnet.cli.safe_output.csv_cell`: no control
    characters, and no cell a spreadsheet would run as a formula.
    """
    from glassnet.cli.formats import prediction

    buffer = _text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    predictions = model.predict(X)
    if model.task == "regression":
        values = np.asarray(predictions).reshape(len(X), -1)
        writer.writerow(["prediction"] if values.shape[1] == 1 else [f"prediction_{j}" for j in range(values.shape[1])])
        writer.writerows([[prediction(v) for v in row] for row in values])
        return buffer.getvalue()
    probabilities = model.predict_proba(X)
    names = model.class_names or [str(k) for k in range(probabilities.shape[1])]
    writer.writerow(["prediction", *[csv_cell(f"p({name})") for name in names]])
    for label, row in zip(predictions, probabilities):
        writer.writerow([csv_cell(str(label)), *[prediction(p) for p in row]])
    return buffer.getvalue()


def confusion_csv(class_names: Sequence[str], matrix: Sequence[Sequence[int]]) -> str:
    """The confusion matrix as CSV: a header of predicted classes, one row per true class (class names as
    :func:`~glassnet.cli.safe_output.csv_cell` writes them)."""
    buffer = _text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["true \\ predicted", *map(csv_cell, class_names)])
    writer.writerows([csv_cell(name), *row] for name, row in zip(class_names, matrix))
    return buffer.getvalue()
