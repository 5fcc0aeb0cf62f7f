"""Class page, teacher: teach the model the room's handwriting, compare it with the lab model, make it the room's."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from digitdemo import artifacts, config, figures, state, teach
from digitdemo.classroom import export, rooms, service
from digitdemo.classroom.service import ClassError
from digitdemo.jobs import BudgetError, BusyError, TrainingJob
from digitdemo.pages import progress as live_progress
from digitdemo.pages.classroom import board, room, signin
from digitdemo.pages.common import points, say, show_plot
from digitdemo.text import plural

JOB = "class.teach.job"  # this tab's last teaching run (its context: Checking), going or done, until the next
NOTICE = "class.teach.notice"
TALLY = "class.teach.tally"  # ((room code, its change counter), (digits, students)): what the readiness counts


@dataclass(frozen=True)
class Checking:
    """The room taught and its checking drawings as they were when the run started (new drawings must not shift them).

    Kept with the run (jobs.TrainingJob.context), so a reloaded page that finds the run can show its outcome.
    """

    code: str
    X: np.ndarray  # (m, 400) float32, the lab's column order
    y: np.ndarray  # (m, 1)
    pngs: list[bytes]
    teach_count: int
    # The model the room read with when the run started, in words ("the wider network"), and that model: the taught
    # model is compared with it, and the teacher told plainly if it reads worse. None: the lab's model.
    room_words: str = "the lab's model"
    room_model: artifacts.TrainedModel | None = None
    # What the run went on from: None for the lab's random start (the lab's recipe), else room_words.
    started_from: str | None = None


@dataclass(frozen=True)
class Taught:
    model: artifacts.TrainedModel
    checking: Checking


def find_run() -> str | None:
    """This tab's teaching run, or, after a reload (a new session), the one its link names; its room's code, or None.

    The Class page asks before the teacher signs in again (sign-in is per session): a signed-out tab cannot claim
    the teacher's run, but its link keeps it (live_progress.waits_for_teacher) while the run waits for its page.
    """
    job = live_progress.held(JOB, Checking, teacher=signin.is_teacher())
    return None if job is None else job.context.code


def render(code: str) -> None:
    st.subheader("Teach the model our handwriting")
    st.markdown(
        "The lab's model learned from 5000 MNIST digits, written by American students and officials decades ago: "
        "it reads *your* class's handwriting less well. Teach it with your drawings and check it on students "
        "it was **never shown**: a model knows the data it was shown."
    )
    _notice()
    job = _job()
    _room_model(code)
    running = job is not None and job.poll().state == "running"
    # Live, as the board: the counts are the database's now, not the page's last full run's.
    st.fragment(_readiness, run_every=board.REFRESH_S)(code, running)
    if running:
        st.fragment(live_progress.follow, run_every=0.5)(JOB, "class.teach", "The taught model's loss so far")
    elif job is not None and job.context.code == code:
        _comparison(Taught(job.result(), job.context))


def _tally(code: str) -> tuple[np.ndarray, np.ndarray]:
    """The room's shown drawings as (n,) digits meant and (n,) student numbers, numbered as export.room_data does
    (by first drawing), so the split shown is the split taught; asked again only when the room changed."""
    version = service.board_version(room.store(), code)
    cached = st.session_state.get(TALLY)
    if cached is not None and cached[0] == (code, version):
        return cached[1]
    numbers: dict[str, int] = {}
    y, who = [], []
    for student, meant, count in service.digit_tally(room.store(), code):
        y += [meant] * count
        who += [numbers.setdefault(student, len(numbers) + 1)] * count
    tally = (np.array(y, dtype=np.int64), np.array(who, dtype=np.int64))
    st.session_state[TALLY] = ((code, version), tally)
    return tally


def _readiness(code: str, running: bool) -> None:
    """How many drawings teach and check, and the Teach button; or, one sentence, what teaching still needs."""
    try:
        split = teach.split_by_student(*_tally(code))
    except ClassError as error:
        say("warning", str(error))
        return
    except teach.TeachError as error:
        say("info", str(error))
        return
    teaching, checking = st.columns(2)
    teaching.metric("Teaching drawings", len(split.teach), help=f"by {plural(len(split.teach_students), 'student')}")
    checking.metric(
        "Checking drawings", len(split.check), help=f"by {plural(len(split.check_students), 'other student')}"
    )
    st.caption(
        f"Split by student: no student is on both sides. The lab's 5000 digits plus the teaching drawings, each "
        f"counted {config.EXTRA_WEIGHT:g} times, teach the model the room reads with now for {teach.GO_ON_EPOCHS} "
        f"more epochs if it reads the teaching drawings at least as well as the lab's model; else the lab's network "
        f"and recipe ({config.EPOCHS} epochs) learn them from the start."
    )
    if st.button("Teach the model", key="class.teach", type="primary", disabled=running):
        _start(code)


def _job() -> TrainingJob | None:
    """This tab's teaching run, going or done (its result loaded); a failed one is said once and dropped."""
    job = live_progress.held(JOB, Checking, teacher=True)  # the teacher's section
    if job is None:
        return None
    progress = job.poll()
    if progress.state == "done":
        try:
            job.result()
        except artifacts.ModelError as error:
            say("error", f"The taught model could not be read: {error}")
        else:
            return job
    elif progress.state == "failed":
        say("error", f"Teaching failed: {progress.message}.")
    else:
        return job
    live_progress.drop(JOB)
    return None


