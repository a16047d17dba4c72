"""Random hyperparameter search, coarse to fine, run in parallel through joblib (lesson 4).

A trial is a pure function of ``(config, seed, data)`` (:func:`run_trial`): it builds the network,
optimizer and schedule with :mod:`glassnet.nn.builders`, trains on the training split, and measures
the error on the dev split. The same seed is used for every trial, so trials differ only by their
hyperparameters. A trial that diverges or raises is recorded as ``failed`` with its reason; the
search goes on.

Rounds: round 1 samples the whole space (:mod:`glassnet.strategy.search_space`); each later round samples
a space narrowed around the best trials so far. ``trials`` is the total, split evenly over rounds.

Execution (:mod:`glassnet.strategy.execution`): the trials of a round run on ``n_jobs`` local processes
(``n_jobs=1``: in this process), or, when ``scheduler="tcp://HOST:PORT"`` is given, on that Dask cluster
(needs ``glassnet[distributed]``). Each finished trial is handed to ``on_trial`` at once, and a search
given the ``finished`` trials of an interrupted run skips them. Each trial limits BLAS to one thread, so
the results do not depend on where it ran.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from glassnet import defaults
from glassnet._validation import check_real
from glassnet.errors import ConfigError, GlassnetError
from glassnet.nn.builders import DECAYS
from glassnet.nn.layers import ACTIVATIONS
from glassnet.optim.optimizers import OPTIMIZERS
from glassnet.strategy.execution import dask_client, in_process, on_dask, on_local_processes
from glassnet.strategy.search_space import Distribution, SearchSpace, describe_space, narrow_space, parse_distribution, sample_configs


def _layers_value(text: str) -> str:
    from glassnet.nn.builders import parse_layers

    widths = parse_layers(str(text))
    return ",".join(map(str, widths)) if widths else "none"


def _one_of(names: Any) -> Callable[[Any], str]:
    """A converter that accepts only ``names`` (so a choice is checked before any trial runs)."""

    def convert(text: Any) -> str:
        value = str(text).strip()
        if value not in names:
            raise ValueError(f"{value!r} is not one of {', '.join(names)}")
        return value

    return convert


def _bool_value(text: Any) -> bool:
    if isinstance(text, bool):
        return text
    lowered = str(text).strip().lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"expected true or false, got {text!r}")
    return lowered in ("true", "1", "yes")


#: Every hyperparameter a search may vary, with the type of its values (names as in ``glassnet train``).
HYPERPARAMETERS: dict[str, Callable[[Any], Any]] = {
    "learning_rate": float,
    "l2": float,
    "beta": float,
    "decay_rate": float,
    "keep_prob": float,
    "batch_size": int,
    "epochs": int,
    "layers": _layers_value,
    "activation": _one_of(ACTIVATIONS),
    "optimizer": _one_of(OPTIMIZERS),
    "decay": _one_of(DECAYS),
    "batchnorm": _bool_value,
}
NUMERIC = ("learning_rate", "l2", "beta", "decay_rate", "keep_prob", "batch_size", "epochs")

#: The fixed values of every hyperparameter that is not searched: :mod:`glassnet.defaults`, as ``glassnet train``.
#: ``learning_rate`` and ``decay_rate`` None take the chosen optimizer's and schedule's own defaults.
DEFAULTS: dict[str, Any] = {
    "layers": ",".join(map(str, defaults.HIDDEN_LAYERS)),
    "activation": defaults.ACTIVATION,
    "optimizer": defaults.OPTIMIZER,
    "learning_rate": None,
    "batch_size": defaults.BATCH_SIZE,
    "epochs": defaults.EPOCHS,
    "l2": 0.0,
    "decay": defaults.DECAY,
    "decay_rate": None,
}

#: Network options that only some builds of ``build_network`` accept (dropout and batch norm).
_NETWORK_OPTIONS = ("keep_prob", "batchnorm")


def parse_param(text: str) -> tuple[str, Distribution]:
    """``"learning-rate=log:1e-4:1e-1"`` → ``("learning_rate", LogUniform(1e-4, 1e-1))``."""
    name, equals, spec = text.partition("=")
    name = name.strip().replace("-", "_")
    if not equals or not spec:
        raise ConfigError(f"parse_param(text=...) expects NAME=DISTRIBUTION, e.g. learning-rate=log:1e-4:1e-1. Received: text={text!r}")
    if name not in HYPERPARAMETERS:
        known = ", ".join(sorted(n.replace("_", "-") for n in HYPERPARAMETERS))
        raise ConfigError(f"Unknown hyperparameter {name.replace('_', '-')!r} in parse_param(text=...): {text!r}; expected one of {known}.")
    distribution = parse_distribution(spec.strip(), HYPERPARAMETERS[name])
    if distribution.kind != "choice" and name not in NUMERIC:
        raise ConfigError(f"{name.replace('_', '-')} takes a list of values (choice:a|b|c), not a {distribution.kind} range. Received: {text!r}")
    return name, distribution


def _coerce(config: dict[str, Any]) -> dict[str, Any]:
    """Integers for integer hyperparameters sampled from a continuous range (e.g. batch_size=log:16:256)."""
    return {name: int(round(value)) if HYPERPARAMETERS.get(name) is int else value for name, value in config.items()}


# ---------------------------------------------------------------------------------------------- trials
@dataclass
class TrialData:
    """The arrays a trial trains and evaluates on; ``n_outputs`` classes (or regression targets)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    task: str
    n_outputs: int
    name: str = "data"


