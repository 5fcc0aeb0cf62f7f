"""Training: the loss curve, and retraining with your own recipe, live, in a subprocess."""

import numpy as np
import streamlit as st

from digitdemo import artifacts, config, figures, jobs, notebook, state
from digitdemo.handwriting import augment
from digitdemo.jobs import BudgetError, BusyError, TrainingJob
from digitdemo.pages import progress as live_progress
from digitdemo.pages.classroom import signin
from digitdemo.pages.common import lead, points, say, show_plot
from digitdemo.text import plural

JOB = "training.job"  # this page's run while it goes (and in the link: a reloaded page finds it again)
MAX_EPOCHS = 100
LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
AUGMENT_LABEL = "Augment: turn, shift and resize the digits a little, differently each epoch"
AUGMENT_HELP = (
    f"Each epoch every digit is rotated by up to {augment.MAX_ROTATION_DEGREES:g} degrees, shifted by up to "
    f"{augment.MAX_SHIFT_PIXELS:g} pixels and scaled by {augment.SCALE_RANGE[0]:g} to {augment.SCALE_RANGE[1]:g}: "
    "the network learns that these do not change the digit. Measured over three seeds: held-out accuracy "
    "91-92% -> 93-94%, and 66-70% -> 76-81% on a synthetic class's drawings. Training takes 2 to 3 times longer, "
    f"so its time limit is {jobs.AUGMENT_SLOWER} times as long."
)


def render() -> None:
    st.title("Training")
    st.markdown(
        "The lab trains for **40 epochs** with the **Adam** optimizer (learning rate **0.001**). One epoch "
        "is one pass over all 5000 examples in batches of 32, so **157 steps**. The loss, the "
        "cross-entropy of softmax(logits) against the true label, should fall epoch by epoch."
    )
    job = _job()  # first: a run that has just ended puts its model in use for the whole page
    if job is None and live_progress.waits_for_teacher():
        st.info("The training run in this link is the teacher's: sign in as the teacher (Class page) to follow it.")
    shipped = state.default_model()
    model = state.current_model()
    compare = shipped.meta["history"]["loss"] if model is not shipped else None
    show_plot(figures.lab.loss_curve(model.meta["history"]["loss"], compare=compare), key="training.loss")
    _metrics(model)
    _exercise_2(model)

    st.subheader("Retrain")
    state.watch_training()
    lead(
        "Change the recipe and train a model of your own: it replaces the model **in your session only**, "
        "on every page. Other students keep theirs.",
        "Training runs in the background: "
        f"the lab's {config.EPOCHS} epochs take about {_estimate(config.EPOCHS)} s from the click to your model, "
        f"5 epochs about {_estimate(5)} s, of which about {jobs.START_SECONDS:.0f} s is TensorFlow starting "
        "(longer while the server is busy).",
        "How long it takes",
    )
    running = job is not None
    with st.form("training.form"):
        left, right = st.columns(2)
        # No bounds in the fields: a number past one turned the field red and Retrain did nothing, saying nothing
        # (issue 29). Each is checked on Retrain instead, with a sentence (_out_of_range).
        epochs = left.number_input("Epochs", value=config.EPOCHS, step=1, key="training.epochs")
        rate = left.select_slider("Learning rate", LEARNING_RATES, config.LEARNING_RATE, key="training.rate")
        seed = left.number_input("Seed", value=config.SEED, step=1, key="training.seed")
        units1 = right.number_input("Layer 1 units", value=config.HIDDEN_UNITS[0], step=1, key="training.units1")
        units2 = right.number_input("Layer 2 units", value=config.HIDDEN_UNITS[1], step=1, key="training.units2")
        augmented = st.checkbox(AUGMENT_LABEL, key="training.augment", help=AUGMENT_HELP)
        st.caption(
            f"Each run's budget: epochs × (layer 1 + layer 2 units) at most **{jobs.BUDGET:,}** (the lab's: "
            f"{config.EPOCHS} × {sum(config.HIDDEN_UNITS)} = {config.EPOCHS * sum(config.HIDDEN_UNITS):,}), "
            f"and {jobs.MAX_SECONDS} s from start to finish. {jobs.MAX_RUNNING} runs at most at once on this machine, "
            "one of them kept for the teacher, and one at a time per student; closing the page stops yours."
        )
        submitted = st.form_submit_button("Retrain", type="primary", disabled=running)
    _augmentation_examples()
    typed = {"Epochs": epochs, "Seed": seed, "Layer 1 units": units1, "Layer 2 units": units2}
    problem = _out_of_range(typed) if submitted else None
    if problem:
        say("warning", problem)
    elif submitted and _start(int(epochs), float(rate), (int(units1), int(units2)), int(seed), augmented):
        st.rerun()  # show the run going: the form disabled, the progress bar
    if st.session_state.get(JOB) is not None:
        st.fragment(live_progress.follow, run_every=0.5)(JOB, "training")
    _session_model_actions()


