"""Lesson 3, batches and averages: batch vs stochastic vs mini-batch gradient descent, and exponentially
weighted averages with bias correction."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.data.bundled import load_dataset
from glassnet.lessons.base import Check, Experiment, Measurement
from glassnet.lessons.common import or_inf, rounded, split, train
from glassnet.lessons.figures import SEQUENCE, colour, finish, panels
from glassnet.nn.builders import build_network
from glassnet.nn.network import Network
from glassnet.optim.averages import ExponentialMovingAverage
from glassnet.optim.optimizers import SGD
from glassnet.train.callbacks import Callback


# ---------------------------------------------------------------------------------------------- mini-batch
class StopAtCost(Callback):
    """Stop when an epoch's cost reaches ``target`` or the run has used ``budget`` seconds; keep the clock."""

    def __init__(self, target: float, budget: float) -> None:
        self.target, self.budget = target, budget
        self.seconds, self.epochs, self.reached = 0.0, 0, False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.seconds += float(logs["seconds"])
        self.epochs = epoch + 1
        self.reached = float(logs["cost"]) <= self.target
        self.stop_training = self.reached or self.seconds >= self.budget


def _step_costs(network: Network, X: np.ndarray, y: np.ndarray, batch_size: int, steps: int, learning_rate: float, seed: int) -> list[float]:
    """The cost of each of the first ``steps`` updates on its own mini-batch (rows reshuffled every epoch)."""
    optimizer = SGD(learning_rate)
    state = optimizer.init(network.parameters())
    rng = np.random.default_rng(seed)
    order, position, costs = rng.permutation(len(y)), 0, []
    for _ in range(steps):
        if position >= len(y):
            order, position = rng.permutation(len(y)), 0
        rows = order[position : position + batch_size]
        position += batch_size
        cost, grads = network.loss_and_gradients(X[rows], y[rows])
        optimizer.update(network.parameters(), grads, state)
        costs.append(cost)
    return costs


def _roughness(costs: list[float]) -> float:
    """Mean |log J_t − log J_{t−1}| over the steps: 0 for a smooth curve, large for a noisy one."""
    logs = np.log(np.maximum(costs, 1e-12))
    return float(np.mean(np.abs(np.diff(logs))))


def _measure_mini_batch(settings: dict[str, Any], seed: int) -> Measurement:
    data = load_dataset("digits")
    X_train, _, y_train, _ = split(data.X, data.y, seed)
    sizes = {"batch": None, "sgd": 1, "mini-batch": settings["mini_batch_size"]}
    numbers: dict[str, Any] = {"target_cost": settings["target_cost"], "rows": len(y_train)}
    table, step_costs = [], {}
    for arm, size in sizes.items():
        network = build_network(10, settings["hidden_layers"], "relu", "multiclass", seed=seed)
        clock = StopAtCost(settings["target_cost"], settings["budget_seconds"])
        train(network, X_train, y_train, SGD(settings["learning_rate"]), settings["max_epochs"], size, callbacks=[clock])
        fresh = build_network(10, settings["hidden_layers"], "relu", "multiclass", seed=seed).build(X_train.shape[1])
        step_costs[arm] = _step_costs(fresh, X_train, y_train, size or len(y_train), settings["steps"], settings["learning_rate"], seed)
        key = arm.replace("-", "_")
        numbers.update({f"{key}_seconds_to_target": rounded(clock.seconds) if clock.reached else None, f"{key}_epochs_to_target": clock.epochs if clock.reached else None,
                        f"{key}_roughness": rounded(_roughness(step_costs[arm]))})
        table.append({"method": arm, "batch size": size or len(y_train), "epochs to target": clock.epochs if clock.reached else f"not in {clock.epochs}",
                      "seconds to target": rounded(clock.seconds) if clock.reached else f"> {clock.seconds:.2f}",
                      "step-to-step roughness": numbers[f"{key}_roughness"]})
    figure, (axes,) = panels(1, 1, 7.0, 4.0)
    for arm, costs in step_costs.items():
        width, layer = (2.0, 3) if arm == "batch" else (0.9, 2)  # the smooth batch curve on top, so it is not hidden
        axes.plot(np.arange(1, len(costs) + 1), costs, color=colour(arm), label=f"{arm} (size {sizes[arm] or len(y_train)})",
                  linewidth=width, zorder=layer)
    finish(axes, f"Cost of each update's batch, first {settings['steps']} updates", "update (step)", "cost J of the batch (log scale)", log_y=True)
    return Measurement(numbers, table, [("steps", "Cost per update for three batch sizes", figure)])


