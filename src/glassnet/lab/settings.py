"""The settings of one lab run, as the page sends them: validated, turned into a network, and written as TOML.

Every value the page sends is untrusted: :func:`parse_settings` checks each one (type and range) and
raises :class:`ConfigError` naming the first bad value, so the page shows one line and nothing changes.
Missing keys take glassnet's defaults (:mod:`glassnet.defaults`). ``batch_size = 0`` is the full batch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from glassnet import defaults
from glassnet._validation import check_bool, check_choice, check_real
from glassnet.data.bundled import BUNDLED
from glassnet.data.planar import PLANAR
from glassnet.errors import ConfigError
from glassnet.nn.builders import DECAYS, build_network, build_optimizer, build_schedule
from glassnet.nn.layers import ACTIVATIONS
from glassnet.nn.network import Network
from glassnet.optim.optimizers import OPTIMIZERS, Optimizer
from glassnet.optim.schedules import Schedule

UPLOAD = "upload"
DATA_CHOICES = (*PLANAR, *(name for name in BUNDLED if name not in PLANAR), UPLOAD)
INITIALIZERS = ("auto", "zeros", "normal", "xavier", "he")
MAX_LAYERS, MAX_UNITS, MAX_BATCH = 6, 256, 100_000
#: settings that change only what the page shows, not the run (changing them keeps the trained weights)
DISPLAY_ONLY = ("human_error",)


@dataclass(frozen=True)
class LabSettings:
    """One run's data, network and training settings (see the module docstring for the ranges)."""

    data: str = "flower"
    noise: float | None = None
    samples: int = 400
    train_fraction: float = defaults.SPLIT[0]
    hidden: tuple[int, ...] = (8,)
    activation: str = "tanh"
    initializer: str = "auto"
    optimizer: str = defaults.OPTIMIZER
    learning_rate: float = 0.01
    beta1: float | None = None
    beta2: float | None = None
    decay: str = defaults.DECAY
    decay_rate: float | None = None
    batch_size: int = defaults.BATCH_SIZE
    l2: float = 0.0
    keep_prob: float = 1.0
    batchnorm: bool = False
    seed: int = defaults.SEED
    human_error: float | None = None

    def training_key(self) -> tuple[Any, ...]:
        """Everything that shapes the run; two settings with the same key continue the same run."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in DISPLAY_ONLY)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (what the page sends back)."""
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    def build_network(self, n_outputs: int, task: str) -> Network:
        """The network of these settings for a task with ``n_outputs`` classes (or targets)."""
        return build_network(n_outputs, self.hidden, self.activation, task, l2=self.l2, seed=self.seed, keep_prob=self.keep_prob,
                             batchnorm=self.batchnorm, initializer=None if self.initializer == "auto" else self.initializer)

    def build_optimizer(self) -> Optimizer:
        """The optimizer with its α and, where it has them, β₁/β₂ (None keeps the optimizer's default)."""
        moments = {"momentum": ("beta1",), "rmsprop": ("beta2",), "adam": ("beta1", "beta2")}.get(self.optimizer, ())
        options = {name: getattr(self, name) for name in moments if getattr(self, name) is not None}
        return build_optimizer(self.optimizer, self.learning_rate, **options)

    def build_schedule(self) -> Schedule | None:
        """The learning-rate decay (None for ``none``)."""
        return build_schedule(self.decay, self.learning_rate, self.decay_rate)

    @property
    def fit_batch_size(self) -> int | None:
        """What ``fit`` takes: None for the full batch (``batch_size = 0``)."""
        return self.batch_size or None


def _optional_real(name: str, value: Any, low: float, high: float, low_open: bool = False, high_open: bool = False) -> float | None:
    return None if value is None else check_real("lab", name, value, low, high, low_open, high_open)


def _integer(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"lab({name}=...) expects an integer in [{low}, {high}]. Received: {name}={value!r}")
    return value


