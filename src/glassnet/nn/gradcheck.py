"""Gradient checking (lesson 1): compare backprop with centred finite differences, in float64.

For every parameter entry θᵢ::

    g̃ᵢ = (J(θ + ε·eᵢ) − J(θ − ε·eᵢ)) / (2ε)          (ε = 1e-7 by default)

and the course's relative difference over the whole parameter vector::

    difference = ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂)

≈ 1e-7 or less: backprop is right; ≈ 1e-5: look closer; ≥ 1e-3: almost certainly a bug. The check
runs on a float64 copy of the network (the original is untouched) and replays the same random
generator state for every evaluation, so dropout masks are identical across the ± evaluations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.nn._math import l2_norm
from glassnet.nn.network import Network


@dataclass
class GradientCheckResult:
    """``difference`` over all parameters; ``worst_parameter`` is the name with the largest own difference."""

    difference: float
    worst_parameter: str
    worst_difference: float
    per_parameter: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"relative difference {self.difference:.3e} "
            f"(worst parameter {self.worst_parameter}: {self.worst_difference:.3e})"
        )


def relative_difference(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖g − g̃‖ / (‖g‖ + ‖g̃‖); 0 when both are exactly zero."""
    denominator = l2_norm(analytic) + l2_norm(numeric)
    return 0.0 if denominator == 0 else l2_norm(analytic - numeric) / denominator


def check_gradients(
    network: Network,
    X: Any,
    y: Any,
    epsilon: float = 1e-7,
    sample_weight: Any = None,
) -> GradientCheckResult:
    """Check ``network``'s backprop on ``(X, y)`` against centred differences, in float64.

    Cost O(number of parameters × forward pass): use a small batch and a small network.
    """
    twin = network.copy(dtype="float64")
    if not twin.built:
        twin.build(np.asarray(X).shape[1])
    X64, y64 = twin.prepare(X, y)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    start_state = twin.rng.bit_generator.state

    def cost() -> float:
        twin.rng.bit_generator.state = start_state  # same dropout masks every time
        saved = {name: value.copy() for name, value in twin.buffers().items()}
        value, _ = twin._train_step(X64, y64, weights)
        for name, buffer in twin.buffers().items():  # running statistics must not drift between evaluations
            buffer[...] = saved[name]
        return value

    cost()
    analytic = {name: grad.copy() for name, grad in twin.gradients().items()}
    per_parameter: dict[str, float] = {}
    all_analytic, all_numeric = [], []
    for name, param in twin.parameters().items():
        numeric = np.zeros_like(param)
        flat_param, flat_numeric = param.reshape(-1), numeric.reshape(-1)
        for index in range(flat_param.size):
            original = flat_param[index]
            flat_param[index] = original + epsilon
            plus = cost()
            flat_param[index] = original - epsilon
            minus = cost()
            flat_param[index] = original
            flat_numeric[index] = (plus - minus) / (2.0 * epsilon)
        per_parameter[name] = relative_difference(analytic[name], numeric)
        all_analytic.append(analytic[name].ravel())
        all_numeric.append(numeric.ravel())
    worst = max(per_parameter, key=per_parameter.__getitem__)
    total = relative_difference(np.concatenate(all_analytic), np.concatenate(all_numeric))
    return GradientCheckResult(total, worst, per_parameter[worst], per_parameter)
