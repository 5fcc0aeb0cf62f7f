"""Draw: a digit on the canvas, what the model sees, and its probabilities, live."""

import numpy as np
import streamlit as st

from digitdemo import config, doubt, figures, state, why
from digitdemo.classroom.rooms import DRAWING_MODEL, LAB_MODEL, WIDE_MODEL
from digitdemo.live import HIDDEN, HIDDEN_CAPTION, NETWORK, NETWORK_CAPTION, NO_HIDDEN, SEES
from digitdemo.nn import Forward
from digitdemo.pages import draft, explain, live
from digitdemo.pages.classroom import room
from digitdemo.pages.common import say, show_plot, strip
from digitdemo.preprocess import ImageError, Steps, for_display, preprocess, read_canvas, read_image

CANVAS_PX = 280
DEFAULT_BRUSH = 18  # px on a 280 px canvas: about MNIST's stroke once the digit is 20 px tall
SOURCES = ["Draw", "Upload a picture"]
REFUSED = "draw.refused"  # why the canvas's last value was not read, said on the new canvas
STEPS = ["crop", "fit", "centre"]  # the preprocessing switches, in order
CENTRE = f"draw.{STEPS[2]}"  # seeded apart from the others (render)
ON_OFF = state.parse_choice([True, False])
INTRO = (
    "Draw a digit from 0 to 9 with your mouse, finger or stylus. The network turns its **400 pixels** "
    "into **10 numbers (logits)**, and softmax turns those into **probabilities**. "
)
SWITCHES = "Preprocessing steps: turn one off and watch the answer change."
IN_A_ROOM = "Draw a digit, choose which one you drew, and send it to the class. "
# Which model reads (issues 15, 26): the lab's network on the lab's data, on more data, and a wider network on that
# data: two levers, data and capacity, a lesson in themselves.
READERS = {LAB_MODEL: "Lab's model", DRAWING_MODEL: "Drawing model", WIDE_MODEL: "Wider network"}
READERS_HELP = "  \n".join(f"**{READERS[name]}**: {state.READER_LEVERS[name]}." for name in READERS)
READER_SHOWN = "draw.model_shown"  # the switch; the student's own choice is state.READER
READ_BY = "draw.read_by"  # the model the page's line names: in a room the switch is in the fragment, which follows it


def render() -> None:
    st.title("Draw a digit")
    room.join_from_link()  # /draw?room=CODE: a student joins the class (the router follows the room's model)
    in_room = room.student() is not None
    state.from_link(state.READER, None, state.parse_choice(list(READERS)))  # /draw?model=lab: the lab's model reads
    reader = state.reader()
    st.session_state[READ_BY] = reader.kind
    # In a room, the short line: on a phone the canvas stays in the first screen (the whole one is the switch's help).
    line = "" if reader.problem else reader.short if in_room else reader.line
    st.markdown((IN_A_ROOM if in_room else INTRO) + line)
    if reader.problem:  # the drawing model cannot be used: one sentence, and the lab's model reads
        say("warning", reader.line)
    room.header()
    room.live_check()  # in a room: the round's digit, large; a round, a closed room, a removal followed live
    # Controls that rarely change sit outside the fragment, so a stroke does not resend them.
    # The switches are in the page's link: /draw?crop=False&fit=False shows a plain resize.
    # Centring is seeded where its switch is drawn (_switches): seeded in a run without it, its key would outlive
    # the switch's own value, and a student's "off" would come back on once fit was off and on again.
    keys = [state.from_link(f"draw.{step}", True, ON_OFF) for step in STEPS[:2]]
    if in_room:
        # A student in a room: input and switches on one line, so on a phone the canvas is in the first screen.
        # The switch between the drawing model and the lab's waits below the canvas (_live).
        with st.container(horizontal=True, vertical_alignment="center", key="draw-controls"):
            source = _source()
            with st.popover("Preprocessing steps", width="content"):
                st.caption(SWITCHES)
                switches = _switches(keys, st.container(), st.container(), st.container())
    else:
        with st.container(horizontal=True, vertical_alignment="center", key="draw-controls"):
            source = _source()
            _reader_switch(reader)
        with st.container(key="draw-switches"):  # one row even on a phone (style.css): the canvas in the first screen
            st.caption(SWITCHES)
            switches = _switches(keys, *st.columns(3))
    state.to_link(*keys)  # and centring, where it is drawn
    st.space("small")  # room for the canvas's floating toolbar
    _live(source, switches, in_room, reader)
    room.my_drawings()


