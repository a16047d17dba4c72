"""One source of defaults for everything a user can leave out.

``fit``, ``Network.fit``, the builders, the CLI, the estimators, ``search``, ``learning_curve``
and the lab read these names; ``tests/test_defaults.py`` checks that they agree. (Each lesson
experiment states its own settings, which its claim depends on, so it does not read them.)
"""

from __future__ import annotations

#: passes over the training rows when a fixed number is asked for (``Network.fit``, ``--epochs``)
EPOCHS = 40
#: convergence-based stopping (the default of the estimators and ``glassnet train``): stop once the training
#: cost has not fallen below its best − TOL for N_ITER_NO_CHANGE epochs in a row, or after MAX_EPOCHS epochs
TOL = 1e-4
N_ITER_NO_CHANGE = 10
MAX_EPOCHS = 200
#: rows per mini-batch (1 = stochastic gradient descent; None in ``fit`` = the whole batch)
BATCH_SIZE = 32
#: seeds weights, shuffling, dropout masks, data splits and generated data sets
SEED = 0
#: hidden Dense widths of the default network
HIDDEN_LAYERS = (64, 32)
ACTIVATION = "relu"
OPTIMIZER = "adam"
#: α of each optimizer when none is given (the course's usual starting points)
LEARNING_RATES = {"sgd": 0.01, "momentum": 0.01, "rmsprop": 0.001, "adam": 0.001}
#: α of the default optimizer
LEARNING_RATE = LEARNING_RATES[OPTIMIZER]
DECAY = "none"
#: per schedule: k of inverse-time α₀/(1 + k·epoch), r of exponential α₀·rᵉᵖᵒᶜʰ, drop factor of step decay
DECAY_RATES = {"inverse-time": 0.1, "exponential": 0.95, "step": 0.5}
#: epochs between two drops of step decay
STEP_DECAY_EVERY = 10
#: stop when a batch cost exceeds this many times max(first batch cost, 1)
DIVERGENCE_FACTOR = 1e3
#: train/dev/test fractions of a split
SPLIT = (0.6, 0.2, 0.2)
#: worker processes of a search (-1: one per core)
JOBS = -1
#: trials of a search
TRIALS = 20
#: compute type of networks
DTYPE = "float32"
