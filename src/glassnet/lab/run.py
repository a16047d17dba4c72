"""One lab run: a network training on its own thread, off the server's event loop, with a live view.

``play`` starts a thread that calls :func:`glassnet.train.loop.fit` once for up to :data:`MAX_EPOCHS`
epochs, continuing the optimizer state and the epoch count of earlier calls (so the schedule and Adam's
bias correction go on where they stopped). A callback records each epoch's metrics into bounded
:class:`Curves`, asks ``fit`` to stop after the epoch when ``pause`` (or ``close``) was requested, and at
most every :data:`VIEW_INTERVAL` seconds publishes a new view (:func:`glassnet.lab.views.compute_view`)
together with a copy of the weights it shows, which is what a download saves. ``step`` trains one epoch.
A run that diverges keeps ``fit``'s restored weights and shows its message.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from glassnet.errors import GlassnetError, TrainingDiverged
from glassnet.lab.data import LabData
from glassnet.lab.settings import LabSettings
from glassnet.lab.stepper import BatchStepper
from glassnet.lab.views import compute_view
from glassnet.nn.network import Network
from glassnet.train.callbacks import Callback
from glassnet.train.loop import fit

#: seconds between two published views while training (about 7 updates per second)
VIEW_INTERVAL = 0.15
#: epochs one press of play trains at most
MAX_EPOCHS = 100_000
#: points kept per curve; beyond that every other point is dropped and only every 2nd, 4th, ... epoch kept
MAX_POINTS = 400
CURVE_NAMES = ("cost", "dev_cost", "accuracy", "dev_accuracy")


class Curves:
    """Per-epoch cost and accuracy (train and dev), at most :data:`MAX_POINTS` points whatever the run's length."""

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.values: dict[str, list[float | None]] = {name: [] for name in CURVE_NAMES}
        self.stride = 1

    def add(self, epoch_number: int, logs: dict[str, Any]) -> None:
        """Record epoch ``epoch_number`` (1-based) if it falls on the stride; thin out when full."""
        if epoch_number % self.stride:
            return
        self.epochs.append(epoch_number)
        for name, column in self.values.items():
            value = logs.get(name)
            column.append(None if value is None or not np.isfinite(value) else round(float(value), 6))
        if len(self.epochs) > MAX_POINTS:
            self.stride *= 2
            keep = [i for i, epoch in enumerate(self.epochs) if epoch % self.stride == 0]
            self.epochs = [self.epochs[i] for i in keep]
            self.values = {name: [column[i] for i in keep] for name, column in self.values.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": list(self.epochs), **{name: list(column) for name, column in self.values.items()}}


class _LiveCallback(Callback):
    """Records every epoch, stops on request, and publishes a view when one is due."""

    def __init__(self, run: "Run") -> None:
        self.run = run

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        run = self.run
        run.epochs_done = epoch + 1
        run.curves.add(epoch + 1, logs)
        if run.stop_requested.is_set():
            self.stop_training = True
        elif time.perf_counter() - run.published_at >= VIEW_INTERVAL:
            run.publish()


class Run:
    """A network, its optimizer state and data, trained on demand on one thread at a time."""

    def __init__(self, settings: LabSettings, data: LabData) -> None:
        self.settings, self.data = settings, data
        self.network = settings.build_network(data.n_outputs, data.dataset.task).build(data.splits.X_train.shape[1])
        self.optimizer = settings.build_optimizer()
        self.schedule = settings.build_schedule()
        self.state = self.optimizer.init(self.network.parameters())
        self.config = self.network.get_config()
        self.data_view = {"name": data.dataset.name, "classes": data.dataset.class_names, "extent": data.extent, "points": data.points()}
        self.epochs_done = 0
        self.curves = Curves()
        self.status = "ready"
        self.message: str | None = None
        self.stop_requested = threading.Event()
        self.version = 0
        self.view: dict[str, Any] | None = None
        self.weights: dict[str, np.ndarray] = {}
        self.published_at = 0.0
        self.seconds_training = 0.0
        self._started: float | None = None  # perf_counter when the current training thread began
        self.stepper = BatchStepper()
        self._busy = threading.Lock()  # held while a thread trains (or a view is computed off it)
        self._thread: threading.Thread | None = None
        self.publish()

    @property
    def training(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def publish(self) -> None:
        """Compute the view and copy the weights it shows (called between epochs, or while idle)."""
        view = compute_view(self.network, self.data, self.settings.human_error)
        running = 0.0 if self._started is None else time.perf_counter() - self._started
        view.update(status=self.status, message=self.message, epochs=self.epochs_done, curves=self.curves.to_dict(),
                    seconds=round(self.seconds_training + running, 2), data=self.data_view)
        self.weights = {name: array.copy() for name, array in self.network.state_arrays().items()}
        self.view = view
        self.version += 1
        self.published_at = time.perf_counter()

    def refresh(self, settings: LabSettings) -> None:
        """Take display-only settings (the human-level error) and publish at once when idle."""
        self.settings = settings
        if not self.training:
            with self._busy:
                self.publish()

    def play(self, epochs: int = MAX_EPOCHS) -> None:
        """Train on a new thread for up to ``epochs`` epochs (nothing if already training or diverged)."""
        if self.training or self.status == "diverged":
            return
        self.stop_requested.clear()
        self.status = "training"
        self._thread = threading.Thread(target=self._train, args=(epochs,), name="glassnet-lab-run", daemon=True)
        self._thread.start()

    def step(self) -> None:
        """Train exactly one epoch (on the training thread, as play does)."""
        self.play(epochs=1)

    def step_batch(self) -> None:
        """One optimizer step on the next mini-batch, here and now (nothing while training or diverged)."""
        if self.training or self.status == "diverged":
            return
        with self._busy:
            with self._outcome():
                self.stepper.step(self, *self._train_arrays())
            self.publish()

    @contextmanager
    def _outcome(self) -> Iterator[None]:
        """Training ends paused, diverged (with ``fit``'s or the stepper's message) or failed (a refused setting)."""
        try:
            yield
            self.status = "paused"
        except TrainingDiverged as error:
            self.status, self.message = "diverged", str(error)
        except GlassnetError as error:
            self.status, self.message = "failed", str(error)
        except Exception as error:  # noqa: BLE001  a bug: shown in the page rather than leaving it waiting
            self.status, self.message = "failed", f"Unexpected {type(error).__name__}: {error}"

    def _train_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self.network.prepare(self.data.splits.X_train, self.data.splits.y_train)

    def pause(self, wait: float = 5.0) -> None:
        """Ask the thread to stop after the current epoch and wait (up to ``wait`` seconds) for it."""
        self.stop_requested.set()
        thread = self._thread
        if thread is not None:
            thread.join(wait)

    def _train(self, epochs: int) -> None:
        with self._busy:
            self._started = time.perf_counter()
            with self._outcome():
                if self.stepper.mid_epoch:  # finish the epoch that mini-batch steps began, then let fit go on
                    X, y = self._train_arrays()
                    while self.stepper.mid_epoch:
                        self.stepper.step(self, X, y)
                    epochs -= 1
                splits = self.data.splits
                fit(self.network, splits.X_train, splits.y_train, self.optimizer, epochs=epochs, batch_size=self.settings.fit_batch_size,
                    schedule=self.schedule, validation_data=(splits.X_dev, splits.y_dev), callbacks=[_LiveCallback(self)],
                    verbose=0, optimizer_state=self.state, initial_epoch=self.epochs_done)
            self.seconds_training += time.perf_counter() - self._started
            self._started = None
            self.publish()

    def model_network(self) -> Network:
        """A new network with the weights of the last published view (what the page shows)."""
        network = Network.from_config(self.config)
        network.load_state_arrays(self.weights)
        return network
