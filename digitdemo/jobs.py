"""Training runs as subprocesses, so the server never imports TensorFlow. No Streamlit here.

A job runs ``python -m digitdemo train --progress json`` into its own folder under ROOT and
writes one JSON line per stage and epoch to a log file there; ``poll()`` reads it. A run:
- has a budget (epochs x units, BUDGET) checked before it starts, and a wall-clock limit
  (MAX_SECONDS) the trainer keeps and the server enforces;
- belongs to the pages (sessions) holding it: ``reap`` stops it, and deletes its folder, once
  none of them has been connected for ORPHAN_GRACE seconds (a reload comes back sooner, and
  finds it again by its ``token``);
- dies with the server that started it, even on ``kill -9`` (the trainer watches its parent);
- leaves no folder behind: ``remove_stale_folders`` deletes those of servers that are gone.
At most MAX_RUNNING run at once on the machine, whichever server process started them (``serve`` runs
several), so a class retraining together cannot starve the drawing pages of the machine's cores. Each run
holds a slot: a file under SLOTS locked with flock, which the kernel frees when its holder dies, even on
``kill -9``. Slot 0 is the teacher's: students retraining in two tabs cannot keep the teacher's teaching
out. A student (a browser, ``holder``) runs one at a time.
"""

import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitdemo import artifacts, config
from digitdemo.text import plural

MAX_RUNNING = 2  # on the machine; slot 0 of them is kept for the teacher
# Epochs x (layer 1 + layer 2 units) per run: the lab's recipe is 40 x (25 + 15) = 1,600.
BUDGET = 6000
# Start to finish, TensorFlow's start included. The trainer stops itself at the limit; the
# server kills it KILL_AFTER seconds later if it has not.
MAX_SECONDS = 90
# An augmented run took 2.1 to 3.2 times as long as a plain one (bench/teach.py): its limit is this many times longer.
AUGMENT_SLOWER = 3
KILL_AFTER = 10
# A run whose pages have all been disconnected this long is stopped: a reload reconnects in
# a second or two; a closed tab never does.
ORPHAN_GRACE = 10
# A teacher's run waits longer for its page: a tab without the teacher's cookie (signed out, the database down) signs in
# again, which takes a while.
TEACHER_ORPHAN_GRACE = 120
# Until a run reports its own pace: the stages' lengths measured by bench/training_runs.py
# on this shared 2-core machine (TensorFlow's start, one epoch at the lab's size, evaluate +
# save). They vary twofold with the load: 5 epochs took 13 s to 26 s from click to model.
START_SECONDS = 12.0
EPOCH_SECONDS = 0.4
SAVE_SECONDS = 5.0
# Every server's runs live here, one folder each; SERVER_FILE says which server started it.
ROOT = Path(tempfile.gettempdir()) / "digitdemo-training"
SERVER_FILE = "server.json"
# The machine's training slots, one file each (beside ROOT, not in it: ROOT holds only run folders). The folder is
# the server's user's alone (0700, checked before each use; its name says whose): in the shared temporary folder,
# another account could otherwise plant a slot file as a link to the class database, which the next run would
# write into and its release empty (issue 28). Slot files are opened without following links, for the same reason.
SLOTS = Path(tempfile.gettempdir()) / f"digitdemo-training-slots-{os.getuid()}"
_SLOT_BYTES = 256  # a slot file's record: who holds it, when its run should end

_jobs: dict[str, "TrainingJob"] = {}  # token -> job, until it is collected, stopped or reaped
_lock = threading.Lock()
_watching = False


class BusyError(RuntimeError):
    """No training slot free on the machine right now (or this student's run is going); the message says why."""


class BudgetError(ValueError):
    """A recipe over the per-run budget; the message says what fits."""


@dataclass
class Progress:
    """What a job has reported so far."""

    losses: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # each epoch's duration, for Keras' progress line
    epochs: int = 0
    stage: str = "starting"  # starting (TensorFlow loading) | training | saving
    state: str = "running"  # running | done | failed
    message: str = ""
    elapsed: float = 0.0  # seconds since the run started
    epoch_times: list[float] = field(default_factory=list)  # when each epoch ended, in seconds since the start


