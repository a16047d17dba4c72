"""Lesson 4: sampling hyperparameters on a log scale, batch normalisation, and softmax vs logistic regression."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.data.bundled import load_dataset
from glassnet.data.splits import split_dataset
from glassnet.lessons.base import Check, Experiment, Measurement
from glassnet.lessons.common import rounded, split, train, train_guarded
from glassnet.lessons.figures import colour, finish, panels
from glassnet.nn.builders import build_network
from glassnet.nn.layers import Dense
from glassnet.nn.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from glassnet.nn.network import Network
from glassnet.optim.optimizers import SGD
from glassnet.plots import draw_boundary
from glassnet.strategy.search import load_trial_data, search
from glassnet.strategy.search_space import LogUniform, OneMinusLogUniform, Uniform


# ---------------------------------------------------------------------------------------------- log scale
def _decade_shares(values: np.ndarray, low_exponent: int, high_exponent: int) -> list[float]:
    """The share of ``values`` in each decade [10^k, 10^(k+1)) from ``low_exponent`` to ``high_exponent``."""
    exponents = np.clip(np.floor(np.log10(values)), low_exponent, high_exponent - 1)
    return [float(np.mean(exponents == k)) for k in range(low_exponent, high_exponent)]


def _measure_log_scale(settings: dict[str, Any], seed: int) -> Measurement:
    rng = np.random.default_rng(seed)
    n = settings["samples"]
    alphas = {"uniform": np.array(Uniform(1e-4, 1.0).sample(rng, n)), "log": np.array(LogUniform(1e-4, 1.0).sample(rng, n))}
    one_minus_betas = {"uniform": 1.0 - np.array(Uniform(0.9, 0.999).sample(rng, n)),
                       "log": 1.0 - np.array(OneMinusLogUniform(0.9, 0.999).sample(rng, n))}
    numbers: dict[str, Any] = {}
    table = []
    for kind in ("uniform", "log"):
        alpha_shares = _decade_shares(alphas[kind], -4, 0)
        beta_shares = _decade_shares(one_minus_betas[kind], -3, -1)
        numbers.update({f"{kind}_alpha_decade_shares": [rounded(share, 3) for share in alpha_shares],
                        f"{kind}_beta_top_share": rounded(beta_shares[0], 3)})
        table.append({"sampling": kind, "α share per decade 1e-4…1e-3 | …1e-2 | …1e-1 | …1": " | ".join(f"{share:.2f}" for share in alpha_shares),
                      "share of β in [0.99, 0.999]": rounded(beta_shares[0], 3)})
    data = load_trial_data("digits", seed=seed)
    base = {"layers": settings["layers"], "epochs": settings["epochs"], "optimizer": "adam"}
    results = {}
    for kind, distribution in (("uniform", Uniform(1e-4, 1.0)), ("log", LogUniform(1e-4, 1.0))):
        results[kind] = search({"learning_rate": distribution}, data, trials=settings["trials"], base=base, seed=seed)
        rates = [trial.config["learning_rate"] for trial in results[kind].trials]
        best = results[kind].best
        numbers.update({f"{kind}_search_best_dev_error": rounded(best.dev_error) if best else None,
                        f"{kind}_search_best_rate": rounded(best.config["learning_rate"]) if best else None,
                        f"{kind}_search_trials_below_0.1": int(sum(rate < 0.1 for rate in rates))})
        table.append({"sampling": f"search, {kind} α ({settings['trials']} trials)", "α share per decade 1e-4…1e-3 | …1e-2 | …1e-1 | …1":
                      f"{numbers[f'{kind}_search_trials_below_0.1']} trials with α < 0.1; best α {numbers[f'{kind}_search_best_rate']}",
                      "share of β in [0.99, 0.999]": f"best dev error {numbers[f'{kind}_search_best_dev_error']}"})
    return Measurement(numbers, table, [("samples", "Where uniform and log sampling put their trials", _samples_figure(alphas, one_minus_betas)),
                                        ("search", "A search on each scale", _search_figure(results))])


def _samples_figure(alphas: dict[str, np.ndarray], one_minus_betas: dict[str, np.ndarray]) -> Any:
    figure, (alpha_axes, beta_axes) = panels(2, 1, 5.0, 3.6)
    for axes, values, bins, name in ((alpha_axes, alphas, np.logspace(-4, 0, 17), "α"), (beta_axes, one_minus_betas, np.logspace(-3, -1, 9), "1 − β")):
        for kind in ("uniform", "log"):
            axes.hist(values[kind], bins=bins, color=colour(kind), alpha=0.55, label=f"{kind} sampling")
        axes.set_xscale("log")
        finish(axes, f"{len(values['log'])} samples of {name} (log axis)", name if name == "α" else "1 − β (β from 0.9 to 0.999)", "samples per bin")
    return figure


def _search_figure(results: dict[str, Any]) -> Any:
    figure, (axes,) = panels(1, 1, 6.5, 4.0)
    for kind, result in results.items():
        done = [trial for trial in result.trials if trial.ok]
        axes.scatter([t.config["learning_rate"] for t in done], [t.dev_error for t in done], color=colour(kind), label=f"{kind} α", s=30, alpha=0.8)
    axes.set_xscale("log")
    finish(axes, "Random search over Adam's α on digits: dev error per trial", "learning rate α (log axis)", "dev error (fraction)")
    return figure


def _check_log_scale(n: dict[str, Any]) -> list[Check]:
    uniform_top, log_shares = n["uniform_alpha_decade_shares"][-1], n["log_alpha_decade_shares"]
    return [
        Check(f"uniform sampling of α in [1e-4, 1] spends {uniform_top:.0%} of the samples in the top decade (85–95 %)", 0.85 <= uniform_top <= 0.95),
        Check("log sampling spreads them evenly (" + ", ".join(f"{share:.2f}" for share in log_shares) + " all within 0.20–0.30)",
              all(0.20 <= share <= 0.30 for share in log_shares)),
        Check(f"for β in [0.9, 0.999], uniform puts {n['uniform_beta_top_share']:.0%} in [0.99, 0.999] (< 15 %), log via 1 − β "
              f"{n['log_beta_top_share']:.0%} (40–60 %)", n["uniform_beta_top_share"] < 0.15 and 0.40 <= n["log_beta_top_share"] <= 0.60),
        Check(f"the log search tries more rates below 0.1 ({n['log_search_trials_below_0.1']} vs {n['uniform_search_trials_below_0.1']}) and finds a "
              f"dev error at least as low ({n['log_search_best_dev_error']} vs {n['uniform_search_best_dev_error']})",
              n["log_search_trials_below_0.1"] > n["uniform_search_trials_below_0.1"]
              and n["log_search_best_dev_error"] is not None
              and (n["uniform_search_best_dev_error"] is None or n["log_search_best_dev_error"] <= n["uniform_search_best_dev_error"])),
    ]


LOG_SCALE = Experiment(
    name="log-scale",
    lesson=4,
    claim="Sampling α uniformly in [1e-4, 1] spends ~90 % of the trials in the top decade; a log scale spreads them evenly, and the same holds for β via 1 − β.",
    explanation=(
        "First figure, left: where 2,000 samples of α land, on a log axis. Uniform sampling puts 90 % of them between 0.1 and 1, because that "
        "decade is 90 % of the interval's length; log sampling gives each decade a quarter. Right: the same for the averaging "
        "β of momentum between 0.9 and 0.999, drawn through 1 − β on a log scale (β = 0.999 averages 1,000 steps, 0.99 only "
        "100, so that end matters as much). Second figure: a real random search over Adam's α on digits with each sampling: the log search spreads its "
        "trials over all four decades and finds a better rate (around 1e-2), the uniform one spends most trials on rates "
        "above 0.1, which are too large for Adam here (too small a rate does not learn in so few epochs either)."
    ),
    settings={"samples": 2000, "search_data": "digits", "layers": "32", "epochs": 5, "trials": 10},
    quick_settings={"epochs": 2, "trials": 6},
    measure=_measure_log_scale,
    checks=_check_log_scale,
)


# ---------------------------------------------------------------------------------------------- batch norm
def _measure_batchnorm(settings: dict[str, Any], seed: int) -> Measurement:
    splits = split_dataset(load_dataset("digits"), seed=seed)  # glassnet train's 60/20/20 split: 1077 training rows
    X_train, X_dev, y_train, y_dev = splits.X_train, splits.X_dev, splits.y_train, splits.y_dev
    arms = [("sigmoid", settings["small_rate"]), ("relu", settings["large_rate"])]
    numbers: dict[str, Any] = {}
    table, costs = [], {}
    for activation, rate in arms:
        for normalised in (False, True):
            network = build_network(10, [settings["units"]] * settings["hidden_layers"], activation, "multiclass", seed=seed, batchnorm=normalised)
            label = f"{activation}{' + batch norm' if normalised else ''}, α = {rate:g}"
            curve, message = train_guarded(network, X_train, y_train, SGD(rate), settings["epochs"], settings["batch_size"])
            if message is not None:
                label += f" (diverged in epoch {len(curve) + 1})"
            costs[label] = curve
            key = f"{activation}_{'bn' if normalised else 'plain'}"
            train_error = 1 - network.score(X_train, y_train)
            numbers.update({f"{key}_train_error": rounded(train_error), f"{key}_dev_error": rounded(1 - network.score(X_dev, y_dev)),
                            f"{key}_diverged": message is not None})
            table.append({"network": label, "epochs run": len(curve), "train error": numbers[f"{key}_train_error"],
                          "dev error": numbers[f"{key}_dev_error"], "diverged": message is not None})
            if normalised:
                single = np.vstack([network.forward(X_dev[i : i + 1]) for i in range(settings["inference_rows"])])
                together = network.forward(X_dev[: settings["inference_rows"]])
                numbers[f"{key}_inference_difference"] = rounded(float(np.max(np.abs(single - together))), 3)
    figure, (axes,) = panels(1, 1, 7.0, 4.2)
    for index, (label, values) in enumerate(costs.items()):
        axes.plot(np.arange(1, len(values) + 1), values, color=colour("batchnorm" if "batch norm" in label else "plain"),
                  linestyle="-" if "sigmoid" in label else "--", marker="o" if len(values) < 2 else None, label=label)
    finish(axes, f"{settings['hidden_layers']} hidden layers of {settings['units']} units on digits, plain SGD", "epoch",
           "training cost J (cross-entropy, log scale)", log_y=True)
    return Measurement(numbers, table, [("cost", "Deep networks with and without batch norm", figure)])


def _stuck(n: dict[str, Any], key: str) -> bool:
    return n[f"{key}_diverged"] or n[f"{key}_train_error"] >= 0.5


def _check_batchnorm(n: dict[str, Any]) -> list[Check]:
    return [
        Check(f"the plain sigmoid network stalls (train error {n['sigmoid_plain_train_error']:.2f} ≥ 0.5)", _stuck(n, "sigmoid_plain")),
        Check(f"with batch norm it trains (train error {n['sigmoid_bn_train_error']:.2f} < 0.2)", n["sigmoid_bn_train_error"] < 0.2),
        Check(f"at the large α the plain ReLU network diverges or stalls (diverged: {n['relu_plain_diverged']}, train error "
              f"{n['relu_plain_train_error']:.2f})", _stuck(n, "relu_plain")),
        Check(f"with batch norm it tolerates that α (train error {n['relu_bn_train_error']:.2f} < 0.2)", n["relu_bn_train_error"] < 0.2),
        Check(f"inference uses the running statistics: one row alone gives the same output as in a batch "
              f"(difference {max(n['sigmoid_bn_inference_difference'], n['relu_bn_inference_difference']):.1e} < 1e-5)",
              max(n["sigmoid_bn_inference_difference"], n["relu_bn_inference_difference"]) < 1e-5),
    ]


BATCHNORM = Experiment(
    name="batchnorm",
    lesson=4,
    claim="A deep plain network stalls or diverges where the same network with batch norm trains; batch norm tolerates a larger α; inference uses the running statistics.",
    explanation=(
        "The training cost per epoch of four deep networks (grey: plain, red: with batch norm; solid: sigmoid at a small α, "
        "dashed: ReLU at a large α). Without normalisation the sigmoid network's gradient vanishes through eight layers and "
        "its cost stays at log 10 ≈ 2.3 (chance), and the ReLU network at α = 1 blows up (the divergence guard stops it) or "
        "its units die. Batch norm re-centres and re-scales every layer's linear output, so both train. At inference each "
        "layer uses its running mean and variance (exponentially weighted averages), so a row alone gets exactly the output "
        "it gets inside a batch. The split is glassnet train's (60/20/20, 1,077 training rows, so the last mini-batch has 21 "
        "rows). With a 75/25 split (1,347 rows) the last mini-batch of every epoch has only 3 rows, and we measured both "
        "batch-norm networks training far worse (train error 0.31 and 0.71 after 10 epochs); dropping those 3 rows (1,344) "
        "brought them back to 0.05 and 0.01: the statistics of 3 rows are too noisy to normalise with."
    ),
    settings={"data": "digits", "hidden_layers": 8, "units": 32, "optimizer": "sgd", "batch_size": 32, "epochs": 10,
              "small_rate": 0.05, "large_rate": 1.0, "inference_rows": 16},
    quick_settings={"epochs": 4},
    measure=_measure_batchnorm,
    checks=_check_batchnorm,
)


# ---------------------------------------------------------------------------------------------- softmax
def _two_class_probabilities(settings: dict[str, Any], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """P(class 1) on the dev rows from softmax regression (α) and logistic regression (2α), both from zero weights."""
    data = load_dataset("breast-cancer")
    X_train, X_dev, y_train, _ = split(data.X, data.y, seed)
    rate = settings["learning_rate"]
    softmax = Network([Dense(2, initializer="zeros")], SoftmaxCrossEntropy(), seed=seed, dtype="float64")
    logistic = Network([Dense(1, initializer="zeros")], BinaryCrossEntropy(), seed=seed, dtype="float64")
    train(softmax, X_train, y_train, SGD(rate), settings["epochs"], None)
    train(logistic, X_train, y_train, SGD(2 * rate), settings["epochs"], None)
    return softmax.predict_proba(X_dev)[:, 1], logistic.predict_proba(X_dev)[:, 1]


def _measure_softmax(settings: dict[str, Any], seed: int) -> Measurement:
    p_softmax, p_logistic = _two_class_probabilities(settings, seed)
    iris = load_dataset("iris")
    X_train, X_dev, y_train, y_dev = split(iris.X[:, 2:4], iris.y, seed)
    three = Network([Dense(3, initializer="zeros")], SoftmaxCrossEntropy(), seed=seed)
    train(three, X_train, y_train, SGD(settings["learning_rate"]), settings["three_class_epochs"], None)
    numbers = {"max_probability_difference": rounded(float(np.max(np.abs(p_softmax - p_logistic))), 3),
               "three_class_train_accuracy": rounded(three.score(X_train, y_train)), "three_class_dev_accuracy": rounded(three.score(X_dev, y_dev))}
    table = [{"model": "softmax regression, 2 classes (α) vs logistic regression (2α), breast cancer",
              "result": f"largest |P_softmax − P_logistic| over {len(p_softmax)} dev rows: {numbers['max_probability_difference']:.1e}"},
             {"model": "softmax regression, 3 classes, iris petal length and width",
              "result": f"train accuracy {numbers['three_class_train_accuracy']}, dev accuracy {numbers['three_class_dev_accuracy']}"}]
    figure, (match_axes, region_axes) = panels(2, 1, 4.8, 4.2)
    match_axes.plot([0, 1], [0, 1], color="black", linewidth=0.8, label="equal")
    match_axes.scatter(p_logistic, p_softmax, color=colour("softmax"), s=14, label="dev rows")
    finish(match_axes, "Two classes: softmax = logistic regression", "P(benign) from logistic regression", "P(benign) from softmax regression")
    draw_boundary(region_axes, three, X_dev, y_dev, class_names=iris.class_names, feature_names=("petal length (standardised)", "petal width (standardised)"),
                  title=f"Three classes: softmax regions (dev accuracy {numbers['three_class_dev_accuracy']:.2f})", resolution=150)
    return Measurement(numbers, table, [("softmax", "Softmax with two and three classes", figure)])


def _check_softmax(n: dict[str, Any]) -> list[Check]:
    return [
        Check(f"with two classes softmax and logistic regression give the same probabilities (largest difference "
              f"{n['max_probability_difference']:.1e} < 1e-9)", n["max_probability_difference"] < 1e-9),
        Check(f"softmax separates three classes: dev accuracy {n['three_class_dev_accuracy']:.2f} ≥ 0.90", n["three_class_dev_accuracy"] >= 0.90),
    ]


SOFTMAX = Experiment(
    name="softmax",
    lesson=4,
    claim="With two classes softmax regression gives the same probabilities as logistic regression; with three it draws three regions.",
    explanation=(
        "Left: P(benign) on the breast-cancer dev rows from softmax regression with two outputs (gradient descent, rate α) "
        "against logistic regression with one output (rate 2α), both started from zero weights. softmax(z)₁ = σ(z₁ − z₀), and "
        "from zero the two softmax columns move as mirror images, so their difference follows exactly logistic regression's "
        "path at twice the rate: every point sits on the diagonal. Right: softmax regression on three iris species, "
        "each colour the region where that class has the largest probability."
    ),
    settings={"two_class_data": "breast-cancer", "three_class_data": "iris (petal length, petal width)", "optimizer": "sgd (full batch)",
              "learning_rate": 0.1, "epochs": 200, "three_class_epochs": 300},
    quick_settings={"epochs": 60, "three_class_epochs": 150},
    measure=_measure_softmax,
    checks=_check_softmax,
)

EXPERIMENTS = (LOG_SCALE, BATCHNORM, SOFTMAX)