def _estimate(epochs: int) -> int:
    """Seconds from the click to the new model, at the pace measured on this machine."""
    return round(jobs.START_SECONDS + epochs * jobs.EPOCH_SECONDS + jobs.SAVE_SECONDS)


def _job() -> TrainingJob | None:
    """This page's run while it goes; a run that has ended is collected: its model in use, or why not, said."""
    job = live_progress.held(JOB, teacher=signin.is_teacher())
    if job is None:
        return None
    progress = job.poll()
    if progress.state == "running":
        return job
    if progress.state == "done":
        try:
            st.session_state[state.SESSION_MODEL] = job.result()
            # Its Keras twin, for artifacts.save_default should a teacher make it the default.
            st.session_state["training.keras"] = job.keras_bytes()
        except artifacts.ModelError as error:
            st.session_state["training.notice"] = ("error", f"The new model could not be read: {error}")
        else:
            st.session_state["training.notice"] = ("success", f"Trained for {plural(job.epochs, 'epoch')}: now in use.")
    else:
        st.session_state["training.notice"] = (
            "error",
            f"Training failed: {progress.message}. Your previous model is still in use.",
        )
    live_progress.drop(JOB)  # and the link loses the run
    return None


def _metrics(model: artifacts.TrainedModel) -> None:
    m = model.meta["metrics"]
    left, middle, right = st.columns(3)
    left.metric("Final loss", f"{model.meta['history']['loss'][-1]:.4f}")
    middle.metric("Training errors", f"{m['train_errors']} of {m['train_examples']}", help="The lab: 15 of 5000")
    shipped = state.default_model().meta["metrics"]["test_accuracy"]
    change = (
        {}
        if model is state.default_model()
        else points(m["test_accuracy"] - shipped, f" vs the shipped model's {shipped:.1%}")
    )
    right.metric(
        "Held-out accuracy", f"{m['test_accuracy']:.1%}", help="On 5000 digits never used in training", **change
    )
    if model.meta["recipe"].get("augment"):
        st.caption("This model was trained with augmentation: turned, shifted and resized digits.")


def _augmentation_examples() -> None:
    """A few training digits as the lab has them, and as augmentation varies them in three epochs."""
    with st.expander("What augmentation does to the digits"):
        X_all = state.dataset("training")[0]
        X = X_all[[i for i in config.AUGMENT_EXAMPLES if i < len(X_all)] or [0]]  # the course's data may be short
        rng = np.random.default_rng(config.SEED)
        rows = [X, *(augment.augment(X, rng) for _ in range(3))]
        captions = [*(["as drawn"] * len(X)), *[f"epoch {e}" for e in (1, 2, 3) for _ in X]]
        figure = figures.digits.digit_mosaic(np.concatenate(rows), captions, columns=len(X))
        show_plot(figure, key="training.augmented")


def _steps(model: artifacts.TrainedModel) -> int:
    return notebook.steps_per_epoch(model.meta["data"]["examples"], model.meta["recipe"]["batch_size"])


