"""The lab's door: an ASGI middleware that refuses, with 403, every request that fails one check.

As Jupyter's server does for a local web app:

- **Token.** A random token (``secrets.token_urlsafe(32)``) is required on every request: as the
  ``token`` query parameter (the URL ``glassnet lab`` prints), the ``X-Glassnet-Token`` header, or the
  cookie the server sets when the page is opened with a valid token (``HttpOnly``, ``SameSite=Strict``, named
  after a hash of the token, since cookies are shared by every port of a host and two labs may run at once),
  which is how the page's scripts, styles, API calls and event stream carry it.
- **Host.** The ``Host`` header must be one the server listens as (``127.0.0.1:PORT``, ``localhost:PORT``):
  a DNS-rebinding page, served from another name that resolves to 127.0.0.1, is refused.
- **Origin.** When a browser sends ``Origin`` (every cross-site or state-changing request), it must be
  ``http://`` + an allowed host: another site cannot drive the lab even with the cookie.

Responses also carry a strict Content-Security-Policy (only the lab's own files), no referrer (the
token is in the URL) and ``nosniff``.
"""

from __future__ import annotations

import hashlib
import secrets
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import parse_qs

COOKIE_PREFIX = "glassnet_lab_"
HEADER = b"x-glassnet-token"
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
                                 b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]


class Guard:
    """``Guard(app, token, allowed_hosts)``; ``allowed_hosts=None`` accepts any Host (``--allow-remote``), the
    token and Origin = Host still checked."""

    def __init__(self, app: ASGIApp, token: str, allowed_hosts: Iterable[str] | None) -> None:
        self.app = app
        self.token = token
        self.cookie_name = COOKIE_PREFIX + hashlib.sha256(token.encode()).hexdigest()[:12]
        self.allowed_hosts = None if allowed_hosts is None else {host.lower() for host in allowed_hosts}

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused (None when it passes)."""
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
        host = headers.get("host", "").lower()
        if not host or (self.allowed_hosts is not None and host not in self.allowed_hosts):
            return f"the Host header {host!r:.60} is not this server's address"
        origin = headers.get("origin")
        if origin is not None and origin.lower() != f"http://{host}":
            return f"requests from the origin {origin!r:.60} are not accepted"
        if not self._token_given(scope, headers):
            return "a valid access token is required; open the URL that 'glassnet lab' printed"
        return None

    def _token_given(self, scope: Scope, headers: dict[str, str]) -> bool:
        candidates = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
        candidates.append(headers.get(HEADER.decode(), ""))
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is just no cookie  # noqa: BLE001
            cookie = SimpleCookie()
        if self.cookie_name in cookie:
            candidates.append(cookie[self.cookie_name].value)
        return any(secrets.compare_digest(candidate.encode(), self.token.encode()) for candidate in candidates if candidate)

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        reason = self.refusal(scope)
        if reason is not None and scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if reason is not None:
            body = f"403 Forbidden: {reason}.\n".encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
            await send({"type": "http.response.body", "body": body})
            return
        cookie = f"{self.cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS, (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