def _source() -> str:
    return st.radio("Input", SOURCES, key="draw.source", horizontal=True, label_visibility="collapsed", width="content")


def _reader_switch(reader: state.Reader, help: str | None = None, labelled: bool = False) -> None:
    """The lab's model, the drawing model or the wider network: switching reruns the page, so the same drawing is
    read again by another."""
    if not reader.switchable:  # a retrained or taught model reads: the line above says so
        return
    st.session_state[READER_SHOWN] = reader.kind  # the student's choice, else the room's starting model
    st.segmented_control(
        "Which model reads your drawing",
        list(READERS),
        format_func=READERS.get,
        key=READER_SHOWN,
        required=True,
        on_change=_chose_reader,
        label_visibility="visible" if labelled else "collapsed",  # below the canvas, away from the line it follows
        help=help or READERS_HELP + (f"\n\n{reader.about}" if reader.about else ""),
    )
    if st.session_state.get(state.READER) in READERS:
        st.query_params["model"] = st.session_state[state.READER]  # in the link, as the other Draw settings


def _chose_reader() -> None:
    st.session_state[state.READER] = st.session_state[READER_SHOWN]


def _switches(keys: list[str], crop, fit, centre) -> dict[str, bool]:
    """The preprocessing switches, one in each of the three places given."""
    switches = {
        "crop": crop.toggle("Crop to the ink", key=keys[0]),
        "fit": fit.toggle("Fit in a 20x20 box", key=keys[1]),
    }
    if switches["fit"]:
        key = state.from_link(CENTRE, True, ON_OFF)
        switches["centre"] = centre.toggle("Centre of mass to the centre", key=key)
        state.to_link(key)
    else:  # centring needs the fitted box: shown off, while the link keeps the choice for when fit is back
        centre.toggle("Centre of mass to the centre", False, key="draw.centre_unavailable", disabled=True)
        switches["centre"] = False
    return switches


@st.fragment
def _live(source: str, switches: dict[str, bool], in_room: bool = False, page_reader=None) -> None:
    # A fragment: a stroke reruns only this part of the page.
    reader = state.reader() if in_room else None  # in a room the model switch is in here: asked on every run
    if reader is not None and reader.kind != st.session_state.get(READ_BY):
        st.rerun(scope="app")  # the student switched below the canvas: the page's line follows
    left, right = st.columns([1, 1.25], gap="large")
    with left:
        image = _canvas() if source == SOURCES[0] else _upload()
        verdict = st.container(key="draw-verdict")  # shown on phones only (assets/style.css)
        if source == SOURCES[0]:
            _canvas_controls()
    kind = "canvas" if source == SOURCES[0] else "image"
    steps = None if image is None else preprocess(image, **switches, source=kind)
    if reader is None and steps is not None and steps.x is not None:
        reader = state.reader()  # once, and only for a drawing: each call costs 0.3 ms
    model = None if reader is None or steps is None or steps.x is None else reader.model
    out = None if model is None else model.forward(steps.x)
    off = why.NONE if model is None else explain.silenced("draw", model.layers)  # "Why this answer?": units off
    shown = out if not any(off) else why.forward(model.layers, steps.x, off)
    # On a phone the columns stack and the metric falls below the fold: the answer, under the canvas.
    with verdict:
        digit = "—" if out is None else f"{shown.predicted_digit[0]} ({shown.probabilities[0].max():.0%})"
        st.markdown(f"**Prediction: {digit}**")
    with left:
        # In a room only a drawing made on the canvas goes to the class: an uploaded picture (a face, a name) does not
        # (issue 28); the panel then says so and Send stays off.
        drawn = source == SOURCES[0]
        room.send_panel(steps if drawn else None, out if drawn else None, uploaded=not drawn)
        if in_room:
            # The whole line and recipe, a click away (a problem's words are a file's: plain)
            whole = state.plain(reader.line) if reader.problem else reader.about or reader.line
            _reader_switch(reader, help=whole, labelled=True)  # the whole line, a click away
    with right:
        _prediction(steps, shown, kind, out, switches)
        # The bars: the browser's while the pen moves (its own reading, with this reader's weights), then these.
        # A blank canvas: the page's reader, which outside a room changes only with a run of the whole page.
        live_reader = reader or (page_reader if kind == "canvas" else None)
        live_layers = None if live_reader is None else live_reader.model.layers
        live.answer(live_layers, steps, shown, switches, off, live_canvas=kind == "canvas")
        if shown is not None:  # every Draw figure is sent pre-checked: Streamlit's validation was most of its cost
            logits_chart = figures.lab.value_bars(shown.logits[0], title="Logits z (the last layer's linear output)")
            show_plot(logits_chart, key="draw.logits_chart", prechecked=True)
        if out is not None:  # closed by default: open, it costs a few ms a stroke (bench.draw_cost)
            explain.section("draw", model, steps.x, shown, off, prechecked=True)
    if kind == "canvas":  # drawn in the browser from its readings, as the pen moves (pages/live.py)
        live.sees()
    elif out is not None:
        _what_the_model_sees(steps, shown, switches, model.layers)


