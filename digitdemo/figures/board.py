"""The class board's figures."""

from digitdemo.figures import style


def digit_accuracy(accuracy: list[float | None], counts: list[int], title: str = "") -> dict:
    """Per-digit share read right, one bar per digit meant, with the share and count written large."""
    shares = [None if a is None else round(a, 4) for a in accuracy]
    return {
        "data": [
            {
                "type": "bar",
                "x": style.DIGITS,
                "y": shares,
                "marker": {"color": [style.BLUE if a is None or a >= 0.5 else style.ORANGE for a in accuracy]},
                "text": ["" if a is None else f"{a:.0%}" for a in accuracy],
                "customdata": counts,
                "textposition": "outside",
                "textfont": style.FONT,  # the theme's text colour: plotly's own grey was 3.7:1 on white
                "constraintext": "none",  # plotly would shrink the text to the bar's width
                "cliponaxis": False,
                "hovertemplate": "digit %{x}: %{y:.0%} of %{customdata} read right<extra></extra>",
            }
        ],
        "layout": style.layout(
            title,
            400,
            font={"size": 22},
            xaxis={"title": {"text": "digit the students meant"}, "tickvals": style.DIGITS},
            yaxis={"title": {"text": "read right"}, "range": [0, 1.35], "tickvals": [0, 0.5, 1], "tickformat": ".0%"},
        ),
    }
