"""Floor 6: the ``glassnet`` command line and the report files its commands write."""

from glassnet.cli.main import main

__all__ = ["main"]
