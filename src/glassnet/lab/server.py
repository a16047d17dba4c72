"""Start the lab on uvicorn: choose the port, make the token, print the URL, open the browser.

The server binds to 127.0.0.1 unless told otherwise; another address needs ``allow_remote=True`` (and the
CLI prints a warning), and then the Host check accepts any name while the token and Origin checks stay.
Ctrl-C stops uvicorn, which closes every session (their training threads stop after their epoch).
"""

from __future__ import annotations

import errno
import secrets
import socket
import threading
import webbrowser
from typing import Any, Callable

from glassnet.errors import ConfigError
from glassnet.lab.app import create_app
from glassnet.lab.sessions import SessionStore

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORT = 8765
#: ports tried after the default when it is taken
PORT_TRIES = 10


def _host_part(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def allowed_hosts(host: str, port: int, allow_remote: bool) -> list[str] | None:
    """The Host headers the server answers: its loopback names with the port (None = any, with ``allow_remote``)."""
    if host not in LOOPBACK:
        if not allow_remote:
            raise ConfigError(f"--host {host} is not a loopback address; anyone who can reach it could use the lab. Add --allow-remote to do it anyway.")
        return None
    return [f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"]


def listening_socket(host: str, preferred: int | None) -> socket.socket:
    """A socket listening on ``preferred`` (it must be free), else on :data:`DEFAULT_PORT` or the next free one.

    Bound before the URL is printed, so a browser (or script) that connects at once is queued, not refused.
    """
    candidates = [preferred] if preferred else [DEFAULT_PORT + offset for offset in range(PORT_TRIES)]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in candidates:
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.bind((host, port))
        except OSError as error:
            listener.close()
            if error.errno != errno.EADDRINUSE:
                raise
            continue
        listener.listen(128)
        return listener
    where = f"port {preferred}" if preferred else f"ports {candidates[0]}–{candidates[-1]}"
    raise ConfigError(f"{where} on {host} {'is' if preferred else 'are'} in use; choose another with --port.")


def make_server(host: str, port: int, token: str, allow_remote: bool = False) -> Any:
    """A ``uvicorn.Server`` for the lab (not started); on shutdown it first ends the event streams."""
    import uvicorn

    # the split's and scaler's first import takes seconds on a busy machine: do it before the first page asks
    import sklearn.model_selection  # noqa: F401
    import sklearn.preprocessing  # noqa: F401

    # one BLAS thread per operation: the lab's networks are small and its runs train side by side on their own
    # threads; several BLAS threads per small product cost more in hand-offs than they save (7× on a busy machine)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    store = SessionStore()
    app = create_app(token, allowed_hosts(host, port, allow_remote), store)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)

    class LabServer(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            store.close_all()  # streams end, training threads stop, so the graceful shutdown has nothing to wait for
            await super().shutdown(sockets)

    return LabServer(config)


def serve(host: str = "127.0.0.1", port: int | None = None, open_browser: bool = True, allow_remote: bool = False,
          echo: Callable[[str], None] = print) -> None:
    """Run the lab until Ctrl-C: print the URL with its token (and open it in the browser)."""
    allowed_hosts(host, port or DEFAULT_PORT, allow_remote)  # refuse a remote host before anything starts
    listener = listening_socket(host, port)
    port = listener.getsockname()[1]
    token = secrets.token_urlsafe(32)
    server = make_server(host, port, token, allow_remote)
    shown = "127.0.0.1" if host in ("127.0.0.1", "localhost") else _host_part(host)
    url = f"http://{shown}:{port}/?token={token}"
    if host not in LOOPBACK:
        echo(f"Warning: the lab listens on {host}, reachable from other machines; anyone with the URL can use it.")
    echo(f"glassnet lab: {url}\nPress Ctrl-C to stop.")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    with listener:
        try:
            server.run(sockets=[listener])
        except KeyboardInterrupt:  # uvicorn shuts down gracefully, then passes the Ctrl-C on
            pass
    echo("glassnet lab stopped.")