def load_trial_data(name: str, seed: int = defaults.SEED, target: str | None = None, task: str = "auto", fractions: tuple[float, float, float] = defaults.SPLIT,
                    train_dev: float = 0.0, drop: tuple[str, ...] = ()) -> TrialData:
    """A bundled set or a ``.csv``/``.npz`` file, read, split and scaled as ``glassnet train`` does with the same options.

    ``target``, ``task`` and ``drop`` are those of :func:`glassnet.data.readers.load_data`; ``fractions`` and
    ``train_dev`` those of :func:`glassnet.data.splits.split_dataset` (the train-dev slice is held out, unused).
    """
    from glassnet.data.readers import load_data
    from glassnet.data.splits import split_dataset

    dataset = load_data(name, target, task, seed=seed, drop=drop)
    splits = split_dataset(dataset, fractions, seed=seed, train_dev=train_dev)
    n_outputs = len(dataset.class_names) if dataset.task != "regression" else 1
    return TrialData(splits.X_train, splits.y_train, splits.X_dev, splits.y_dev, dataset.task, n_outputs, name)


@dataclass
class TrialResult:
    """One trial: its config and, when ``status == "ok"``, its metrics and per-epoch history.

    Errors are ``1 − accuracy`` (``1 − R²`` for regression); ``dev_accuracy`` is then R².
    """

    config: dict[str, Any]
    seed: int
    status: str
    reason: str = ""
    train_error: float = math.nan
    dev_error: float = math.nan
    dev_accuracy: float = math.nan
    dev_cost: float = math.nan
    epochs_run: int = 0
    seconds: float = 0.0
    history: dict[str, list[float]] = field(default_factory=dict)
    trial: int = 0
    round: int = 1

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def run_trial(config: dict[str, Any], seed: int, data: TrialData) -> TrialResult:
    """Train the network that ``config`` describes on ``data`` and measure it on the dev split.

    Pure: the result depends only on the arguments. BLAS is limited to one thread and NumPy
    overflows raise, so a diverging run stops at once and is reported as failed.
    """
    from threadpoolctl import threadpool_limits

    from glassnet.nn.builders import build_network, build_optimizer, build_schedule, parse_layers

    full = {**DEFAULTS, **config}
    started = time.perf_counter()
    try:
        with threadpool_limits(limits=1), np.errstate(over="raise", invalid="raise", divide="raise"):
            extra = {name: full[name] for name in _NETWORK_OPTIONS if name in full}
            network = build_network(data.n_outputs, parse_layers(full["layers"]), full["activation"], data.task, l2=full["l2"], seed=seed, **extra)
            optimizer = build_optimizer(full["optimizer"], full["learning_rate"], beta=full.get("beta"))
            schedule = build_schedule(full["decay"], optimizer.learning_rate, full["decay_rate"])
            history = network.fit(
                data.X_train, data.y_train, optimizer, epochs=full["epochs"], batch_size=full["batch_size"],
                schedule=schedule, validation_data=(data.X_dev, data.y_dev), verbose=0,
            )
            train_score = network.score(data.X_train, data.y_train)
            dev_cost, dev_score = network.evaluate(data.X_dev, data.y_dev)
    except Exception as error:  # noqa: BLE001 - any failure of one trial is recorded, and the search goes on
        kind = "diverged" if isinstance(error, (ArithmeticError, FloatingPointError)) else type(error).__name__
        return TrialResult(dict(config), seed, "failed", f"{kind}: {error}", seconds=time.perf_counter() - started)
    curves = {key: [float(v) for v in history[key]] for key in ("cost", "dev_cost", "dev_accuracy", "dev_r2", "learning_rate") if history.epochs and key in history.epochs[0]}
    return TrialResult(
        dict(config), seed, "ok",
        train_error=1.0 - train_score, dev_error=1.0 - dev_score, dev_accuracy=dev_score, dev_cost=dev_cost,
        epochs_run=len(history), seconds=time.perf_counter() - started, history=curves,
    )


