"""Augmentation: small rotations, shifts and scales that keep the digit, seeded; the Training page's option."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitdemo import data, state
from digitdemo.handwriting import augment
from digitdemo.preprocess import preprocess
from tests.apptest import page, plot_spec, wait_for_training


def dot_image(row: int, col: int) -> np.ndarray:
    image = np.zeros((1, 20, 20), np.float32)
    image[0, row, col] = 1
    return image


def centre_of_ink(images: np.ndarray) -> np.ndarray:
    """(n, 20, 20) -> (n, 2) (row, col) centres of mass."""
    rows, cols = np.mgrid[0:20, 0:20]
    ink = images.sum(axis=(1, 2))
    return np.stack([(images * rows).sum(axis=(1, 2)) / ink, (images * cols).sum(axis=(1, 2)) / ink], axis=1)


def test_nothing_asked_changes_nothing():
    X, _ = data.load_data()
    images = data.row_to_image(X[:100])
    same = augment.affine(images, np.zeros(100), np.ones(100), np.zeros((100, 2)))
    np.testing.assert_array_equal(same, images)


def test_a_quarter_turn_moves_a_dot_from_the_right_to_the_top():
    # The centre is (9.5, 9.5): a dot 4.5 px right of it lands 4.5 px above it.
    turned = augment.affine(dot_image(9, 14) + dot_image(10, 14), [90], [1], np.zeros((1, 2)))[0]
    assert {tuple(p) for p in np.argwhere(turned > 0.5)} == {(5, 9), (5, 10)}


def test_a_shift_and_a_scale_move_ink_as_asked():
    shifted = augment.affine(dot_image(10, 10), [0], [1], np.array([[2.0, -1.0]]))[0]  # 2 down, 1 left
    assert tuple(np.argwhere(shifted > 0.5)[0]) == (12, 9)
    X, _ = data.load_data()
    images = data.row_to_image(X[:200])
    bigger = augment.affine(images, np.zeros(200), np.full(200, 1.1), np.zeros((200, 2)))
    # Scaled about the centre: the ink's spread from the centre grows by the factor.
    rows, cols = np.mgrid[0:20, 0:20]
    spread = lambda ims: (ims * np.hypot(rows - 9.5, cols - 9.5)).sum() / ims.sum()  # noqa: E731
    assert spread(bigger) / spread(images) == pytest.approx(1.1, abs=0.03)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_augmentation_stays_small_and_keeps_the_ink(seed):
    X, _ = data.load_data()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(X), 50, replace=False)
    before = data.row_to_image(X[chosen])
    after = data.row_to_image(augment.augment(X[chosen], rng))
    assert after.shape == before.shape and np.all(np.isfinite(after))
    assert after.min() >= min(before.min(), 0) - 1e-6 and after.max() <= before.max() + 1e-6
    ink = after.clip(0).sum(axis=(1, 2)) / before.clip(0).sum(axis=(1, 2))
    low, high = augment.SCALE_RANGE
    assert np.all(ink > low**2 * 0.85) and np.all(ink < high**2 * 1.1), "ink grows or shrinks with the area only"
    # The centre of the ink moves by the shift plus what turning and scaling do to its offset from the centre.
    offset = np.linalg.norm(centre_of_ink(before.clip(0)) - 9.5, axis=1)
    turn = 2 * np.sin(np.deg2rad(augment.MAX_ROTATION_DEGREES) / 2) * high + (high - 1)
    bound = np.hypot(augment.MAX_SHIFT_PIXELS, augment.MAX_SHIFT_PIXELS) + turn * offset + 0.5
    moved = np.linalg.norm(centre_of_ink(after.clip(0)) - centre_of_ink(before.clip(0)), axis=1)
    assert np.all(moved <= bound)


def read_as_a_drawing(rows: np.ndarray) -> np.ndarray:
    """Rows through the app's own preprocessing, as if drawn: it undoes shifts and sizes, as for any drawing."""
    inputs = []
    for image in data.row_to_image(rows):
        grey = (np.clip(image, 0, 1) * 255).astype(np.uint8)
        x = preprocess(np.dstack([grey, grey, grey, np.full_like(grey, 255)])).x
        inputs.append(np.zeros(400, np.float32) if x is None else x)
    return np.stack(inputs)


def test_augmented_digits_are_still_their_digits(shipped_model):
    """Small enough that, once centred and sized as the app does for drawings, the lab's model reads them as
    well as the originals: the labels stay true. (Uncentred, it reads few: it has never seen a shifted digit.)"""
    X, y = data.load_test_data()
    chosen = np.random.default_rng(1).choice(len(X), 400, replace=False)
    varied = augment.augment(X[chosen], np.random.default_rng(2))
    truth = np.ravel(y[chosen])
    plain = np.mean(shipped_model.forward(read_as_a_drawing(X[chosen])).predicted_digit == truth)
    augmented = np.mean(shipped_model.forward(read_as_a_drawing(varied)).predicted_digit == truth)
    assert augmented > plain - 0.06, (plain, augmented)
    assert np.mean(np.abs(varied - X[chosen])) > 0.05, "and they did change"


def test_augmentation_is_seeded():
    X, _ = data.load_data()
    first = augment.augment(X[:100], np.random.default_rng(5))
    np.testing.assert_array_equal(first, augment.augment(X[:100], np.random.default_rng(5)))
    assert not np.array_equal(first, augment.augment(X[:100], np.random.default_rng(6)))


def test_augment_refuses_rows_of_the_wrong_size():
    with pytest.raises(ValueError, match="rows of 400 values"):
        augment.augment(np.zeros((3, 399)), np.random.default_rng(0))


def test_the_training_page_shows_augmented_digits_and_retrains_with_them(shipped_model):
    at = page("training").run()
    spec = plot_spec(at, "training.augmented")
    captions = [a["text"] for a in spec["layout"]["annotations"]]
    assert captions.count("as drawn") == 6 and captions.count("epoch 3") == 6
    assert "augmentation" not in " ".join(c.value for c in at.caption), "the shipped model was not augmented"
    at.number_input(key="training.epochs").set_value(2)
    at.checkbox(key="training.augment").check()
    at.button(key="FormSubmitter:training.form-Retrain").click().run()
    wait_for_training(at)
    assert at.session_state[state.SESSION_MODEL].meta["recipe"]["augment"] is True
    assert any("trained with augmentation" in c.value for c in at.caption)
    held_out = next(m for m in at.metric if m.label == "Held-out accuracy")
    shipped = shipped_model.meta["metrics"]["test_accuracy"]
    assert f"points vs the shipped model's {shipped:.1%}" in held_out.proto.delta, "before and after, side by side"
