"""The synthetic writers, their strokes, the canvas-like rasteriser and the recorded drawn-digit set."""

import numpy as np
import pytest

from digitdemo.handwriting import canvas
from digitdemo.handwriting import scripted as hw


def _segments_cross(a: np.ndarray, b: np.ndarray) -> bool:
    """True if the polylines a (n, 2) and b (m, 2) cross somewhere."""
    for p, q in zip(a, a[1:], strict=False):
        r = q - p
        for u, v in zip(b, b[1:], strict=False):
            s = v - u
            denominator = r[0] * s[1] - r[1] * s[0]
            if denominator == 0:
                continue
            t = ((u - p)[0] * s[1] - (u - p)[1] * s[0]) / denominator
            w = ((u - p)[0] * r[1] - (u - p)[1] * r[0]) / denominator
            if 0 <= t <= 1 and 0 <= w <= 1:
                return True
    return False


def _writer_with(digit: int, style: str) -> hw.Writer:
    for writer in hw.writers():
        if writer.styles[digit] == style:
            return writer
    raise AssertionError(f"no writer writes the {style} {digit}")


def test_writers_are_the_same_for_a_seed_and_others_for_another():
    one, again, other = hw.make_writer(5), hw.make_writer(5), hw.make_writer(5, seed=99)
    assert one.styles == again.styles and one.device == again.device
    for a, b in zip(one.draw(7, 1).strokes, again.draw(7, 1).strokes, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(np.vstack(one.draw(7, 1).strokes)[:5], np.vstack(other.draw(7, 1).strokes)[:5])
    assert not np.array_equal(one.draw(7, 0).strokes[0], one.draw(7, 1).strokes[0]), "each repetition varies"


def test_a_writer_keeps_their_style_and_a_quarter_draw_with_a_finger():
    writers = hw.writers()
    assert {w.draw(4, r).style for w in writers[:5] for r in range(3)} <= set(hw.STYLES[4])
    for writer in writers:
        assert {writer.draw(d, r).style for d in range(10) for r in range(3)} == set(writer.styles.values())
    devices = [w.device for w in writers]
    assert devices.count("finger") == 10 and devices.count("mouse") == 30
    for split in ("development", "final"):
        half = [w for w in writers if hw.split_of(w.id) == split]
        assert len(half) == 20 and sum(w.device == "finger" for w in half) == 5


def test_every_digit_is_written_in_several_styles_by_the_writers():
    writers = hw.writers()
    for digit in range(10):
        styles = {w.styles[digit] for w in writers}
        assert len(styles) >= 2, f"the writers write {digit} only as {styles}"


def test_a_crossed_seven_has_a_separate_bar_across_its_stem():
    writer = _writer_with(7, "crossed")
    for repetition in range(3):
        top_and_stem, bar = writer.draw(7, repetition).strokes
        assert _segments_cross(top_and_stem, bar)
        assert abs(bar[-1, 1] - bar[0, 1]) < 0.3 * abs(bar[-1, 0] - bar[0, 0]), "the bar runs across"
        assert bar[0, 0] < bar[-1, 0], "drawn left to right"
    plain = _writer_with(7, "plain").draw(7, 0)
    assert len(plain.strokes) == 1


def test_a_one_with_a_flag_and_a_base_and_a_two_circle_eight():
    stem, base = _writer_with(1, "flag and base").draw(1, 0).strokes
    assert base[:, 1].mean() > stem[:, 1].max() - 10, "the base is at the foot of the stem"
    assert np.ptp(base[:, 0]) > 2 * np.ptp(base[:, 1]), "and lies across"
    assert stem[0, 1] > stem[:, 1].min() + 5, "the stroke starts with the flag, below the top"
    top, bottom = _writer_with(8, "two circles").draw(8, 0).strokes
    height = np.ptp(np.vstack([top, bottom])[:, 1])
    for circle in (top, bottom):
        assert np.linalg.norm(circle[0] - circle[-1]) < 0.15 * height, "each circle closes"
    assert top[:, 1].mean() < bottom[:, 1].mean()


def test_a_closed_four_starts_its_stem_at_the_apex_and_an_open_one_does_not_close():
    corner, stem = _writer_with(4, "closed").draw(4, 0).strokes
    assert np.linalg.norm(corner[0] - stem[0]) < 0.15 * np.ptp(stem[:, 1])
    arm, stem = _writer_with(4, "open").draw(4, 0).strokes
    assert arm[0, 0] < stem[0, 0] - 0.2 * np.ptp(arm[:, 0]), "the left arm starts left of the stem: an open top"


def test_strokes_stay_on_the_canvas_below_its_toolbar_and_are_in_sizes_people_draw():
    heights = []
    for writer in hw.writers():
        for digit in range(10):
            points = np.vstack(writer.draw(digit, 0).strokes)
            assert points.min() >= 1 and points.max() <= canvas.CANVAS_PX - 1
            assert points[:, 1].min() >= canvas.TOOLBAR_PX
            heights.append(np.ptp(points[:, 1]))
    assert np.percentile(heights, 5) > 60 and np.percentile(heights, 95) < 250


def test_the_rasteriser_draws_the_strokes_with_a_round_brush_and_nothing_else():
    strokes = _writer_with(7, "crossed").draw(7, 0).strokes
    rgba = canvas.render(strokes)
    assert rgba.shape == (280, 280, 4) and rgba.dtype == np.uint8
    assert np.all(rgba[..., 3] == 255) and np.array_equal(rgba[..., 0], rgba[..., 2])
    grey = rgba[..., 0]
    for x, y in np.vstack(strokes):
        assert grey[int(y), int(x)] > 240, "ink under every point"
    # The strokes as lines, a point every half pixel: the distance to them is the distance to the nearest point.
    points = np.vstack(
        [a + t * (b - a) for stroke in strokes for a, b in zip(stroke, stroke[1:], strict=False) for t in _halves(a, b)]
    )
    rows, cols = np.mgrid[0:280:2, 0:280:2]
    pixels = np.column_stack([cols.ravel(), rows.ravel()]) + 0.5
    nearest = np.min(np.linalg.norm(pixels[:, None, :] - points[None, :, :], axis=2), axis=1)
    far = nearest > canvas.BRUSH_PX / 2 + 2
    assert np.all(grey[rows.ravel()[far], cols.ravel()[far]] == 0), "black away from the strokes"
    near = nearest < canvas.BRUSH_PX / 2 - 2
    assert np.all(grey[rows.ravel()[near], cols.ravel()[near]] > 240)


def _halves(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linspace(0, 1, int(np.linalg.norm(b - a) * 2) + 2)


@pytest.fixture(scope="module")
def drawn():
    return hw.load_drawn_digits()


def test_the_stored_set_has_the_sizes_the_readme_says(drawn):
    n = hw.N_WRITERS * 10 * hw.REPETITIONS
    assert drawn.images.shape == (n, 280, 280) and drawn.images.dtype == np.uint8
    assert drawn.X.shape == (n, 400) and drawn.X.dtype == np.float32
    assert len(np.unique(drawn.writers)) == 40 and np.all(np.bincount(drawn.labels) == 40 * hw.REPETITIONS)
    assert np.sum(drawn.devices == "finger") == 10 * 10 * hw.REPETITIONS
    for split in ("development", "final"):
        chosen = drawn.splits == split
        assert len(np.unique(drawn.writers[chosen])) == 20
        assert len(np.unique(drawn.writers[chosen & (drawn.devices == "finger")])) == 5
    assert not set(drawn.writers[drawn.splits == "development"]) & set(drawn.writers[drawn.splits == "final"])
    assert drawn.readable.mean() > 0.99, "the app's preprocessing finds a digit in (nearly) every drawing"
    assert hw.DRAWN_DIGITS_FILE.stat().st_size < 5_000_000


def test_the_stored_strokes_are_the_frozen_writers_and_the_canvas_drew_them(drawn):
    writers = {w.id: w for w in hw.writers()}
    with np.load(hw.DRAWN_DIGITS_FILE) as stored:
        repetitions = stored["repetitions"]
    for i in range(0, len(drawn.labels), 7):
        expected = hw.quantised(writers[int(drawn.writers[i])].draw(int(drawn.labels[i]), int(repetitions[i])))
        assert expected.style == drawn.styles[i]
        for a, b in zip(expected.strokes, drawn.strokes[i], strict=True):
            assert np.allclose(a, b)
        # The canvas's picture is the strokes with the page's brush: the rasteriser's within its antialiasing.
        ink, imitation = drawn.images[i] > 127, canvas.render(drawn.strokes[i])[..., 0] > 127
        assert (ink & imitation).sum() / (ink | imitation).sum() > 0.85