# ---------------------------------------------------------------------------------------------- search
def _rank_key(trial: TrialResult) -> tuple[float, float, int]:
    """Dev error first; a dev set of a few hundred rows makes ties common, and the dev cost breaks them."""
    return (trial.dev_error, trial.dev_cost, trial.trial)


@dataclass
class SearchResult:
    """Every trial of every round, and the ranges (``{name: spec}``) each round sampled from."""

    trials: list[TrialResult]
    rounds: list[dict[str, str]]
    base: dict[str, Any]

    def ranked(self) -> list[TrialResult]:
        """Successful trials by dev error (ties: lower dev cost first), then the failed ones."""
        done = sorted((t for t in self.trials if t.ok), key=_rank_key)
        return done + [t for t in self.trials if not t.ok]

    @property
    def best(self) -> TrialResult | None:
        """The trial with the lowest dev error (None when every trial failed)."""
        ranked = self.ranked()
        return ranked[0] if ranked and ranked[0].ok else None

    @property
    def failed(self) -> list[TrialResult]:
        return [t for t in self.trials if not t.ok]

    def round_best(self) -> list[float | None]:
        """The lowest dev error of each round (None for a round where every trial failed)."""
        errors = [[t.dev_error for t in self.trials if t.round == index and t.ok] for index in range(1, len(self.rounds) + 1)]
        return [min(values) if values else None for values in errors]

    def best_config(self) -> dict[str, Any]:
        """The fixed values merged with the best trial's sampled ones: a complete ``glassnet train`` config."""
        if self.best is None:
            reasons = "; ".join(sorted({t.reason for t in self.trials}))[:500]
            raise GlassnetError(f"Every trial of the search failed: {reasons}")
        return {**self.base, **self.best.config}


