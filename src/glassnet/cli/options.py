"""Options shared by the commands: the data options of ``train`` and ``search``, hidden-layer widths and
``--config FILE.toml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from glassnet import defaults
from glassnet.data.dataset import TASK_CHOICES
from glassnet.errors import GlassnetError

#: the data options, declared once for every command that reads and splits a data set (``train``, ``search``)
_DATA_OPTIONS = (
    click.option("--data", "data_name", default="digits", show_default=True, help="Bundled set (see 'glassnet datasets') or a .csv/.npz file."),
    click.option("--target", default=None, help="CSV target column (default: the last column)."),
    click.option("--drop", "drop", multiple=True, metavar="COLUMN", help="Leave this CSV column out (repeat the option), e.g. a saved row index."),
    click.option("--task", type=click.Choice(TASK_CHOICES), default="auto", show_default=True, help="auto: integers with ≤ 20 values or text are classes, other numbers regression."),
    click.option("--split", "split_text", default=",".join(map(str, defaults.SPLIT)), show_default=True, help="train,dev,test fractions."),
    click.option("--train-dev", type=click.FloatRange(0.0, 0.5), default=0.0, show_default=True, help="Fraction of the training split held out as the train-dev slice."),
)


def data_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--data``, ``--target``, ``--drop``, ``--task``, ``--split`` and ``--train-dev`` to a command."""
    for option in reversed(_DATA_OPTIONS):
        command = option(command)
    return command


def layers_option(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    from glassnet.nn.builders import parse_layers

    try:
        return parse_layers(value)
    except GlassnetError as error:
        raise click.BadParameter(str(error)) from None


def read_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--config FILE.toml``: its keys become the defaults of the command's options (flags still win).

    A key is an option's long name with ``_`` or ``-`` (``learning_rate = 0.01``, ``layers = "64,32"``,
    ``batchnorm = true``); an array becomes a comma-separated value. Unknown keys are refused.
    """
    if value is None:
        return
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
        import tomli as tomllib  # type: ignore[no-redef]

    try:
        table = tomllib.loads(Path(value).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"{value}: cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise click.BadParameter(f"{value}: not valid TOML ({error}).") from None
    names: dict[str, str] = {}
    for option in ctx.command.params:
        if isinstance(option, click.Option) and option.name and option.expose_value and option.name != "resume_dir":
            names.update({flag.lstrip("-").replace("-", "_"): option.name for flag in option.opts if flag.startswith("--")})
    defaults = dict(ctx.default_map or {})
    for key, setting in table.items():
        name = names.get(key.replace("-", "_"))
        if name is None:
            raise click.BadParameter(f"{value}: unknown setting {key!r}; expected one of: {', '.join(sorted(names))}.")
        if _is_multiple(ctx, name):  # --drop a --drop b: a list, or one name
            setting = [str(item) for item in setting] if isinstance(setting, list) else [str(setting)]
        elif isinstance(setting, list):
            setting = ",".join(str(item) for item in setting)
        if isinstance(setting, dict):
            raise click.BadParameter(f"{value}: setting {key!r} must be a single value. Received a table.")
        defaults[name] = setting
    ctx.default_map = defaults



def _is_multiple(ctx: click.Context, name: str) -> bool:
    return any(isinstance(option, click.Option) and option.name == name and option.multiple for option in ctx.command.params)
