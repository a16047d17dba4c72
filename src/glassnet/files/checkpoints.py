"""Crash-safe training checkpoints and bit-exact resume.

A checkpoint is a safetensors file (the container of :mod:`glassnet.files.container`, with its checksum) holding
the whole training state after a completed epoch:

* tensors ``network.<name>`` — every array of ``network.state_arrays()`` (weights and buffers);
* tensors ``optimizer.<moment>.<name>`` — the optimizer's per-parameter moments (Adam's v and s);
* JSON ``config`` — the network config; JSON ``training`` — the optimizer and schedule configs, the
  optimizer's scalar state (the step count t), the number of completed epochs (the schedule's
  position), the state of the network's random generator and the History records;
* tensors ``callback.<i>.<key>.<name>`` and JSON ``training.callbacks[i]`` — the state of the i-th callback
  handed to the :class:`Checkpointer` (:meth:`~glassnet.train.callbacks.Callback.get_state`: EarlyStopping's
  patience counter, best value and best weights; the convergence rule's counter);
* JSON ``extra`` — whatever the caller wants back on resume (the CLI stores its run options).

Files are named ``checkpoint-000012.safetensors`` (12 completed epochs) and written atomically
(temporary file in the same folder, flush + fsync, ``os.replace``, fsync of the folder); the newest
two are kept. Reading takes the newest file whose checksum and layout verify and falls back to the
older one if the newest is damaged. Temporary files left by a killed writer are removed.

Resuming restores the weights, buffers, optimizer moments and step count, the generator state
(the next epoch's shuffle and dropout masks) and the callbacks' state, and evaluates the schedule at the
true epoch, so N epochs + resume + N epochs gives exactly the weights of 2N epochs in one run — with early
stopping too.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from glassnet._validation import check_bool, check_positive_int
from glassnet.errors import ConfigError, ModelFileError
from glassnet.train.state import copy_state, merge_state, restore_state, split_state
from glassnet.files.atomic import fsync_folder
from glassnet.files.container import read_container, write_container
from glassnet.files.model_file import network_from_arrays
from glassnet.files.schema import MAX_COUNT, MAX_ITEMS, integer, list_of, number, one_of, optional, record, string, table_of, validate
from glassnet.serialization import serialize

if TYPE_CHECKING:
    from glassnet.nn.network import Network
    from glassnet.optim.optimizers import Optimizer
    from glassnet.optim.schedules import Schedule
    from glassnet.train.callbacks import Callback
    from glassnet.train.history import History

FORMAT = "glassnet-checkpoint"
KEEP = 2
_NAME = re.compile(r"^checkpoint-(\d{6,})\.safetensors$")
_TEMPORARY = re.compile(r"^\.checkpoint-\d+\.safetensors\..*\.tmp$")
_FIELDS = ("config", "training", "extra")


@dataclass
class TrainingState:
    """What one checkpoint holds; :meth:`apply` puts it back into a network and optimizer state."""

    path: Path
    network_config: dict[str, Any]
    arrays: dict[str, np.ndarray]
    optimizer: dict[str, Any]
    optimizer_scalars: dict[str, Any]
    optimizer_moments: dict[str, dict[str, np.ndarray]]
    schedule: dict[str, Any] | None
    rng_state: dict[str, Any]
    epoch: int
    history: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    #: None for a checkpoint written before callback states were kept (the callbacks then start afresh)
    callback_states: list[dict[str, Any]] | None = None

    def build_network(self) -> "Network":
        """A new network with the checkpoint's weights, buffers and generator state."""
        network = network_from_arrays(self.path, self.network_config, self.arrays)
        self._set_rng(network)
        return network

    def apply(self, network: "Network", optimizer: "Optimizer") -> dict[str, Any]:
        """Load weights, buffers and generator state into ``network``; return the optimizer state to continue with.

        The network and optimizer must have the configs the checkpoint was written with.
        """
        if network.get_config() != self.network_config:
            raise ConfigError(f"{self.path} was written for a different network: {self.network_config} vs {network.get_config()}.")
        if serialize(optimizer) != self.optimizer:
            raise ConfigError(f"{self.path} was written with optimizer {self.optimizer}; this run uses {serialize(optimizer)}.")
        network.load_state_arrays(self.arrays)
        self._set_rng(network)
        return merge_state(optimizer.init(network.parameters()), self.optimizer_scalars, self.optimizer_moments, str(self.path))

    def _set_rng(self, network: "Network") -> None:
        try:
            network.rng.bit_generator.state = self.rng_state
        except (TypeError, ValueError, KeyError) as error:
            raise ModelFileError(f"{self.path}: the generator state cannot be restored ({error}).") from None


