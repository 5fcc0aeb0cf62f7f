"""What is measured true of a drawing the model is unsure about: its size, its place, its ink. No Streamlit.

The Draw page's old advice ("larger, in the middle, with a thicker brush") was said of every unsure drawing, even a
large, centred one drawn with the default brush (issue 29). With cropping on, size and place are undone before the
model reads: only the ink's share of the 20x20 input is left, and it is compared with the lab's own digits.
"""

import numpy as np

from digitdemo.preprocess import Steps

# The share of the lab's digits of one kind taken as usual: between these percentiles of their ink.
USUAL_PERCENTILES = (3, 97)
# Crop off: a digit shorter than this share of the canvas reaches the model small; one whose box's centre is further
# than this share of the canvas from its middle reaches it off-centre.
SMALL_SHARE = 0.5
OFF_CENTRE_SHARE = 0.15


def ink_share(x: np.ndarray) -> float:
    """(400,) or (1, 400) input in [0, 1] -> its mean: how much of the 20x20 input is ink."""
    return float(np.mean(x))


def usual_ink(X: np.ndarray, y: np.ndarray, digit: int) -> tuple[float, float]:
    """The lab's digits ``digit`` of X (n, 400), y (n, 1): the usual range of their ink share (USUAL_PERCENTILES)."""
    shares = np.mean(X[np.ravel(y) == digit], axis=1)
    low, high = np.percentile(shares, USUAL_PERCENTILES)
    return float(low), float(high)


def findings(steps: Steps, crop: bool, digit: int, X: np.ndarray, y: np.ndarray) -> list[str]:
    """What is out of the ordinary in this drawing, each a clause with its measure and what would help; [] if nothing.

    steps: the drawing preprocessed with cropping ``crop``; digit: what the model read; X, y: the lab's digits.
    """
    found = []
    share = ink_share(steps.x)
    low, high = usual_ink(X, y, digit)
    said = f"ink covers {share:.0%} of the 20x20 input the model reads, the lab's {digit}s {low:.0%} to {high:.0%}"
    if share > high:
        found.append(f"its strokes are thick for its size ({said}): draw it larger or with a thinner brush")
    elif share < low:
        found.append(f"its strokes are thin for its size ({said}): draw it with a thicker brush")
    if not crop and steps.box is not None:  # only then do its size and place reach the model
        canvas_h, canvas_w = steps.ink.shape
        top, left, bottom, right = steps.box
        tall = bottom - top
        if tall < SMALL_SHARE * canvas_h:
            found.append(f"it is {tall} px tall of the canvas's {canvas_h}, and with Crop off the model sees it small")
        across, down = (left + right) / 2 - canvas_w / 2, (top + bottom) / 2 - canvas_h / 2
        if max(abs(across) / canvas_w, abs(down) / canvas_h) > OFF_CENTRE_SHARE:
            way = (
                f"{abs(across):.0f} px {'right' if across > 0 else 'left'}"
                if abs(across) / canvas_w >= abs(down) / canvas_h
                else f"{abs(down):.0f} px {'below' if down > 0 else 'above'}"
            )
            found.append(f"it sits {way} of the middle, and with Crop off the model sees it there")
    return found


def sentence(found: list[str]) -> str:
    """The findings as one sentence ("" if none)."""
    if not found:
        return ""
    text = "; ".join(found)
    return text[:1].upper() + text[1:] + "."
