"""Run a fuzz script in a subprocess under a memory cap (``RLIMIT_AS``) and a time cap, for the fuzz tests.

A file-reading bug that allocates gigabytes then fails as a MemoryError inside the script (reported as a
failed example) instead of taking the machine down, and one that hangs is killed at the time cap.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import glassnet

SOURCE = str(Path(glassnet.__file__).resolve().parents[1])
TESTS = str(Path(__file__).resolve().parent)


def run_capped(script: str, memory_bytes: int, seconds: float, *args: str) -> subprocess.CompletedProcess:
    """``python script args...`` with at most ``memory_bytes`` of address space and ``seconds`` of wall time."""
    launcher = (
        "import resource, runpy, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({memory_bytes}, {memory_bytes}))\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SOURCE, TESTS]), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", launcher, script, *args], capture_output=True, text=True, timeout=seconds, env=env)


def run_fuzz(script: Path | str, examples: int, seconds: float, memory_bytes: int = 1536 * 2**20) -> tuple[int, int, int]:
    """Run a fuzz script that prints ``ok <examples> <accepted> <refused>``; return those counts (a failure shows its example)."""
    done = run_capped(str(script), memory_bytes, seconds, str(examples))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    word, ran, accepted, refused = done.stdout.split()[-4:]
    assert word == "ok", done.stdout
    return int(ran), int(accepted), int(refused)