def _seconds_text(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.3g} s"


def _check_mini_batch(n: dict[str, Any]) -> list[Check]:
    batch, sgd, mini = (or_inf(n[f"{key}_seconds_to_target"]) for key in ("batch", "sgd", "mini_batch"))
    texts = {key: _seconds_text(n[f"{key}_seconds_to_target"]) for key in ("batch", "sgd", "mini_batch")}
    return [
        Check(f"batch GD is the smoothest (roughness {n['batch_roughness']:.3g} < mini-batch {n['mini_batch_roughness']:.3g})",
              n["batch_roughness"] < n["mini_batch_roughness"]),
        Check(f"SGD is the noisiest (roughness {n['sgd_roughness']:.3g} > mini-batch {n['mini_batch_roughness']:.3g})",
              n["sgd_roughness"] > n["mini_batch_roughness"]),
        Check(f"mini-batch reaches the target cost first in wall time ({texts['mini_batch']} vs batch {texts['batch']}, SGD {texts['sgd']})",
              mini < batch and mini < sgd),
    ]


MINI_BATCH = Experiment(
    name="mini-batch",
    lesson=3,
    claim=("Batch gradient descent has a smooth cost but slow epochs to a target cost; SGD (size 1) is noisy and slow per sample; "
           "mini-batch is in between and fastest to the target."),
    explanation=(
        "The cost of the batch each update used, for the same network and learning rate. Batch gradient descent sees all rows "
        "every step, so its curve is smooth, but one step costs a whole pass over the data. SGD updates after every row: the "
        "curve jumps from row to row, and it gives up the vectorisation of lesson 1, so an epoch is slow. Mini-batches get "
        "many updates per epoch and still vectorise, and in the table they reach the target cost first in wall time."
    ),
    settings={"data": "digits", "hidden_layers": [64], "optimizer": "sgd", "learning_rate": 0.05, "mini_batch_size": 64,
              "target_cost": 0.15, "max_epochs": 3000, "budget_seconds": 8.0, "steps": 300},
    quick_settings={"target_cost": 0.3, "budget_seconds": 1.5, "steps": 150},
    measure=_measure_mini_batch,
    checks=_check_mini_batch,
)


# ---------------------------------------------------------------------------------------------- ewa
def _window_share(beta: float, window: int) -> float:
    """The weight an EWA gives its last ``window`` values: feed a long run of 0s, then ``window`` 1s (uncorrected)."""
    average = ExponentialMovingAverage(beta, bias_correction=False)
    for _ in range(2000):
        average.update(0.0)
    for _ in range(window):
        average.update(1.0)
    return float(average.value)


def _smooth(values: np.ndarray, beta: float, bias_correction: bool) -> np.ndarray:
    average = ExponentialMovingAverage(beta, bias_correction=bias_correction)
    return np.array([average.update(value) for value in values])


