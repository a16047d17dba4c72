"""The files ``glassnet search`` writes: ``trials.csv`` (one row per trial), ``search.png`` and ``best.toml``
(a config that ``glassnet train --config`` reads)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

from glassnet.cli.search_journal import csv_text, trial_columns, trial_row
from glassnet.errors import ConfigError
from glassnet.files.atomic import write_text_atomic
from glassnet.strategy.search import SearchResult
from glassnet.strategy.search_space import SearchSpace


TOML_KEYS = ("data", "target", "drop", "task", "split", "train_dev", "layers", "activation", "optimizer", "learning_rate", "beta", "batch_size", "epochs", "l2", "keep_prob", "batchnorm", "decay", "decay_rate", "seed")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"Cannot write a non-finite number to a TOML config: {value!r}")
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_to_toml(config: dict[str, Any], comments: Sequence[str] = ()) -> str:
    """A flat TOML file of ``glassnet train`` options (``learning_rate = 0.01``, ``layers = "64,32"``)."""
    lines = [f"# {comment}" for comment in comments]
    lines += [f"{key} = {_toml_value(config[key])}" for key in TOML_KEYS if config.get(key) is not None]
    return "\n".join(lines) + "\n"


def trials_csv(result: SearchResult) -> str:
    """Every trial (ranked as in the table), one row each: metrics, then every hyperparameter."""
    names = list(dict.fromkeys(name for t in result.trials for name in t.config)) + [n for n in result.base if all(n not in t.config for t in result.trials)]
    return csv_text([trial_columns(names), *(trial_row(t, names, result.base) for t in result.ranked())])


def error_label(task: str) -> str:
    """What a search's error is: ``dev error`` (1 − accuracy), or ``dev 1 − R²`` for regression."""
    return "dev 1 − R²" if task == "regression" else "dev error"


def write_results(result: SearchResult, space: SearchSpace, out_dir: str | Path, seed: int = 0, data_name: str = "", task: str = "multiclass",
                  data_settings: dict[str, Any] | None = None) -> dict[str, str]:
    """Write ``trials.csv``, ``search.png`` and ``best.toml`` (when a trial succeeded) into ``out_dir``; return their paths.

    ``data_settings`` (target, task, split, train_dev, drop) go into ``best.toml`` so that ``train --config``
    reads and splits the data as the search did.
    """
    from glassnet.plots import plot_search

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "trials.csv", trials_csv(result))
    paths = {"trials_csv": str(out / "trials.csv"), "plot": str(plot_search(result, space, out / "search.png", error_label(task)))}
    best = result.best
    if best is not None:
        scores = (f"dev 1 − R² {best.dev_error:.4f} (dev R² {best.dev_accuracy:.4f}), train 1 − R² {best.train_error:.4f}" if task == "regression"
                  else f"dev error {best.dev_error:.4f} (dev accuracy {best.dev_accuracy:.4f}), train error {best.train_error:.4f}")
        comments = [f"best of {len(result.trials)} trials by glassnet search{f' on {data_name}' if data_name else ''}", scores]
        config = {**result.best_config(), "seed": seed, **_toml_data_settings(data_settings or {})}
        if config.get("decay", "none") == "none":
            config.pop("decay_rate", None)  # no schedule: a rate would only be ignored
        if data_name:  # train --config must read the data the search scored on (a file by its absolute path)
            config["data"] = str(Path(data_name).resolve()) if Path(data_name).is_file() else data_name
        write_text_atomic(out / "best.toml", config_to_toml(config, comments))
        paths["best_config"] = str(out / "best.toml")
    return paths


def _toml_data_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The data options that differ from ``train``'s defaults (a list of dropped columns stays a TOML array)."""
    defaults = {"target": None, "task": "auto", "split": "0.6,0.2,0.2", "train_dev": 0.0, "drop": []}
    return {key: value for key, value in settings.items() if value != defaults.get(key)}
