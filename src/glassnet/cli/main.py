"""The ``glassnet`` command line (click). Bad input exits with status 2 and a one-line message.

``glassnet train`` trains a network on a bundled data set (digits by default) or a CSV/NPZ file, shows
progress on stderr, and prints train/dev/test accuracy (or one JSON object with ``--json``); with
``--out DIR`` it writes a model file, the history, metrics and plots, and checkpoints for ``--resume``.
Every ``train`` flag can also come from ``--config FILE.toml`` (flags given on the command line win).
``evaluate``, ``predict`` and ``datasets`` use model files and list the bundled sets.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from glassnet._version import __version__
from glassnet.cli.safe_output import forgiving_streams
from glassnet.cli.strategy import diagnose_command, search_command
from glassnet.cli.train import train
from glassnet.cli.use import datasets, evaluate, predict
from glassnet.errors import GlassnetError


class GlassnetGroup(click.Group):
    """Turns :class:`GlassnetError` into ``Error: ...`` and exit status 2 (a traceback only with ``--debug``).

    An ``OSError`` (an output folder that does not exist or cannot be written) is reported the same way.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line; output that the terminal's encoding cannot show is replaced, never a crash, and a
        reader that closes the pipe early (``| head -1``) ends the command quietly, as Unix tools do."""
        forgiving_streams()
        try:
            return super().main(*args, **kwargs)
        finally:
            _flush_quietly()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # click's main ends quietly on a closed stdout (exit status 1, no message)
        except (GlassnetError, OSError) as error:
            if ctx.meta.get("glassnet.debug"):
                raise
            message = str(error)
            if isinstance(error, OSError) and not isinstance(error, GlassnetError):
                where = error.filename if error.filename is not None else "file system"
                message = f"{where}: {error.strerror or error}"
            exception = click.ClickException(message)
            exception.exit_code = 2
            raise exception from None


def _flush_quietly() -> None:
    """Flush stdout; if its reader has gone, point it at /dev/null so the interpreter's own flush at exit is silent too."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - a closed or replaced stream
        pass


@click.group(cls=GlassnetGroup)
@click.version_option(version=__version__, prog_name="glassnet")  # also from a source tree
@click.option("--debug", is_flag=True, help="Show a full traceback on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """glassnet: deep learning from scratch on NumPy, every formula readable and checked."""
    ctx.meta["glassnet.debug"] = debug


for command in (train, evaluate, predict, datasets, diagnose_command, search_command):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