def _exercise_2(model: artifacts.TrainedModel) -> None:
    """The lab's compile and fit, what fit printed for the model in use, and the notebook's own figures."""
    losses = model.meta["history"]["loss"]
    code, output = st.columns(2)
    code.markdown("**Exercise 2**: compile and fit, as the lab writes them")
    code.code(notebook.EXERCISE_2_FIT, language="python")
    per_epoch = [model.meta.get("train_seconds", 0) / len(losses)] * len(losses)
    output.markdown("**What `fit` printed** for the model in use (scroll)")
    output.code(notebook.fit_lines(losses, len(losses), _steps(model), per_epoch), language="text", height=250)
    st.info(
        "**Comparing with the notebook?** Its text quotes its own first epoch, "
        f"`{notebook.LAB_FIRST_EPOCH_LINE.splitlines()[1]}`; here the first epoch ends at loss "
        f"**{losses[0]:.4f}** and the last at **{losses[-1]:.4f}**. Our 5000 digits are other MNIST digits "
        "than the notebook's, so the losses differ; the notebook counts "
        f"{notebook.LAB_TRAIN_ERRORS} training errors, this model {model.meta['metrics']['train_errors']}."
    )
    st.caption(
        f"For the teacher: the notebook's text says {notebook.LAB_PROSE_EPOCHS} epochs, while its code runs "
        f"`epochs={config.EPOCHS}`. The app follows the code."
    )


# What each field takes, checked on Retrain.
RANGES = {"Epochs": (1, MAX_EPOCHS), "Seed": (0, 2**31 - 1), "Layer 1 units": (1, 256), "Layer 2 units": (1, 256)}


def _out_of_range(typed: dict) -> str | None:
    """One sentence for the first field outside its range (RANGES), or None."""
    for name, value in typed.items():
        low, high = RANGES[name]
        if value is None or not low <= value <= high:
            shown = "nothing" if value is None else f"{value:g}"
            return f"{name} must be from {low:,} to {high:,}, not {shown}: change it, then press Retrain again."
    return None


def _start(epochs: int, rate: float, units: tuple[int, int], seed: int, augmented: bool = False) -> bool:
    """Start a run for this session; False, with a sentence, if this browser's run is going (jobs' slots know, in
    any tab), over budget, or the machine is full."""
    try:
        job = TrainingJob(
            epochs, rate, units, seed, owner=state.session_id(), augment=augmented,
            teacher=signin.is_teacher(), holder=state.browser(),  # the teacher's run may take the teacher's slot
        )  # fmt: skip
    except (BudgetError, BusyError) as error:
        say("warning", error)
        return False
    live_progress.hold(JOB, job)  # a reload finds the run through the link
    return True


def _session_model_actions() -> None:
    notice = st.session_state.pop("training.notice", None)
    if notice is not None:
        say(*notice)  # a failed run's message is TensorFlow's text: shown as typed
    mine = st.session_state.get(state.SESSION_MODEL)
    if mine is not None and st.button("Use the shipped model again", key="training.reset"):
        del st.session_state[state.SESSION_MODEL]
        st.rerun()
    # The default model is everyone's: only the signed-in teacher changes it (Class page: Teacher sign-in).
    if signin.is_teacher():
        _default_model_actions(mine)
    elif mine is not None:
        st.caption("Only the teacher can make a model the default for everyone (Class page: Teacher sign-in).")


def _default_model_actions(mine: artifacts.TrainedModel | None) -> None:
    """The teacher's: make this session's model the default for everyone, or undo the last change."""
    st.subheader("The default model (teacher)")
    left, right = st.columns(2)
    with left:
        if mine is not None:
            confirm = st.checkbox("I want to replace the default model for everyone", key="training.confirm")
            if st.button("Save as the default for everyone", key="training.save", disabled=not confirm):
                keras = st.session_state.get("training.keras")
                _change_default(
                    lambda: artifacts.save_default(mine.layers, mine.meta, keras_bytes=keras),
                    "Saved as the default: every new page view uses it. The one it replaced is kept.",
                )
        else:
            st.caption("Retrain a model above to offer it to everyone.")
    with right:
        kept = artifacts.previous_defaults()
        st.caption(f"{plural(len(kept), 'earlier default')} kept.")
        if st.button("Restore the previous default", key="training.restore", disabled=not kept):
            _change_default(artifacts.restore_previous_default, "The previous default model is back for everyone.")


def _change_default(change, done: str) -> None:
    try:
        change()
    except artifacts.ModelError as error:
        say("error", str(error))
    else:
        st.success(done)
