"""Option callbacks shared by the commands: hidden-layer widths, ``--config FILE.toml``, and values from files.

A value that comes from a file (a TOML config, the options a checkpoint stored) is checked as the
command line checks a flag: :func:`option_value` requires the TOML/JSON type the option takes (a bool
for a flag, an integer for an integer option, a number for a float option, a string for text, choices
and paths) and then applies the option's own range and choice checks.
"""

from __future__ import annotations

import copy
from typing import Any

import click

from glassnet.errors import ConfigError, GlassnetError

#: the longest config file read (a config holds a few dozen short settings)
MAX_CONFIG_BYTES = 1024 * 1024


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
    defaults = dict(ctx.default_map or {})
    for key, setting in table.items():
        option = options.get(key.replace("-", "_"))
        if option is None:
            raise click.BadParameter(f"{value}: unknown setting {key!r}; expected one of: {', '.join(sorted(options))}.")
        if isinstance(setting, list) and option.name != "hidden":
            setting = ",".join(str(item) for item in setting)
        try:
            option_value(ctx, option, setting)
        except ConfigError as error:
            raise click.BadParameter(f"{value}: setting {key!r}: {error}") from None
        defaults[option.name] = ",".join(map(str, setting)) if isinstance(setting, list) else setting
    ctx.default_map = defaults