def check_budget(epochs: int, hidden_units: tuple[int, ...]) -> None:
    """Raise BudgetError with one sentence if the recipe is over the per-run budget."""
    cost = epochs * sum(hidden_units)
    if cost > BUDGET:
        fits = max(1, BUDGET // max(1, sum(hidden_units)))
        raise BudgetError(
            f"{plural(epochs, 'epoch')} x {sum(hidden_units)} hidden units is {cost:,}, over the budget of "
            f"{BUDGET:,} per run: with these units, train at most {plural(fits, 'epoch')}, or use fewer units."
        )


class TrainingJob:
    """One training run in a subprocess, with its own folder for the model it writes."""

    def __init__(
        self,
        epochs: int,
        learning_rate: float,
        hidden_units: tuple[int, ...],
        seed: int,
        owner: str | None = None,
        max_seconds: float | None = None,
        augment: bool = False,
        extra: tuple[np.ndarray, np.ndarray] | None = None,
        extra_weight: float = config.EXTRA_WEIGHT,
        teacher: bool = False,
        holder: str | None = None,
        start: artifacts.TrainedModel | None = None,
    ):
        """extra: X (n, 400), y (n, 1) to train on besides the lab's 5000, each counted extra_weight times.

        max_seconds defaults to MAX_SECONDS, longer in proportion for augmentation and extra examples.
        teacher: the signed-in teacher's run (it may take the teacher's slot; only a teacher's page may claim it);
        holder: who started it (a browser), who may have one run going at a time on the machine.
        start: a model to go on training from (hidden_units must be its layers' sizes).
        """
        check_budget(epochs, hidden_units)
        self.epochs = epochs
        if max_seconds is None:
            more = 1 + (0 if extra is None else len(extra[0]) / (config.TRAIN_PER_CLASS * config.N_CLASSES))
            max_seconds = MAX_SECONDS * (AUGMENT_SLOWER if augment else 1) * more
        self.max_seconds = max_seconds
        self.teacher = teacher
        self.holder = holder  # the browser that started it: only it may follow, stop or take the run (issue 28)
        self.token = secrets.token_urlsafe(12)  # finds the run again from a reloaded page's link
        self.sessions: set[str] = {owner} if owner else set()
        self.orphaned_since: float | None = None
        self.stop_reason = ""  # why the server stopped it, for the message
        # What the page that started it needs to show its outcome, should a reloaded page find it again
        # (teaching: the room and its checking drawings); None for a Training page run.
        self.context: object = None
        # Kept once the run has ended: every page holding it (a shared ?run= link) gets the same
        # outcome, even after the first one has taken the model and removed the folder.
        self._final: Progress | None = None
        self._outcome: tuple[artifacts.TrainedModel, bytes | None] | None = None
        self._outcome_lock = threading.Lock()
        with _lock:
            _poll_all()
            ends_at = time.time() + min(max_seconds + KILL_AFTER, START_SECONDS + epochs * EPOCH_SECONDS + SAVE_SECONDS)
            self._slot = _Slot.take(teacher, holder, ends_at)
            try:
                self.out_dir = _new_folder()
            except BaseException:
                self._slot.release()
                raise
            self._log_path = self.out_dir / "progress.jsonl"
            command = [
                sys.executable, "-m", "digitdemo", "train", "--progress", "json", "--out", str(self.out_dir),
                "--epochs", str(epochs), "--learning-rate", repr(learning_rate), "--seed", str(seed),
                "--hidden-units", *map(str, hidden_units),
                "--time-limit", str(max_seconds), "--parent-pid", str(os.getpid()),
                *(["--augment"] if augment else []),
            ]  # fmt: skip
            try:
                if extra is not None:
                    extra_dir = _write_extra(self.out_dir / "extra", *extra)
                    command += ["--extra-data", str(extra_dir), "--extra-weight", str(float(extra_weight))]
                if start is not None:
                    artifacts.save(start.layers, start.meta, self.out_dir / "start")
                    command += ["--start-from", str(self.out_dir / "start")]
                with open(self._log_path, "wb") as log, open(self.out_dir / "stderr.txt", "wb") as errors:
                    self.process = subprocess.Popen(
                        command, stdout=log, stderr=errors, stdin=subprocess.DEVNULL, cwd=config.REPO_DIR
                    )
            except BaseException:
                shutil.rmtree(self.out_dir, ignore_errors=True)
                self._slot.release()
                raise
            self.started = time.monotonic()
            _jobs[self.token] = self

    @property
    def grace(self) -> float:
        """How long the run waits for a page to come back once all of its pages are gone."""
        return TEACHER_ORPHAN_GRACE if self.teacher else ORPHAN_GRACE

    def poll(self) -> Progress:
        """Read the progress so far; done or failed once the process has ended."""
        if self._final is not None:
            return self._final
        self._enforce_limit()
        progress = Progress(epochs=self.epochs, elapsed=time.monotonic() - self.started)
        final = None
        try:
            lines = self._log_path.read_text().splitlines()
        except OSError:
            lines = []  # stopped and removed meanwhile
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line still being written
            if "epoch" in record:
                progress.losses.append(record["loss"])
                progress.seconds.append(record.get("seconds", 0.0))
                progress.epoch_times.append(record.get("elapsed", progress.elapsed))
                progress.stage = "training" if len(progress.losses) < self.epochs else "saving"
            elif "stage" in record:
                progress.stage = record["stage"]
            else:
                final = record
        code = self.process.poll()
        if code is None:
            return progress
        self._slot.release()
        if code == 0 and final and final.get("done"):
            progress.state = "done"
        else:
            progress.state = "failed"
            if final and "error" in final:
                progress.message = final["error"]
            elif self.stop_reason:
                progress.message = self.stop_reason
            elif code < 0 and progress.elapsed > self.max_seconds:
                progress.message = f"it went over the {self.max_seconds:g} s limit per run and was stopped"
            elif code < 0:
                progress.message = f"the training process was stopped (signal {-code})"
            else:
                progress.message = f"the training process ended with exit code {code}{self._last_error()}"
        self._final = progress
        return progress

    def seconds_left(self) -> float:
        """About how long until this run ends: from its own pace once it has one, at most its limit."""
        progress = self.poll()
        if progress.state != "running":
            return 0.0
        times, done = progress.epoch_times, len(progress.losses)
        per_epoch = (times[-1] - times[0]) / (done - 1) if done >= 2 else EPOCH_SECONDS
        start_left = max(0.0, START_SECONDS - progress.elapsed) if done == 0 else 0.0
        estimate = start_left + (self.epochs - done) * per_epoch + SAVE_SECONDS
        return max(0.0, min(estimate, self.max_seconds + KILL_AFTER - progress.elapsed))

    def _enforce_limit(self) -> None:
        if self.process.poll() is None and time.monotonic() - self.started > self.max_seconds + KILL_AFTER:
            self.process.kill()
            self.process.wait()
        if self.process.poll() is not None:
            self._slot.release()  # ended: the slot is free for the next run on the machine

    def _last_error(self) -> str:
        """The last line the process wrote to stderr (a Python error, say), for the message."""
        try:
            lines = (self.out_dir / "stderr.txt").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return f" ({lines[-1][:200]})" if lines else ""

    def result(self) -> artifacts.TrainedModel:
        """The trained model, loaded once without TensorFlow for every page holding the run; after poll() says done."""
        with self._outcome_lock:
            if self._outcome is None:
                self._outcome = (artifacts.load(self.out_dir), artifacts.keras_bytes(self.out_dir))
        return self._outcome[0]

    def keras_bytes(self) -> bytes | None:
        """The .keras twin of result(), for a teacher's save as the default."""
        self.result()
        return self._outcome[1]

    def cleanup(self) -> None:
        """Stop the run (if it is still going), delete its folder and forget it."""
        with _lock:
            _jobs.pop(self.token, None)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._slot.release()
        shutil.rmtree(self.out_dir, ignore_errors=True)


def claim(token: str, session: str, teacher: bool = False, holder: str | None = None) -> TrainingJob | None:
    """The run with this token, now held by this session too (a reloaded page); None if it is gone.

    A teacher's run only for a teacher's session: a student who saw its ?run= link gets nothing. A run started by a
    browser (its holder, "browser:..."), only for that browser (issue 28): whoever else sees a student's link cannot
    watch, stop or take the run, and a teacher opening it does not adopt the student's model.
    """
    with _lock:
        job = _jobs.get(token)
        if job is None or (job.teacher and not teacher):
            return None
        if (job.holder or "").startswith("browser:") and holder != job.holder:
            return None
        job.sessions.add(session)
        job.orphaned_since = None
        return job


def teachers_run(token: str) -> bool:
    """True if the token names a teacher's run that is still kept: a page waits for the teacher to sign in."""
    with _lock:
        job = _jobs.get(token)
        return job is not None and job.teacher


def running_count() -> int:
    """How many training runs this server process is running."""
    with _lock:
        _poll_all()
        return sum(job.process.poll() is None for job in _jobs.values())


def reap(session_alive: Callable[[str], bool], now: float | None = None) -> list[TrainingJob]:
    """Stop and remove the runs none of whose sessions has been connected for ORPHAN_GRACE s; those runs.

    Also collects ended processes (no zombies) and enforces the time limit. A run with no
    session (started outside a page) is left to its time limit.
    """
    now = time.monotonic() if now is None else now
    gone = []
    with _lock:
        _poll_all()
        for job in list(_jobs.values()):
            if not job.sessions or any(session_alive(s) for s in job.sessions):
                job.orphaned_since = None
            elif job.orphaned_since is None:
                job.orphaned_since = now
            elif now - job.orphaned_since >= job.grace:
                gone.append(job)
    for job in gone:
        job.stop_reason = f"its page was closed or disconnected for more than {job.grace} s, so it was stopped"
        job.cleanup()
    return gone


def watch(session_alive: Callable[[str], bool], every: float = 1.0) -> None:
    """Once per process: a daemon thread that calls reap every ``every`` seconds."""
    global _watching
    with _lock:
        if _watching:
            return
        _watching = True

    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                reap(session_alive)
            except Exception:  # the watch must outlive any one bad check
                logging.getLogger(__name__).exception("the training watch failed once")

    threading.Thread(target=loop, name="digitdemo-training-watch", daemon=True).start()


def remove_stale_folders(root: Path | None = None, min_age: float = 60.0) -> list[Path]:
    """Delete the run folders whose server is gone (a crash, a ``kill -9``); the folders deleted.

    A folder without its server file is deleted only once it is ``min_age`` seconds old: a
    server may be between creating it and writing the file.
    """
    root = ROOT if root is None else root
    removed = []
    try:
        folders = [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return removed
    for folder in folders:
        try:
            server = json.loads((folder / SERVER_FILE).read_text())
            alive = _process_alive(int(server["pid"]), server.get("start"))
        except (OSError, ValueError, KeyError, TypeError):
            try:
                alive = time.time() - folder.stat().st_mtime < min_age
            except OSError:
                continue
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _write_extra(folder: Path, X: np.ndarray, y: np.ndarray) -> Path:
    """X.npy and y.npy for the subprocess's --extra-data, as the class export writes them."""
    folder.mkdir()
    np.save(folder / "X.npy", np.asarray(X, dtype=np.float32), allow_pickle=False)
    np.save(folder / "y.npy", np.asarray(y).reshape(-1, 1), allow_pickle=False)
    return folder


def _new_folder() -> Path:
    """A fresh run folder under ROOT, marked with this server's pid and start time."""
    ROOT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=ROOT))
    (folder / SERVER_FILE).write_text(json.dumps({"pid": os.getpid(), "start": _start_time(os.getpid())}))
    return folder


