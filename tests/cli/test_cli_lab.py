"""``glassnet lab``: refuses a remote host without the flag, names the extra when missing, stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from glassnet.cli.main import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_lab_refuses_a_remote_host_without_the_flag():
    result = CliRunner().invoke(main, ["lab", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2
    assert "0.0.0.0 is not a loopback address" in result.output and "--allow-remote" in result.output


def test_lab_without_the_extra_says_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_the_extra(name, *args, **kwargs):
        if name in ("starlette", "uvicorn"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_the_extra)
    result = CliRunner().invoke(main, ["lab", "--no-browser"])
    assert result.exit_code == 2
    assert "pip install 'glassnet[lab]'" in result.output


@pytest.mark.slow
def test_ctrl_c_stops_the_server_cleanly_even_with_a_stream_open():
    pytest.importorskip("uvicorn")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    server = subprocess.Popen([sys.executable, "-m", "glassnet.cli", "lab", "--no-browser", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        token = re.search(r"token=(\S+)", server.stdout.readline()).group(1)
        headers = {"x-glassnet-token": token}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/session", method="POST", headers=headers)
        session = json.loads(urllib.request.urlopen(request, timeout=10).read())["session"]
        stream = urllib.request.Request(f"http://127.0.0.1:{port}/api/stream?session={session}", headers=headers)
        threading.Thread(target=lambda: urllib.request.urlopen(stream, timeout=30).read(), daemon=True).start()
        time.sleep(0.5)
        started = time.monotonic()
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=15)
    finally:
        server.kill()
    assert server.returncode == 0, output
    assert time.monotonic() - started < 5
    assert "glassnet lab stopped." in output and "Traceback" not in output and "ERROR" not in output
