"""Per-tab sessions: each browser tab has its own runs (slot ``A``, and ``B`` when comparing) and upload.

Memory is bounded: at most :data:`MAX_SESSIONS` sessions (opening one more closes the least recently
used, stopping its training), two runs each, curves of bounded length (:class:`glassnet.lab.run.Curves`),
one upload of at most 2 MiB. A session whose stream closes (the tab was closed) stops its training.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from glassnet.data.dataset import Dataset
from glassnet.errors import ConfigError
from glassnet.lab.data import load_lab_data
from glassnet.lab.run import Run
from glassnet.lab.settings import LabSettings

MAX_SESSIONS = 8
SLOTS = ("A", "B")
ACTIONS = ("play", "pause", "step", "batch", "reset", "update")


@dataclass
class Session:
    """One tab: its runs by slot and its uploaded data set."""

    id: str
    runs: dict[str, Run] = field(default_factory=dict)
    upload: Dataset | None = None
    last_seen: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def act(self, slot: str, action: str, settings: LabSettings) -> Run:
        """Apply ``action`` to the run in ``slot`` with ``settings`` (a new run when the settings changed or on reset).

        ``update`` only takes display settings (or starts a run if there is none); ``play``, ``step`` (one
        epoch) and ``batch`` (one mini-batch) continue the current run when its training settings are unchanged.
        """
        if slot not in SLOTS:
            raise ConfigError(f"slot expects one of {', '.join(SLOTS)}. Received: slot={slot!r:.20}")
        if action not in ACTIONS:
            raise ConfigError(f"action expects one of {', '.join(ACTIONS)}. Received: action={action!r:.20}")
        with self.lock:
            self.last_seen = time.monotonic()
            run = self.runs.get(slot)
            if action == "pause":
                if run is not None:
                    run.pause()
                return run if run is not None else self._new_run(slot, settings)
            if run is None or action == "reset" or run.settings.training_key() != settings.training_key():
                if run is not None:
                    run.pause()
                run = self._new_run(slot, settings)
            elif run.settings != settings:
                run.refresh(settings)
            if action == "play":
                run.play()
            elif action == "step":
                run.step()
            elif action == "batch":
                run.step_batch()
            return run

    def _new_run(self, slot: str, settings: LabSettings) -> Run:
        run = Run(settings, load_lab_data(settings, self.upload))
        self.runs[slot] = run
        return run

    def drop(self, slot: str) -> None:
        """Stop and forget the run in ``slot`` (when the page stops comparing)."""
        with self.lock:
            run = self.runs.pop(slot, None)
        if run is not None:
            run.pause()

    def stop(self, wait: float = 5.0) -> None:
        """Ask every run to stop training (the tab closed or the server stops), waiting up to ``wait`` s for each."""
        for run in list(self.runs.values()):
            run.pause(wait)


class SessionStore:
    """The sessions of the server, at most ``limit`` of them."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self.limit = limit
        self.closing = False  # set by close_all: every event stream ends
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self) -> Session:
        """A new session with a random id; closes the least recently used one when full."""
        session = Session(secrets.token_urlsafe(12))
        with self._lock:
            evicted = None
            if len(self._sessions) >= self.limit:
                evicted = self._sessions.pop(min(self._sessions, key=lambda key: self._sessions[key].last_seen))
            self._sessions[session.id] = session
        if evicted is not None:
            evicted.stop()
        return session

    def get(self, session_id: str) -> Session | None:
        with self._lock:
            session = self._sessions.get(session_id)
        if session is not None:
            session.last_seen = time.monotonic()
        return session

    def close_all(self) -> None:
        """End every event stream and stop every session's training (the server stops)."""
        self.closing = True
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.stop()

    def __len__(self) -> int:
        return len(self._sessions)
