"""Weight initialisers. Each is called as ``init(shape, rng, dtype)`` with ``shape = (n_in, n_out)``.

=========  ===========================================  ==========================================
name       W drawn as                                   use
=========  ===========================================  ==========================================
zeros      0                                            biases; for weights it keeps every hidden
                                                        unit identical forever (symmetry is never
                                                        broken) — kept so learners can see that
normal     N(0, scale²), scale = 0.01 by default        the course's first "small random" init
he         N(0, 2 / n_in)                               ReLU family (He et al., 2015)
xavier     N(0, 1 / n_in)                               tanh / sigmoid (the course's Xavier form)
=========  ===========================================  ==========================================

All randomness comes from the ``np.random.Generator`` passed in; nothing global is touched.
"""

from __future__ import annotations

import numpy as np

from glassnet._validation import check_real
from glassnet.serialization import Configurable, deserialize, register

Shape = tuple[int, ...]


class Initializer(Configurable):
    """Base class: ``__call__(shape, rng, dtype) -> array`` of ``shape``."""

    def __call__(self, shape: Shape, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> np.ndarray:
        raise NotImplementedError


@register("initializer")
class Zeros(Initializer):
    """All zeros. Used for biases; for weights it shows why symmetry must be broken."""

    def __call__(self, shape: Shape, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> np.ndarray:
        return np.zeros(shape, dtype=dtype)

    def get_config(self) -> dict:
        return {}


@register("initializer")
class Normal(Initializer):
    """W ~ N(0, scale²) with a fixed ``scale`` (default 0.01, the course's ``randn * 0.01``)."""

    def __init__(self, scale: float = 0.01) -> None:
        self.scale = check_real("Normal", "scale", scale, low=0.0, low_open=True)

    def __call__(self, shape: Shape, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> np.ndarray:
        return (rng.standard_normal(shape) * self.scale).astype(dtype)

    def get_config(self) -> dict:
        return {"scale": self.scale}


@register("initializer")
class HeNormal(Initializer):
    """W ~ N(0, 2/n_in): keeps the variance of ReLU activations constant across layers."""

    def __call__(self, shape: Shape, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(2.0 / shape[0])).astype(dtype)

    def get_config(self) -> dict:
        return {}


@register("initializer")
class XavierNormal(Initializer):
    """W ~ N(0, 1/n_in): the course's Xavier initialisation, suited to tanh."""

    def __call__(self, shape: Shape, rng: np.random.Generator, dtype: np.dtype | str = "float32") -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(1.0 / shape[0])).astype(dtype)

    def get_config(self) -> dict:
        return {}


_BY_NAME = {"zeros": Zeros, "normal": Normal, "he": HeNormal, "xavier": XavierNormal}


def zeros() -> Initializer:
    """The all-zeros initialiser (symmetric network; for demonstrations and biases)."""
    return Zeros()


def normal(scale: float = 0.01) -> Initializer:
    """N(0, scale²) initialiser."""
    return Normal(scale)


def he() -> Initializer:
    """He initialiser, N(0, 2/n_in)."""
    return HeNormal()


def xavier() -> Initializer:
    """Xavier initialiser, N(0, 1/n_in)."""
    return XavierNormal()


def get_initializer(spec: "str | Initializer | dict") -> Initializer:
    """Resolve ``"he"``, ``"xavier"``, ``"normal"``, ``"zeros"``, an :class:`Initializer` or its config."""
    if isinstance(spec, Initializer):
        return spec
    if isinstance(spec, dict):
        return deserialize("initializer", spec)
    if isinstance(spec, str) and spec in _BY_NAME:
        return _BY_NAME[spec]()
    from glassnet.errors import ConfigError

    raise ConfigError(f"Unknown initializer {spec!r}; expected one of {', '.join(map(repr, _BY_NAME))} or an Initializer.")