def checkpoint_paths(directory: str | Path) -> list[Path]:
    """Checkpoint files in ``directory``, newest (most epochs) first."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    found = [(int(match.group(1)), path) for path in folder.iterdir() if (match := _NAME.match(path.name))]
    return [path for _, path in sorted(found, reverse=True)]


def remove_temporary_files(directory: str | Path) -> list[Path]:
    """Delete temporary files a killed writer left in ``directory``; return what was removed."""
    folder = Path(directory)
    removed = [path for path in folder.iterdir() if _TEMPORARY.match(path.name)] if folder.is_dir() else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def save_checkpoint(
    directory: str | Path,
    network: "Network",
    optimizer: "Optimizer",
    optimizer_state: dict[str, Any],
    schedule: "Schedule | None",
    epoch: int,
    history: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    keep: int = KEEP,
    callback_states: list[dict[str, Any]] = (),
) -> Path:
    """Write the training state after ``epoch`` completed epochs; keep the newest ``keep`` files."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"network.{name}": value for name, value in network.state_arrays().items()}
    scalars, moments = split_state(optimizer_state)
    for key, arrays in moments.items():
        tensors.update({f"optimizer.{key}.{name}": array for name, array in arrays.items()})
    callback_scalars = []
    for index, callback_state in enumerate(callback_states):
        values, arrays = split_state(callback_state)
        callback_scalars.append(values)
        tensors.update({f"callback.{index}.{key}.{name}": array for key, named in arrays.items() for name, array in named.items()})
    training = {
        "epoch": int(epoch),
        "optimizer": serialize(optimizer),
        "optimizer_scalars": scalars,
        "schedule": None if schedule is None else serialize(schedule),
        "rng": network.rng.bit_generator.state,
        "history": history,
        "callbacks": callback_scalars,
    }
    path = folder / f"checkpoint-{int(epoch):06d}.safetensors"
    write_container(path, FORMAT, {"config": network.get_config(), "training": training, "extra": extra or {}}, tensors)
    for old in checkpoint_paths(folder)[keep:]:
        old.unlink(missing_ok=True)
    fsync_folder(folder)
    return path


def _any(value: Any, where: str) -> Any:
    return value


_DESCRIPTION = record({"class_name": string(64), "config": table_of(_any, 64)})
#: what the ``training`` entry of a checkpoint must hold; everything else is refused before it is used
TRAINING_SCHEMA = record({
    "epoch": integer(0, MAX_COUNT),
    "optimizer": _DESCRIPTION,
    "optimizer_scalars": table_of(integer(0, MAX_COUNT), 16),
    "schedule": optional(_DESCRIPTION),
    "rng": record({"bit_generator": one_of("PCG64"), "state": record({"state": integer(0, 2**128), "inc": integer(0, 2**128)}),
                   "has_uint32": integer(0, 1), "uinteger": integer(0, 2**32)}),
    "history": list_of(table_of(optional(number()), 64), MAX_ITEMS),
}, {"callbacks": list_of(table_of(_any, 64), 64)})


