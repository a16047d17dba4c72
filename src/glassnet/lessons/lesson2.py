"""Lesson 2: initialisation, bias and variance with the advisor, and regularisation (L2, inverted dropout)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.data.bundled import load_dataset
from glassnet.lessons.advice import BiasVarianceCase, advice_checks, follow_advice
from glassnet.lessons.base import Check, Experiment, Measurement
from glassnet.lessons.common import dense_weights, moons, rounded, split, train, train_guarded
from glassnet.lessons.figures import colour, curves, finish, panels
from glassnet.nn.dropout import Dropout
from glassnet.nn.initializers import get_initializer, normal, zeros
from glassnet.nn.layers import Dense, ReLU
from glassnet.nn.losses import BinaryCrossEntropy
from glassnet.nn.network import Network
from glassnet.optim.optimizers import SGD, Adam
from glassnet.plots import draw_boundary


# ---------------------------------------------------------------------------------------------- initialisation
def _unit_spread(network: Network) -> float:
    """Largest difference between any hidden unit's incoming weights and the first unit's (0: all identical)."""
    hidden = dense_weights(network)[:-1]
    return max(float(np.max(np.abs(W - W[:, :1]))) for W in hidden)


def _measure_initialization(settings: dict[str, Any], seed: int) -> Measurement:
    data = load_dataset("circles", seed=seed)
    X_train, X_dev, y_train, y_dev = split(data.X, data.y, seed)
    arms = {"zeros": zeros(), "large": normal(settings["large_scale"]), "he": get_initializer(settings["he_arm_initializer"])}
    costs: dict[str, list[float]] = {}
    numbers: dict[str, Any] = {}
    table = []
    first_layers = {}
    for arm, initializer in arms.items():
        layers = []
        for units in settings["hidden_layers"]:
            layers += [Dense(units, initializer=initializer), ReLU()]
        network = Network(layers + [Dense(1, initializer=initializer)], BinaryCrossEntropy(), seed=seed)
        costs[arm], _ = train_guarded(network, X_train, y_train, SGD(settings["learning_rate"]), settings["epochs"], settings["batch_size"])
        first_layers[arm] = dense_weights(network)[0].copy()
        row = {"first_cost": costs[arm][0], "final_cost": costs[arm][-1], "train_accuracy": network.score(X_train, y_train),
               "dev_accuracy": network.score(X_dev, y_dev), "unit_spread": _unit_spread(network)}
        numbers.update({f"{arm}_{key}": rounded(value) for key, value in row.items()})
        table.append({"initialisation": arm, **{key.replace("_", " "): rounded(value) for key, value in row.items()}})
    figure, (axes,) = panels(1, 1, 6.5, 4.0)
    curves(axes, costs)
    finish(axes, "Training cost per epoch, same network and data", "epoch", "training cost J (cross-entropy, log scale)", log_y=True)
    return Measurement(numbers, table, [("cost", "Training cost per epoch for each initialisation", figure),
                                        ("weights", "First-layer weights after training", _weights_figure(first_layers))])


def _weights_figure(first_layers: dict[str, np.ndarray]) -> Any:
    figure, axes = panels(len(first_layers), 1, 3.6, 2.6)
    for panel, (arm, W) in zip(axes, first_layers.items()):
        limit = float(np.max(np.abs(W))) or 1.0
        image = panel.imshow(W, cmap="coolwarm", vmin=-limit, vmax=limit, aspect="auto")
        finish(panel, f"{arm}: W of layer 1 (2 inputs × {W.shape[1]} units)", "hidden unit", "input feature", legend=False)
        panel.set_yticks(range(W.shape[0]), [f"x{i + 1}" for i in range(W.shape[0])])
        panel.grid(False)
        figure.colorbar(image, ax=panel, label="weight")
    return figure


def _check_initialization(n: dict[str, Any]) -> list[Check]:
    return [
        Check(f"zeros: every hidden unit stays identical (largest difference between units {n['zeros_unit_spread']:.2g})",
              n["zeros_unit_spread"] == 0),
        Check(f"zeros: dev accuracy {n['zeros_dev_accuracy']:.2f} stays at chance (within 0.05 of 0.50)", abs(n["zeros_dev_accuracy"] - 0.5) <= 0.05),
        Check(f"too large: the first epoch's cost {n['large_first_cost']:.3g} is over 10× He's {n['he_first_cost']:.3g}",
              n["large_first_cost"] > 10 * n["he_first_cost"]),
        Check(f"too large ends below He in dev accuracy ({n['large_dev_accuracy']:.2f} < {n['he_dev_accuracy']:.2f})",
              n["large_dev_accuracy"] < n["he_dev_accuracy"]),
        Check(f"He trains: dev accuracy {n['he_dev_accuracy']:.2f} ≥ 0.90", n["he_dev_accuracy"] >= 0.90),
    ]


INITIALIZATION = Experiment(
    name="initialization",
    lesson=2,
    claim="Zero initialisation keeps every hidden unit identical and accuracy at chance; a too large random one starts slow; He trains.",
    explanation=(
        "First figure: the training cost per epoch of the same ReLU network with three initialisations. With all weights zero, every "
        "hidden unit computes the same thing and gets the same gradient, so the units never become different (second figure: the "
        "zeros panel is one flat colour) and the network is no better than a constant. Weights drawn with a standard "
        "deviation of 10 make huge logits, so the first cost is enormous and training gets stuck. He initialisation "
        "(standard deviation √(2/n_in)) keeps the activations' scale from layer to layer and trains."
    ),
    settings={"data": "circles", "hidden_layers": [10, 5], "optimizer": "sgd", "learning_rate": 0.05, "batch_size": 32, "epochs": 100,
              "large_scale": 10.0, "he_arm_initializer": "he"},
    quick_settings={"epochs": 60},
    measure=_measure_initialization,
    checks=_check_initialization,
)


# ---------------------------------------------------------------------------------------------- bias and variance
def _measure_bias_variance(settings: dict[str, Any], seed: int) -> Measurement:
    flower = load_dataset("flower", seed=seed)
    flower_split = split(flower.X, flower.y, seed)
    rows = settings["few_rows"] + settings["more_rows"]
    X, y = moons(rows + settings["dev_rows"], settings["noise"], seed)
    X_all, X_dev, y_all, y_dev = split(X, y, seed, dev_fraction=settings["dev_rows"] / len(y))
    few = slice(0, settings["few_rows"])
    big = [settings["units"]] * 2
    cases = {
        "small": BiasVarianceCase("logistic regression on the flower set", flower_split, [], settings["epochs"], [settings["units"]], flower_split),
        "big": BiasVarianceCase(f"a 2×{settings['units']} network on {settings['few_rows']} moons", (X_all[few], X_dev, y_all[few], y_dev), big,
                                settings["epochs"], big + [settings["units"]], (X_all, X_dev, y_all, y_dev)),
    }
    return follow_advice(cases, settings, seed, "Gaps before and after following the advice")


BIAS_VARIANCE = Experiment(
    name="bias-variance",
    lesson=2,
    claim=("A too small network has high avoidable bias; a large network on little data has high variance; the advisor says which, "
           "and its first remedy improves the error it named."),
    explanation=(
        "Each pair of bars is one run before (grey) and after (green) following the advisor's first remedy. Logistic regression on "
        "the flower set cannot fit even its training data: the gap to the Bayes-error proxy (avoidable bias) is large, and a bigger "
        "network closes it. A 2-layer network of 64 units trained long on a handful of moons fits them perfectly but not the dev "
        "set (variance); more data closes that gap. The advisor is glassnet.strategy.diagnose given the train and dev errors."
    ),
    settings={"human_error": 0.05, "units": 64, "optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, "epochs": 200,
              "noise": 0.3, "few_rows": 30, "more_rows": 570, "dev_rows": 400},
    quick_settings={"epochs": 100},
    measure=_measure_bias_variance,
    checks=lambda n: advice_checks(n, ("small", "avoidable_bias"), ("big", "variance")),
)


# ---------------------------------------------------------------------------------------------- regularisation
def _regularised_network(units: int, l2: float, keep_prob: float, seed: int) -> Network:
    layers: list = []
    for _ in range(2):
        layers += [Dense(units), ReLU()] + ([Dropout(keep_prob)] if keep_prob < 1.0 else [])
    return Network(layers + [Dense(1, initializer="xavier")], BinaryCrossEntropy(), l2=l2, seed=seed)


def _measure_regularization(settings: dict[str, Any], seed: int) -> Measurement:
    X, y = moons(settings["train_rows"] + settings["dev_rows"], settings["noise"], seed)
    X_train, X_dev, y_train, y_dev = split(X, y, seed, dev_fraction=settings["dev_rows"] / len(y))
    arms = [("plain", 0.0, 1.0)] + [("l2", value, 1.0) for value in settings["l2_values"]] + [("dropout", 0.0, value) for value in settings["keep_probs"]]
    numbers: dict[str, Any] = {}
    table = []
    networks = {}
    for kind, l2, keep_prob in arms:
        network = _regularised_network(settings["units"], l2, keep_prob, seed)
        train(network, X_train, y_train, Adam(settings["learning_rate"]), settings["epochs"], settings["batch_size"])
        train_error, dev_error = 1 - network.score(X_train, y_train), 1 - network.score(X_dev, y_dev)
        squared = sum(float(np.vdot(W, W)) for W in dense_weights(network))
        label = {"plain": "plain", "l2": f"L2 λ = {l2:g}", "dropout": f"dropout keep_prob = {keep_prob:g}"}[kind]
        row = {"setting": label, "train error": rounded(train_error), "dev error": rounded(dev_error),
               "gap (dev − train)": rounded(dev_error - train_error), "Σ‖W‖²": rounded(squared)}
        table.append(row)
        key = {"plain": "plain", "l2": f"l2_{l2:g}", "dropout": f"keep_{keep_prob:g}"}[kind]
        numbers.update({f"{key}_gap": row["gap (dev − train)"], f"{key}_weight_norm": row["Σ‖W‖²"], f"{key}_dev_error": row["dev error"]})
        networks[kind] = (network, label)  # the strongest setting of each kind is drawn
    numbers["strongest_l2"], numbers["smallest_keep_prob"] = max(settings["l2_values"]), min(settings["keep_probs"])
    return Measurement(numbers, table, [("sweep", "Weight norm and train/dev gap per setting", _sweep_figure(table)),
                                        ("boundaries", "Decision boundaries", _boundaries_figure(networks, X_dev, y_dev))])


def _sweep_figure(table: list[dict[str, Any]]) -> Any:
    figure, (norm_axes, gap_axes) = panels(2, 1, 5.0, 3.8)
    labels = [row["setting"].replace(" = ", "=").replace("dropout keep_prob", "keep") for row in table]
    kinds = ["plain" if row["setting"] == "plain" else "l2" if row["setting"].startswith("L2") else "dropout" for row in table]
    positions = np.arange(len(table))
    for axes, column, title in ((norm_axes, "Σ‖W‖²", "Σ‖W‖² over all layers (log scale)"), (gap_axes, "gap (dev − train)", "train/dev gap")):
        axes.bar(positions, [row[column] for row in table], color=[colour(kind) for kind in kinds])
        axes.set_xticks(positions, labels, rotation=30, ha="right", fontsize=8)
        finish(axes, title, "setting", column if column != "gap (dev − train)" else "dev error − train error", legend=False,
               log_y=column == "Σ‖W‖²")
    return figure


def _boundaries_figure(networks: dict[str, tuple[Network, str]], X_dev: np.ndarray, y_dev: np.ndarray) -> Any:
    figure, axes = panels(len(networks), 1, 4.2, 3.8)
    for panel, (network, label) in zip(axes, networks.values()):
        draw_boundary(panel, network, X_dev, y_dev, class_names=("lower", "upper"), title=label, resolution=120)
    figure.suptitle("Decision boundaries over the dev points (standardised features)")
    return figure


def _check_regularization(n: dict[str, Any]) -> list[Check]:
    checks = []
    for key, label in ((f"l2_{n['strongest_l2']:g}", f"L2 λ = {n['strongest_l2']:g}"), (f"keep_{n['smallest_keep_prob']:g}", f"dropout keep_prob = {n['smallest_keep_prob']:g}")):
        checks += [
            Check(f"{label} shrinks Σ‖W‖²: {n[key + '_weight_norm']:.4g} < plain {n['plain_weight_norm']:.4g}", n[key + "_weight_norm"] < n["plain_weight_norm"]),
            Check(f"{label} closes the train/dev gap: {n[key + '_gap']:.3f} < plain {n['plain_gap']:.3f}", n[key + "_gap"] < n["plain_gap"]),
        ]
    return checks


REGULARIZATION = Experiment(
    name="regularization",
    lesson=2,
    claim="On an over-fitting setup, L2 and inverted dropout each shrink Σ‖W‖² and close the train/dev gap.",
    explanation=(
        "A 2-layer network of 128 ReLU units trained long on 100 noisy moons fits the training points almost perfectly and "
        "draws a wiggly boundary (plain). Left: the squared norm of all weights; right: dev error minus train error, per "
        "setting. L2 adds (λ/2m)·Σ‖W‖² to the cost, so the weights shrink and the boundary smooths; inverted dropout keeps "
        "each unit with probability keep_prob in training (dividing by keep_prob), so no unit can rely on another, which "
        "has a similar effect. Both trade a little training error for a smaller gap."
    ),
    settings={"data": "moons", "noise": 0.35, "train_rows": 100, "dev_rows": 1000, "units": 128, "optimizer": "adam",
              "learning_rate": 0.003, "batch_size": 32, "epochs": 300, "l2_values": [0.01, 0.1, 0.3], "keep_probs": [0.8, 0.5]},
    quick_settings={"epochs": 200, "l2_values": [0.3], "keep_probs": [0.5]},
    measure=_measure_regularization,
    checks=_check_regularization,
)

EXPERIMENTS = (INITIALIZATION, BIAS_VARIANCE, REGULARIZATION)
