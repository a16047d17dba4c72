"""Lesson 1, networks: logistic regression vs one hidden layer, activations in a deep network, the learning rate."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.data.bundled import load_dataset
from glassnet.lessons.base import Check, Experiment, Measurement
from glassnet.lessons.common import epochs_to, moons, or_inf, rounded, split, train, train_guarded
from glassnet.lessons.figures import colour, curves, finish, panels
from glassnet.nn.layers import Dense, ReLU, Sigmoid, Tanh
from glassnet.nn.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from glassnet.nn.network import Network
from glassnet.optim.optimizers import SGD, Adam
from glassnet.plots import draw_boundary


# ---------------------------------------------------------------------------------------------- logistic vs hidden
def _measure_logistic_vs_hidden(settings: dict[str, Any], seed: int) -> Measurement:
    data = load_dataset("flower", seed=seed)
    X_train, X_dev, y_train, y_dev = split(data.X, data.y, seed, standardise=False)
    arms = {
        "logistic regression": [Dense(1, initializer="xavier")],
        f"{settings['hidden_units']} tanh units": [Dense(settings["hidden_units"], initializer="xavier"), Tanh(), Dense(1, initializer="xavier")],
    }
    figure, axes = panels(2, 1, 5.0, 4.2)
    numbers: dict[str, Any] = {}
    table = []
    for (arm, layers), key, panel in zip(arms.items(), ("logistic", "hidden"), axes):
        network = Network(layers, BinaryCrossEntropy(), seed=seed)
        train(network, X_train, y_train, Adam(settings["learning_rate"]), settings["epochs"], settings["batch_size"])
        train_accuracy, dev_accuracy = network.score(X_train, y_train), network.score(X_dev, y_dev)
        numbers[f"{key}_train_accuracy"], numbers[f"{key}_dev_accuracy"] = rounded(train_accuracy), rounded(dev_accuracy)
        table.append({"model": arm, "train accuracy": rounded(train_accuracy), "dev accuracy": rounded(dev_accuracy)})
        draw_boundary(panel, network, X_dev, y_dev, class_names=data.class_names, resolution=150,
                      title=f"{arm}: dev accuracy {dev_accuracy:.2f}")
    figure.suptitle("Decision boundaries on the flower set (dev points shown)")
    return Measurement(numbers, table, [("boundaries", "Logistic regression vs one hidden tanh layer", figure)])


def _check_logistic_vs_hidden(n: dict[str, Any]) -> list[Check]:
    return [
        Check(f"logistic regression stays near chance: dev accuracy {n['logistic_dev_accuracy']:.2f} within 0.15 of 0.50",
              abs(n["logistic_dev_accuracy"] - 0.5) <= 0.15),
        Check(f"the hidden layer learns the petals: dev accuracy {n['hidden_dev_accuracy']:.2f} ≥ 0.80", n["hidden_dev_accuracy"] >= 0.80),
        Check("the hidden layer beats logistic regression by ≥ 0.20 in dev accuracy",
              n["hidden_dev_accuracy"] - n["logistic_dev_accuracy"] >= 0.20),
    ]


LOGISTIC_VS_HIDDEN = Experiment(
    name="logistic-vs-hidden",
    lesson=1,
    claim="Logistic regression stays near chance on the flower set; one hidden tanh layer learns it.",
    explanation=(
        "Each panel shades the predicted probability of class b over the plane, with the 0.5 boundary in black and the "
        "dev points on top. Logistic regression can only draw one straight line, so on interleaved petals it is right "
        "about half the time. One hidden layer of a few tanh units bends the boundary around the petals."
    ),
    settings={"rows": 400, "dev_fraction": 0.25, "hidden_units": 8, "optimizer": "adam", "learning_rate": 0.01, "epochs": 100, "batch_size": 32},
    quick_settings={"epochs": 40},
    measure=_measure_logistic_vs_hidden,
    checks=_check_logistic_vs_hidden,
)


# ---------------------------------------------------------------------------------------------- activations
ACTIVATIONS = {"relu": (ReLU, "he"), "tanh": (Tanh, "xavier"), "sigmoid": (Sigmoid, "xavier")}


def _measure_activations(settings: dict[str, Any], seed: int) -> Measurement:
    data = load_dataset("digits")
    X_train, _, y_train, _ = split(data.X, data.y, seed)
    costs: dict[str, list[float]] = {}
    numbers: dict[str, Any] = {"target_cost": settings["target_cost"]}
    table = []
    for name, (activation, initializer) in ACTIVATIONS.items():
        layers: list = []
        for _ in range(settings["hidden_layers"]):
            layers += [Dense(settings["units"], initializer=initializer), activation()]
        network = Network(layers + [Dense(10, initializer="xavier")], SoftmaxCrossEntropy(), seed=seed)
        costs[name], _ = train_guarded(network, X_train, y_train, SGD(settings["learning_rate"]), settings["epochs"], settings["batch_size"])
        reached = epochs_to(costs[name], settings["target_cost"])
        numbers[f"{name}_epochs_to_target"] = reached
        numbers[f"{name}_final_cost"] = rounded(costs[name][-1])
        table.append({"activation": name, "initialiser": initializer, "epochs to target cost": "not reached" if reached is None else reached,
                      "final cost": rounded(costs[name][-1])})
    figure, (axes,) = panels(1, 1, 6.5, 4.0)
    curves(axes, costs)
    axes.axhline(settings["target_cost"], color="black", linestyle="--", linewidth=1, label=f"target cost {settings['target_cost']}")
    finish(axes, f"Same {settings['hidden_layers']}×{settings['units']} network on digits, plain SGD", "epoch", "training cost J (cross-entropy)", log_y=True)
    return Measurement(numbers, table, [("cost", "Training cost per epoch for each activation", figure)])


def _epochs_text(value: int | None) -> str:
    return "never" if value is None else str(value)


def _check_activations(n: dict[str, Any]) -> list[Check]:
    relu, tanh, sigmoid = (n[f"{name}_epochs_to_target"] for name in ("relu", "tanh", "sigmoid"))
    return [
        Check(f"ReLU reaches the target in fewer epochs than tanh ({_epochs_text(relu)} < {_epochs_text(tanh)})", or_inf(relu) < or_inf(tanh)),
        Check(f"tanh reaches the target in fewer epochs than sigmoid ({_epochs_text(tanh)} < {_epochs_text(sigmoid)})", or_inf(tanh) < or_inf(sigmoid)),
    ]


ACTIVATIONS_EXPERIMENT = Experiment(
    name="activations",
    lesson=1,
    claim="On the same deep network ReLU reaches a given cost in fewer epochs than tanh, and tanh than sigmoid.",
    explanation=(
        "The training cost per epoch (log scale) of one network with three activations; the dashed line is the target. "
        "Sigmoid's slope is at most 0.25 and its outputs are not centred on zero, so the gradient shrinks layer by layer "
        "and the cost sits on a plateau for many epochs. tanh is centred but saturates; ReLU passes the gradient "
        "unchanged wherever a unit is active. Each activation uses its usual initialiser (He for ReLU, Xavier otherwise)."
    ),
    settings={"data": "digits", "hidden_layers": 3, "units": 32, "optimizer": "sgd", "learning_rate": 0.05, "batch_size": 32,
              "epochs": 100, "target_cost": 0.1},
    quick_settings={"epochs": 25},
    measure=_measure_activations,
    checks=_check_activations,
)


# ---------------------------------------------------------------------------------------------- learning rate
def _rises(costs: list[float]) -> int:
    """How many epochs ended with a higher cost than the one before (oscillation)."""
    return int(np.sum(np.diff(costs) > 0)) if len(costs) > 1 else 0


def _measure_learning_rate(settings: dict[str, Any], seed: int) -> Measurement:
    X, y = moons(settings["rows"], settings["noise"], seed)
    X_train, _, y_train, _ = split(X, y, seed)
    rates = {"small": settings["small_rate"], "good": settings["good_rate"], "too large": settings["large_rate"]}
    costs: dict[str, list[float]] = {}
    numbers: dict[str, Any] = {}
    table = []
    for arm, rate in rates.items():
        network = Network([Dense(settings["units"]), ReLU(), Dense(1, initializer="xavier")], BinaryCrossEntropy(), seed=seed)
        costs[arm], message = train_guarded(network, X_train, y_train, SGD(rate), settings["epochs"], settings["batch_size"])
        key = arm.replace(" ", "_")
        final = rounded(costs[arm][-1]) if costs[arm] else None
        numbers.update({f"{key}_first_cost": rounded(costs[arm][0]) if costs[arm] else None, f"{key}_final_cost": final,
                        f"{key}_rises": _rises(costs[arm]), f"{key}_diverged": message is not None})
        if message is not None:
            numbers["divergence_message"] = message
        table.append({"arm": arm, "learning rate α": rate, "epochs run": len(costs[arm]), "final cost": "—" if final is None else final,
                      "epochs with a rise": _rises(costs[arm]), "diverged": message is not None})
    figure, (axes,) = panels(1, 1, 6.5, 4.0)
    curves(axes, {f"{arm} (α = {rates[arm]:g})": values for arm, values in costs.items()}, marker=".")
    for line, arm in zip(axes.get_lines(), costs):
        line.set_color(colour(arm))
    if "divergence_message" in numbers:
        axes.annotate("too large: the divergence guard stopped training", xy=(0.02, 0.03), xycoords="axes fraction", fontsize=8, color=colour("too large"))
    finish(axes, "Plain SGD on moons with three learning rates", "epoch", "training cost J (cross-entropy)", log_y=True)
    return Measurement(numbers, table, [("cost", "Training cost per epoch for three learning rates", figure)])


def _check_learning_rate(n: dict[str, Any]) -> list[Check]:
    small, good = n["small_final_cost"], n["good_final_cost"]
    large_bad = n["too_large_diverged"] or (n["too_large_rises"] >= 3 and (n["too_large_final_cost"] or 0.0) > good)
    return [
        Check(f"too small crawls: final cost {small:.3g} is ≥ 0.1 above the good rate's {good:.3g}", small >= good + 0.1),
        Check(f"the good rate converges: final cost {good:.3g} < 0.35, below half of its first epoch's {n['good_first_cost']:.3g}",
              good < 0.35 and good < 0.5 * n["good_first_cost"]),
        Check("too large diverges (the guard fired) or oscillates (≥ 3 rises) and ends above the good rate", bool(large_bad)),
    ]


LEARNING_RATE = Experiment(
    name="learning-rate",
    lesson=1,
    claim="A too small learning rate crawls, a good one converges, a too large one oscillates or diverges.",
    explanation=(
        "The training cost per epoch (log scale) of the same network trained with three learning rates. With α too small "
        "each step is tiny and the cost creeps down; a good α drops it quickly and steadily; with α too large the steps "
        "overshoot, the cost jumps up and the divergence guard stops training and restores the weights (its message is "
        "in the numbers)."
    ),
    settings={"data": "moons", "rows": 400, "noise": 0.2, "units": 16, "optimizer": "sgd", "batch_size": 32, "epochs": 40,
              "small_rate": 0.001, "good_rate": 0.5, "large_rate": 30.0},
    quick_settings={"epochs": 20},
    measure=_measure_learning_rate,
    checks=_check_learning_rate,
)

EXPERIMENTS = (LOGISTIC_VS_HIDDEN, ACTIVATIONS_EXPERIMENT, LEARNING_RATE)
