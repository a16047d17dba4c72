"""The in-process lab fixture (Starlette's test client); helpers live in ``labclient.py``."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")

from labclient import TOKEN  # noqa: E402


@pytest.fixture
def lab():
    from starlette.testclient import TestClient

    from glassnet.lab.app import create_app
    from glassnet.lab.sessions import SessionStore

    store = SessionStore(limit=3)
    with TestClient(create_app(TOKEN, ["testserver"], store)) as client:
        client.store = store
        yield client
    store.close_all()
