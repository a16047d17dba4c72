"""Lesson 3, optimizers: GD, momentum, RMSprop and Adam on moons and on a 2-D surface with a plateau and a
saddle; and learning-rate decay near a minimum."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.lessons.base import Check, Experiment, Measurement
from glassnet.lessons.common import moons, rounded, split, train, train_guarded
from glassnet.lessons.figures import colour, curves, finish, panels
from glassnet.nn.layers import Dense, ReLU
from glassnet.nn.losses import BinaryCrossEntropy
from glassnet.nn.network import Network
from glassnet.optim.optimizers import SGD, Adam, Momentum, Optimizer, RMSprop
from glassnet.optim.schedules import InverseTimeDecay
from glassnet.train.callbacks import Callback

OPTIMIZERS = {"gd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam}


# ---------------------------------------------------------------------------------------------- the 2-D surface
def surface(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """f(x, y) = 1 − exp(−x²) + y⁴/4 − y²/2: a plateau for |x| ≳ 2, a saddle at y = 0, minima (0, ±1) with f = −0.25."""
    return 1.0 - np.exp(-x * x) + y**4 / 4.0 - y * y / 2.0


def surface_gradient(point: np.ndarray) -> np.ndarray:
    """∇f = (2x·exp(−x²), y³ − y)."""
    x, y = point
    return np.array([2.0 * x * np.exp(-x * x), y**3 - y])


def descend(optimizer: Optimizer, start: tuple[float, float], steps: int) -> np.ndarray:
    """The path ``(steps + 1, 2)`` of ``optimizer`` on :func:`surface` from ``start`` (its init/update API)."""
    params = {"point": np.array(start, dtype=np.float64)}
    state = optimizer.init(params)
    path = [params["point"].copy()]
    for _ in range(steps):
        optimizer.update(params, {"point": surface_gradient(params["point"])}, state)
        path.append(params["point"].copy())
    return np.array(path)


def _steps_to(path: np.ndarray, level: float) -> int | None:
    values = surface(path[:, 0], path[:, 1])
    below = np.flatnonzero(values <= level)
    return int(below[0]) if below.size else None


def _measure_surface(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    level = -0.25 + settings["surface_tolerance"]
    paths = {name: descend(cls(settings["surface_learning_rate"]), tuple(settings["surface_start"]), settings["surface_steps"])
             for name, cls in OPTIMIZERS.items()}
    return {f"{name}_surface_steps": _steps_to(path, level) for name, path in paths.items()}, paths


def _surface_figure(paths: dict[str, np.ndarray], settings: dict[str, Any]) -> Any:
    figure, (map_axes, value_axes) = panels(2, 1, 5.2, 4.0)
    grid_x, grid_y = np.meshgrid(np.linspace(-1.0, 3.0, 200), np.linspace(-1.6, 1.6, 200))
    shading = map_axes.contourf(grid_x, grid_y, surface(grid_x, grid_y), levels=20, cmap="Greys")
    figure.colorbar(shading, ax=map_axes, label="f(x, y)")
    for name, path in paths.items():
        map_axes.plot(path[:, 0], path[:, 1], color=colour(name), label=name, linewidth=1.5, marker=".", markersize=2)
        value_axes.plot(np.arange(len(path)), surface(path[:, 0], path[:, 1]) + 0.25, color=colour(name), label=name)
    map_axes.plot(*settings["surface_start"], marker="*", color="black", markersize=10, linestyle="none", label="start")
    finish(map_axes, "Paths on f = 1 − exp(−x²) + y⁴/4 − y²/2 (plateau in x, saddle at y = 0)", "x", "y")
    finish(value_axes, f"Height above the minimum, α = {settings['surface_learning_rate']:g} for all", "step", "f − f_min (log scale)", log_y=True)
    value_axes.set_xscale("symlog", linthresh=10)
    value_axes.set_xlim(left=0)
    return figure


# ---------------------------------------------------------------------------------------------- moons
def _measure_optimizers(settings: dict[str, Any], seed: int) -> Measurement:
    numbers, paths = _measure_surface(settings)
    X, y = moons(settings["rows"], settings["noise"], seed)
    X_train, X_dev, y_train, y_dev = split(X, y, seed)
    costs: dict[str, list[float]] = {}
    table = []
    for name, cls in OPTIMIZERS.items():
        layers: list = []
        for units in settings["hidden_layers"]:
            layers += [Dense(units), ReLU()]
        network = Network(layers + [Dense(1, initializer="xavier")], BinaryCrossEntropy(), seed=seed)
        costs[name], _ = train_guarded(network, X_train, y_train, cls(settings["learning_rate"]), settings["epochs"], settings["batch_size"])
        numbers.update({f"{name}_final_cost": rounded(costs[name][-1]), f"{name}_dev_accuracy": rounded(network.score(X_dev, y_dev))})
        steps = numbers[f"{name}_surface_steps"]
        table.append({"optimizer": name, "moons: final training cost": numbers[f"{name}_final_cost"],
                      "moons: dev accuracy": numbers[f"{name}_dev_accuracy"],
                      "surface: steps to the minimum": steps if steps is not None else f"> {settings['surface_steps']}"})
    figure, (axes,) = panels(1, 1, 6.5, 4.0)
    curves(axes, costs)
    finish(axes, f"Moons, network {settings['hidden_layers']}, α = {settings['learning_rate']:g}, batch {settings['batch_size']}",
           "epoch", "training cost J (cross-entropy)")
    return Measurement(numbers, table, [("moons", "Training cost on moons per optimizer", figure),
                                        ("surface", "Paths on a plateau and a saddle", _surface_figure(paths, settings))])


def _steps_text(value: int | None) -> str:
    return "never" if value is None else str(value)


def _check_optimizers(n: dict[str, Any]) -> list[Check]:
    steps = {name: float("inf") if n[f"{name}_surface_steps"] is None else n[f"{name}_surface_steps"] for name in OPTIMIZERS}
    slowest_adaptive, fastest_plain = max(steps["rmsprop"], steps["adam"]), min(steps["gd"], steps["momentum"])
    return [
        Check(f"on moons Adam ends with a lower cost than GD ({n['adam_final_cost']:.3g} < {n['gd_final_cost']:.3g})",
              n["adam_final_cost"] < n["gd_final_cost"]),
        Check(f"on moons Adam's dev accuracy beats GD's by ≥ 0.03 ({n['adam_dev_accuracy']:.2f} vs {n['gd_dev_accuracy']:.2f})",
              n["adam_dev_accuracy"] - n["gd_dev_accuracy"] >= 0.03 - 1e-9),
        Check("on the surface both adaptive methods reach the minimum before GD and momentum (steps: "
              + ", ".join(f"{name} {_steps_text(n[f'{name}_surface_steps'])}" for name in OPTIMIZERS) + ")", slowest_adaptive < fastest_plain),
    ]


OPTIMIZERS_EXPERIMENT = Experiment(
    name="optimizers",
    lesson=3,
    claim="Adam gets through where gradient descent crawls: on moons, and on a surface with a plateau and a saddle the adaptive methods leave first.",
    explanation=(
        "First figure: the course's experiment — the same 3-layer network on moons with the same learning rate and four optimizers "
        "(GD's and momentum's curves lie on top of each other: at this α momentum barely changes the path). "
        "Second figure: the four optimizers on a 2-D surface that starts them on a plateau (the slope in x is about 0.01) next to a "
        "saddle (y starts at 0.001). GD's step is α times a tiny gradient, so it crawls; momentum averages the same tiny "
        "gradients. RMSprop and Adam divide by the root of the averaged squared gradient, so their step is about α whatever "
        "the slope, and they leave the plateau and the saddle in a few dozen steps."
    ),
    settings={"data": "moons", "rows": 400, "noise": 0.2, "hidden_layers": [5, 2], "learning_rate": 0.01, "batch_size": 64, "epochs": 300,
              "surface_start": [2.5, 0.001], "surface_learning_rate": 0.1, "surface_steps": 600, "surface_tolerance": 0.01},
    quick_settings={"epochs": 100},
    measure=_measure_optimizers,
    checks=_check_optimizers,
)


# ---------------------------------------------------------------------------------------------- decay
class FullCost(Callback):
    """The cost on the whole training set after every epoch (at inference)."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y, self.costs = X, y, []

    def on_train_begin(self, network: Any, epochs: int) -> None:
        self.network = network

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.costs.append(self.network.evaluate(self.X, self.y)[0])


