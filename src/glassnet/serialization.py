"""Config round-trip for every configurable object (layers, losses, optimizers, schedules, initializers).

An object is described by ``{"class_name": "Adam", "config": {...constructor arguments...}}``. That
dictionary is plain JSON: model files, checkpoints and search results store it, and
:func:`deserialize` rebuilds the object from it. Only classes registered with :func:`register` can be
built, so a config file can never name arbitrary code.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from glassnet.errors import ConfigError

T = TypeVar("T")

_REGISTRY: dict[str, dict[str, type]] = {}


def register(kind: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: make ``cls`` buildable by :func:`deserialize` under ``kind`` (e.g. ``"layer"``).

    A name belongs to one class: registering a different class under a name already taken raises
    :class:`ConfigError` (otherwise a user's ``Dense`` would silently replace glassnet's for every later
    config and model file). Registering the same class again — or its reloaded twin, same module and
    qualified name — is allowed.
    """

    def decorator(cls: type[T]) -> type[T]:
        classes = _REGISTRY.setdefault(kind, {})
        taken = classes.get(cls.__name__)
        if taken is not None and (taken.__module__, taken.__qualname__) != (cls.__module__, cls.__qualname__):
            raise ConfigError(
                f"Cannot register {cls.__module__}.{cls.__qualname__} as {kind} {cls.__name__!r}: the name belongs to "
                f"{taken.__module__}.{taken.__qualname__}. Give the class another name."
            )
        classes[cls.__name__] = cls
        return cls

    return decorator


def registered(kind: str) -> dict[str, type]:
    """The classes registered under ``kind``, by name."""
    return dict(_REGISTRY.get(kind, {}))


def serialize(obj: Any) -> dict[str, Any]:
    """``{"class_name": ..., "config": obj.get_config()}``: JSON-able description of ``obj``."""
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def deserialize(kind: str, data: Any) -> Any:
    """Rebuild an object of ``kind`` from :func:`serialize` output; unknown names raise :class:`ConfigError`."""
    if not isinstance(data, dict) or "class_name" not in data:
        raise ConfigError(f"A {kind} config must be a dict with 'class_name' and 'config'. Received: {data!r}")
    name = data["class_name"]
    classes = _REGISTRY.get(kind, {})
    if name not in classes:
        known = ", ".join(sorted(classes)) or "none"
        raise ConfigError(f"Unknown {kind} {name!r}; expected one of: {known}.")
    config = data.get("config", {})
    if not isinstance(config, dict):
        raise ConfigError(f"The config of {kind} {name!r} must be a dict. Received: {config!r}")
    return classes[name].from_config(config)


class Configurable:
    """Mixin: ``from_config(get_config())`` rebuilds an equal object; ``repr`` shows the config."""

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        try:
            return cls(**config)
        except TypeError as error:  # unknown or missing keyword: name the class and the keys
            raise ConfigError(f"Cannot build {cls.__name__} from config {config!r}: {error}") from None

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]
