"""Option callbacks shared by the commands: hidden-layer widths and ``--config FILE.toml``."""

from __future__ import annotations

from pathlib import Path

import click

from glassnet.errors import GlassnetError


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
        if isinstance(setting, list):
            setting = ",".join(str(item) for item in setting)
        if isinstance(setting, dict):
            raise click.BadParameter(f"{value}: setting {key!r} must be a single value. Received a table.")
        defaults[name] = setting
    ctx.default_map = defaults

