"""Exceptions raised by glassnet.

Every error a user can provoke with bad input derives from :class:`GlassnetError`, so the CLI can turn
it into a one-line message and exit status 2, while programming errors still show a traceback.
"""

from __future__ import annotations


class GlassnetError(Exception):
    """Base class of every error glassnet raises on purpose."""


class ConfigError(GlassnetError, ValueError):
    """A hyperparameter, layer setting or config file entry is invalid.

    The message names the bad value and what was expected, e.g.
    ``Dense(units=...) expects a positive integer. Received: units=0``.
    """


class DataError(GlassnetError, ValueError):
    """Training or prediction data has the wrong shape, type or content."""


class TrainingDiverged(GlassnetError, ArithmeticError):
    """Training produced a non-finite or exploding cost; the weights were restored to their last good values."""

    def __init__(self, message: str, epoch: int) -> None:
        super().__init__(message)
        self.epoch = epoch


class ModelFileError(GlassnetError, ValueError):
    """A model or checkpoint file is missing, malformed, tampered with or written by an unknown format.

    The message names the file and the problem, e.g. ``model.safetensors: checksum mismatch (the file was
    changed after it was written)``. Loading never builds a network from a file that raises this.
    """
