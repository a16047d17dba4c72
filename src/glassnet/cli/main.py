"""The ``glassnet`` command line (click). Bad input exits with status 2 and a one-line message.

``glassnet train`` trains a network on a bundled data set (digits by default) or a CSV/NPZ file, shows
progress on stderr, and prints train/dev/test accuracy (or one JSON object with ``--json``); with
``--out DIR`` it writes a model file, the history, metrics and plots, and checkpoints for ``--resume``.
Every ``train`` flag can also come from ``--config FILE.toml`` (flags given on the command line win).
``evaluate``, ``predict`` and ``datasets`` use model files and list the bundled sets; ``export`` writes a
model file as ONNX; ``lessons`` lists the course's claims as experiments and ``lesson NAME|all`` runs them and
writes an HTML report; ``lab`` starts the browser lab.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from glassnet._version import __version__
from glassnet.cli.safe_output import forgiving_streams
from glassnet.cli.export import export_command
from glassnet.cli.lessons import lesson_command, lessons_command
from glassnet.cli.lab import lab
from glassnet.cli.strategy import diagnose_command, search_command
from glassnet.cli.train import train
from glassnet.cli.use import datasets, evaluate, predict
from glassnet.cli.words import cli_words
from glassnet.errors import GlassnetError


#: click ≥ 8.2 raises this (a UsageError) to show the help of a bare group; older versions print it directly
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _one_line(error: click.UsageError) -> click.ClickException:
    """A usage error (unknown option or command, bad value) as one ``Error: ...`` line with the help hint, exit 2.

    Click would print ``Usage:`` and ``Try ... --help`` lines first; one line keeps every bad input alike.
    """
    command = error.ctx.command_path if error.ctx is not None else "glassnet"
    exception = click.ClickException(f"{error.format_message()} (see '{command} --help')")
    exception.exit_code = 2
    return exception


class GlassnetGroup(click.Group):
    """Turns :class:`GlassnetError` and usage errors into one ``Error: ...`` line and exit status 2 (a traceback only with ``--debug``).

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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _NO_ARGS_IS_HELP:  # bare `glassnet`: click shows the help, as it should
            raise
        except click.UsageError as error:
            raise _one_line(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # click's main ends quietly on a closed stdout (exit status 1, no message)
        except click.UsageError as error:
            raise _one_line(error) from None
        except (GlassnetError, OSError) as error:
            if ctx.meta.get("glassnet.debug"):
                raise
            message = cli_words(str(error))  # library errors name Python parameters; the command line shows its flags
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


for command in (train, evaluate, predict, datasets, diagnose_command, search_command, lessons_command, lesson_command, export_command, lab):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
