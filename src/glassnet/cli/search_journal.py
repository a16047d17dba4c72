"""``trials.csv`` as a journal: each trial is appended the moment it finishes, and ``search --resume`` reads it back.

The file has one header row (the metrics, then every hyperparameter, then the reason) and one row per
trial. While a search runs, rows arrive in finishing order, each flushed and fsync'ed, so a kill -9,
Ctrl-C or lost cluster keeps every finished trial; at the end the file is rewritten ranked. ``search.json``
beside it stores the search's options so ``--resume`` can run the same search again.

Reading back (:func:`read_trials`) treats the file as untrusted: only a regular file of bounded size,
each row checked (numbers finite or blank, known status, lengths bounded); a row that does not check out
(a torn last line) is skipped, and that trial simply runs again.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import Any, Sequence

from glassnet.errors import ModelFileError
from glassnet.files.atomic import write_text_atomic
from glassnet.files.safe_read import open_regular_file
from glassnet.strategy.search import TrialResult

RESULT_COLUMNS = ("trial", "round", "status", "dev_error", "dev_accuracy", "train_error", "dev_cost", "epochs_run", "seconds")
_METRICS = ("dev_error", "dev_accuracy", "train_error", "dev_cost")
#: the largest trials.csv read back (a row is well under 1 KB; a search has at most thousands of trials)
MAX_JOURNAL_BYTES = 64 * 1024 * 1024


def trial_columns(names: Sequence[str]) -> list[str]:
    """The header of trials.csv for hyperparameters ``names``."""
    return [*RESULT_COLUMNS, *names, "reason"]


def trial_row(trial: TrialResult, names: Sequence[str], base: dict[str, Any]) -> list[Any]:
    """One trial as a trials.csv row: metrics (blank when failed), every hyperparameter, the reason."""
    values = {**base, **trial.config}
    metrics = ("" if math.isnan(m) else repr(float(m)) for m in (getattr(trial, name) for name in _METRICS))
    return [trial.trial, trial.round, trial.status, *metrics, trial.epochs_run, f"{trial.seconds:.3f}", *(values.get(n, "") for n in names), trial.reason]


def csv_text(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


class TrialJournal:
    """Appends each finished trial to ``path`` at once; ``fresh=True`` first writes the header (replacing the file)."""

    def __init__(self, path: str | Path, names: Sequence[str], base: dict[str, Any], fresh: bool) -> None:
        self.path, self.names, self.base = Path(path), list(names), dict(base)
        if fresh:
            write_text_atomic(self.path, csv_text([trial_columns(self.names)]))

    def append(self, trial: TrialResult) -> None:
        with open(self.path, "a", encoding="utf-8", newline="") as handle:
            handle.write(csv_text([trial_row(trial, self.names, self.base)]))
            handle.flush()
            os.fsync(handle.fileno())


def _row_result(row: dict[str, str], names: Sequence[str]) -> TrialResult:
    """A trials.csv row as a :class:`TrialResult` (config values as text); a bad row raises ValueError."""
    status = row["status"]
    if status not in ("ok", "failed") or len(row["reason"]) > 10_000:
        raise ValueError(f"status {status!r}")
    metrics = {name: float(row[name]) if row[name] else math.nan for name in _METRICS}
    if status == "ok" and not all(math.isfinite(value) for value in metrics.values()):
        raise ValueError("a finished trial needs finite metrics")
    numbers = {name: int(row[name]) for name in ("trial", "round", "epochs_run")}
    if min(numbers.values()) < 0 or max(numbers.values()) > 10**9 or not math.isfinite(float(row["seconds"])):
        raise ValueError("counts out of range")
    config = {name: row[name] for name in names}
    return TrialResult(config, 0, status, row["reason"], epochs_run=numbers["epochs_run"], seconds=float(row["seconds"]),
                       trial=numbers["trial"], round=numbers["round"], **metrics)


def read_trials(path: str | Path, names: Sequence[str]) -> tuple[list[TrialResult], int]:
    """The trials recorded in ``path`` and the number of rows skipped as unreadable; a file whose columns are not
    ``trial_columns(names)`` (another search) raises :class:`ModelFileError`."""
    with open_regular_file(path, ModelFileError, "r", encoding="utf-8", newline="") as handle:
        if os.fstat(handle.fileno()).st_size > MAX_JOURNAL_BYTES:
            raise ModelFileError(f"{path}: larger than {MAX_JOURNAL_BYTES} bytes; not the trials of a glassnet search.")
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header != trial_columns(names):
                raise ModelFileError(f"{path}: its columns are not those of this search ({', '.join(trial_columns(names))[:200]}).")
            trials, skipped = [], 0
            for cells in reader:
                try:
                    trials.append(_row_result(dict(zip(header, cells, strict=True)), names))
                except (ValueError, KeyError, OverflowError):
                    skipped += 1
        except (csv.Error, UnicodeDecodeError) as error:
            raise ModelFileError(f"{path}: cannot be read as a trials CSV ({error}).") from None
    return trials, skipped
