"""Teach the model a class's handwriting: split drawings by student, train, compare. No Streamlit, no TensorFlow.

The class page calls, in order:
  split_by_student(y, students)  -> Split: which drawings teach, which check (or TeachError, one sentence)
  better_start(room_model, lab_model, X[split.teach], y[split.teach])  -> the room's model or None (the lab's)
  start_teaching(X[split.teach], y[split.teach], start=...)  -> a jobs.TrainingJob: the lab's 5000 + these,
      weighted; from the lab's random start (the lab's recipe), or going on from the room's model
  compare(room_model, taught_model, X[split.check], y[split.check])  -> Comparison on the checking drawings
  verdict(comparison, "the wider network")  -> one sentence: better, the same or worse than the room's model

Why by student: the question is how the model reads writers it was never shown. A checking set
holding drawings by students it was taught on would answer another, easier question, and flatter it.
"""

from dataclasses import dataclass

import numpy as np

from digitdemo import artifacts, config, metrics
from digitdemo.jobs import TrainingJob

CHECK_SHARE = 0.2  # about a fifth of the drawings check, four fifths teach
# Below these the lesson is noise, not data (bench/teach.py, synthetic classes, weight 10, read on another class
# of 30 students; three seeds each, issue 19): 3-6 students teaching 30-60 drawings lost 0.5 to 3 points;
# 6 teaching 120 gained +0.0 to +2.0, 13 teaching 130 +0.8 to +2.0. The smallest class that gained in every
# seed: 12 students drawing every digit twice (10 teaching 200 drawings: +1.7 to +5.7); 24 drawing once (19 teaching
# 190: +2.0 to +5.3); and 20 of each digit (about 16 teaching each) gained +1.8 to +6.5 before (issue 8).
# With a "draw every digit" round (rooms.EVERY_DIGIT) that is one round for 20 students, two for 12.
MIN_STUDENTS = 12
# Going on from a trained model (the drawing model, the wider network) rather than the lab's random start: these
# epochs at the lab's learning rate. Measured for issue 29 (2026-12-06): 12 students of held-out MNIST digits drawn on
# the canvas (as tests.class_drawings.fill_room), 20 drawings each, three seeds: the drawing
# model 92.5-95.0% -> 92.5-97.5% of the checking drawings, the wider network 95.0-97.5% -> 95.0-100%, MNIST held-out
# kept (95.7%, 98.9%); 5 epochs did no better; the lab's recipe from scratch on the same drawings: 85.0%.
GO_ON_EPOCHS = 10
MIN_PER_DIGIT = 20
# Each digit must reach both sides: drawn by at least this many students.
MIN_STUDENTS_PER_DIGIT = 2
# Seeded shuffles of the students tried; the one closest to CHECK_SHARE with every digit on both sides wins.
SPLIT_TRIES = 200


class TeachError(ValueError):
    """Too few drawings to teach with; the message is one sentence saying how many more are needed."""


@dataclass(frozen=True)
class Split:
    """Indices into the drawings: teach (about 80%) and check (about 20%); no student on both sides."""

    teach: np.ndarray
    check: np.ndarray
    teach_students: tuple
    check_students: tuple