def _hidden(value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
        raise ConfigError(f"lab(hidden=...) expects a list of at most {MAX_LAYERS} layer widths. Received: hidden={value!r:.80}")
    return tuple(_integer("hidden", units, 1, MAX_UNITS) for units in value)


def parse_settings(raw: Any) -> LabSettings:
    """:class:`LabSettings` from the page's JSON object; unknown keys and bad values raise :class:`ConfigError`."""
    if not isinstance(raw, dict):
        raise ConfigError(f"The run settings must be a JSON object. Received: {type(raw).__name__}")
    known = {f.name for f in fields(LabSettings)}
    unknown = sorted(str(key) for key in raw if key not in known)
    if unknown:
        raise ConfigError(f"Unknown setting {unknown[0]!r:.40}; expected one of {', '.join(sorted(known))}.")
    settings = replace(LabSettings(), **raw)
    return LabSettings(
        data=check_choice("lab", "data", settings.data, DATA_CHOICES),
        noise=_optional_real("noise", settings.noise, 0.0, 2.0),
        samples=_integer("samples", settings.samples, 50, 5000),
        train_fraction=check_real("lab", "train_fraction", settings.train_fraction, 0.2, 0.9),
        hidden=_hidden(settings.hidden),
        activation=check_choice("lab", "activation", settings.activation, tuple(ACTIVATIONS)),
        initializer=check_choice("lab", "initializer", settings.initializer, INITIALIZERS),
        optimizer=check_choice("lab", "optimizer", settings.optimizer, tuple(OPTIMIZERS)),
        learning_rate=check_real("lab", "learning_rate", settings.learning_rate, 0.0, 100.0, low_open=True),
        beta1=_optional_real("beta1", settings.beta1, 0.0, 1.0, high_open=True),
        beta2=_optional_real("beta2", settings.beta2, 0.0, 1.0, high_open=True),
        decay=check_choice("lab", "decay", settings.decay, DECAYS),
        decay_rate=_optional_real("decay_rate", settings.decay_rate, 0.0, 10.0, low_open=True),
        batch_size=_integer("batch_size", settings.batch_size, 0, MAX_BATCH),
        l2=check_real("lab", "l2", settings.l2, 0.0, 100.0),
        keep_prob=check_real("lab", "keep_prob", settings.keep_prob, 0.0, 1.0, low_open=True),
        batchnorm=check_bool("lab", "batchnorm", settings.batchnorm),
        seed=_integer("seed", settings.seed, 0, 2**31 - 1),
        human_error=_optional_real("human_error", settings.human_error, 0.0, 1.0),
    )


def to_toml(settings: LabSettings, epochs: int, data_name: str | None = None) -> str:
    """The run as a TOML file that ``glassnet train --config FILE`` reads (``data_name`` replaces an upload).

    The lab's test split is the rest of the rows shared equally between dev and test. Settings that
    ``glassnet train`` has no flag for (the noise and size of a generated set, the initializer, β₂)
    are written as comments when they differ from what ``glassnet train`` does.
    """
    dev = (1.0 - settings.train_fraction) / 2.0
    values: dict[str, Any] = {
        "data": data_name or settings.data,
        "split": f"{settings.train_fraction:g},{dev:g},{1.0 - settings.train_fraction - dev:g}",
        "layers": ",".join(str(units) for units in settings.hidden) or "none",
        "activation": settings.activation,
        "optimizer": settings.optimizer,
        "learning_rate": settings.learning_rate,
        "batch_size": settings.batch_size or 100_000,
        "epochs": max(int(epochs), 1),
        "l2": settings.l2,
        "decay": settings.decay,
        "keep_prob": settings.keep_prob,
        "batchnorm": settings.batchnorm,
        "seed": settings.seed,
    }
    beta = {"momentum": settings.beta1, "rmsprop": settings.beta2, "adam": settings.beta1}.get(settings.optimizer)
    if beta is not None:
        values["beta"] = beta
    if settings.decay_rate is not None:
        values["decay_rate"] = settings.decay_rate
    lines = ["# a glassnet lab run; reproduce it with: glassnet train --config THIS_FILE"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    lab_only = {"noise": settings.noise, "samples": settings.samples if settings.samples != 400 else None,
                "initializer": None if settings.initializer == "auto" else settings.initializer,
                "beta2": settings.beta2 if settings.optimizer == "adam" else None}
    lines += [f"# lab only (glassnet train has no flag for it): {key} = {_toml_value(value)}" for key, value in lab_only.items() if value is not None]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
