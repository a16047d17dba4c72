"""Helpers for the lab's API tests: the token, a session, an action, polling. The Host is ``testserver``."""

from __future__ import annotations

import time
from typing import Any, Callable

TOKEN = "test-token"
AUTH = {"x-glassnet-token": TOKEN}


def new_session(client: Any) -> str:
    return client.post("/api/session", headers=AUTH).json()["session"]


def act(client: Any, session: str, action: str, slot: str = "A", **settings: Any) -> Any:
    return client.post("/api/run", headers=AUTH, json={"session": session, "slot": slot, "action": action, "settings": settings})


def wait_for(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll ``condition`` until it returns something truthy (or fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s")


def view(client: Any, session: str, slot: str = "A") -> dict[str, Any]:
    return client.get("/api/view", params={"session": session, "slot": slot}, headers=AUTH).json()
