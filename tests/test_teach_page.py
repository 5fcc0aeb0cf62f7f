"""The Class page's "Teach the model our handwriting", through AppTest: split, teach, compare, the room's model.

One teaching run (the lab's 40 epochs, as the page runs it) for the whole module.
"""

import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitdemo import artifacts, config, notebook, state, teach
from digitdemo.classroom import auth, export, service, storage
from digitdemo.data import load_data, load_test_data
from digitdemo.pages.classroom import teaching
from digitdemo.preprocess import preprocess
from tests.apptest import go, inject_drawing, page, through_router
from tests.class_drawings import fill_room

PASSWORD = "teach-the-model-lesson"


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, shipped_model):
    """A temporary class database with room A of 240 drawings by 12 students and room B of 30 by 3; the env set."""
    folder = tmp_path_factory.mktemp("class")
    with pytest.MonkeyPatch.context() as env:
        env.setenv(storage.DB_ENV, str(folder / "class.db"))
        env.setenv(auth.PASSWORD_ENV, PASSWORD)
        store = storage.ClassStore(folder / "class.db")
        full, small = service.create_room(store).code, service.create_room(store).code
        drawings = fill_room(store, full, shipped_model)
        fill_room(store, small, shipped_model, students=3, per_digit=1)
        # The page opens the first room of the list: say which one each test means.
        yield {"store": store, "full": full, "small": small, "drawings": drawings, "folder": folder}
        store.close()


def teacher(code: str) -> AppTest:
    at = page("class")
    at.session_state["class.room"] = code
    at.run()
    at.text_input(key="teacher.password").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run()
    at.session_state["class.room"] = code
    return at.run()


def text(at: AppTest) -> str:
    return "\n".join(
        str(e.value) for kind in ("markdown", "caption", "info", "success", "error") for e in getattr(at, kind)
    )


