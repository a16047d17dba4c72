"""Ready configurations the page offers: each a title, what to look for, run A's settings and, for a
comparison, what run B changes. Every preset passes :func:`glassnet.lab.settings.parse_settings`
(a test checks it)."""

from __future__ import annotations

from typing import Any

PRESETS: list[dict[str, Any]] = [
    {
        "id": "flower-logistic",
        "title": "Flower: logistic regression",
        "look_for": "No hidden layer draws one straight line: accuracy stays near 50 %.",
        "settings": {"data": "flower", "hidden": [], "activation": "tanh", "optimizer": "adam", "learning_rate": 0.01},
    },
    {
        "id": "flower-hidden",
        "title": "Flower: one hidden layer of 8 tanh units",
        "look_for": "The boundary bends around the petals; dev accuracy passes 85 %.",
        "settings": {"data": "flower", "hidden": [8], "activation": "tanh", "optimizer": "adam", "learning_rate": 0.01},
    },
    {
        "id": "optimizers",
        "title": "Optimizers: gradient descent vs Adam",
        "look_for": "Same data, network, seed and learning rate: Adam passes 85 % dev accuracy within about a hundred epochs; "
                    "plain mini-batch gradient descent takes several times as long.",
        "settings": {"data": "flower", "hidden": [8], "activation": "tanh", "optimizer": "sgd", "learning_rate": 0.01},
        "compare": {"optimizer": "adam"},
    },
    {
        "id": "zeros",
        "title": "Initialisation: zeros vs Xavier",
        "look_for": "With zeros every hidden unit computes the same thing (identical heat maps): the symmetry never breaks.",
        "settings": {"data": "circles", "hidden": [8], "activation": "tanh", "initializer": "zeros", "learning_rate": 0.01},
        "compare": {"initializer": "xavier"},
    },
    {
        "id": "spiral-deep",
        "title": "Spiral: a deeper ReLU network",
        "look_for": "Two turns of the spiral need more than one small layer.",
        "settings": {"data": "spiral", "hidden": [32, 32, 16], "activation": "relu", "learning_rate": 0.01, "batch_size": 16},
    },
    {
        "id": "overfit-l2",
        "title": "Variance: a big network on few noisy points, then L2",
        "look_for": "Without L2 the dev cost turns up while the train cost falls; the advisor says variance.",
        "settings": {"data": "moons", "noise": 0.4, "samples": 100, "hidden": [64, 64], "activation": "relu", "learning_rate": 0.01},
        "compare": {"l2": 1.0},
    },
    {
        "id": "digits",
        "title": "Digits: softmax over 10 classes",
        "look_for": "The confusion matrix fills its diagonal; the misclassified digits are the hard ones.",
        "settings": {"data": "digits", "hidden": [32], "activation": "relu", "learning_rate": 0.001},
    },
]
