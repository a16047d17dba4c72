"""What each speed lever gives: the CPU time of one training step with the levers switched on one by one.

Usage (from the repository root)::

    python benchmarks/levers.py                 # big at batch 32, 128, 512 and small at 32; about a minute
    python benchmarks/levers.py --rounds 9 --steps 200

Every configuration computes the same numbers (the levers are bit-identical); only the time changes.
Steps run on one BLAS thread and are timed in CPU time of this process (best of ``--rounds``), which a
busy machine disturbs far less than wall time. Configurations, cumulative:

1. NumPy only — what an install without numba runs;
2. + the compiled optimizer step (one pass over the flat parameter vector);
3. + Dense and ReLU as one stage (bias, mask and activation in one pass; ReLU backward with the bias gradient);
4. + softmax cross-entropy in fewer passes — the default install.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from worker import glassnet_network, make_data  # noqa: E402

LEVERS = ("NumPy only", "+ compiled optimizer step", "+ Dense+ReLU stage", "+ fused softmax cross-entropy")


def configure(network: Any, optimizer: Any, level: int) -> None:
    optimizer.fused = level >= 1
    network.fused = level >= 2
    network.loss.fused = level >= 3


def step_seconds(scenario: str, batch: int, level: int, steps: int, rounds: int) -> float:
    import glassnet as gn

    X, y = make_data(scenario, max(batch * 4, 512), 0)
    network = glassnet_network(scenario, 0)
    X, y = network.prepare(X, y)
    optimizer = gn.Adam(1e-3)
    configure(network, optimizer, level)
    params, grads = network.parameters(), network.gradients()
    state = optimizer.init(params)
    batches = [(X[i * batch : (i + 1) * batch].copy(), y[i * batch : (i + 1) * batch].copy()) for i in range(4)]

    def run(count: int) -> None:
        for index in range(count):
            x_batch, y_batch = batches[index % 4]
            _, logits = network._train_step(x_batch, y_batch)
            optimizer.update(params, grads, state, 1e-3)
            network.loss.count_correct(logits, y_batch)

    run(8)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        run(steps)
        best = min(best, (time.process_time() - started) / steps)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=0, help="steps per round (default: about 0.2 s worth)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    cases = [("big", 32), ("big", 128), ("big", 512), ("small", 32)]
    print("| lever (cumulative) | " + " | ".join(f"{s} bs {b}" for s, b in cases) + " |")
    print("|---" * (len(cases) + 1) + "|")
    with threadpool_limits(limits=1, user_api="blas"):
        times = {case: [] for case in cases}
        for level in range(len(LEVERS)):
            for scenario, batch in cases:
                steps = args.steps or max(10, int(0.2 / (2e-8 * batch * (500_000 if scenario == "big" else 2_400) + 3e-5)))
                times[(scenario, batch)].append(step_seconds(scenario, batch, level, steps, args.rounds))
    for level, lever in enumerate(LEVERS):
        cells = []
        for case in cases:
            seconds, first = times[case][level], times[case][0]
            cells.append(f"{seconds * 1e6:.0f} µs" + ("" if level == 0 else f" ({first / seconds:.2f}×)"))
        print(f"| {lever} | " + " | ".join(cells) + " |")
    print("\nCPU time of one step (forward, backward, Adam, accuracy count), one BLAS thread, best of "
          f"{args.rounds} rounds; in brackets: speed-up over NumPy only.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
