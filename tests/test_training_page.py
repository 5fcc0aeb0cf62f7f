"""The Training page in AppTest: what a student reads while and after a run goes."""

import time

from streamlit.testing.v1 import AppTest

from digitdemo import state
from tests.apptest import page

JOB = "training.job"


def wait_for_training(at: AppTest, seconds: float = 120) -> AppTest:
    """Rerun the page as its progress fragment does, until the job has finished."""
    deadline = time.monotonic() + seconds
    while JOB in at.session_state and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert JOB not in at.session_state, "training did not finish"
    return at


def test_a_one_epoch_run_is_said_in_the_singular_and_no_student_can_make_it_the_default():
    at = page("training").run()
    at.number_input(key="training.epochs").set_value(1)
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    wait_for_training(at)
    assert "Trained for 1 epoch:" in at.success[0].value
    labels = [b.label for b in at.button] + [c.label for c in at.checkbox]
    assert labels and not any("default" in label.lower() for label in labels), labels
    other = page("model")
    other.session_state[state.SESSION_MODEL] = at.session_state[state.SESSION_MODEL]
    other.run()
    assert "retrained model** (1 epoch," in other.markdown[0].value
