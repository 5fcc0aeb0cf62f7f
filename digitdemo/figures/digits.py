"""Digits as pictures: grids of captioned digits (mistakes marked) and the first layer's weight images."""

import numpy as np

from digitdemo.data import row_to_image
from digitdemo.figures import style

CAPTION_PX = 15  # captions over the digit grids
CAPTION_ROWS = 10  # image pixels of room per caption line: 21 px where a phone draws a pixel 2.1 px wide


def mosaic(images: np.ndarray, captions: list[str] | None = None, columns: int = 8, wrong=None, **options) -> dict:
    """Images (n, h, w) tiled in one heatmap with a caption above each.

    ``wrong`` (n booleans) marks mistakes for everyone, colour-blind students too: a red caption
    starting with a cross, and a red outline around the image. The space above each image fits
    its caption's lines even on a phone (2 px per image pixel), so captions never cover a digit.
    """
    images = np.asarray(images, dtype=float)
    n, h, w = images.shape
    wrong = [False] * n if wrong is None else list(wrong)
    rows = max(1, -(-n // columns))
    lines = 0 if captions is None else max(caption.count("<br>") + 1 for caption in captions)
    gap = 1 + CAPTION_ROWS * lines
    tile_h, tile_w = h + gap, w + 1
    grid = np.full((rows * tile_h, columns * tile_w), np.nan)
    annotations, shapes, tiles = [], [], []
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        grid[r * tile_h + gap : r * tile_h + gap + h, c * tile_w : c * tile_w + w] = image
        box = [c * tile_w - 0.5, r * tile_h + gap - 0.5, c * tile_w + w - 0.5, r * tile_h + gap + h - 0.5]
        tiles.append(box)
        if wrong[i]:
            shapes.append(
                {
                    "type": "rect",
                    "x0": box[0],
                    "y0": box[1],
                    "x1": box[2],
                    "y1": box[3],
                    "line": {"color": style.WRONG, "width": 3},
                }
            )
        if captions is not None:
            annotations.append(
                {
                    "x": c * tile_w + w / 2 - 0.5,
                    "y": r * tile_h + gap / 2 - 0.5,
                    "text": ("✗ " if wrong[i] else "") + captions[i],
                    "showarrow": False,
                    "font": {"size": CAPTION_PX, "color": style.WRONG if wrong[i] else style.INK},
                }
            )
    symmetric = options.get("symmetric", False)
    top = float(np.nanmax(np.abs(grid))) if symmetric else None
    heatmap = {
        "type": "heatmap",
        "z": np.where(np.isnan(grid), None, np.round(grid, 3)).tolist(),
        "colorscale": "RdBu" if symmetric else "Greys",
        "reversescale": not symmetric,  # digits white on black, as the lab draws them
        "showscale": symmetric,
        "hoverinfo": "skip",
    }
    if symmetric:
        heatmap.update(zmin=-top, zmax=top, zmid=0)
    title = options.get("title", "")
    return {
        "data": [heatmap],
        "layout": style.layout(
            title,
            options.get("height", 60 + rows * options.get("row_height", 100 + 20 * lines)),
            xaxis={"visible": False, "constrain": "domain"},
            yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
            annotations=annotations,
            shapes=shapes,
            plot_bgcolor=style.PAPER,  # the captions' background, in either theme
            margin={"l": 0, "r": 60 if symmetric else 0, "t": 50 if title else 10, "b": 0},
            meta={"tiles": tiles},  # each image's box in data units, for the layout tests
        ),
    }


def digit_mosaic(X: np.ndarray, captions: list[str], wrong=None, columns: int = 8, **options) -> dict:
    """Rows of X (n, 400) in the lab's order, drawn upright with captions; ``wrong`` marks mistakes."""
    return mosaic(row_to_image(X), captions, columns, wrong, **options)


def drawing_mosaic(images: np.ndarray, captions: list[str], columns: int = 4) -> dict:
    """Drawings as drawn, (n, h, w) floats in [0, 1] (canvases made small), each a misreading: captioned and marked."""
    return mosaic(images, captions, columns, wrong=[True] * len(images))


def weight_images(W1: np.ndarray) -> dict:
    """The first layer's weights (400, units): each unit's 400 weights as an upright 20x20 image."""
    units = W1.shape[1]
    return mosaic(
        row_to_image(W1.T),
        [f"unit {j}" for j in range(units)],
        columns=5,
        symmetric=True,
        row_height=120,
        title="What each first-layer unit looks for (blue +, red −)",
    )
