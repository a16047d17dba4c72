"""Hypothesis fuzzing of model and estimator files, under a memory cap and a time cap (issue 15).

Structurally valid containers (valid checksums) with random configs, shapes and field types: ``load``
either returns a model that predicts, or raises ModelFileError — never another exception, never more than
the memory cap (1.5 GiB of address space), never longer than the time cap.
"""

from pathlib import Path

from capped import run_capped

EXAMPLES = 100


def test_load_returns_a_working_model_or_a_model_file_error():
    done = run_capped(str(Path(__file__).with_name("fuzz_model_files.py")), 1536 * 2**20, 240, str(EXAMPLES))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    word, examples, loaded, refused = done.stdout.split()[-4:]
    assert word == "ok" and int(loaded) > 0 and int(refused) > 0, done.stdout
