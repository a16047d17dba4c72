"""Options shared by the commands: the data options of ``train`` and ``search``, hidden-layer widths,
``--config FILE.toml``, and values from files.

A value that comes from a file (a TOML config, the options a checkpoint stored) is checked as the
command line checks a flag: :func:`option_value` requires the TOML/JSON type the option takes (a bool
for a flag, an integer for an integer option, a number for a float option, a string for text, choices
and paths) and then applies the option's own range and choice checks.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import click

from glassnet import defaults
from glassnet.data.dataset import TASK_CHOICES
from glassnet.errors import ConfigError, GlassnetError

#: the longest config file read (a config holds a few dozen short settings)
MAX_CONFIG_BYTES = 1024 * 1024

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


def _expected_type(option: click.Option) -> tuple[tuple[type, ...], str]:
    if option.is_flag and option.is_bool_flag:
        return (bool,), "true or false"
    if isinstance(option.type, click.types.IntParamType):
        return (int,), "an integer"
    if isinstance(option.type, click.types.FloatParamType):
        return (int, float), "a number"
    return (str,), "a string"


def option_value(ctx: click.Context, option: click.Option, value: Any) -> Any:
    """``value`` (from a file) for ``option``, converted and checked as the command line would; else :class:`ConfigError`.

    A list (TOML array) is accepted for the hidden-layer widths and joined as ``64,32``.
    """
    name = (option.opts[-1] if option.opts else option.name or "?")
    if option.multiple:
        if not isinstance(value, list) or len(value) > 256:
            raise ConfigError(f"{name} expects a list of values (the option given several times). Received: {value!r:.80}")
        return tuple(option_value(ctx, _single(option), item) for item in value)
    if option.name == "hidden" and isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        value = ",".join(str(v) for v in value)
    types, expected = _expected_type(option)
    if value is None and option.default is None:
        return None
    if isinstance(value, bool) and bool not in types or not isinstance(value, types):
        raise ConfigError(f"{name} expects {expected}. Received: {value!r:.80}")
    try:
        converted = option.type.convert(value, option, ctx)
        return option.callback(ctx, option, converted) if option.callback is not None and option.name == "hidden" else converted
    except click.BadParameter as error:
        raise ConfigError(f"{name}: {error.format_message()}") from None


def stored_option_values(ctx: click.Context, stored: dict[str, Any], skip: set[str] | tuple[str, ...], where: str) -> dict[str, Any]:
    """The options a file stored (a checkpoint's run options, a search.json), each checked by :func:`option_value`.

    Keys that name no option of the command, or an option in ``skip``, are ignored; a bad value raises
    :class:`~glassnet.errors.ModelFileError` naming ``where``.
    """
    from glassnet.errors import ModelFileError

    values = {}
    for option in ctx.command.params:
        if isinstance(option, click.Option) and option.name in stored and option.name not in skip:
            try:
                values[option.name] = option_value(ctx, option, stored[option.name])
            except ConfigError as error:
                raise ModelFileError(f"{where}: stored option {error}") from None
    return values


def flags_given(ctx: click.Context, allowed: set[str] | tuple[str, ...]) -> list[str]:
    """The flags given on the command line other than ``allowed`` (option names), as written (``--layers``)."""
    from click.core import ParameterSource

    return [p.opts[0] for p in ctx.command.params if p.name not in allowed and ctx.get_parameter_source(p.name) == ParameterSource.COMMANDLINE]


def _single(option: click.Option) -> click.Option:
    """``option`` as if it were given once (to check one value of a repeatable option)."""
    single = copy.copy(option)
    single.multiple = False
    return single


def read_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--config FILE.toml``: its keys become the defaults of the command's options (flags still win).

    A key is an option's long name with ``_`` or ``-`` (``learning_rate = 0.01``, ``layers = "64,32"``,
    ``batchnorm = true``); an array becomes a comma-separated value. Unknown keys and values of the wrong
    type (``epochs = 2.5``, ``batchnorm = 1``) are refused. Only a regular file is read.
    """
    if value is None:
        return
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
        import tomli as tomllib  # type: ignore[no-redef]

    from glassnet.files.safe_read import read_regular_file

    try:
        table = tomllib.loads(read_regular_file(value, ConfigError, MAX_CONFIG_BYTES).decode("utf-8"))
    except ConfigError as error:
        raise click.BadParameter(str(error)) from None
    except UnicodeDecodeError as error:
        raise click.BadParameter(f"{value}: cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise click.BadParameter(f"{value}: not valid TOML ({error}).") from None
    options: dict[str, click.Option] = {}
    for option in ctx.command.params:
        if isinstance(option, click.Option) and option.name and option.expose_value and option.name != "resume_dir":
            options.update({flag.lstrip("-").replace("-", "_"): option for flag in option.opts if flag.startswith("--")})
    default_map = dict(ctx.default_map or {})
    for key, setting in table.items():
        option = options.get(key.replace("-", "_"))
        if option is None:
            raise click.BadParameter(f"{value}: unknown setting {key!r}; expected one of: {', '.join(sorted(options))}.")
        if option.multiple and not isinstance(setting, list):  # --drop a --drop b: a list, or one name
            setting = [setting]
        elif isinstance(setting, list) and not option.multiple and option.name != "hidden":
            setting = ",".join(str(item) for item in setting)
        try:
            option_value(ctx, option, setting)
        except ConfigError as error:
            raise click.BadParameter(f"{value}: setting {key!r}: {error}") from None
        default_map[option.name] = setting if option.multiple or not isinstance(setting, list) else ",".join(map(str, setting))
    ctx.default_map = default_map