def _start(code: str) -> None:
    """Teach with the room's drawings as they are at the click (the split is made again from them)."""
    try:
        data = export.room_data(room.store(), code)
        split = teach.split_by_student(data.y, data.students)
    except (ClassError, teach.TeachError) as error:
        say("warning", str(error))
        return
    room_model, room_words = _room_reader(code)
    lab = state.default_model()
    start = teach.better_start(room_model, lab, data.X[split.teach], data.y[split.teach])
    try:
        job = teach.start_teaching(
            data.X[split.teach], data.y[split.teach], owner=state.session_id(), holder=state.browser(), start=start
        )
    except (BusyError, BudgetError) as error:
        say("warning", error)
        return
    job.context = Checking(
        code,
        data.X[split.check],
        data.y[split.check],
        [data.pngs[i] for i in split.check],
        len(split.teach),
        room_words,
        None if room_model is lab else room_model,
        None if start is None else room_words,
    )
    live_progress.hold(JOB, job)  # in the link too: a reload finds the run, going or done
    st.rerun()


def _room_reader(code: str) -> tuple[artifacts.TrainedModel, str]:
    """The model room ``code``'s students read with now, and its name in words."""
    model = room.model_of_room(code)
    try:
        found = service.get_room(room.store(), code)
    except ClassError:
        return model, "the room's model"
    if found.model is not None:
        return model, "the room's taught model"
    if found.start_model == rooms.LAB_MODEL or model is state.default_model():
        return state.default_model(), "the lab's model"
    return model, rooms.START_MODEL_WORDS.get(found.start_model, "the room's model")


def _notice() -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice is not None:
        say(*notice)