def _measure_ewa(settings: dict[str, Any], seed: int) -> Measurement:
    rng = np.random.default_rng(seed)
    days = np.arange(settings["days"])
    signal = 15.0 + 10.0 * np.sin(2 * np.pi * days / 365.0)
    series = signal + rng.normal(0.0, settings["noise"], size=len(days))
    numbers: dict[str, Any] = {}
    table = []
    figure, (series_axes, start_axes) = panels(2, 1, 5.5, 4.0)
    series_axes.scatter(days, series, s=4, color="#bbbbbb", label="daily values")
    for colour_index, beta in enumerate(settings["betas"]):
        window = round(1.0 / (1.0 - beta))
        smoothed = _smooth(series, beta, True)
        share = _window_share(beta, window)
        residual = float(np.std((smoothed - signal)[window:]))
        numbers.update({f"beta_{beta:g}_window": window, f"beta_{beta:g}_window_share": rounded(share), f"beta_{beta:g}_residual": rounded(residual)})
        table.append({"β": beta, "≈ 1/(1 − β) values averaged": window, "weight of those last values": rounded(share),
                      "residual noise (std)": rounded(residual)})
        series_axes.plot(days, smoothed, color=SEQUENCE[colour_index], label=f"β = {beta:g} (~{window} days)")
    finish(series_axes, f"Noisy daily series (noise std {settings['noise']:g}) and its averages", "day", "value (°C)")
    beta, first = settings["correction_beta"], settings["first_values"]
    corrected, uncorrected = _smooth(series[:first], beta, True), _smooth(series[:first], beta, False)
    numbers.update({"correction_beta": beta, "uncorrected_error_first": rounded(float(np.mean(np.abs(uncorrected - signal[:first])))),
                    "corrected_error_first": rounded(float(np.mean(np.abs(corrected - signal[:first])))),
                    "corrected_first_equals_value": bool(corrected[0] == series[0])})
    start_axes.scatter(days[:first], series[:first], s=10, color="#bbbbbb", label="daily values")
    start_axes.plot(days[:first], uncorrected, color=colour("before"), label=f"β = {beta:g}, v_t (starts at 0)")
    start_axes.plot(days[:first], corrected, color=colour("after"), label=f"β = {beta:g}, v_t / (1 − βᵗ)")
    finish(start_axes, f"The first {first} days: bias correction", "day", "value (°C)")
    table.append({"β": beta, "≈ 1/(1 − β) values averaged": f"first {first} days", "weight of those last values": "mean |error|: "
                  f"{numbers['uncorrected_error_first']:.3g} uncorrected, {numbers['corrected_error_first']:.3g} corrected", "residual noise (std)": ""})
    return Measurement(numbers, table, [("averages", "Exponentially weighted averages", figure)])


def _check_ewa(n: dict[str, Any]) -> list[Check]:
    shares = {key: value for key, value in n.items() if key.endswith("_window_share")}
    return [
        Check("the last 1/(1 − β) values carry most of the weight (" + ", ".join(f"{v:.2f}" for v in shares.values()) + " within 0.6–0.8, → 1 − 1/e)",
              all(0.6 <= value <= 0.8 for value in shares.values())),
        Check(f"bias correction fixes the first values: mean error {n['corrected_error_first']:.3g} < {n['uncorrected_error_first']:.3g} / 5",
              n["corrected_error_first"] < n["uncorrected_error_first"] / 5),
        Check("the corrected average at t = 1 is the first value itself", n["corrected_first_equals_value"]),
    ]


EWA = Experiment(
    name="ewa",
    lesson=3,
    claim="An exponentially weighted average with β averages about the last 1/(1 − β) values, and bias correction fixes its first values.",
    explanation=(
        "Left: a noisy seasonal series and its averages v_t = β·v_{t−1} + (1 − β)·θ_t (bias-corrected). A larger β averages "
        "more days (about 1/(1 − β)): smoother, but later to follow the season. The table's weight column is what the average "
        "gives its last 1/(1 − β) values — about 1 − 1/e ≈ 0.63 as β → 1. Right: starting from v₀ = 0, the plain average "
        "with β = 0.98 begins far below the data; dividing by 1 − βᵗ removes that start-up bias."
    ),
    settings={"days": 365, "noise": 4.0, "betas": [0.5, 0.9, 0.98], "correction_beta": 0.98, "first_values": 40},
    quick_settings={},
    measure=_measure_ewa,
    checks=_check_ewa,
)

EXPERIMENTS = (MINI_BATCH, EWA)
