"""Class tests' helpers: a room filled with real drawings from several students (held-out digits drawn on the
canvas, preprocessed), and students sending at the same moment."""

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digitdemo import artifacts, data
from digitdemo.classroom import service, storage
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.schema import MIGRATIONS
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import preprocess


def old_file(path: Path, version: int) -> sqlite3.Connection:
    """A class database file as digitdemo left it at schema ``version`` (its first migrations only); open, to fill."""
    conn = sqlite3.connect(path)
    for statements in MIGRATIONS[:version]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def fill_room(
    store: storage.ClassStore, code: str, model: artifacts.TrainedModel, students: int = 12, per_digit: int = 2
) -> list[np.ndarray]:
    """Each of ``students`` sends ``per_digit`` drawings of every digit, read by ``model``; the RGBA drawings."""
    images, labels = data.load_source()
    held_out = np.flatnonzero(~data.is_training_example())
    rng = np.random.default_rng(11)
    pools = {d: iter(rng.permutation(held_out[labels[held_out] == d])) for d in range(10)}
    sent = []
    for s in range(students):
        student = service.join(store, code, f"Writer{s}")
        for k in range(per_digit * 10):
            meant = k % 10
            rgba = render_drawing(images[next(pools[meant])], rng)
            steps = preprocess(rgba)
            out = model.forward(steps.x)
            # One send a minute apart: the room's rate limit is per minute of the sending time.
            service.send_drawing(
                store,
                student,
                code,
                meant,
                steps.x,
                service.ink_picture(steps.cropped),
                int(out.predicted_digit[0]),
                out.probabilities[0],
                "default model",
                now=1e6 + 60 * k,
            )
            sent.append(rgba)
    return sent


def race(
    path, students: list[service.Student], send: Callable[[storage.ClassStore, service.Student], object]
) -> list[str]:
    """Every student sends at the same moment, each through a connection of its own (as sessions do).

    "stored" or the refusal's sentence for each student, in the order they finished.
    """
    barrier = threading.Barrier(len(students))
    outcomes = []

    def run(student):
        own = storage.ClassStore(path)
        barrier.wait()
        try:
            send(own, student)
            outcomes.append("stored")
        except ClassRuleError as error:
            outcomes.append(str(error))
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
