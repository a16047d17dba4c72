"""``glassnet lab``: the browser lab on a local web server (needs the ``lab`` extra: starlette, uvicorn)."""

from __future__ import annotations

import click


@click.command("lab")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on (default: 8765, or the next free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; other than loopback needs --allow-remote.")
@click.option("--allow-remote", is_flag=True, help="Allow a --host that other machines can reach (prints a warning).")
@click.option("--no-browser", is_flag=True, help="Print the URL but do not open a browser.")
def lab(port: int | None, host: str, allow_remote: bool, no_browser: bool) -> None:
    """Build, train and watch a network in your browser (Ctrl-C stops the server)."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        exception = click.ClickException("glassnet lab needs the lab extra: pip install 'glassnet[lab]'")
        exception.exit_code = 2
        raise exception from None
    from glassnet.lab.server import serve

    serve(host, port, open_browser=not no_browser, allow_remote=allow_remote, echo=click.echo)
