"""The installed version of glassnet (``0.0.0`` when running from a source tree without an install)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("glassnet")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