def _clear() -> None:
    # A new key gives a new, empty canvas (and the blank canvas then forgets the logits).
    st.session_state["draw.canvas_version"] = st.session_state.get("draw.canvas_version", 0) + 1


def _canvas() -> np.ndarray | None:
    from streamlit_drawable_canvas import st_canvas  # needs a running Streamlit

    draft.keep(st.session_state.get("draw.canvas_version", 0))  # the browser keeps the strokes across a reconnect
    try:
        result = st_canvas(
            stroke_width=st.session_state.get("draw.brush", DEFAULT_BRUSH),
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS_PX,
            width=CANVAS_PX,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"draw.canvas.{st.session_state.get('draw.canvas_version', 0)}",
        )
    except (AttributeError, KeyError, TypeError, ValueError):  # the browser sent a value of another shape
        _refuse("The drawing could not be read; please draw again.")
    if refused := st.session_state.pop(REFUSED, None):
        say("error", refused)
        return None
    # The picture comes from the browser: its header is checked before anything decodes it.
    try:
        payload = result.image_bytes  # base64 only: CanvasResult.image_data would decode any size
        return None if payload is None else read_canvas(payload, (CANVAS_PX, CANVAS_PX))
    except ImageError as error:
        _refuse(str(error))
    except (ValueError, TypeError, AttributeError):  # not a base64 data URL at all
        _refuse("The drawing could not be read; please draw again.")
    return None


def _refuse(sentence: str) -> None:
    """Say why the canvas's value was not read, on a new, empty canvas: the refused value is not kept.

    Streamlit keeps a widget's value while the page shows it (and 120 s after the tab closed): a crafted one, up to
    server.maxWidgetStateSize, would stay in the server's memory. A new key drops it at the end of the next run.
    """
    st.session_state[REFUSED] = sentence
    _clear()
    st.rerun()


def _canvas_controls() -> None:
    clear, brush = st.columns([1, 2.5], vertical_alignment="bottom")
    clear.button("Clear", key="draw.clear", on_click=_clear, width="stretch")
    brush.slider("Brush width (px)", 6, 40, DEFAULT_BRUSH, key="draw.brush")


def _upload() -> object | None:
    upload = st.file_uploader(
        "A photo or picture of one digit (dark ink on paper works too)",
        type=["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"],
        key="draw.upload",
    )
    if upload is None:
        return None
    try:
        image = read_image(upload.getvalue())
    except ImageError as error:
        say("error", error)
        return None
    st.image(for_display(image), caption="Your picture", width=CANVAS_PX)
    return image


