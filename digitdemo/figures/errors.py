"""The confusion matrix: which digit was read as which, cells that can be clicked."""

import numpy as np

from digitdemo.figures import style

MATRIX_SCALE = ("#f7fbff", "#08519c")  # empty cells nearly white, the full diagonal dark blue
MATRIX_AXIS = {"tickvals": style.DIGITS, "showgrid": False, "zeroline": False}


def confusion(matrix: np.ndarray, title: str, rows: str = "true", columns: str = "predicted") -> dict:
    """(10, 10) counts: rows the true digit, columns the prediction; the diagonal is right.

    Drawn as square markers, not a heatmap: Streamlit reports clicks on markers, not on heatmap cells.
    ``rows``, ``columns``: the words for them (the class board says "meant" and "read").
    """
    matrix = np.asarray(matrix)
    true, predicted = np.indices(matrix.shape)
    shade = np.log1p(matrix) / max(np.log1p(matrix).max(), 1e-9)
    cells = [style.mix(*MATRIX_SCALE, t) for t in shade.ravel()]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": predicted.ravel().tolist(),
                "y": true.ravel().tolist(),
                "text": [str(n) for n in matrix.ravel()],
                # Each number in black or white, whichever its cell's colour needs.
                "textfont": {"size": 16, "color": [style.text_on(cell) for cell in cells]},
                "marker": {"symbol": "square", "size": 40, "color": cells, "line": {"width": 0}},
                # A clicked cell must not fade the others: the matrix stays readable on the projector.
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": f"{rows} %{{y}}, {columns} %{{x}}: %{{text}} (click to show them)<extra></extra>",
            }
        ],
        "layout": style.layout(
            title,
            560,
            xaxis={"title": {"text": f"{columns} digit"}, "side": "top", "range": [-0.6, 9.6], **MATRIX_AXIS},
            yaxis={"title": {"text": f"{rows} digit"}, "autorange": "reversed", "range": [9.6, -0.6], **MATRIX_AXIS},
            plot_bgcolor=style.BACKGROUND,
            clickmode="event+select",
            margin={"l": 60, "r": 20, "t": 130, "b": 20},
        ),
    }
