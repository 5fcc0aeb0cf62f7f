"""The teacher's comparison says a change as a person reads it: no change without an arrow or a colour, a fall in red.

The lab model against itself (nothing changes) and against a model trained for one epoch (worse everywhere),
on 200 held-out digits drawn on the canvas as the checking drawings.
"""

import time

import numpy as np
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from digitdemo import config, jobs
from digitdemo.classroom import service
from digitdemo.preprocess import preprocess

LABELS = ("Checking drawings read right", "MNIST held-out 5000 read right")


def _comparison(model, drawings) -> None:
    from digitdemo.pages.classroom import teaching

    X, y, pngs = drawings
    teaching._comparison(teaching.Taught(model, teaching.Checking("K7MQ3", X, y, pngs, 0)))


@pytest.fixture(scope="module")
def checking(drawings):
    """The 200 drawings as the Class page keeps a room's checking drawings: X (200, 400), y (200, 1), PNGs."""
    images, labels = drawings
    steps = [preprocess(rgba) for rgba in images]
    X = np.stack([np.ravel(s.x) for s in steps]).astype(np.float32)
    return X, np.asarray(labels).reshape(-1, 1), [service.ink_picture(s.cropped) for s in steps]


def taught_column(model, checking) -> list:
    """The taught model's two metrics (the right-hand column), as the teacher's page shows them."""
    at = AppTest.from_function(_comparison, args=(model, checking), default_timeout=60).run()
    assert not at.exception, at.exception
    shown = {label: [m for m in at.metric if m.label == label] for label in LABELS}
    assert all(len(pair) == 2 and not pair[0].proto.delta for pair in shown.values()), "the lab model's: no delta"
    return [pair[1].proto for pair in shown.values()]


def test_no_change_has_no_arrow_and_no_colour(shipped_model, checking):
    for metric in taught_column(shipped_model, checking):
        assert metric.delta == "no change", metric.delta  # not "+0.0 points"
        assert metric.direction == MetricProto.MetricDirection.NONE
        assert metric.color == MetricProto.MetricColor.GRAY


def test_a_fall_points_down_in_red(shipped_model, checking):
    job = jobs.TrainingJob(1, config.LEARNING_RATE, config.HIDDEN_UNITS, config.SEED)  # one epoch: a worse model
    try:
        deadline = time.monotonic() + 120
        while job.poll().state == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert job.poll().state == "done", job.poll().message
        worse = job.result()
    finally:
        job.cleanup()
    X, y, _ = checking
    falls = [
        np.mean(worse.forward(X).predicted_digit == np.ravel(y))
        - np.mean(shipped_model.forward(X).predicted_digit == np.ravel(y)),
        worse.meta["metrics"]["test_accuracy"] - shipped_model.meta["metrics"]["test_accuracy"],
    ]
    assert all(f < -0.001 for f in falls), falls  # one epoch reads worse than forty
    for metric, fall in zip(taught_column(worse, checking), falls, strict=True):
        assert metric.delta == f"{fall * 100:.1f} points", metric.delta
        assert metric.direction == MetricProto.MetricDirection.DOWN
        assert metric.color == MetricProto.MetricColor.RED


def _comparison_in_a_room(model, drawings, room_model) -> None:
    from digitdemo.pages.classroom import teaching

    X, y, pngs = drawings
    checking = teaching.Checking("K7MQ3", X, y, pngs, 160, "the wider network", room_model, "the wider network")
    teaching._comparison(teaching.Taught(model, checking))


def test_a_taught_model_worse_than_the_room_model_is_said_and_not_pressed_on_the_teacher(
    shipped_model, wide_model, checking
):
    """Issue 29: a room reading with the wider network; the taught model (here: the lab's, better than itself, worse
    than the room's) gets a warning, a fall in red against the room's model, and no primary "Use it" button."""
    at = AppTest.from_function(_comparison_in_a_room, args=(shipped_model, checking, wide_model), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    X, y, _ = checking
    lab = np.mean(shipped_model.forward(X).predicted_digit == np.ravel(y))
    wide = np.mean(wide_model.forward(X).predicted_digit == np.ravel(y))
    assert lab < wide
    assert [w.value for w in at.warning] == [
        f"The taught model is worse than the wider network, the model the room reads with now: it reads {lab:.1%} "
        f"of the 200 checking drawings right, the wider network {wide:.1%} ({(wide - lab) * 100:.1f} points fewer). "
        "Keep the wider network."
    ]
    assert "Taught with 160 drawings, from the wider network." in at.markdown[0].value
    assert [h.value for h in at.markdown if h.value.startswith("####")] == [
        "#### The lab's model",
        "#### The room's model now: the wider network",
        "#### The taught model",
    ]
    read = [m for m in at.metric if m.label == LABELS[0]]
    assert [m.value for m in read] == [f"{lab:.1%}", f"{wide:.1%}", f"{lab:.1%}"]
    assert read[2].proto.delta == f"{(lab - wide) * 100:.1f} points"  # against the room's model, not the lab's
    assert read[2].proto.color == MetricProto.MetricColor.RED
    use = at.button(key="class.teach.use")
    assert use.label == "Use it anyway" and use.proto.type == "secondary"