def metric(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def test_too_few_drawings_get_one_sentence_and_no_teach_button(classroom):
    at = teacher(classroom["small"])
    assert not at.exception
    info = [i.value for i in at.info]
    assert any(v.startswith(f"Teaching needs drawings from at least {teach.MIN_STUDENTS} students") for v in info), info
    assert f"still {teach.MIN_STUDENTS - 3} more students; {teach.MIN_PER_DIGIT - 3} more of each digit." in " ".join(
        info
    )
    assert not [b for b in at.button if b.label == "Teach the model"]


@pytest.fixture(scope="module")
def taught(classroom):
    """The teacher teaches room A once: the page after the run, and what the test saw while it went."""
    at = teacher(classroom["full"])
    assert not at.exception
    data = export.room_data(classroom["store"], classroom["full"])
    split = teach.split_by_student(data.y, data.students)
    # The split by student, as two numbers.
    assert metric(at, "Teaching drawings") == [str(len(split.teach))]
    assert metric(at, "Checking drawings") == [str(len(split.check))]
    assert len(split.teach) + len(split.check) == 240
    at.button(key="class.teach").click().run()
    job = at.session_state[teaching.JOB]
    seen = []
    deadline = time.monotonic() + 300
    while job.poll().state == "running" and time.monotonic() < deadline:
        seen += [p.proto.text for p in at.get("progress")]
        time.sleep(0.5)
        at.run()
    if job.poll().state == "running":
        job.cleanup()
        pytest.fail("teaching did not finish")
    at.run()  # the page once the run has ended, as the progress fragment reruns it
    yield at, seen, data, split
    job.cleanup()


def test_teaching_shows_live_progress_then_the_three_models_side_by_side(taught, shipped_model, wide_model):
    """Room A reads with the wider network (a new room's default), which reads its drawings better than the lab's
    model: teaching goes on from it (issue 29), and the taught model is compared with it and with the lab's."""
    at, seen, data, split = taught
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert seen and seen[0].startswith("Starting TensorFlow"), seen[:3]
    assert any(s.startswith("Epoch ") and f" of {teach.GO_ON_EPOCHS}" in s for s in seen), seen
    model = at.session_state[teaching.JOB].result()
    assert model.meta["extra_data"]["examples"] == len(split.teach)
    assert model.meta["extra_data"]["weight"] == config.EXTRA_WEIGHT
    assert model.meta["start_from"]["recipe"] == "wide"
    X, y = data.X[split.check], np.ravel(data.y[split.check])
    lab_right = shipped_model.forward(X).predicted_digit == y
    room_right = wide_model.forward(X).predicted_digit == y
    taught_right = model.forward(X).predicted_digit == y
    assert metric(at, "Checking drawings read right") == [
        f"{lab_right.mean():.1%}",
        f"{room_right.mean():.1%}",
        f"{taught_right.mean():.1%}",
    ]
    data_test = load_test_data()
    assert metric(at, "MNIST held-out 5000 read right") == [
        f"{teach.reads_right(m, *data_test):.1%}" for m in (shipped_model, wide_model, model)
    ]
    shown = text(at)
    assert "Taught with" in shown and "from the wider network." in shown
    kind = (
        "better"
        if taught_right.mean() > room_right.mean()
        else "worse"
        if taught_right.mean() < room_right.mean()
        else "same"
    )
    said = {"better": at.success, "worse": at.warning, "same": at.info}[kind]
    assert any(s.value.startswith("The taught model") and "the wider network" in s.value for s in said)
    assert f"**Wrong → right: the taught model now reads these** ({np.sum(~room_right & taught_right)})" in shown
    assert f"**Right → wrong: the taught model now misreads these** ({np.sum(room_right & ~taught_right)})" in shown
    # The changed drawings, as pictures: the digit meant, the room's model's reading -> the taught model's.
    read_before, read_after = wide_model.forward(X).predicted_digit, model.forward(X).predicted_digit
    expected = [f"{y[i]}: {read_before[i]} → {read_after[i]}" for i in np.flatnonzero(room_right != taught_right)]
    captions = [c for image in at.get("image") for c in image.captions if "→" in c]
    assert sorted(captions) == sorted(expected)
    for key in ("lab", "room", "taught"):
        assert [p for p in at.get("plotly_chart") if f"class.teach.{key}_digits" in p.proto.id]


def draw_in(code: str, rgba: np.ndarray) -> AppTest:
    at = through_router("draw")
    at.query_params["room"] = code
    inject_drawing(at, rgba)
    return at.run()


def test_the_room_model_is_what_its_students_draw_against_until_the_teacher_switches_back(taught, classroom):
    at = taught[0]
    code, store = classroom["full"], classroom["store"]
    model = at.session_state[teaching.JOB].result()
    at.button(key="class.teach.use").click().run()
    assert not at.exception
    name = service.get_room_model(store, code)  # kept in the class database, so every server reads it
    assert name.startswith(storage.STORED) and not (classroom["folder"] / "room-models").exists()
    assert service.stored_room_model(store, code, name).meta == model.meta
    assert f"Room {code} now reads with the taught model" in at.success[-1].value

    rgba = classroom["drawings"][0]
    x = preprocess(rgba).x
    student = draw_in(code, rgba)
    assert not student.exception
    assert f"Using **room {code}'s model**" in student.markdown[0].value
    np.testing.assert_allclose(student.session_state[state.LAST_LOGITS], model.forward(x).logits[0], rtol=1e-5)
    # Every page reads with the room's model: a student who joined on the Class page, and has not been on
    # Draw, opens Predictions (through the router, as in the browser) and sees the room's model named and used.
    joined = through_router("class").run()
    joined.text_input(key="class.code").input(code)
    joined.button(key="FormSubmitter:class.join_form-Join").click().run()
    go(joined, "predictions")
    assert not joined.exception and joined.title[0].value == "Predictions"
    assert f"Using **room {code}'s model**" in joined.markdown[0].value
    X_lab = load_data()[0][config.EXAMPLE_INDEX]  # the lab's example 1015, which Predictions opens
    logits = notebook.lab_print(model.forward(X_lab).logits[0])
    assert any(logits in c.value for c in joined.code), "the walk-through's logits are the room model's"
    # A student in no room keeps the Draw page's own: the wider network.
    alone = page("draw")
    inject_drawing(alone, rgba)
    alone.run()
    assert "Read by the **wider network**" in alone.markdown[0].value

    teacher_again = teacher(code)
    assert teacher_again.button(key="class.teach.back").label == "Switch back to the wider network"
    teacher_again.button(key="class.teach.back").click().run()
    assert service.get_room_model(store, code) is None
    assert service.stored_room_model(store, code, name) is None  # the stored model went with it
    # Back to the room's starting model (the wider network) on Draw, and to the lab's model on the lab's pages.
    student.run()
    assert f"Read by the **wider network**, as room {code}'s teacher chose" in student.markdown[0].value
    wide_model = artifacts.load(artifacts.wide_model_dir())
    np.testing.assert_allclose(student.session_state[state.LAST_LOGITS], wide_model.forward(x).logits[0], rtol=1e-5)
    # ... and on every page: the Predictions page of the student who never drew follows at its next run.
    shipped = artifacts.load()
    go(joined, "predictions")
    assert "Using the shipped model" in joined.markdown[0].value
    assert any(notebook.lab_print(shipped.forward(X_lab).logits[0]) in c.value for c in joined.code)