def _start_time(pid: int) -> str | None:
    """When the process started (Linux: clock ticks since boot), so a reused pid is not taken for it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name


def _process_alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    return start is None or _start_time(pid) in (start, None)


def _poll_all() -> None:
    """Collect the exit status of ended runs (else they stay zombies), enforce time limits, free their slots."""
    for job in _jobs.values():
        job._enforce_limit()
        if job.process.poll() is None:
            job._slot.note_end(time.time() + job.seconds_left())  # for other processes' "try again in ..."


class _Slot:
    """One of the machine's MAX_RUNNING training slots: a file under SLOTS, flock-ed while a run holds it.

    The file says who holds it and when the run should end, for the others' "try again in ..." sentence.
    """

    def __init__(self, index: int, fd: int):
        self.index, self._fd = index, fd

    @classmethod
    def take(cls, teacher: bool, holder: str | None, ends_at: float) -> "_Slot":
        """A free slot (a student's never slot 0), or BusyError saying why and how long to wait."""
        key = None if holder is None else hashlib.sha256(holder.encode()).hexdigest()[:16]
        folder = _own_folder(SLOTS)
        try:
            guard = _open_slot_file("take.lock", folder)
        except BaseException:
            os.close(folder)
            raise
        try:
            return cls._take_in(folder, guard, teacher, key, ends_at)
        finally:
            os.close(guard)
            os.close(folder)

    @classmethod
    def _take_in(cls, folder: int, guard: int, teacher: bool, key: str | None, ends_at: float) -> "_Slot":
        fcntl.flock(guard, fcntl.LOCK_EX)  # one process at a time looks and takes
        held, free = [], []
        try:
            for index in range(MAX_RUNNING):
                fd = _open_slot_file(f"{index}.slot", folder)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    held.append((index, _read_slot(fd)))
                    os.close(fd)
                    continue
                free.append((index, fd))
            if key is not None and any(info.get("holder") == key for _, info in held):
                raise BusyError("Your model is already training: wait for it to finish, or stop it.")
            usable = [(i, fd) for i, fd in free if teacher or i != 0]
            if not usable:
                raise BusyError(_busy_sentence(held, teacher))
            index, fd = usable[0]
            _write_slot(fd, {"pid": os.getpid(), "teacher": teacher, "holder": key, "ends_at": ends_at})
            free.remove((index, fd))
            return cls(index, fd)
        finally:
            for _, fd in free:
                os.close(fd)

    def note_end(self, ends_at: float) -> None:
        """Say when the run holding the slot should end (from its own pace)."""
        if self._fd is not None:
            _write_slot(self._fd, {**_read_slot(self._fd), "ends_at": ends_at})

    def release(self) -> None:
        """Free the slot (again: nothing); the kernel does it too if this process dies."""
        if self._fd is None:
            return
        with suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None


_NO_LINKS = os.O_NOFOLLOW | os.O_CLOEXEC


def _own_folder(path: Path) -> int:
    """The slots' folder, opened (a descriptor): made 0700 if missing; BusyError if it is a link or not ours alone."""
    with suppress(FileExistsError):
        os.mkdir(path, 0o700)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _NO_LINKS)
    except OSError:
        raise BusyError(_unsafe_folder(path)) from None
    info = os.fstat(fd)
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        os.close(fd)
        raise BusyError(_unsafe_folder(path))
    return fd


