"""A training run's live progress, shared by the Training page and the Class page's teaching.

A page keeps its run in its session under a key of its own and in its link (``?run=``), so a reload
(a new session) finds it again: ``held`` finds it, ``follow`` shows it going (a fragment's body) and
reruns the page when it ends, for the page to show the outcome, and ``drop`` forgets it.
"""

import streamlit as st

from digitdemo import figures, jobs, notebook, state
from digitdemo.jobs import Progress, TrainingJob
from digitdemo.pages.common import show_plot

RUN = "run"  # the link's name for a page's run: a reloaded page finds it again


def steps_per_epoch(examples: int | None = None) -> int:
    """Steps of one epoch: the lab's 5000 (or ``examples``) in the recipe's batches."""
    meta = state.default_model().meta
    return notebook.steps_per_epoch(examples or meta["data"]["examples"], meta["recipe"]["batch_size"])


def held(key: str, kind: type | None = None, teacher: bool = False) -> TrainingJob | None:
    """The page's run: in this session under ``key``, or, after a reload (a new session), the one its link names.

    kind: the type of the context (jobs.TrainingJob.context) this page's runs carry, None for none, so a link
    cannot hand one page another page's run. teacher: this session is the signed-in teacher's; a teacher's run
    is claimed by a teacher's session only, and its link is kept meanwhile (see waits_for_teacher).
    """
    job: TrainingJob | None = st.session_state.get(key)
    token = st.query_params.get(RUN)
    if job is None and token:
        job = jobs.claim(token, state.session_id(), teacher=teacher, holder=state.browser())
        if job is None and jobs.teachers_run(token):
            return None  # the teacher's: kept in the link until this tab signs in as the teacher
        if job is None or not (job.context is None if kind is None else isinstance(job.context, kind)):
            del st.query_params[RUN]  # that run has ended (or is not this page's)
            return None
        st.session_state[key] = job
    elif job is not None and token != job.token:
        st.query_params[RUN] = job.token  # back on this page from another: the link shows the run again
    return job


def waits_for_teacher() -> bool:
    """True if the link names a teacher's run that this tab, signed out, cannot follow until it signs in."""
    token = st.query_params.get(RUN)
    return bool(token) and jobs.teachers_run(token)


def hold(key: str, job: TrainingJob) -> None:
    """Make ``job`` the page's run, in its session and its link; the run it replaces is stopped and deleted."""
    old: TrainingJob | None = st.session_state.get(key)
    st.session_state[key] = job
    st.query_params[RUN] = job.token
    if old is not None and old is not job:
        old.cleanup()


def drop(key: str) -> None:
    """Forget the page's run: stopped if it goes on, its folder deleted, off the link."""
    job: TrainingJob | None = st.session_state.pop(key, None)
    if job is not None:
        job.cleanup()
    if RUN in st.query_params:
        del st.query_params[RUN]


def follow(key: str, widgets: str, title: str = "Your model's loss so far") -> None:
    """A fragment's body: the page's run (session key ``key``) going; the whole page again once it ends or is stopped.

    widgets namespaces the widgets, as for ``live``.
    """
    job: TrainingJob | None = st.session_state.get(key)
    if job is None:
        return
    progress = live(job, widgets, title)
    if progress is None:  # stopped
        drop(key)
        st.rerun()
    if progress.state != "running":
        st.rerun()  # the whole page, to show the outcome


def live(job: TrainingJob, key: str, title: str = "Your model's loss so far") -> Progress | None:
    """The running job's bar, its last fit lines and loss curve, and a Stop button; its Progress, or None if stopped.

    key namespaces the widgets: "<key>.live" (the chart) and "<key>.stop" (the button).
    """
    progress = job.poll()
    if progress.state != "running":
        return progress
    done = len(progress.losses)
    clock = f" · {progress.elapsed:.0f} s of at most {job.max_seconds:.0f} s"
    if progress.stage == "starting":
        text = f"Starting TensorFlow… (about {jobs.START_SECONDS:.0f} s before the first epoch)"
    elif progress.stage == "training":
        text = f"Epoch {min(done + 1, job.epochs)} of {job.epochs}"
    else:
        text = "Evaluating and saving the model…"
    st.progress(done / job.epochs, text=text + clock)
    if progress.losses:  # the last epochs as Keras prints them in the notebook
        recent = notebook.fit_lines(progress.losses, job.epochs, steps_per_epoch(), progress.seconds)
        st.code("\n".join(recent.splitlines()[-6:]), language="text")
        show_plot(figures.lab.loss_curve(progress.losses, title=title, epochs=job.epochs), key=f"{key}.live")
    if st.button("Stop training", key=f"{key}.stop"):
        job.cleanup()
        return None
    return progress
