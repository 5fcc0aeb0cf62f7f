"""A training run's live progress, shared by the Training page and the Class page's teaching."""

import streamlit as st

from digitdemo import charts, jobs, notebook, state
from digitdemo.jobs import Progress, TrainingJob
from digitdemo.pages.common import show_plot


def steps_per_epoch(examples: int | None = None) -> int:
    """Steps of one epoch: the lab's 5000 (or ``examples``) in the recipe's batches."""
    meta = state.default_model().meta
    return notebook.steps_per_epoch(examples or meta["data"]["examples"], meta["recipe"]["batch_size"])


def live(job: TrainingJob, key: str, title: str = "Your model's loss so far") -> Progress | None:
    """The running job's bar, its last fit lines and loss curve, and a Stop button; its Progress, or None if stopped.

    key namespaces the widgets: "<key>.live" (the chart) and "<key>.stop" (the button).
    """
    progress = job.poll()
    if progress.state != "running":
        return progress
    done = len(progress.losses)
    clock = f" · {progress.elapsed:.0f} s of at most {job.max_seconds:g} s"
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
        show_plot(charts.loss_curve(progress.losses, title=title, epochs=job.epochs), key=f"{key}.live")
    if st.button("Stop training", key=f"{key}.stop"):
        job.cleanup()
        return None
    return progress
