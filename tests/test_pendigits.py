"""Real pen strokes (digitdemo.handwriting.pendigits and pen): read as written, drawn as the canvas draws them."""

import gzip
import hashlib

import numpy as np
import pytest

from digitdemo.handwriting import canvas, pen, pendigits, yardstick
from digitdemo.preprocess import preprocess

SAMPLE = """.INCLUDE        dene.doc
.SEGMENT DIGIT    0 ? "7"
.COMMENT 7 12  224
.PEN_DOWN
 100  300
 200  300
 150  100
.PEN_UP
.DT 100
.PEN_DOWN
 120  200
 180  200
.PEN_UP
.SEGMENT DIGIT    6-7 ? "1"
.COMMENT 1 3  151
.PEN_DOWN
 50  300
 50  100
.PEN_UP
"""


def test_the_vendored_file_is_the_published_one_and_holds_30_writers_of_250_digits():
    raw = gzip.decompress(pendigits.PENDIGITS_FILE.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == pendigits.PENDIGITS_SHA256
    digits = pendigits.read()
    assert len(digits) == 7494
    writers, counts = np.unique([d.writer for d in digits], return_counts=True)
    assert writers.tolist() == list(range(1, 31)) and counts.min() >= 247
    assert sorted({d.digit for d in digits}) == list(range(10))
    assert any(len(d.strokes) > 1 for d in digits if d.digit == 7), "pen-ups kept: crossed 7s have two strokes"


def test_a_segment_is_read_stroke_by_stroke_with_y_pointing_down():
    seven, one = pendigits.parse(SAMPLE)
    assert (seven.digit, seven.writer, len(seven.strokes)) == (7, 12, 2)
    assert seven.strokes[0].tolist() == [[100, -300], [200, -300], [150, -100]], "the top bar is above the stem"
    assert (one.digit, one.writer) == (1, 3), "a segment numbered as a range"


def test_a_damaged_pen_file_is_one_sentence():
    with pytest.raises(ValueError, match="not a digit's segment"):
        pendigits.parse('.SEGMENT DIGIT x ? "7"\n')
    with pytest.raises(ValueError, match="has no strokes"):
        pendigits.parse('.SEGMENT DIGIT 0 ? "7"\n.COMMENT 7 1 1\n')


def test_the_split_is_by_writer_and_no_writer_is_on_two_sides():
    sides = {w: pendigits.split_of(w) for w in range(1, 31)}
    assert [w for w, s in sides.items() if s == "final"] == list(pendigits.FINAL_WRITERS)
    assert [w for w, s in sides.items() if s == "development"] == list(pendigits.DEVELOPMENT_WRITERS)
    assert sum(s == "training" for s in sides.values()) == 18
    assert not set(pendigits.FINAL_WRITERS) & set(pendigits.DEVELOPMENT_WRITERS)


def test_a_pen_digit_is_drawn_on_the_canvas_below_its_toolbar_at_a_canvas_size():
    rng = np.random.default_rng(0)
    for digit in pendigits.read()[:200:7]:
        strokes = pen.as_drawn(digit, rng)
        points = np.vstack(strokes)
        height = np.ptp(points[:, 1])
        assert pen.HEIGHT_RANGE[0] - 1 <= height <= pen.HEIGHT_RANGE[1] + 1 or np.ptp(points[:, 0]) >= 200
        half = canvas.BRUSH_PX / 2
        assert points[:, 1].min() - half >= canvas.TOOLBAR_PX and points.max() + half <= canvas.CANVAS_PX
        assert len(strokes) == len(digit.strokes), "pen-ups kept"


def test_a_redrawn_pen_digit_keeps_its_strokes_and_changes_its_hand():
    digit = next(d for d in pendigits.read() if d.digit == 7 and len(d.strokes) == 2)
    first, brush = pen.redrawn(digit, np.random.default_rng(1))
    again, same_brush = pen.redrawn(digit, np.random.default_rng(1))
    other, _ = pen.redrawn(digit, np.random.default_rng(2))
    assert len(first) == 2 and all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert brush == same_brush and pen.BRUSH_RANGE[0] <= brush <= pen.BRUSH_RANGE[1] or brush == canvas.BRUSH_PX
    assert not np.allclose(np.vstack(first), np.vstack(other))


def test_a_pen_drawing_becomes_the_input_the_draw_page_makes_of_its_picture():
    digit = pendigits.read()[3]
    strokes = pen.as_drawn(digit, np.random.default_rng(3))
    x = pen.model_input(strokes)
    assert x.shape == (400,) and x.dtype == np.float32
    assert np.array_equal(x, preprocess(canvas.render(strokes)).x)


def test_training_rows_come_from_the_sides_asked_for_only():
    X, y = pen.training_rows(("development",), 1, np.random.default_rng(0))
    development = pendigits.of_split("development")
    assert X.shape == (len(development), 400) and y.shape == (len(development), 1)
    assert sorted(np.unique(y).tolist()) == list(range(10))


def test_the_yardstick_is_the_final_writers_each_digit_once_and_the_same_every_time():
    drawn = yardstick.real_writers()
    assert sorted(np.unique(drawn.writers).tolist()) == list(pendigits.FINAL_WRITERS)
    assert len(drawn.labels) == len(pendigits.of_split("final")) and drawn.readable.all()
    again = yardstick.real_writers.__wrapped__()  # made afresh, not the cached one
    assert np.array_equal(drawn.X, again.X)
    grey = drawn.image(0)
    assert grey.shape == (canvas.CANVAS_PX, canvas.CANVAS_PX) and grey.max() == 255