def _measure_decay(settings: dict[str, Any], seed: int) -> Measurement:
    X, y = moons(settings["rows"], settings["noise"], seed)
    X_train, _, y_train, _ = split(X, y, seed)
    reference = Network([Dense(1)], BinaryCrossEntropy(), seed=seed, dtype="float64")
    train(reference, X_train, y_train, Adam(0.05), settings["reference_epochs"], None)
    minimum = reference.evaluate(X_train, y_train)[0]
    rate = settings["learning_rate"]
    schedules = {"constant": None, "decayed": InverseTimeDecay(rate, decay_rate=settings["decay_rate"])}
    numbers: dict[str, Any] = {"minimum_cost": rounded(minimum, 6)}
    table, excess = [], {}
    last = settings["last_epochs"]
    for arm, schedule in schedules.items():
        network = Network([Dense(1)], BinaryCrossEntropy(), seed=seed, dtype="float64")
        recorder = FullCost(X_train, y_train)
        history = train(network, X_train, y_train, SGD(rate), settings["epochs"], settings["batch_size"], schedule=schedule, callbacks=[recorder])
        excess[arm] = np.maximum(np.array(recorder.costs) - minimum, 1e-12)
        numbers.update({f"{arm}_final_excess": rounded(float(excess[arm][-1])), f"{arm}_oscillation": rounded(float(np.std(recorder.costs[-last:])))})
        table.append({"schedule": "constant α" if schedule is None else f"α₀/(1 + {settings['decay_rate']:g}·epoch)",
                      "final α": rounded(history.learning_rate[-1]), "final cost − minimum": numbers[f"{arm}_final_excess"],
                      f"std of the cost over the last {last} epochs": numbers[f"{arm}_oscillation"]})
    figure, (axes,) = panels(1, 1, 6.5, 4.0)
    curves(axes, excess)
    finish(axes, f"Logistic regression on moons, SGD α₀ = {rate:g}, batch {settings['batch_size']}", "epoch",
           "training cost − minimum cost (log scale)", log_y=True)
    return Measurement(numbers, table, [("distance", "Distance to the minimum per epoch", figure)])


