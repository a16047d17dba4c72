"""The lab's web application (Starlette): the page, a small JSON API and a server-sent event stream.

====================================  ===================================================================
``GET  /``                            the page (``static/index.html``); ``/static/...`` its scripts and styles
``POST /api/session``                 a new tab session → ``{"session", "presets", "choices", "limits"}``
``POST /api/run``                     ``{"session", "slot": "A"|"B", "action", "settings"}``; action is
                                      play, pause, step (one epoch), batch (one mini-batch), reset or
                                      update → the run's status
``POST /api/drop``                    ``{"session", "slot"}``: stop and forget a run (comparison off)
``GET  /api/view?session&slot``       the run's latest view (JSON)
``GET  /api/stream?session[&events]`` server-sent events, one ``{"slot", "view"}`` per new view
``POST /api/upload?session&name``     the body is a CSV or NPZ file (≤ 2 MiB) → rows, features, classes, or
                                      ``{"error": one line}`` for a file the reader refuses (413 when too big)
``GET  /api/model?session&slot``      the trained model file (what the page shows), for ``glassnet.load``
``GET  /api/config?session&slot``     the run's TOML, for ``glassnet train --config``
====================================  ===================================================================

Every request passes :class:`glassnet.lab.guard.Guard` (token, Host, Origin) first. Bad input gets status
400 and ``{"error": one line}``; an unknown session 404.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from glassnet.errors import GlassnetError
from glassnet.estimators.saving import save
from glassnet.lab.guard import Guard
from glassnet.lab.presets import PRESETS
from glassnet.lab.sessions import SLOTS, Session, SessionStore
from glassnet.lab.run import Run
from glassnet.lab.settings import DATA_CHOICES, INITIALIZERS, UPLOAD, LabSettings, parse_settings, to_toml
from glassnet.lab.uploads import MAX_UPLOAD_BYTES, read_upload
from glassnet.nn.builders import DECAYS
from glassnet.nn.layers import ACTIVATIONS
from glassnet.optim.optimizers import OPTIMIZERS

STATIC = Path(__file__).parent / "static"
#: seconds between two looks for new views on the event stream
STREAM_INTERVAL = 0.05


class _NotFound(Exception):
    """An unknown session or an empty slot (status 404)."""


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _glassnet_error(request: Request, error: Exception) -> JSONResponse:
    return _error(str(error).splitlines()[0] if str(error) else type(error).__name__)


async def _not_found(request: Request, error: Exception) -> JSONResponse:
    return _error(str(error), 404)


def _store(request: Request) -> SessionStore:
    return request.app.state.store


def _session(request: Request, session_id: Any) -> Session:
    session = _store(request).get(session_id) if isinstance(session_id, str) else None
    if session is None:
        raise _NotFound("Unknown or expired session; reload the page.")
    return session


def _run_of(request: Request) -> Run:
    session = _session(request, request.query_params.get("session"))
    run = session.runs.get(request.query_params.get("slot", "A"))
    if run is None:
        raise _NotFound("No run in this slot yet; press play or step first.")
    return run


async def _json_object(request: Request, limit: int = 64 * 1024) -> dict[str, Any]:
    body = await request.body()
    if len(body) > limit:
        raise GlassnetError(f"The request body is {len(body)} bytes; at most {limit} expected.")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise GlassnetError("The request body must be a JSON object.")
    return value


def new_session(request: Request) -> JSONResponse:
    session = _store(request).create()
    choices = {"data": list(DATA_CHOICES), "activation": list(ACTIVATIONS), "initializer": list(INITIALIZERS),
               "optimizer": list(OPTIMIZERS), "decay": list(DECAYS)}
    return JSONResponse({"session": session.id, "presets": PRESETS, "choices": choices, "defaults": LabSettings().to_dict(),
                         "limits": {"upload_bytes": MAX_UPLOAD_BYTES}})


async def act(request: Request) -> JSONResponse:
    body = await _json_object(request)
    session = _session(request, body.get("session"))
    settings = parse_settings(body.get("settings", {}))
    run = await run_in_threadpool(session.act, body.get("slot", "A"), body.get("action", "update"), settings)
    return JSONResponse({"status": run.status, "epochs": run.epochs_done, "message": run.message, "version": run.version})


async def drop(request: Request) -> JSONResponse:
    body = await _json_object(request)
    session = _session(request, body.get("session"))
    await run_in_threadpool(session.drop, body.get("slot"))
    return JSONResponse({"dropped": body.get("slot") in SLOTS})


def view(request: Request) -> JSONResponse:
    shown = _run_of(request).view  # the status, epochs and message as published with it
    return JSONResponse({"status": shown["status"], "epochs": shown["epochs"], "message": shown["message"], "view": shown})


async def upload(request: Request) -> JSONResponse:
    session = _session(request, request.query_params.get("session"))
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > MAX_UPLOAD_BYTES:
            return _error(f"The upload is over the limit of {MAX_UPLOAD_BYTES} bytes (2 MiB).", 413)
    try:
        dataset = await run_in_threadpool(read_upload, bytes(content), request.query_params.get("name", "upload.csv"))
    except GlassnetError as error:  # the request was fine, the file is not: an answer, not a failed request
        return JSONResponse({"error": str(error)})
    session.upload = dataset
    return JSONResponse({"name": dataset.name, "rows": int(dataset.X.shape[0]), "features": int(dataset.X.shape[1]),
                         "classes": dataset.class_names})


def model(request: Request) -> Response:
    run = _run_of(request)
    splits, dataset = run.data.splits, run.data.dataset
    with tempfile.TemporaryDirectory(prefix="glassnet-lab-") as folder:
        path = Path(folder) / "model.safetensors"
        save(run.model_network(), path, scaler=splits.scaler, class_names=dataset.class_names,
             feature_names=dataset.feature_names, target_name=dataset.target_name)
        content = path.read_bytes()
    return Response(content, media_type="application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="lab-{run.settings.data}.safetensors"'})


def config(request: Request) -> Response:
    run = _run_of(request)
    name = run.data.dataset.name if run.settings.data == UPLOAD else None
    return Response(to_toml(run.settings, run.epochs_done, name), media_type="application/toml",
                    headers={"content-disposition": f'attachment; filename="lab-{run.settings.data}.toml"'})


async def stream(request: Request) -> StreamingResponse:
    session = _session(request, request.query_params.get("session"))
    limit = request.query_params.get("events", "")
    return StreamingResponse(_events(_store(request), session, int(limit) if limit.isdigit() else 0), media_type="text/event-stream")


async def index(request: Request) -> FileResponse:
    return FileResponse(STATIC / "index.html")


ROUTES = [
    Route("/", index), Route("/api/session", new_session, methods=["POST"]), Route("/api/run", act, methods=["POST"]),
    Route("/api/drop", drop, methods=["POST"]), Route("/api/view", view), Route("/api/upload", upload, methods=["POST"]),
    Route("/api/model", model), Route("/api/config", config), Route("/api/stream", stream),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


async def _events(store: SessionStore, session: Session, limit: int) -> AsyncIterator[str]:
    """One event per new view of each run; ends when the server stops, and stops the session's training
    when the page goes away."""
    sent: dict[str, tuple[int, int]] = {}
    count = 0
    try:
        yield ": connected\n\n"
        while not store.closing:
            for slot, run in list(session.runs.items()):
                if sent.get(slot) != (id(run), run.version) and run.view is not None:
                    sent[slot] = (id(run), run.version)
                    yield f"data: {json.dumps({'slot': slot, 'view': run.view})}\n\n"
                    count += 1
                    if limit and count >= limit:
                        return
            await asyncio.sleep(STREAM_INTERVAL)
    finally:
        if not limit:  # the tab closed (or the server stops): stop its training, without waiting on the loop
            session.stop(wait=0.0)


def create_app(token: str, allowed_hosts: Iterable[str] | None, store: SessionStore | None = None) -> Guard:
    """The lab as an ASGI app behind its :class:`Guard` (see :mod:`glassnet.lab.guard` for the checks).

    ``store`` holds the sessions (a new one by default); ``store.close_all()`` ends every event stream.
    """
    store = store if store is not None else SessionStore()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close_all()

    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers={GlassnetError: _glassnet_error, _NotFound: _not_found})
    app.state.store = store
    return Guard(app, token, allowed_hosts)
