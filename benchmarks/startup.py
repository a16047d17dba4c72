"""Start-up time of every ``glassnet`` command: what a user waits before anything happens.

Usage (from the repository root, with glassnet installed or ``PYTHONPATH=src``)::

    python benchmarks/startup.py            # best of 5 per command, a Markdown table
    python benchmarks/startup.py --repeats 3

Each command runs in a fresh ``python -m glassnet.cli`` process, so every import is paid for, and the
best of the repeats is reported (the least disturbed by other work on the machine), as wall time and
as the CPU time the process itself used. ``tests/cli/test_startup.py`` holds the budgets.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

#: the commands timed: each verb's --help (imports its module), plus the two verbs that do quick work
COMMANDS = (
    ("--help",),
    ("datasets",),
    ("diagnose", "--train-error", "0.1", "--dev-error", "0.2"),
    ("train", "--help"),
    ("evaluate", "--help"),
    ("predict", "--help"),
    ("search", "--help"),
    ("diagnose", "--help"),
)


def _environment() -> dict[str, str]:
    """This environment, with the source tree first on the path when run from a checkout."""
    source = Path(__file__).resolve().parents[1] / "src"
    env = dict(os.environ)
    if (source / "glassnet").is_dir():
        env["PYTHONPATH"] = os.pathsep.join([str(source), *filter(None, [env.get("PYTHONPATH")])])
    return env


def time_command(args: tuple[str, ...], repeats: int = 3) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)``, each the best of ``repeats`` runs of ``python -m glassnet.cli ARGS``."""
    walls, cpus, env = [], [], _environment()
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "glassnet.cli", *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per command (the best is reported)")
    repeats = parser.parse_args().repeats
    print(f"| command | wall s (best of {repeats}) | CPU s |")
    print("|---|---|---|")
    for args in COMMANDS:
        wall, cpu = time_command(args, repeats)
        print(f"| `glassnet {' '.join(args)}` | {wall:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
