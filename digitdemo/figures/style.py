"""The look every figure shares: colours, readable text, the layout, contrast, presenter scaling. No Streamlit here.

Figures are built as plain dicts: Streamlit sends them as they are, which skips building and
validating plotly objects on every stroke.
"""

from digitdemo import config

DIGITS = list(range(config.N_CLASSES))
BLUE, ORANGE, GREY = "#1f77b4", "#ff7f0e", "#9e9e9e"

# Readable from the back of a lecture hall (issue 10): no chart text under 14 px, and text
# contrast of at least 4.5:1 in the light and the dark theme. Streamlit's plotly theme draws
# ticks and axis titles 12 px in a grey of 3.7:1, so every figure states its text here.
# TEXT is a placeholder that Streamlit's plotly theme swaps, in the browser, for the theme's
# own text colour (dark on light, light on dark; streamlit/elements/lib/streamlit_plotly_theme.py,
# GRAY_90). tests/test_readability.py checks what actually renders.
TEXT = "#000037"
BACKGROUND = "#000038"  # likewise, the theme's page background
INK, PAPER = "#000000", "#ffffff"  # text on charts that draw their own white background
WRONG = "#c62828"  # a mistake's caption: 5.6:1 on PAPER
# Lines told apart by colour-blind students too: Okabe and Ito's palette, and each its own dash.
UNIT_LINES = [
    {"color": "#0072b2", "width": 3},
    {"color": "#cc79a7", "width": 3, "dash": "dash"},
    {"color": "#009e73", "width": 3, "dash": "dashdot"},
]
SUM_LINE = {"color": "#e69f00", "width": 5}
FONT = {"size": 16, "color": TEXT}
TICKS = {"size": 15, "color": TEXT}
AXIS_TITLE = {"size": 16, "color": TEXT}


def axis(settings: dict) -> dict:
    """An axis with readable ticks and title; the axis's own settings win."""
    title = settings.get("title", {})
    return {**settings, "tickfont": {**TICKS, **settings.get("tickfont", {})}, "title": {"font": AXIS_TITLE, **title}}


def layout(title: str = "", height: int = 320, **extra) -> dict:
    """The layout every figure uses: readable text, the theme's colours, axes styled alike."""
    for name in [key for key in extra if key.startswith(("xaxis", "yaxis"))]:
        extra[name] = axis(extra[name])
    extra.setdefault("xaxis", axis({}))
    extra.setdefault("yaxis", axis({}))
    return {
        "title": {"text": title, "font": {"size": 18, "color": TEXT}},
        "height": height,
        "margin": {"l": 50, "r": 20, "t": 50 if title else 20, "b": 45},
        "font": FONT,
        "legend": {"font": FONT},
        "hoverlabel": {"font": {"size": 16}},
        **extra,
    }


def enlarge(figure: dict, factor: float) -> dict:
    """A copy of ``figure`` with every font size, its margins and height times ``factor``: for the projector."""

    def scale(node, key=None):
        if isinstance(node, dict):
            return {k: scale(v, k) for k, v in node.items()}
        if isinstance(node, list) and key not in ("x", "y", "z", "text", "customdata"):
            return [scale(v) for v in node]
        if key == "size" and isinstance(node, int | float) and not isinstance(node, bool):
            return round(node * factor, 1)
        return node

    layout = figure["layout"]
    fonts = {k: scale(v, k) for k, v in layout.items() if k not in ("annotations", "shapes", "meta")}
    if "annotations" in layout:
        fonts["annotations"] = [scale(a) for a in layout["annotations"]]
    fonts["margin"] = {side: round(px * factor) for side, px in layout.get("margin", {}).items()}  # room for it
    height = round(layout.get("height", 450) * factor)
    data = [
        {k: (scale(v, k) if k.endswith("font") or k == "marker" else v) for k, v in trace.items()}
        for trace in figure["data"]
    ]
    return {"data": data, "layout": {**layout, **fonts, "height": height}}


def _luminance(color: str) -> float:
    """WCAG relative luminance of a "#rrggbb" colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours, 1 to 21."""
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (always at least 4.5:1)."""
    return INK if contrast(INK, background) >= contrast(PAPER, background) else PAPER


def mix(low: str, high: str, t: float) -> str:
    """The colour a fraction t (0..1) of the way from ``low`` to ``high``."""
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))