def _per_round(trials: int, rounds: int) -> list[int]:
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ConfigError(f"search(trials=...) expects a positive integer. Received: trials={trials!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= trials:
        raise ConfigError(f"search(rounds=...) expects an integer from 1 to trials ({trials}). Received: rounds={rounds!r}")
    return [trials // rounds + (1 if index < trials % rounds else 0) for index in range(rounds)]


def _runner(stack: contextlib.ExitStack, scheduler: str | None, n_jobs: int, notice: Callable[[str], None]) -> Callable[..., Any]:
    """``run(trial, jobs, seed, data)`` for this search: on the Dask cluster, on local processes or in this process."""
    if scheduler:
        client = stack.enter_context(dask_client(scheduler))
        return lambda trial, jobs, seed, data: on_dask(client, trial, jobs, seed, data, notice=notice)
    if n_jobs == 1:
        return in_process
    return lambda trial, jobs, seed, data: on_local_processes(trial, jobs, seed, data, n_jobs)


def same_config(stored: dict[str, Any], config: dict[str, Any]) -> bool:
    """Whether a recorded trial's config (values as text, e.g. read back from trials.csv) is ``config``."""
    return set(stored) >= set(config) and all(str(stored[name]) == str(value) for name, value in config.items())


def search(
    space: SearchSpace,
    data: Any,
    trials: int = defaults.TRIALS,
    rounds: int = 1,
    base: dict[str, Any] | None = None,
    seed: int = defaults.SEED,
    n_jobs: int = defaults.JOBS,
    scheduler: str | None = None,
    trial: Callable[[dict[str, Any], int, Any], TrialResult] = run_trial,
    top_fraction: float = 0.25,
    shrink: float = 0.5,
    on_round: Callable[[int, dict[str, str]], None] | None = None,
    on_trial: Callable[[TrialResult], None] | None = None,
    finished: list[TrialResult] | None = None,
    notice: Callable[[str], None] = lambda message: None,
) -> SearchResult:
    """Random search over ``space``, coarse to fine over ``rounds`` rounds; return every trial.

    data          what ``trial`` receives (a :class:`TrialData` for :func:`run_trial`)
    base          fixed values of the hyperparameters that are not searched (default :data:`DEFAULTS`)
    seed          seeds the sampling of each round and every trial's network
    trial         ``trial(config, seed, data) -> TrialResult``; ``config`` is ``base`` updated with the
                  sampled values (a module-level function, so that worker processes can import it)
    n_jobs        local worker processes (joblib; 1 runs in this process, −1 all cores)
    scheduler     ``tcp://HOST:PORT`` of a Dask scheduler: run the trials there instead
    top_fraction  the share of the successful trials so far that a round narrows around (at least 2)
    shrink        the most a later round's range may keep of the previous one (0.5: half, in log units
                  for log ranges)
    on_round      called with ``(round, ranges)`` before each round (progress reporting)
    on_trial      called with each trial's result as soon as it finishes (to record it at once)
    finished      trials of an earlier, interrupted run of the same search: a trial with the same number,
                  round and config is taken from there instead of being run again (the search is seeded,
                  so it then continues exactly as the uninterrupted run would have)
    notice        receives one-line notices (a Dask cluster that lost trials and gets them again)
    """
    if not space:
        raise ConfigError("search needs at least one hyperparameter to vary (e.g. learning-rate=log:1e-4:1e-1).")
    counts = _per_round(trials, rounds)
    check_real("search", "top_fraction", top_fraction, low=0.0, high=1.0, low_open=True)
    check_real("search", "shrink", shrink, low=0.0, high=1.0, low_open=True)
    base = {**DEFAULTS, **(base or {})}
    results: list[TrialResult] = []
    ranges: list[dict[str, str]] = []
    earlier = {t.trial: t for t in finished or []}
    with contextlib.ExitStack() as stack:
        run = _runner(stack, scheduler, n_jobs, notice)
        for index, count in enumerate(counts, start=1):
            ranges.append(describe_space(space))
            if on_round is not None:
                on_round(index, ranges[-1])
            sampled = sample_configs(space, np.random.default_rng([seed, index]), count)
            configs = [{**base, **_coerce(config)} for config in sampled]
            first = len(results)
            done: list[TrialResult | None] = [None] * count
            for position, config in enumerate(configs):
                old = earlier.get(first + position)
                if old is not None and old.round == index and same_config(old.config, config):
                    done[position] = replace(old, config=config)
            jobs = [(position, config) for position, config in enumerate(configs) if done[position] is None]
            for position, result in run(trial, jobs, seed, data):
                done[position] = replace(result, trial=first + position, round=index)
                if on_trial is not None:
                    on_trial(done[position])
            results += done
            ranked = sorted((t for t in results if t.ok), key=_rank_key)
            if index < len(counts) and ranked:
                keep = max(2, math.ceil(top_fraction * len(ranked)))
                space = narrow_space(space, [t.config for t in ranked[:keep]], shrink=shrink)
    return SearchResult(results, ranges, base)


# ---------------------------------------------------------------------------------------------- output