def _digits(digits) -> str:
    """[2, 7, 9] -> '2, 7 and 9'."""
    names = [str(d) for d in digits]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def check_enough(
    y: np.ndarray, students: np.ndarray, min_students: int = MIN_STUDENTS, min_per_digit: int = MIN_PER_DIGIT
) -> None:
    """Raise TeachError, one sentence saying what more is needed, unless the drawings can be split."""
    y, students = np.ravel(y).astype(np.int64), np.ravel(np.asarray(students))
    n_students = len(np.unique(students))
    counts = np.bincount(y, minlength=config.N_CLASSES)
    short = [(d, min_per_digit - c) for d, c in enumerate(counts) if c < min_per_digit]
    if len(short) == config.N_CLASSES and len({k for _, k in short}) == 1:
        missing = [f"{short[0][1]} more of each digit"]
    else:
        missing = [f"{k} more {d}{'s' if k > 1 else ''}" for d, k in short]
    needs = []
    if n_students < min_students:
        more = min_students - n_students
        needs.append(f"{more} more student{'s' if more > 1 else ''}")
    if missing:
        needs.append(", ".join(missing))
    if needs:
        raise TeachError(
            f"Teaching needs drawings from at least {min_students} students and at least {min_per_digit} of each "
            f"digit (there are {len(y)} from {n_students}): still {'; '.join(needs)}."
        )
    writers = [len(np.unique(students[y == d])) for d in range(config.N_CLASSES)]
    lonely = [d for d, w in enumerate(writers) if w < MIN_STUDENTS_PER_DIGIT]
    if lonely:
        raise TeachError(
            f"Only one student drew {_digits(lonely)}: each digit needs drawings from at least "
            f"{MIN_STUDENTS_PER_DIGIT} students, so that both the teaching and the checking set have it."
        )


def split_by_student(
    y: np.ndarray,
    students: np.ndarray,
    seed: int = config.SEED,
    check_share: float = CHECK_SHARE,
    minimum: tuple[int, int] = (MIN_STUDENTS, MIN_PER_DIGIT),
) -> Split:
    """(n,) or (n, 1) digits and (n,) student ids -> Split; the same for the same seed; TeachError if too few.

    minimum: (students, drawings of each digit) below which it refuses (bench.teach measures below the page's).
    """
    y, students = np.ravel(y).astype(np.int64), np.ravel(np.asarray(students))
    if len(y) != len(students):
        raise ValueError(f"{len(y)} digits but {len(students)} student ids: they must match.")
    check_enough(y, students, *minimum)
    names, owner = np.unique(students, return_inverse=True)
    # per_student[s, d]: how many d's student s drew.
    per_student = np.zeros((len(names), config.N_CLASSES), dtype=np.int64)
    np.add.at(per_student, (owner, y), 1)
    rng = np.random.default_rng(seed)
    target = check_share * len(y)
    best, best_gap = None, np.inf
    for _ in range(SPLIT_TRIES):
        order = rng.permutation(len(names))
        sizes = np.cumsum(per_student[order].sum(axis=1))
        # The first k students of this order check: k closest to the target, at least one, not all.
        k = int(np.clip(np.argmin(np.abs(sizes - target)) + 1, 1, len(names) - 1))
        checking = per_student[order[:k]].sum(axis=0)
        teaching = per_student[order[k:]].sum(axis=0)
        gap = abs(sizes[k - 1] - target)
        if np.all(checking > 0) and np.all(teaching > 0) and gap < best_gap:
            best, best_gap = order[:k], gap
    if best is None:
        raise TeachError(
            "The drawings could not be split by student with every digit on both sides: "
            "ask a few more students to draw the digits that few of them drew."
        )
    in_check = np.isin(owner, best)
    return Split(
        teach=np.flatnonzero(~in_check),
        check=np.flatnonzero(in_check),
        teach_students=tuple(np.sort(names[np.setdiff1d(np.arange(len(names)), best)]).tolist()),
        check_students=tuple(np.sort(names[best]).tolist()),
    )


def start_teaching(
    X_teach: np.ndarray,
    y_teach: np.ndarray,
    weight: float = config.EXTRA_WEIGHT,
    augment: bool = False,
    epochs: int = config.EPOCHS,
    owner: str | None = None,
    holder: str | None = None,
    start: artifacts.TrainedModel | None = None,
) -> TrainingJob:
    """Train the lab's network with the lab's recipe on the lab's 5000 plus these drawings, each counted weight
    times, in a subprocess (poll it like the Training page's job; owner: the page's session, state.session_id(),
    so the run stops when that page is gone; holder: the teacher's browser). A teacher's run: it may take the
    slot kept for the teacher. May raise jobs.BusyError.

    start: go on training this model (GO_ON_EPOCHS on the same data) instead of the lab's random start."""
    units = config.HIDDEN_UNITS if start is None else tuple(layer.b.size for layer in start.layers[:-1])
    return TrainingJob(
        epochs if start is None else GO_ON_EPOCHS,
        config.LEARNING_RATE,
        units,
        config.SEED,
        owner=owner,
        augment=augment,
        extra=(X_teach, y_teach),
        extra_weight=weight,
        teacher=True,
        holder=holder,
        start=start,
    )


