"""The Training page in AppTest: what a student reads while and after a run goes."""

import time

from digitdemo import state
from tests.apptest import page, retrain, wait_for_training

JOB = "training.job"


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


def test_the_page_says_tensorflow_is_starting_before_the_first_epoch_and_the_budget():
    at = page("training").run()
    budget = next(c.value for c in at.caption if "budget" in c.value)
    assert "at most **6,000** (the lab's: 40 × 40 = 1,600), and 90 s from start to finish" in budget
    retrain(at, 3)
    try:
        assert at.get("progress"), "the run shows at once"
        text = at.get("progress")[0].proto.text
        assert text.startswith("Starting TensorFlow… (about") and "s before the first epoch" in text, text
        assert at.button(key="training.stop"), "it can be stopped while TensorFlow starts"
        deadline = time.monotonic() + 120
        while "Epoch" not in at.get("progress")[0].proto.text and time.monotonic() < deadline:
            time.sleep(0.3)
            at.run()
        assert at.get("progress")[0].proto.text.startswith(("Epoch 1 of 3", "Epoch 2 of 3", "Epoch 3 of 3"))
    finally:
        at.session_state[JOB].cleanup()


def test_a_recipe_over_budget_gets_a_sentence_and_no_run():
    at = retrain(page("training").run(), 100, units1=200)
    assert not at.exception and JOB not in at.session_state
    assert "over the budget of 6,000 per run" in at.warning[0].value and "at most 27 epochs" in at.warning[0].value


def test_a_reloaded_page_finds_its_run_again_with_its_stop_button():
    at = retrain(page("training").run(), 40)
    job = at.session_state[JOB]
    try:
        token = at.query_params["run"]
        assert token == [job.token] or token == job.token, "the run is in the page's link"
        reloaded = page("training")  # a reload is a new session with the same link
        reloaded.query_params["run"] = job.token
        reloaded.run()
        assert reloaded.session_state[JOB] is job and reloaded.get("progress")
        assert reloaded.button(key="FormSubmitter:training.form-Retrain").disabled
        reloaded.button(key="training.stop").click().run()
        assert job.process.poll() is not None and not job.out_dir.exists()
        assert "run" not in reloaded.query_params, "the link forgets a run that has ended"
    finally:
        job.cleanup()


def test_a_full_server_gives_the_real_wait():
    from digitdemo import jobs

    others = [jobs.TrainingJob(40, 0.001, (25, 15), seed, teacher=True) for seed in range(jobs.MAX_RUNNING)]
    try:
        at = page("training").run()
        before = others[1].seconds_left()  # the run holding the slot a student may take (slot 0 is the teacher's)
        retrain(at, 5)
        after = others[1].seconds_left()
        warning = at.warning[0].value
        assert "The training run open to students is taken" in warning and "a few seconds" not in warning
        said = int(warning.split("ends in about ")[1].split(" second")[0])
        assert min(before, after) - 2 <= said <= max(before, after) + 2, (before, said, after)
    finally:
        for job in others:
            job.cleanup()


def test_a_student_opening_the_teachers_run_link_gets_no_run_and_a_sentence():
    from digitdemo import jobs

    teachers = jobs.TrainingJob(40, 0.001, (25, 15), 1, owner="the teacher's tab", teacher=True)
    try:
        student = page("training")
        student.query_params["run"] = teachers.token  # seen on the projector
        student.run()
        assert not student.exception and JOB not in student.session_state and not student.get("progress")
        assert "The training run in this link is the teacher's" in student.info[0].value
        assert not student.button(key="FormSubmitter:training.form-Retrain").disabled, "their own retrain works"
        assert teachers.sessions == {"the teacher's tab"}
    finally:
        teachers.cleanup()
