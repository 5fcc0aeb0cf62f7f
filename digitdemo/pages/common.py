"""Small display helpers the pages share."""

import numpy as np
import streamlit as st
from PIL import Image


def show_plot(figure: dict, key: str) -> None:
    """A plotly figure at full width, without plotly's toolbar (it covers small charts)."""
    st.plotly_chart(figure, key=key, width="stretch", config={"displayModeBar": False})


def pixels(image: np.ndarray, size: int = 140) -> Image.Image:
    """A float image (0 = black, 1 = white) padded to a square and enlarged with visible pixels."""
    grey = (np.clip(np.nan_to_num(image), 0, 1) * 255).astype(np.uint8)
    h, w = grey.shape
    side = max(h, w)
    square = np.zeros((side, side), dtype=np.uint8)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = grey
    return Image.fromarray(square).resize((size, size), Image.Resampling.NEAREST)


def strip(images: list[np.ndarray], size: int = 140, gap: int = 12) -> Image.Image:
    """Several float images side by side on white, each padded square and enlarged: one picture to send."""
    tiles = [pixels(image, size) for image in images]
    canvas = Image.new("L", (len(tiles) * (size + gap) - gap, size), 255)
    for i, tile in enumerate(tiles):
        canvas.paste(tile, (i * (size + gap), 0))
    return canvas
