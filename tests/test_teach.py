"""Teaching the model a class's handwriting: the split by student, extra data and its weight, the comparison."""

import json
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitdemo import artifacts, data, teach


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitdemo", *args], capture_output=True, text=True)


def a_class(students: int = 30, per_digit: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Digits and student ids of a class where every student drew each digit per_digit times."""
    y = np.tile(np.repeat(np.arange(10), per_digit), students)
    who = np.repeat([f"student {s}" for s in range(students)], 10 * per_digit)
    return y, who


def assert_one_sentence(message: str) -> None:
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message
    assert message.count(". ") == 0, f"one sentence, not several: {message}"


# --- The split ----------------------------------------------------------------


def test_a_class_splits_about_80_20_by_student():
    y, who = a_class()
    split = teach.split_by_student(y, who, seed=3)
    assert len(split.teach) + len(split.check) == len(y)
    assert not set(who[split.teach]) & set(who[split.check]), "no student on both sides"
    assert set(split.check_students) == set(who[split.check]) and set(split.teach_students) == set(who[split.teach])
    assert abs(len(split.check) - 0.2 * len(y)) <= 20, "within one student's drawings of a fifth"
    assert set(y[split.check]) == set(y[split.teach]) == set(range(10)), "every digit on both sides"


def test_the_split_is_the_same_for_the_same_seed_and_differs_for_another():
    y, who = a_class()
    first, again = teach.split_by_student(y, who, seed=1), teach.split_by_student(y, who, seed=1)
    np.testing.assert_array_equal(first.check, again.check)
    others = {teach.split_by_student(y, who, seed=s).check_students for s in range(2, 6)}
    assert len(others | {first.check_students}) > 1


@settings(max_examples=150, deadline=None)
@given(
    drawings=st.lists(
        st.lists(st.integers(0, 9), min_size=1, max_size=30),  # one student's digits
        min_size=1,
        max_size=35,
    ),
    seed=st.integers(0, 2**31 - 1),
)
def test_no_student_is_ever_on_both_sides(drawings, seed):
    y = np.array([d for student in drawings for d in student])
    who = np.array([f"s{i}" for i, student in enumerate(drawings) for _ in student])
    try:
        split = teach.split_by_student(y, who, seed=seed)
    except teach.TeachError as error:
        assert_one_sentence(str(error))
        return
    assert not set(who[split.teach]) & set(who[split.check])
    assert sorted([*split.teach, *split.check]) == list(range(len(y))), "every drawing on exactly one side"
    assert set(y[split.teach]) == set(y[split.check]) == set(range(10))
    assert len(set(who)) >= teach.MIN_STUDENTS and np.all(np.bincount(y) >= teach.MIN_PER_DIGIT)


def test_too_few_students_says_how_many_more():
    y, who = a_class(students=3, per_digit=4)
    with pytest.raises(teach.TeachError) as error:
        teach.split_by_student(y, who)
    assert_one_sentence(str(error.value))
    assert f"{teach.MIN_STUDENTS - 3} more students" in str(error.value) and "from 3" in str(error.value)


def test_a_digit_nobody_drew_says_how_many_are_needed():
    y, who = a_class(students=6, per_digit=4)
    keep = y != 7
    with pytest.raises(teach.TeachError) as error:
        teach.split_by_student(y[keep], who[keep])
    assert_one_sentence(str(error.value))
    assert f"{teach.MIN_PER_DIGIT} more 7s" in str(error.value) and "more 3" not in str(error.value)


def test_an_empty_room_says_what_is_needed():
    with pytest.raises(teach.TeachError) as error:
        teach.split_by_student(np.array([], dtype=int), np.array([], dtype=str))
    assert_one_sentence(str(error.value))
    assert f"{teach.MIN_PER_DIGIT} more of each digit" in str(error.value)


def test_a_digit_drawn_by_one_student_only_is_named():
    y, who = a_class(students=teach.MIN_STUDENTS, per_digit=10)
    y = np.where((y == 4) & (who != "student 0"), 5, y)
    y[(who == "student 0") & (y == 5)] = 4  # student 0 alone drew 4s, enough of them
    with pytest.raises(teach.TeachError) as error:
        teach.split_by_student(y, who)
    assert_one_sentence(str(error.value))
    assert str(error.value).startswith("Only one student drew 4")


def test_no_tensorflow_in_teach_or_augment():
    code = (
        "import sys, digitdemo.teach, digitdemo.handwriting.augment; "
        "assert 'tensorflow' not in sys.modules, 'TF imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- Extra data: its weight, its checks, its record ---------------------------


@pytest.fixture(scope="module")
def relabelled():
    """100 held-out digits labelled one up (a 3 as 4): only their weight can make the network learn them."""
    X_test, y_test = data.load_test_data()
    chosen = np.random.default_rng(0).choice(len(X_test), 100, replace=False)
    return X_test[chosen], (y_test[chosen] + 1) % 10


def test_weighting_extra_examples_makes_the_network_fit_them(relabelled):
    from digitdemo.train import ExtraData, Recipe, train  # TensorFlow, in the test process only

    fits = {}
    for weight in (1, 20):
        with tempfile.TemporaryDirectory() as folder:
            model = train(Recipe(epochs=3), folder, extra=ExtraData(*relabelled, weight=weight))
        fits[weight] = model.meta["extra_data"]["train_accuracy"]
        assert model.meta["extra_data"]["weight"] == weight and model.meta["extra_data"]["examples"] == 100
    assert fits[20] > fits[1] + 0.1, fits


def test_train_with_extra_data_records_it(tmp_path, relabelled):
    folder = tmp_path / "class"
    folder.mkdir()
    X, y = relabelled
    np.save(folder / "X.npy", X), np.save(folder / "y.npy", y)
    out = tmp_path / "model"
    result = run(
        "train", "--extra-data", str(folder), "--extra-weight", "3", "--augment", "--epochs", "2", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    meta = artifacts.load(out).meta
    assert meta["extra_data"]["checksum"] == data.data_checksum(X, y)
    assert meta["extra_data"]["examples"] == len(X) and meta["extra_data"]["weight"] == 3
    assert meta["extra_data"]["augmented"] is True and meta["recipe"]["augment"] is True
    assert meta["data"]["examples"] == 5000, "the lab's data is still the lab's"


def write_extra(folder, X, y) -> str:
    folder.mkdir()
    np.save(folder / "X.npy", X, allow_pickle=True), np.save(folder / "y.npy", y, allow_pickle=True)
    return str(folder)


BAD_EXTRA = {
    "X of the wrong shape": (np.zeros((5, 399), np.float32), np.zeros((5, 1)), "shape (m, 400)"),
    "X of text": (np.array([["a"] * 400] * 5), np.zeros((5, 1)), "X must hold numbers"),
    "NaN in X": (np.full((5, 400), np.nan, np.float32), np.zeros((5, 1)), "NaN or infinite"),
    "labels out of 0-9": (np.zeros((5, 400), np.float32), np.full((5, 1), 10), "labels 0 to 9"),
    "rows that do not match": (np.zeros((5, 400), np.float32), np.zeros((4, 1)), "X has 5 rows but y has 4"),
    "y of the wrong shape": (np.zeros((5, 400), np.float32), np.zeros((5, 2)), "y must have shape (m, 1)"),
    "pickled objects": (np.array([{"x": 1}] * 5, dtype=object), np.zeros((5, 1)), "not a readable NumPy"),
}


@pytest.mark.parametrize("kind", BAD_EXTRA)
def test_bad_extra_data_is_refused_with_one_sentence(tmp_path, kind):
    X, y, says = BAD_EXTRA[kind]
    folder = write_extra(tmp_path / "class", X, y)
    for command in (["train", "--extra-data", folder, "--out", str(tmp_path / "m")], ["evaluate", "--data", folder]):
        result = run(*command)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        line = result.stderr.strip().splitlines()[-1]
        assert line.startswith(f"error: the extra data in {folder} cannot be used") and says in line, line
    assert not (tmp_path / "m").exists(), "nothing was trained or written"


def test_a_missing_or_damaged_extra_folder_is_refused(tmp_path):
    result = run("train", "--extra-data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m"))
    assert result.returncode == 2 and "nowhere/X.npy does not exist." in result.stderr
    folder = tmp_path / "damaged"
    folder.mkdir()
    (folder / "X.npy").write_bytes(b"\x93NUMPY garbage"), (folder / "y.npy").write_bytes(b"")
    result = run("evaluate", "--data", str(folder))
    assert result.returncode == 2 and "is not a readable NumPy .npy file" in result.stderr


def test_a_nonsense_weight_is_refused(tmp_path, relabelled):
    folder = write_extra(tmp_path / "class", *relabelled)
    result = run("train", "--extra-data", folder, "--extra-weight", "0", "--out", str(tmp_path / "m"))
    assert result.returncode == 2 and "the extra weight must be above 0" in result.stderr


def test_evaluate_on_any_set_as_json(tmp_path, shipped_model):
    X_test, y_test = data.load_test_data()
    keep = np.ravel(y_test) != 3  # a set without 3s: its per-digit accuracy is null, not 0
    X, y = X_test[keep][::10], y_test[keep][::10]
    folder = write_extra(tmp_path / "set", X, y)
    code = (
        "import sys; from digitdemo.cli import main; code = main(['evaluate', '--json', '--data', sys.argv[1]]);"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'; sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code, folder], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    predicted = shipped_model.forward(X).predicted_digit
    assert report["data"]["examples"] == len(y)
    assert report["data"]["accuracy"] == pytest.approx(np.mean(predicted == np.ravel(y)))
    assert report["data"]["per_digit_accuracy"][3] is None and report["data"]["per_digit_examples"][3] == 0
    sevens = np.ravel(y) == 7
    assert report["data"]["per_digit_accuracy"][7] == pytest.approx(np.mean(predicted[sevens] == 7), abs=1e-4)
    assert report["test_accuracy"] == pytest.approx(shipped_model.meta["metrics"]["test_accuracy"])
    text = run("evaluate", "--data", folder).stdout
    assert f"on {len(y)} examples" in text and "3: -" in text


# --- Teaching in a subprocess, and the comparison ----------------------------


def test_teaching_runs_in_a_subprocess_and_compares(shipped_model):
    X_test, y_test = data.load_test_data()
    y, who = a_class(students=teach.MIN_STUDENTS, per_digit=2)
    # Each "drawing" is a different held-out digit of the class the student meant.
    unused = {d: iter(np.flatnonzero(np.ravel(y_test) == d)) for d in range(10)}
    X, y = X_test[[next(unused[d]) for d in y]], y.reshape(-1, 1)
    split = teach.split_by_student(y, who)
    job = teach.start_teaching(X[split.teach], y[split.teach], weight=4, epochs=2)
    try:
        deadline = time.monotonic() + 180
        while (progress := job.poll()).state == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert progress.state == "done", progress.message
        taught = job.result()
    finally:
        job.cleanup()
    assert taught.meta["extra_data"]["examples"] == len(split.teach) and taught.meta["extra_data"]["weight"] == 4
    assert taught.meta["recipe"]["epochs"] == 2
    result = teach.compare(shipped_model, taught, X[split.check], y[split.check])
    for side, model in (("before", shipped_model), ("after", taught)):
        right = model.forward(X[split.check]).predicted_digit == np.ravel(y[split.check])
        assert getattr(result, side)["accuracy"] == pytest.approx(np.mean(right))
    before = shipped_model.forward(X[split.check]).predicted_digit == np.ravel(y[split.check])
    after = taught.forward(X[split.check]).predicted_digit == np.ravel(y[split.check])
    np.testing.assert_array_equal(result.wrong_to_right, np.flatnonzero(~before & after))
    np.testing.assert_array_equal(result.right_to_wrong, np.flatnonzero(before & ~after))
    assert result.held_out_before == shipped_model.meta["metrics"]["test_accuracy"]
    assert result.held_out_after == taught.meta["metrics"]["test_accuracy"]


def test_a_model_compared_with_itself_changes_nothing(shipped_model):
    X, y = data.load_test_data()
    result = teach.compare(shipped_model, shipped_model, X[:300], y[:300])
    assert result.before == result.after and len(result.wrong_to_right) == len(result.right_to_wrong) == 0


# --- Issue 29: the room's model now, and the better start ---------------------


def drawn_class(drawings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 200 held-out digits drawn on the canvas as a class of 10 writers: X (200, 400), y (200, 1), writers."""
    from digitdemo.preprocess import preprocess

    images, labels = drawings
    X = np.stack([np.ravel(preprocess(rgba).x) for rgba in images]).astype(np.float32)
    return X, np.asarray(labels).reshape(-1, 1), np.arange(len(labels)) % 10


def test_teaching_starts_from_the_room_model_when_it_reads_the_drawings_better(drawings, shipped_model, wide_model):
    X, y, _ = drawn_class(drawings)
    assert teach.reads_right(wide_model, X, y) > teach.reads_right(shipped_model, X, y)
    assert teach.better_start(wide_model, shipped_model, X, y) is wide_model
    # A room reading with the lab's model, or with a model that reads the drawings worse, starts from the lab's.
    assert teach.better_start(shipped_model, shipped_model, X, y) is None
    assert teach.better_start(shipped_model, wide_model, X, y) is None


def test_a_taught_model_worse_than_the_room_model_is_said_plainly(drawings, shipped_model, wide_model):
    # The case: better than the lab's model, worse than the model the room reads with now.
    X, y, _ = drawn_class(drawings)
    held_out = data.load_test_data()
    worse = teach.compare(wide_model, shipped_model, X, y, held_out)
    kind, sentence = teach.verdict(worse, "the wider network")
    lab, wide = teach.reads_right(shipped_model, X, y), teach.reads_right(wide_model, X, y)
    assert kind == "worse"
    assert sentence.startswith("The taught model is worse than the wider network, the model the room reads with now")
    assert f"{lab:.1%} of the 200 checking drawings right, the wider network {wide:.1%}" in sentence
    assert f"({(wide - lab) * 100:.1f} points fewer)" in sentence and sentence.endswith("Keep the wider network.")
    # Both read the same held-out digits (the wider network's metadata names another held-out set).
    assert worse.held_out_before == pytest.approx(teach.reads_right(wide_model, *held_out))
    kind, sentence = teach.verdict(teach.compare(shipped_model, wide_model, X, y), "the lab's model")
    assert kind == "better" and "points more" in sentence
    kind, _ = teach.verdict(teach.compare(wide_model, wide_model, X, y), "the wider network")
    assert kind == "same"


def test_teaching_goes_on_from_the_wider_network(drawings, wide_model):
    X, y, writers = drawn_class(drawings)
    split = teach.split_by_student(y, writers, minimum=(10, 10))
    job = teach.start_teaching(X[split.teach], y[split.teach], start=wide_model)
    try:
        deadline = time.monotonic() + 240
        while (progress := job.poll()).state == "running" and time.monotonic() < deadline:
            time.sleep(0.3)
        assert progress.state == "done", progress.message
        taught = job.result()
    finally:
        job.cleanup()
    # The wider network's layers, trained on: not the lab's 25 and 15 from a random start.
    assert [layer.b.size for layer in taught.layers] == [256, 128, 10]
    assert taught.meta["recipe"]["epochs"] == teach.GO_ON_EPOCHS
    assert taught.meta["start_from"]["recipe"] == "wide" and taught.meta["start_from"]["hidden_units"] == [256, 128]
    # Starting ahead, it stays ahead of the lab's recipe on the students it never saw.
    assert teach.reads_right(taught, X[split.check], y[split.check]) >= 0.9


def test_train_start_from_a_missing_model_is_one_sentence(tmp_path):
    result = run("train", "--start-from", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"), "--epochs", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"There is no model at {tmp_path / 'nothing'}" in result.stderr