def _comparison(taught: Taught) -> None:
    """The lab's model, the room's model (when another) and the taught model side by side on the same checking
    drawings: read right, per digit, changed answers, MNIST; and one plain sentence: better or worse than the room's."""
    lab = state.default_model()
    checking = taught.checking
    room_model = checking.room_model or lab
    held_out = state.dataset("test")
    result = teach.compare(room_model, taught.model, checking.X, checking.y, held_out)
    lab_result = result if room_model is lab else teach.compare(lab, taught.model, checking.X, checking.y, held_out)
    start = "the lab's random start, with the lab's recipe" if checking.started_from is None else checking.started_from
    st.markdown(
        f"**On the {len(checking.y)} checking drawings** (students the taught model never saw), "
        f"and on the **MNIST held-out 5000**. Taught with {checking.teach_count} drawings, from {start}."
    )
    kind, sentence = teach.verdict(result, checking.room_words)
    say({"worse": "warning", "same": "info", "better": "success"}[kind], sentence)
    shown = [("The lab's model", lab_result.before, lab_result.held_out_before, "lab")]
    if room_model is not lab:
        shown.append((f"The room's model now: {checking.room_words}", result.before, result.held_out_before, "room"))
    shown.append(("The taught model", result.after, result.held_out_after, "taught"))
    for column, (name, scores, held, key) in zip(st.columns(len(shown)), shown, strict=True):
        with column:
            st.markdown(f"#### {name}")
            compared = key == "taught"  # against the room's model now: the one it would replace
            st.metric(
                "Checking drawings read right",
                f"{scores['accuracy']:.1%}",
                **(points(scores["accuracy"] - result.before["accuracy"]) if compared else {}),
            )
            st.metric(
                "MNIST held-out 5000 read right",
                f"{held:.1%}",
                **(points(held - result.held_out_before) if compared else {}),
            )
    # The charts in a row of their own, so they line up whatever the metrics above them show.
    for column, (_, scores, _, key) in zip(st.columns(len(shown)), shown, strict=True):
        with column:
            figure = figures.board.digit_accuracy(
                scores["per_digit_accuracy"], scores["per_digit_examples"], "Per digit"
            )
            show_plot(figure, key=f"class.teach.{key}_digits")
    truth = np.ravel(checking.y)
    read_before = room_model.forward(checking.X).predicted_digit
    read_after = taught.model.forward(checking.X).predicted_digit
    for title, indices in (
        ("Wrong → right: the taught model now reads these", result.wrong_to_right),
        ("Right → wrong: the taught model now misreads these", result.right_to_wrong),
    ):
        st.markdown(f"**{title}** ({len(indices)})")
        if len(indices) == 0:
            st.caption("None.")
            continue
        shown_indices = indices[:40]
        st.image(
            [checking.pngs[i] for i in shown_indices],
            caption=[f"{truth[i]}: {read_before[i]} → {read_after[i]}" for i in shown_indices],
            width=72,
        )
    st.caption(
        f"Under each drawing: the digit meant, then what {checking.room_words} read → what the taught model reads."
    )
    if kind == "better":
        use = st.button("Use it as the room's model", key="class.teach.use", type="primary")
    else:  # offered, never pressed for the teacher: the sentence above says why not
        use = st.button("Use it anyway", key="class.teach.use", type="secondary")
    if use:
        _use(taught)


def _use(taught: Taught) -> None:
    """Keep the taught model in the class database and point the room at it (every server reads it there)."""
    try:
        weights = artifacts.to_bytes(taught.model.layers, taught.model.meta)  # the pages need no .keras twin
        service.store_room_model(room.store(), taught.checking.code, weights)
    except (artifacts.ModelError, ClassError) as error:
        st.session_state[NOTICE] = ("error", f"The room's model could not be saved: {error}")
    else:
        st.session_state[NOTICE] = (
            "success",
            f"Room {taught.checking.code} now reads with the taught model, on every page of its students.",
        )
    st.rerun()


def _room_model(code: str) -> None:
    """Which model the room's students read with, and the way back to the room's starting model."""
    try:
        found = service.get_room(room.store(), code)
    except ClassError as error:
        say("warning", str(error))
        return
    start = rooms.START_MODEL_WORDS.get(found.start_model, found.start_model)
    if found.model is None:
        st.caption(f"Room {code}'s students read with {start}, its starting model (chosen at the top of the page).")
        return
    st.info(f"Room {code}'s students read with the model taught on its drawings.")
    if st.button(f"Switch back to {start}", key="class.teach.back"):
        try:
            service.set_room_model(room.store(), code, None)
        except ClassError as error:
            st.session_state[NOTICE] = ("error", str(error))
        else:  # a model stored in the database goes with it; a folder named by hand stays
            again = f"Room {code}'s students read with its starting model again, {start}."
            st.session_state[NOTICE] = ("success", again)
        st.rerun()