HINTS = {
    "canvas": "Draw a digit on the canvas to see what the network reads.",
    "image": "Upload a picture of a digit to see what the network reads.",
}


def _prediction(
    steps: Steps | None, out: Forward | None, kind: str, whole: Forward | None = None, switches: dict | None = None
) -> None:
    """out: what the page shows (units silenced, if any); whole: the same drawing read with every unit on."""
    # On a phone the answer is the line under the canvas (draw-verdict): this larger one is hidden there, not twice.
    answer = st.container(key="draw-answer")
    notes = st.container()  # one place for a changing number of notes: the live bars after them stay mounted
    if out is None:
        answer.metric("Prediction", "—")
        notes.info(steps.problem if steps is not None else HINTS[kind])
        st.session_state.pop(state.LAST_LOGITS, None)
        return
    probabilities, logits = out.probabilities[0], out.logits[0]
    digit = int(out.predicted_digit[0])
    st.session_state[state.LAST_LOGITS] = logits.tolist()
    second = int(np.argsort(probabilities)[-2])
    answer.metric("Prediction", digit)
    if probabilities[digit] < config.UNSURE_BELOW:
        notes.warning(
            f"The model is unsure: {probabilities[digit]:.0%} for {digit}, {probabilities[second]:.0%} for "
            f"{second}. {_measured(steps, digit, whole, switches)}".rstrip()
        )
    else:
        notes.caption(f"{probabilities[digit]:.1%} sure; next best: {second} ({probabilities[second]:.1%}).")
    if steps.problem:
        notes.warning(steps.problem)


def _measured(steps: Steps, digit: int, whole: Forward | None, switches: dict | None) -> str:
    """What is true of this drawing's size, place and ink, if out of the ordinary (issue 29); nothing when the doubt
    comes from silenced units (with every unit on, the model is sure)."""
    if whole is not None and whole.probabilities[0].max() >= config.UNSURE_BELOW:
        return ""
    X, y = state.dataset("training")
    return doubt.sentence(doubt.findings(steps, (switches or {}).get("crop", True), digit, X, y))


def step_labels(steps: Steps, switches: dict[str, bool]) -> list[tuple[str, str]]:
    """What each step actually did with these switches, for the labels under the pictures."""
    height, width = steps.cropped.shape
    fitted_h, fitted_w = steps.fitted.shape
    if not switches["fit"]:
        fitted, placed = f"stretched to {fitted_w}x{fitted_h}", "not centred"
    elif switches["centre"]:
        fitted, placed = f"fitted {fitted_w}x{fitted_h}", "mass centred, 28x28"
    else:
        fitted, placed = f"fitted {fitted_w}x{fitted_h}", "box centred, 28x28"
    return [
        ("Step 1", "your ink"),
        ("Step 2", f"cropped {width}x{height}" if switches["crop"] else f"not cropped ({width}x{height})"),
        ("Step 3", fitted),
        ("Step 4", placed),
        ("Step 5", "20x20: the input"),
    ]


def _what_the_model_sees(steps: Steps, out: Forward, switches: dict[str, bool], layers: list) -> None:
    """An uploaded picture's steps, network and hidden units (for a drawing on the canvas: assets/sees.js)."""
    st.subheader(SEES)
    labels = step_labels(steps, switches)
    images = [steps.ink, steps.cropped, steps.fitted, steps.centred, steps.small]
    # The labels are drawn in the picture; the caption stays for screen readers only (assets/style.css).
    with st.container(key="draw-steps"):
        st.image(strip(images, labels), caption="; ".join(f"{a}: {b}" for a, b in labels))
    st.subheader(NETWORK)
    st.caption(NETWORK_CAPTION)
    show_plot(
        figures.network.network(layers, steps.x, [a[0] for a in out.hidden], out.probabilities[0]),
        key="draw.network",
        prechecked=True,
    )
    st.subheader(HIDDEN)
    if not out.hidden:
        st.caption(NO_HIDDEN)
        return
    st.caption(HIDDEN_CAPTION)
    show_plot(figures.lab.hidden_bars([a[0] for a in out.hidden]), key="draw.hidden", prechecked=True)
