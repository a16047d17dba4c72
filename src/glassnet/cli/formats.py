"""One number format for each kind of value the commands print or write.

==================================  ===========  ==========================================
kind                                format       examples
==================================  ===========  ==========================================
rates: accuracy, error, 1 − R²      4 decimals   ``0.9722``, ``0.0278``
real-valued scores: MSE, R²         4 digits     ``7.191e+10``, ``-6.218``, ``0.9877``
predictions: probabilities, values  7 digits     ``0.1234568``, ``351200.4`` (float32 precision)
==================================  ===========  ==========================================
"""

from __future__ import annotations

#: metrics printed as rates (4 decimals); every other metric is a real-valued score (4 significant digits)
RATES = ("accuracy", "error", "dev_error", "train_error", "dev_accuracy")


def rate(value: float | None) -> str:
    """An accuracy or error rate: ``0.9722`` (``n/a`` for None)."""
    return "n/a" if value is None else f"{value:.4f}"


def score(value: float | None) -> str:
    """A real-valued score such as MSE or R²: 4 significant digits, trailing zeros kept (``0.9800``, ``7.191e+10``)."""
    return "n/a" if value is None else f"{value:#.4g}"


def metric(name: str, value: float | None) -> str:
    """``value`` in the format of the metric ``name`` (``accuracy``, ``error``, ``mse``, ``r2``, ...)."""
    return rate(value) if name in RATES else score(value)


def prediction(value: float) -> str:
    """A probability or a regression prediction: 7 significant digits, the precision of float32."""
    return f"{float(value):.7g}"