def _check_decay(n: dict[str, Any]) -> list[Check]:
    return [
        Check(f"the decayed rate ends closer to the minimum ({n['decayed_final_excess']:.3g} < {n['constant_final_excess']:.3g})",
              n["decayed_final_excess"] < n["constant_final_excess"]),
        Check(f"it oscillates less over the last epochs (std {n['decayed_oscillation']:.3g} < {n['constant_oscillation']:.3g})",
              n["decayed_oscillation"] < n["constant_oscillation"]),
    ]


DECAY = Experiment(
    name="decay",
    lesson=3,
    claim="A decayed learning rate ends closer to the minimum than a constant one, and oscillates less there.",
    explanation=(
        "The cost on the whole training set minus its minimum (found by a long full-batch run), per epoch. With small "
        "mini-batches each step follows a noisy gradient; at a constant α the weights keep wandering around the minimum at a "
        "distance set by α. Inverse-time decay α₀/(1 + k·epoch) shrinks the steps, so the wandering shrinks too and the cost "
        "settles closer to the minimum."
    ),
    settings={"data": "moons", "rows": 400, "noise": 0.3, "model": "logistic regression", "optimizer": "sgd", "learning_rate": 1.0,
              "batch_size": 8, "decay_rate": 0.3, "epochs": 60, "last_epochs": 10, "reference_epochs": 2000},
    quick_settings={"epochs": 30, "reference_epochs": 1000},
    measure=_measure_decay,
    checks=_check_decay,
)

EXPERIMENTS = (OPTIMIZERS_EXPERIMENT, DECAY)
