"""The drawing model's data: MNIST digits redrawn as people draw them (digitdemo.handwriting.mnist_styles)."""

import numpy as np
import pytest

from digitdemo import config, data
from digitdemo.handwriting import mnist_styles as styles


def _digits(label: int, n: int) -> np.ndarray:
    images, labels = data.load_source()
    return images[np.flatnonzero(labels == label)[:n]]


def _glyph(digit: np.ndarray) -> np.ndarray:
    """A digit's strokes as the redrawing sees them: a boolean mask WORK_HEIGHT px tall."""
    return styles._to_height(styles._crop(digit > 0.35), styles.WORK_HEIGHT)


def test_redrawing_is_seeded_and_gives_the_inputs_the_draw_page_gives():
    digit = _digits(3, 1)[0]
    first = styles.redraw(digit, 3, np.random.default_rng(5))
    again = styles.redraw(digit, 3, np.random.default_rng(5))
    other = styles.redraw(digit, 3, np.random.default_rng(6))
    assert first.shape == (config.N_PIXELS,) and first.dtype == np.float32
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_thinning_leaves_a_line_one_pixel_wide_and_the_brush_makes_it_as_wide_as_asked():
    bar = np.zeros((40, 30), dtype=bool)
    bar[5:35, 10:19] = True  # a stroke 9 px wide, 30 tall
    lines = styles.skeleton(bar)
    assert lines[10:30].sum(axis=1).max() == 1  # one pixel across, along its length
    assert lines.sum() >= 20
    for width in (3, 7, 12):
        stroke = styles.brush(lines, width)
        across = stroke.sum(axis=1)[stroke.shape[0] // 2]
        assert abs(across - width) <= 1


def test_a_speck_of_ink_is_not_drawn_but_a_line_end_is():
    lines = np.zeros((20, 20), dtype=bool)
    lines[2, 2] = True  # a speck alone
    lines[10, 3:15] = True  # a line
    cleaned = styles._without_specks(lines)
    assert not cleaned[2, 2]
    assert cleaned[10, 3:15].all()


def test_a_crossed_seven_gets_a_bar_through_its_stem():
    rng = np.random.default_rng(0)
    for digit in _digits(7, 20):
        glyph = _glyph(digit)
        ((r0, c0), (r1, c1)) = styles._crossbar(glyph, rng)[0]
        row = round((r0 + r1) / 2)
        h = glyph.shape[0]
        assert 0.35 * h < row < 0.72 * h  # a little below the middle
        # across a stroke of the 7 at that height, reaching out on both sides of its middle
        assert any(c0 < (start + end) / 2 < c1 for start, end in styles._runs(glyph[row]))


def test_a_flagged_one_has_its_flag_down_and_left_of_its_top():
    rng = np.random.default_rng(1)
    for digit in _digits(1, 20):
        glyph = _glyph(digit)
        (top, tip), *base = styles._flag_and_base(glyph, rng)
        assert tip[0] > top[0] and tip[1] < top[1]  # below and to the left
        for (r0, _), (r1, _) in base:
            assert r0 == r1 == glyph.shape[0] - 1  # a base lies level across the foot


def test_a_curled_nine_has_its_tail_turn_left_and_back_up_from_its_foot():
    rng = np.random.default_rng(2)
    for digit in _digits(9, 20):
        glyph = _glyph(digit)
        segments = styles._curled_tail(glyph, rng)
        (start, _), (_, end) = segments[0], segments[-1]
        h = glyph.shape[0]
        assert start[0] == h - 1 and glyph[-1, round(start[1])]  # from the foot of the stem
        assert end[1] < start[1] - 0.15 * h and end[0] < start[0]  # to the left, and back up
        lowest = max(max(a[0], b[0]) for a, b in segments)
        assert lowest > start[0], "round: below the foot before it turns up"


def test_a_glyph_without_ink_on_its_first_or_last_row_gets_no_flag_or_tail():
    """A resize can leave an edge row empty: no top or foot to start from, so no style (before: NaN points)."""
    stem = np.zeros((40, 12), dtype=bool)
    stem[1:39, 5:8] = True  # a 1 (or a 9's stem) whose first and last rows hold no ink
    for add in (styles._flag_and_base, styles._curled_tail):
        assert add(stem, np.random.default_rng(0)) == []


def test_an_open_four_is_closed_at_the_top_and_a_closed_one_is_left_alone():
    open_four = np.zeros((40, 30), dtype=bool)
    open_four[0:25, 2:5] = True  # the arm
    open_four[0:40, 20:23] = True  # the stem
    open_four[22:25, 2:28] = True  # the bar
    (arm_top, stem_top) = styles._closed_top(open_four, np.random.default_rng(0))[0]
    assert arm_top[0] == stem_top[0] == 0
    assert arm_top[1] < 5 and 20 <= stem_top[1] < 23
    closed = open_four.copy()
    closed[0:3, 2:23] = True
    assert styles._closed_top(closed, np.random.default_rng(0)) == []


def test_the_drawing_split_keeps_the_lab_digits_and_holds_2500_out():
    images, X, y, X_check, y_check = data.load_drawing_split()
    assert images.shape == (7500, 28, 28) and X.shape == (7500, 400) and X_check.shape == (2500, 400)
    assert np.bincount(y.ravel()).tolist() == [750] * 10
    X_lab, _ = data.load_data()
    lab_rows = {row.tobytes() for row in X_lab}
    assert sum(row.tobytes() in lab_rows for row in X) == 5000
    assert not any(row.tobytes() in lab_rows for row in X_check)


@pytest.mark.parametrize("label", [1, 4, 7, 9])
def test_each_style_changes_what_the_digit_looks_like(label):
    """With its style the same digit, drawn by the same hand, is another drawing; without, it keeps its form."""
    digit = _digits(label, 1)[0]
    chances = dict(styles.STYLE_CHANCE)
    try:
        styles.STYLE_CHANCE[label] = 1.0
        styled = styles.redraw(digit, label, np.random.default_rng(3))
        styles.STYLE_CHANCE[label] = 0.0
        plain = styles.redraw(digit, label, np.random.default_rng(3))
    finally:
        styles.STYLE_CHANCE.update(chances)
    assert np.abs(styled - plain).sum() > 5
