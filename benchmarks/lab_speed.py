"""The lab's cost: training speed inside the lab vs a plain ``fit``, and the server time of one view update.

Usage (from the repository root, with the ``lab`` extra)::

    python benchmarks/lab_speed.py              # about half a minute
    python benchmarks/lab_speed.py --epochs 500 --repeats 1

1. **Training speed.** The same network, data, optimizer and epochs are trained (a) by ``fit`` alone and
   (b) by a lab run (:class:`glassnet.lab.run.Run`: ``fit`` on its own thread with the live callback,
   publishing a view every 0.15 s), while a second thread does what the event stream does: JSON-encode
   every new view. Runs alternate a b a b ..., and the medians are compared. Goal: the lab ≥ 50 % of ``fit``.
2. **One view update.** :func:`glassnet.lab.views.compute_view` (100×100 boundary, unit maps, metrics,
   norms, confusion, advice) plus the curves and the JSON encoding of the event, timed per call
   (median of many). Goal: ≤ 20 ms.

Both use one BLAS thread, as the lab server sets (its runs are small and train side by side);
``--blas-threads N`` changes that for both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

from glassnet.lab.data import load_lab_data
from glassnet.lab.run import Run
from glassnet.lab.settings import LabSettings
from glassnet.train.loop import fit

CASES = {
    "flower, 8 tanh": LabSettings(data="flower", hidden=(8,), activation="tanh", learning_rate=0.01),
    "spiral, 32-32-16 relu": LabSettings(data="spiral", hidden=(32, 32, 16), activation="relu", learning_rate=0.01, batch_size=16),
    "digits, 64-32 relu": LabSettings(data="digits", hidden=(64, 32), activation="relu", learning_rate=0.001),
}


def plain_fit(settings: LabSettings, epochs: int) -> tuple[float, float]:
    """Wall and CPU seconds for ``fit`` alone (with the dev metrics each epoch, as the lab has)."""
    data = load_lab_data(settings)
    network = settings.build_network(data.n_outputs, data.dataset.task)
    splits = data.splits
    started, cpu = time.perf_counter(), time.process_time()
    fit(network, splits.X_train, splits.y_train, settings.build_optimizer(), epochs=epochs, batch_size=settings.fit_batch_size,
        schedule=settings.build_schedule(), validation_data=(splits.X_dev, splits.y_dev), verbose=0)
    return time.perf_counter() - started, time.process_time() - cpu


def lab_fit(settings: LabSettings, epochs: int) -> tuple[float, float, int]:
    """Wall and CPU seconds (all threads) for a lab run of ``epochs`` epochs while a reader encodes each new
    view; and the number of views it encoded."""
    run = Run(settings, load_lab_data(settings))
    seen, done = [0], threading.Event()

    def stream() -> None:  # what the event stream does, every 50 ms
        version = run.version
        while not done.is_set():
            if run.version != version:
                version = run.version
                json.dumps({"slot": "A", "view": run.view})
                seen[0] += 1
            time.sleep(0.05)

    reader = threading.Thread(target=stream, daemon=True)
    reader.start()
    started, cpu = time.perf_counter(), time.process_time()
    run.play(epochs=epochs)
    run._thread.join()
    done.set()
    reader.join()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert run.epochs_done == epochs, run.message
    return seconds, cpu, seen[0]


def view_update_ms(settings: LabSettings, calls: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of one view update (compute, curves, JSON) for a trained network."""
    run = Run(settings, load_lab_data(settings))
    run.play(epochs=20)
    run._thread.join()
    walls, cpus = [], []
    for _ in range(calls):
        started, cpu = time.perf_counter(), time.thread_time()
        run.publish()
        json.dumps({"slot": "A", "view": run.view})
        walls.append(time.perf_counter() - started)
        cpus.append(time.thread_time() - cpu)
    return 1000.0 * statistics.median(walls), 1000.0 * statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000, help="epochs per training run (digits: a tenth)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calls", type=int, default=100, help="view updates timed per case")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads for both (the lab server uses 1)")
    options = parser.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=options.blas_threads)
    print("| case | fit alone (epochs/s) | in the lab (epochs/s) | lab / fit, wall | lab / fit, CPU | views sent "
          "| one view update, wall (ms) | one view update, CPU (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, settings in CASES.items():
        epochs = options.epochs // 10 if settings.data == "digits" else options.epochs
        plain, lab, views = [], [], 0
        for _ in range(options.repeats):
            plain.append(plain_fit(settings, epochs))
            *measured, views = lab_fit(settings, epochs)
            lab.append(measured)
        plain_wall, plain_cpu = (statistics.median(column) for column in zip(*plain))
        lab_wall, lab_cpu = (statistics.median(column) for column in zip(*lab))
        view_wall, view_cpu = view_update_ms(settings, options.calls)
        print(f"| {name} | {epochs / plain_wall:.0f} | {epochs / lab_wall:.0f} | {plain_wall / lab_wall:.0%} | {plain_cpu / lab_cpu:.0%} "
              f"| {views} | {view_wall:.1f} | {view_cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main()
