"""Default against default: 5-fold cross-validated accuracy and fit time of GlassClassifier and MLPClassifier.

Both run as ``make_pipeline(StandardScaler(), model)`` with their defaults (``MLPClassifier(max_iter=1000)``
so that it converges), ``random_state=0``, on the bundled real sets, one BLAS thread each, folds in turn.
The goal of issue 13: glassnet within 1 point of accuracy (or above) and within 2× of the fit time.
Prints a Markdown table and writes the numbers as JSON::

    python benchmarks/cv_vs_mlp.py [--out benchmarks/results/cv_vs_mlp.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

SETS = {"digits": load_digits, "breast-cancer": load_breast_cancer, "iris": load_iris, "wine": load_wine}
ACCURACY_GOAL_POINTS = 1.0
TIME_GOAL_RATIO = 2.0


def models() -> dict[str, Any]:
    from glassnet.estimators.models import GlassClassifier

    return {"glassnet": GlassClassifier(random_state=0), "MLPClassifier": MLPClassifier(max_iter=1000, random_state=0)}


def measure(name: str) -> dict[str, Any]:
    """Mean and spread of 5-fold accuracy, mean fit seconds and mean epochs of both models on one set."""
    X, y = SETS[name](return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    row: dict[str, Any] = {"data": name, "rows": int(X.shape[0])}
    for label, model in models().items():
        with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("always")
            scores = cross_validate(make_pipeline(StandardScaler(), model), X, y, cv=folds, return_estimator=True)
        row[label] = {
            "accuracy": float(np.mean(scores["test_score"])),
            "accuracy_std": float(np.std(scores["test_score"])),
            "fit_seconds": float(np.mean(scores["fit_time"])),
            "epochs": float(np.mean([pipeline[-1].n_iter_ for pipeline in scores["estimator"]])),
            "convergence_warnings": sum("converg" in str(w.message).lower() for w in caught),
        }
    glass, mlp = row["glassnet"], row["MLPClassifier"]
    row["accuracy_gap_points"] = 100.0 * (glass["accuracy"] - mlp["accuracy"])
    row["time_ratio"] = glass["fit_seconds"] / mlp["fit_seconds"]
    row["accuracy_goal_met"] = row["accuracy_gap_points"] >= -ACCURACY_GOAL_POINTS
    row["time_goal_met"] = row["time_ratio"] <= TIME_GOAL_RATIO
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| data | glassnet accuracy | MLPClassifier accuracy | gap (points) | glassnet fit (s, epochs) | MLPClassifier fit (s, epochs) | time ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        glass, mlp = row["glassnet"], row["MLPClassifier"]
        lines.append(
            f"| {row['data']} | {100 * glass['accuracy']:.1f} % ± {100 * glass['accuracy_std']:.1f} | "
            f"{100 * mlp['accuracy']:.1f} % ± {100 * mlp['accuracy_std']:.1f} | {row['accuracy_gap_points']:+.1f}"
            f"{'' if row['accuracy_goal_met'] else ' ✗'} | {glass['fit_seconds']:.2f} ({glass['epochs']:.0f}) | "
            f"{mlp['fit_seconds']:.2f} ({mlp['epochs']:.0f}) | {row['time_ratio']:.2f}×{'' if row['time_goal_met'] else ' ✗'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="write the numbers as JSON here")
    parser.add_argument("--data", nargs="*", default=list(SETS), choices=list(SETS))
    options = parser.parse_args()
    rows = [measure(name) for name in options.data]
    print(markdown(rows))
    if options.out:
        Path(options.out).parent.mkdir(parents=True, exist_ok=True)
        Path(options.out).write_text(json.dumps({"machine": platform.processor() or platform.machine(), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