def _unsafe_folder(path: Path) -> str:
    return (
        f"Training is off: the folder of the training slots ({path.name}, in the temporary folder) is not this "
        "server's alone (a link, another account's, or open to others); remove it and try again."
    )


def _open_slot_file(name: str, folder: int) -> int:
    """A regular file in the slots' folder, never through a link (BusyError if it is one, or not a plain file)."""
    try:
        fd = os.open(name, os.O_RDWR | os.O_CREAT | _NO_LINKS, 0o600, dir_fd=folder)
    except OSError:
        raise BusyError(_unsafe_folder(SLOTS)) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BusyError(_unsafe_folder(SLOTS))
    return fd


def _write_slot(fd: int, info: dict) -> None:
    # One write of a fixed size, never a truncation first: a reader sees the old record or the new one.
    os.pwrite(fd, json.dumps(info).encode().ljust(_SLOT_BYTES), 0)


def _read_slot(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, _SLOT_BYTES, 0).strip() or b"{}")
    except (OSError, ValueError):
        return {}


def _busy_sentence(held: list[tuple[int, dict]], teacher: bool) -> str:
    """Why no slot is free for this run, and when the first one it may take should free."""
    mine = [info for index, info in held if teacher or index != 0]  # a student waits for a student's slot
    ends = [info["ends_at"] for info in mine if isinstance(info.get("ends_at"), int | float)]
    wait = plural(max(1, round(min(ends) - time.time())) if ends else MAX_SECONDS, "second")
    if teacher:
        going = f"{plural(len(held), 'training run')} {'is' if len(held) == 1 else 'are'} already going"
        return f"{going} on this machine, the most it runs at once; the first ends in about {wait}: try again then."
    students = MAX_RUNNING - 1
    runs = "The training run open to students is" if students == 1 else f"All {students} runs open to students are"
    return (
        f"{runs} taken (one more is kept for the teacher's teaching), the most this machine runs at once; "
        f"the first ends in about {wait}: try again then."
    )
