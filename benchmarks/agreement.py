"""Before anything is timed: one step of glassnet and PyTorch from the same weights must agree.

Both get the **big** network with glassnet's initial weights (PyTorch's ``Linear`` stores ``Wᵀ``),
the same batch of 32 rows, softmax cross-entropy, then one Adam step (α = 1e-3). The cost, every
gradient and every updated weight must match to float32 tolerance, so an engine that is fast
because it computes something else cannot win the benchmark. Run on its own it prints a JSON line::

    python benchmarks/agreement.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from worker import LEARNING_RATE, glassnet_network, make_data, torch_network  # noqa: E402

RELATIVE_TOLERANCE = 1e-4  # float32 sums over up to 784 terms, computed in a different order


def _relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def check_agreement(batch_size: int = 32, seed: int = 0) -> dict[str, Any]:
    """Largest relative differences between glassnet and PyTorch for one step; ``ok`` when all are small."""
    import torch
    import torch.nn.functional as F

    import glassnet as gn

    X, y = make_data("big", batch_size, seed)
    network = glassnet_network("big", seed)
    network.build(X.shape[1])
    model = torch_network("big")
    linears = [module for module in model if isinstance(module, torch.nn.Linear)]
    dense = [layer for layer in network.layers if isinstance(layer, gn.Dense)]
    with torch.no_grad():
        for linear, layer in zip(linears, dense):
            linear.weight.copy_(torch.from_numpy(layer.params["W"].T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.params["b"].copy()))

    cost, grads = network.loss_and_gradients(X, y)
    loss = F.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    differences = {"cost": abs(cost - loss.item()) / abs(loss.item())}
    for index, (linear, layer) in enumerate(zip(linears, dense)):
        name = f"layers.{network.layers.index(layer)}"
        differences[f"{name}.dW"] = _relative_difference(grads[f"{name}.W"], linear.weight.grad.numpy().T)
        differences[f"{name}.db"] = _relative_difference(grads[f"{name}.b"], linear.bias.grad.numpy())

    adam = gn.Adam(LEARNING_RATE)
    adam.update(network.parameters(), network.gradients(), adam.init(network.parameters()))
    torch_adam = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    torch_adam.step()
    for linear, layer in zip(linears, dense):
        name = f"layers.{network.layers.index(layer)}"
        differences[f"{name}.W after Adam"] = _relative_difference(layer.params["W"], linear.weight.detach().numpy().T)
    worst = max(differences, key=differences.get)
    return {"ok": differences[worst] < RELATIVE_TOLERANCE, "worst": worst, "tolerance": RELATIVE_TOLERANCE,
            "differences": differences}


if __name__ == "__main__":
    report = check_agreement()
    print(json.dumps(report))
    sys.exit(0 if report["ok"] else 1)