def reads_right(model: artifacts.TrainedModel, X: np.ndarray, y: np.ndarray) -> float:
    """The share of X (n, 400) the model reads as y (n,) or (n, 1)."""
    return float(np.mean(model.forward(X).predicted_digit == np.ravel(y))) if len(X) else 0.0


def better_start(
    room_model: artifacts.TrainedModel, lab_model: artifacts.TrainedModel, X_teach: np.ndarray, y_teach: np.ndarray
) -> artifacts.TrainedModel | None:
    """The room's model if it reads the teaching drawings at least as well as the lab's model (going on from it
    then starts ahead), else None: the lab's recipe from its random start. Judged on the teaching drawings only:
    the checking drawings stay unseen by every choice made."""
    if room_model is lab_model or room_model.layers is lab_model.layers:
        return None
    return room_model if reads_right(room_model, X_teach, y_teach) >= reads_right(lab_model, X_teach, y_teach) else None


@dataclass(frozen=True)
class Comparison:
    """Two models on the same checking drawings, and on the MNIST held-out digits (from their metadata)."""

    before: dict  # metrics.accuracy_on for the first (lab) model: accuracy, per_digit_accuracy, ...
    after: dict  # the same for the second (taught) model
    wrong_to_right: np.ndarray  # indices into the checking set the taught model now reads right
    right_to_wrong: np.ndarray  # ... and the ones it now gets wrong
    held_out_before: float
    held_out_after: float


def compare(
    before: artifacts.TrainedModel,
    after: artifacts.TrainedModel,
    X_check: np.ndarray,
    y_check: np.ndarray,
    held_out: tuple[np.ndarray, np.ndarray] | None = None,
) -> Comparison:
    """Side by side on the checking drawings: accuracy, per digit, and the drawings whose answer changed.

    held_out: the lab's MNIST held-out X, y, read by both (models trained on other data name another held-out set
    in their metadata); without it, each model's metadata says."""
    truth = np.ravel(y_check)
    right_before = before.forward(X_check).predicted_digit == truth
    right_after = after.forward(X_check).predicted_digit == truth
    return Comparison(
        before=metrics.accuracy_on(before.layers, X_check, y_check),
        after=metrics.accuracy_on(after.layers, X_check, y_check),
        wrong_to_right=np.flatnonzero(~right_before & right_after),
        right_to_wrong=np.flatnonzero(right_before & ~right_after),
        held_out_before=(
            float(before.meta["metrics"]["test_accuracy"]) if held_out is None else reads_right(before, *held_out)
        ),
        held_out_after=(
            float(after.meta["metrics"]["test_accuracy"]) if held_out is None else reads_right(after, *held_out)
        ),
    )


def verdict(result: Comparison, before_words: str) -> tuple[str, str]:
    """("worse" | "same" | "better", one sentence) on the taught model against ``before_words`` (the model the room
    reads with now, e.g. "the wider network"), on the checking drawings."""
    before, after = result.before["accuracy"], result.after["accuracy"]
    points = abs(after - before) * 100
    of = f" of the {result.before['examples']}"
    if after < before:
        return "worse", (
            f"The taught model is worse than {before_words}, the model the room reads with now: it reads "
            f"{after:.1%}{of} checking drawings right, {before_words} {before:.1%} ({points:.1f} points fewer). "
            f"Keep {before_words}."
        )
    if after == before:
        return "same", (
            f"The taught model reads as many checking drawings right as {before_words}, the model the room reads "
            f"with now ({after:.1%}): changing brings nothing on these students."
        )
    return "better", (
        f"The taught model is better than {before_words}, the model the room reads with now: it reads {after:.1%}"
        f"{of} checking drawings right, {before_words} {before:.1%} ({points:.1f} points more)."
    )
