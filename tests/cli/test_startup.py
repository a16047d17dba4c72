"""Start-up budgets: the quick commands answer in under half a second, and no command imports what it does not use.

Times come from ``benchmarks/startup.py`` (a fresh process per run, the best of 3). The budget is on the
CPU time the process used and on its wall time; the wall-time budget is stretched by the machine's load
(load average ÷ cores, when above 1), because on a busy machine a process waits for a core through no
fault of its own — that wait is the only allowance.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "startup.py"
BUDGET_SECONDS = 0.5
HEAVY = ("sklearn", "scipy", "numba", "matplotlib", "pandas")


def _startup():
    spec = importlib.util.spec_from_file_location("startup", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("args", [("--help",), ("datasets",), ("diagnose", "--train-error", "0.1", "--dev-error", "0.2")])
def test_quick_commands_start_within_the_budget(args):
    wall, cpu = _startup().time_command(args, repeats=3)
    load = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    assert cpu <= BUDGET_SECONDS, f"glassnet {' '.join(args)} used {cpu:.2f} s of CPU"
    assert wall <= BUDGET_SECONDS * load, f"glassnet {' '.join(args)} took {wall:.2f} s (load factor {load:.1f})"


def test_commands_do_not_import_heavy_libraries_they_do_not_use():
    commands = [["--help"], ["datasets"], ["diagnose", "--train-error", "0.1"], ["train", "--help"], ["search", "--help"], ["evaluate", "--help"]]
    code = (  # one process runs them in turn: none may have imported a heavy library so far
        "import sys\nfrom glassnet.cli.main import main\n"
        f"for args in {commands!r}:\n"
        "    try:\n        main(args, prog_name='glassnet')\n    except SystemExit:\n        pass\n"
        f"    print('after', ' '.join(args), 'imported:' + ','.join(name for name in {HEAVY!r} if name in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=_startup()._environment(), capture_output=True, text=True, check=True)
    report = [line for line in done.stdout.splitlines() if line.startswith("after ")]
    assert len(report) == len(commands) and all(line.endswith("imported:") for line in report), report


def test_import_glassnet_is_light_and_dir_shows_only_public_names():
    code = "import sys, glassnet as gn\ngn.Dense\nprint(','.join(n for n in ('sklearn', 'numba', 'matplotlib') if n in sys.modules))\nprint(','.join(dir(gn)))"
    done = subprocess.run([sys.executable, "-c", code], env=_startup()._environment(), capture_output=True, text=True, check=True)
    heavy, names = done.stdout.splitlines()
    assert heavy == ""
    import glassnet

    assert names.split(",") == sorted(glassnet.__all__)
    assert not {"annotations", "PackageNotFoundError", "version", "import_module"} & set(dir(glassnet))
