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
