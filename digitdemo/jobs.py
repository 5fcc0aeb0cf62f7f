"""Training runs as subprocesses, so the server never imports TensorFlow. No Streamlit here.

A job runs ``python -m digitdemo train --progress json`` into its own temporary folder and
writes one JSON line per epoch to a log file there; ``poll()`` reads it. At most
MAX_RUNNING jobs run at once on one server, so a class retraining together cannot starve
the drawing pages of the machine's cores.
"""

import json
import subprocess
import sys
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from digitdemo import artifacts, config

MAX_RUNNING = 2
# Weak: a job whose session has ended (its tab closed) is collected, and its finalizer stops it.
_running: "weakref.WeakSet[TrainingJob]" = weakref.WeakSet()
_lock = threading.Lock()


class BusyError(RuntimeError):
    """Too many training runs on this server right now."""


@dataclass
class Progress:
    """What a job has reported so far."""

    losses: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # each epoch's duration, for Keras' progress line
    epochs: int = 0
    state: str = "running"  # running | done | failed
    message: str = ""


class TrainingJob:
    """One training run in a subprocess, with its own folder for the model it writes."""

    def __init__(self, epochs: int, learning_rate: float, hidden_units: tuple[int, ...], seed: int):
        self.epochs = epochs
        self._folder = tempfile.TemporaryDirectory(prefix="digitdemo-train-", ignore_cleanup_errors=True)
        self.out_dir = Path(self._folder.name)
        self._log_path = self.out_dir / "progress.jsonl"
        command = [
            sys.executable, "-m", "digitdemo", "train", "--progress", "json", "--out", str(self.out_dir),
            "--epochs", str(epochs), "--learning-rate", repr(learning_rate), "--seed", str(seed),
            "--hidden-units", *map(str, hidden_units),
        ]  # fmt: skip
        with _lock:
            _forget_finished()
            if len(_running) >= MAX_RUNNING:
                self._folder.cleanup()
                raise BusyError(
                    f"{len(_running)} training runs are already going on this server; try again in a few seconds."
                )
            with open(self._log_path, "wb") as log, open(self.out_dir / "stderr.txt", "wb") as errors:
                self.process = subprocess.Popen(
                    command, stdout=log, stderr=errors, stdin=subprocess.DEVNULL, cwd=config.REPO_DIR
                )
            _running.add(self)
        # When nobody holds the job any more (the student closed the tab and the session
        # ended), stop its process and delete its folder.
        weakref.finalize(self, _stop, self.process, self._folder)

    def poll(self) -> Progress:
        """Read the progress so far; done or failed once the process has ended."""
        progress = Progress(epochs=self.epochs)
        final = None
        for line in self._log_path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line still being written
            if "epoch" in record:
                progress.losses.append(record["loss"])
                progress.seconds.append(record.get("seconds", 0.0))
            else:
                final = record
        code = self.process.poll()
        if code is None:
            return progress
        if code == 0 and final and final.get("done"):
            progress.state = "done"
        else:
            progress.state = "failed"
            if final and "error" in final:
                progress.message = final["error"]
            elif code < 0:
                progress.message = f"the training process was stopped (signal {-code})"
            else:
                progress.message = f"the training process ended with exit code {code}{self._last_error()}"
        return progress

    def _last_error(self) -> str:
        """The last line the process wrote to stderr (a Python error, say), for the message."""
        try:
            lines = (self.out_dir / "stderr.txt").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return f" ({lines[-1][:200]})" if lines else ""

    def result(self) -> artifacts.TrainedModel:
        """The trained model, loaded without TensorFlow; only after poll() says done."""
        return artifacts.load(self.out_dir)

    def cleanup(self) -> None:
        """Stop the run (if it is still going) and delete its folder."""
        _stop(self.process, self._folder)


def _stop(process: subprocess.Popen, folder: tempfile.TemporaryDirectory) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
    folder.cleanup()


def _forget_finished() -> None:
    for job in [job for job in _running if job.process.poll() is not None]:
        _running.discard(job)


def running_count() -> int:
    """How many training runs are going on this server."""
    with _lock:
        _forget_finished()
        return len(_running)