def read_checkpoint(path: str | Path) -> TrainingState:
    """One checkpoint file; a damaged or malformed one raises :class:`ModelFileError`.

    Every field is checked against :data:`TRAINING_SCHEMA` (types, ranges, lengths) before it is used.
    """
    parsed, tensors = read_container(path, FORMAT, _FIELDS)
    training = validate(path, "the training entry", parsed["training"], TRAINING_SCHEMA)
    extra = validate(path, "the extra entry", parsed["extra"], table_of(_any, 64))
    moments: dict[str, dict[str, np.ndarray]] = {}
    for name, array in tensors.items():
        if name.startswith("optimizer."):
            moment, _, parameter = name[len("optimizer.") :].partition(".")
            moments.setdefault(moment, {})[parameter] = array
    arrays = {name[len("network.") :]: array for name, array in tensors.items() if name.startswith("network.")}
    return TrainingState(
        Path(path), parsed["config"], arrays, training["optimizer"], dict(training["optimizer_scalars"]), moments,
        training["schedule"], training["rng"], training["epoch"], training["history"], extra,
        None if "callbacks" not in training else _callback_states(path, training["callbacks"], tensors),
    )


def _callback_states(path: str | Path, scalars: Any, tensors: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The callbacks' states: the JSON values of ``training.callbacks[i]`` with the ``callback.<i>.<key>.<name>`` tensors."""
    if not isinstance(scalars, list) or not all(isinstance(values, dict) for values in scalars):
        raise ModelFileError(f"{path}: the training entry 'callbacks' must be a list of tables. Received: {scalars!r:.200}")
    states = [dict(values) for values in scalars]
    for name, array in tensors.items():
        if name.startswith("callback."):
            index, _, rest = name[len("callback.") :].partition(".")
            key, _, array_name = rest.partition(".")
            if not index.isdigit() or int(index) >= len(states) or not key or not array_name or key in scalars[int(index)]:
                raise ModelFileError(f"{path}: tensor {name!r} belongs to no stored callback state.")
            states[int(index)].setdefault(key, {})[array_name] = array
    return states


def latest_checkpoint(directory: str | Path) -> TrainingState | None:
    """The newest checkpoint in ``directory`` that verifies (None if there is none at all).

    A damaged newest file is skipped for the older one; if every file is damaged, the error names each.
    """
    problems = []
    for path in checkpoint_paths(directory):
        try:
            state = read_checkpoint(path)
            state.build_network()  # the config and arrays must form a network, not only pass the checksum
            return state
        except ModelFileError as error:
            problems.append(str(error))
    if problems:
        raise ModelFileError(f"{directory}: no usable checkpoint: " + " | ".join(problems))
    return None


class Checkpointer:
    """Handed to :func:`glassnet.train.loop.fit` as ``checkpoint=``: writes a checkpoint into ``directory``
    every ``every`` epochs, after the last one and on Ctrl-C; with ``resume=True`` it first continues from
    the newest readable checkpoint there (if any). ``extra`` (JSON-able) is stored with each checkpoint.

    It keeps, in memory, the state at the end of the last completed epoch, so an interrupt in the middle
    of an epoch saves (and puts back) a consistent state rather than half an epoch. A run that does not
    resume replaces the checkpoints already in the folder when it writes its first one.
    """

    def __init__(self, directory: str | Path, every: int = 1, resume: bool = False, extra: dict[str, Any] | None = None,
                 callbacks: Sequence["Callback"] = ()) -> None:
        self.every = check_positive_int("Checkpointer", "every", every)
        self.resume = check_bool("Checkpointer", "resume", resume)
        self.directory = Path(directory)
        self.extra = extra or {}
        #: the callbacks (also handed to fit) whose state each checkpoint keeps and a resume puts back
        self.callbacks = list(callbacks)

        self.network: "Network | None" = None
        self.optimizer: "Optimizer | None" = None
        self.schedule: "Schedule | None" = None
        self._snapshot: tuple[dict[str, np.ndarray], dict[str, Any], dict[str, Any], int, int, list] | None = None
        self._written_epoch: int | None = None
        #: True until this run resumes or writes: checkpoints already in the folder then belong to another run
        self._fresh = True

    def start(self, network: "Network", optimizer: "Optimizer", schedule: "Schedule | None", state: dict[str, Any],
              history: "History", initial_epoch: int) -> int:
        """Bind to the run; resume into ``state`` and ``history`` if asked; return the epoch to start at."""
        self.network, self.optimizer, self.schedule = network, optimizer, schedule
        self.directory.mkdir(parents=True, exist_ok=True)
        remove_temporary_files(self.directory)
        resumed = self._resume(state, history) if self.resume else None
        epoch = initial_epoch if resumed is None else resumed
        self._remember(epoch, state, history)
        return epoch

    def _resume(self, optimizer_state: dict[str, Any], history: "History") -> int | None:
        """Load the newest checkpoint (if any) into the network, ``optimizer_state`` and ``history``; return its epoch."""
        state = latest_checkpoint(self.directory)
        if state is None:
            return None
        if state.schedule != (None if self.schedule is None else serialize(self.schedule)):
            raise ConfigError(f"{state.path} was written with schedule {state.schedule}; this run uses {self.schedule!r}.")
        restored = state.apply(self.network, self.optimizer)
        if state.callback_states is not None:  # None: an older checkpoint without them; the callbacks start afresh
            self._restore_callbacks(state)
        self._fresh = False
        optimizer_state.clear()
        optimizer_state.update(restored)
        history.epochs[:] = state.history
        self._written_epoch = state.epoch
        return state.epoch

    def _restore_callbacks(self, state: TrainingState) -> None:
        if len(state.callback_states) != len(self.callbacks):
            raise ConfigError(f"{state.path} keeps the state of {len(state.callback_states)} callbacks; this run has {len(self.callbacks)}.")
        for callback, callback_state in zip(self.callbacks, state.callback_states):
            try:
                callback.set_state(callback_state)
            except ConfigError as error:
                raise ModelFileError(f"{state.path}: {error}") from None

    def _remember(self, epoch: int, optimizer_state: dict[str, Any], history: "History") -> None:
        arrays = {name: value.copy() for name, value in self.network.state_arrays().items()}
        rng_state = copy.deepcopy(self.network.rng.bit_generator.state)
        callback_states = [copy_state(callback.get_state()) for callback in self.callbacks]
        self._snapshot = (arrays, copy_state(optimizer_state), rng_state, epoch, len(history), callback_states)

    def epoch_done(self, epochs_done: int, optimizer_state: dict[str, Any], history: "History") -> None:
        """Snapshot the state after ``epochs_done`` completed epochs; write it when that is a multiple of ``every``."""
        self._remember(epochs_done, optimizer_state, history)
        if epochs_done % self.every == 0:
            self._save(optimizer_state, history, epochs_done)

    def _save(self, optimizer_state: dict[str, Any], history: "History", epoch: int) -> Path:
        """Write a checkpoint. The first save of a run that did not resume first removes the checkpoints of
        an earlier run in the folder: with more epochs, they would otherwise count as newer than this run's
        (and the rotation would delete this run's files instead)."""
        if self._fresh:
            for stale in checkpoint_paths(self.directory):
                stale.unlink(missing_ok=True)
            self._fresh = False
        assert self._snapshot is not None and self._snapshot[3] == epoch, "the remembered state is the one written"
        path = save_checkpoint(self.directory, self.network, self.optimizer, optimizer_state, self.schedule, epoch, history.epochs,
                               self.extra, callback_states=self._snapshot[5])
        self._written_epoch = epoch
        return path

    def finish(self, optimizer_state: dict[str, Any], history: "History") -> None:
        """After the last epoch: make sure the last remembered state is on disk."""
        assert self._snapshot is not None, "start() is called before the first epoch"
        epoch = self._snapshot[3]
        if self._written_epoch != epoch:
            self._save(optimizer_state, history, epoch)

    def interrupted(self, optimizer_state: dict[str, Any], history: "History") -> int:
        """On Ctrl-C: put back the state of the last completed epoch, save it, and return that epoch."""
        assert self._snapshot is not None, "start() is called before the first epoch"
        arrays, saved_state, rng_state, epoch, length, _ = self._snapshot
        self.network.load_state_arrays(arrays)
        self.network.rng.bit_generator.state = rng_state
        restore_state(optimizer_state, saved_state)
        del history.epochs[length:]
        self.finish(optimizer_state, history)
        return epoch
