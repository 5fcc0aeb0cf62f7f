"""The class board on the Class page, for the projector: live numbers, the matrix, the latest drawings."""

import functools
import io
import time

import streamlit as st
from PIL import Image, ImageDraw, ImageFont

from digitdemo import figures, teach, why
from digitdemo.classroom import rooms, service
from digitdemo.classroom.service import Board, ClassError, Drawing, RoundProgress
from digitdemo.pages.classroom import room
from digitdemo.pages.common import say, show_plot
from digitdemo.text import countdown, plural

REFRESH_S = 1.5  # the board asks the database whether anything changed this often
TILE = 120  # px per drawing in the gallery: readable from the back of a room
BAND = 56  # px of "meant -> read" under each drawing
NOTE, NOTE_FONT = 40, 30  # px of a note under the band (a round's confidence), and its text's size
GREEN, RED = (26, 127, 55), (200, 30, 30)
ROUND_PROBLEM = "class.round_problem"  # why starting or ending the round failed, said once
CACHE = "class.board_cache"  # (room code, version) -> what the board shows, so an unchanged board costs no query
ROUND_CACHE = "class.round_cache"  # ((room code, version, running round), its rounds, {round id: its view})
ASK = "class.round_ask"  # what the next round asks: (kind, digit)
MINUTES = "class.round_minutes"  # its time limit
SHOWN = "class.round_shown"  # the round the board shows (an id), newest first in its select
FOLLOWED_ROUND = "class.round_followed"  # the running round the select last jumped to
# What a round can ask, in the select's order: every digit first (the round the room had), one digit, any, random.
ASKS = [(rooms.EVERY_DIGIT, None), *((rooms.ONE_DIGIT, d) for d in range(10)), (rooms.ANY_DIGIT, None),
        (rooms.RANDOM_DIGIT, None), *((rooms.FOOL, d) for d in range(10))]  # fmt: skip
# Whether the board names the students whose drawings fooled the model (issue 29): off unless the teacher turns it
# on, for this tab (the board alone too); NAMES_SWITCH is the switch (Streamlit forgets it where it is not drawn).
NAMES, NAMES_SWITCH = "class.board_names", "class.board_names_switch"
# A "fool the model" round: the misread drawings the teacher can mark, and the fooling ones shown with their maps.
MARKABLE, FOOLING_SHOWN = 24, 6


@functools.cache
def _font(size: int = 40) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _arrow(pen: ImageDraw.ImageDraw, x: int, y: int, length: int = 30) -> None:
    pen.line([(x, y), (x + length, y)], fill="white", width=4)
    pen.polygon([(x + length + 8, y), (x + length - 4, y - 9), (x + length - 4, y + 9)], fill="white")


def _mark(pen: ImageDraw.ImageDraw, x: int, y: int, right: bool) -> None:
    """A check mark for a right reading, a cross for a mistake: a symbol, not only a colour."""
    if right:
        pen.line([(x, y + 2), (x + 8, y + 12), (x + 24, y - 10)], fill="white", width=6)
    else:
        pen.line([(x, y - 10), (x + 20, y + 10)], fill="white", width=6)
        pen.line([(x, y + 10), (x + 20, y - 10)], fill="white", width=6)


def gallery(drawings: list[Drawing], columns: int = 8, notes: list[str] | None = None) -> Image.Image:
    """The drawings as one picture: each ink above a band 'meant -> read', green with a check or red with a cross;
    ``notes``, one short text per drawing, go under the bands (e.g. the model's confidence)."""
    rows = max(1, -(-len(drawings) // columns))
    gap = 10
    note = NOTE if notes else 0
    picture = Image.new("RGB", (columns * (TILE + gap) - gap, rows * (TILE + BAND + note + gap) - gap), "white")
    pen = ImageDraw.Draw(picture)
    font = _font()
    for i, drawing in enumerate(drawings):
        r, c = divmod(i, columns)
        x, y = c * (TILE + gap), r * (TILE + BAND + note + gap)
        try:
            ink = Image.open(io.BytesIO(drawing.ink_png)).convert("RGB").resize((TILE, TILE))
        except OSError:
            ink = Image.new("RGB", (TILE, TILE), "black")
        picture.paste(ink, (x, y))
        pen.rectangle([x, y + TILE, x + TILE - 1, y + TILE + BAND - 1], fill=GREEN if drawing.correct else RED)
        middle = y + TILE + BAND // 2
        pen.text((x + 8, middle), str(drawing.meant), font=font, fill="white", anchor="lm")
        _arrow(pen, x + 33, middle, 18)
        pen.text((x + 62, middle), str(drawing.read), font=font, fill="white", anchor="lm")
        _mark(pen, x + 90, middle, drawing.correct)
        if notes:
            below = (x + TILE // 2, y + TILE + BAND + note // 2)
            pen.text(below, notes[i], font=_font(NOTE_FONT), fill="black", anchor="mm")
    return picture


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)  # a third of the default's time, for a few % more bytes
    return out.getvalue()


def _load(code: str) -> tuple[Board, bytes, tuple[dict, dict], RoundProgress | None] | None:
    """The board, its gallery picture, its two charts and the running round's progress, made again only when the
    room's change counter moved."""
    version = service.board_version(room.store(), code)
    if version is None:
        return None
    cached = st.session_state.get(CACHE)
    # A timed round ends by itself, with no write: its progress is read again once its time is up.
    if cached is not None and cached[0] == (code, version) and not _over(cached[1][3]):
        return cached[1]
    board = service.board(room.store(), code, latest_hidden=False)
    charts = (
        figures.board.digit_accuracy(board.per_digit_accuracy, board.per_digit_count, "Read right, per digit"),
        figures.errors.confusion(board.confusion, "The class's confusion matrix: click a cell", "meant", "read"),
    )
    picture = _png(gallery(board.latest)) if board.latest else b""
    loaded = (board, picture, charts, service.round_progress(room.store(), code))
    st.session_state[CACHE] = ((code, version), loaded)
    return loaded


def _over(progress: RoundProgress | None) -> bool:
    return progress is not None and not progress.round.is_running()


def running(code: str) -> bool:
    """Whether the board last shown for this room had students in it (joined or sent)."""
    cached = st.session_state.get(CACHE)
    return cached is not None and cached[0][0] == code and (cached[1][0].joined > 0 or cached[1][0].drawings > 0)


def _cell_clicked() -> None:
    points = st.session_state["class.matrix"].selection.points
    if points:
        st.session_state["class.cell"] = (int(points[0]["y"]), int(points[0]["x"]))


def live(code: str, teacher_tools=None) -> None:
    """The board, refreshed every REFRESH_S seconds without reloading the page; then ``teacher_tools(code)``."""
    st.fragment(_live, run_every=REFRESH_S)(code, teacher_tools)


def _live(code: str, teacher_tools) -> None:
    _board(code, teacher=teacher_tools is not None)
    if teacher_tools is not None:
        teacher_tools(code)  # in the same fragment, so its list of drawings is as fresh as the board


def _big(label: str, value: str) -> str:
    return (
        f"<div class='board-number'><div class='board-label'>{label}</div>"
        f"<div style='font-size:4.5rem;font-weight:700;line-height:1.1'>{value}</div></div>"
    )


def _board(code: str, teacher: bool) -> None:
    try:
        loaded = _load(code)
    except ClassError as error:
        say("warning", f"The board cannot be shown: {error}")
        return
    if loaded is None:
        st.warning(f"Room {code} no longer exists.")
        return
    board, picture, (per_digit, matrix), progress = loaded
    problem = st.session_state.pop(ROUND_PROBLEM, None)
    if problem:
        say("warning", problem)
    if progress is not None:  # a running round first: it is what the class is doing
        _running(code, progress, teacher)
        _rounds(code, progress.round.id, teacher)
    accuracy = "—" if board.accuracy is None else f"{board.accuracy:.0%}"
    numbers = st.columns(3)
    numbers[0].markdown(_big("students who sent", str(board.students)), unsafe_allow_html=True)
    numbers[1].markdown(_big("drawings", str(board.drawings)), unsafe_allow_html=True)
    numbers[2].markdown(_big("read right", accuracy), unsafe_allow_html=True)
    if board.joined > board.students:
        waiting = board.joined - board.students
        st.caption(f"{waiting} more joined and {'has' if waiting == 1 else 'have'} not sent yet.")
    if board.hidden:
        st.caption(f"{board.hidden} hidden by the teacher: not counted.")
    if progress is None and teacher:
        _start_controls(code)
    if not board.drawings:
        st.info("No drawings yet: students open the link, draw, choose their digit and press Send to the class.")
        return
    st.subheader("The latest drawings: the digit meant → what the model read")
    # output_format PNG: our PNG's bytes are sent as they are; "auto" re-encoded the gallery as JPEG every refresh.
    st.image(picture, caption="Green with a check: read right. Red with a cross: a mistake.", output_format="PNG")
    left, right = st.columns(2)
    # Made once per change and sent pre-checked: the board reruns every 1.5 s, and building and validating
    # these two cost about 9 ms of server CPU per refresh (2.5 + 5.1 ms validation, 1.3 ms the matrix).
    with left:
        show_plot(per_digit, key="class.per_digit", prechecked=True)
    with right:
        show_plot(matrix, key="class.matrix", prechecked=True, on_select=_cell_clicked, selection_mode="points")
    cell = st.session_state.get("class.cell")
    if cell is not None:
        _cell(code, *cell)
    if progress is None:  # the earlier rounds, to look back at, below the room's numbers
        _rounds(code, None, teacher)


def _start_round(code: str) -> None:
    kind, digit = st.session_state.get(ASK, ASKS[0])
    try:
        service.start_round(room.store(), code, kind, digit, st.session_state.get(MINUTES))
    except ClassError as error:
        st.session_state[ROUND_PROBLEM] = str(error)


def _end_round(code: str) -> None:
    try:
        service.end_round(room.store(), code)
    except ClassError as error:
        st.session_state[ROUND_PROBLEM] = str(error)


# Each select as wide as its longest choice, with the Start button beside them in one row even with the sidebar open.
ASK_WIDTH = 300  # px: "ask for every digit, fewest first"
MINUTES_WIDTH = 160  # px: "for 10 minutes"


def _ask_words(ask: tuple[str, int | None]) -> str:
    kind, digit = ask
    words = {
        rooms.EVERY_DIGIT: "ask for every digit, fewest first",
        rooms.ANY_DIGIT: "ask for any digit",
        rooms.RANDOM_DIGIT: "ask each a random digit",
    }
    if kind == rooms.FOOL:
        return f"fool the model with a {digit}"
    return words.get(kind) or f"ask for the digit {digit}"


def _minutes_words(minutes: int | None) -> str:
    return "no time limit" if minutes is None else f"for {plural(minutes, 'minute')}"


def _start_controls(code: str) -> None:
    """What the next round asks (every digit, one digit, any, a random one each), its time limit, and Start."""
    # One row as tall as a button, the labels for screen readers only (the choices read as what they do):
    # the board's numbers and its matrix stay on a projector's first screen.
    with st.container(key="board-round-start", horizontal=True, vertical_alignment="center"):
        # Each select as wide as its longest choice (issue 29: "the ones the room lack" was cut off).
        ask = st.selectbox(
            "The next round asks for",
            ASKS,
            key=ASK,
            format_func=_ask_words,
            label_visibility="collapsed",
            width=ASK_WIDTH,
        )
        st.selectbox(
            "Time limit",
            rooms.ROUND_MINUTES,
            key=MINUTES,
            format_func=_minutes_words,
            label_visibility="collapsed",
            width=MINUTES_WIDTH,
        )
        st.button(
            f"Start a round: {service.round_title(*ask)}",
            key="class.round_start",
            on_click=_start_round,
            args=(code,),
            help="Each student's Draw page then asks for a digit they have not drawn in the round, the one the "
            "room has fewest of, and chooses it on their keypad."
            if ask[0] == rooms.EVERY_DIGIT
            else "Each student's Draw page then shows the digit asked for, large, and chooses it on their keypad.",
        )


def _running(code: str, progress: RoundProgress, teacher: bool) -> None:
    """The running round's line (time left or so far, drawings, students), End for the teacher; every digit's
    counts for a "draw every digit" round."""
    current = progress.round
    left = current.seconds_left()
    if left is not None:
        time_words = f"{countdown(left)} left"
    else:
        minutes = max(0, int((service.clock() - current.started_at) // 60))
        time_words = f"{minutes} min so far" if minutes else "under a minute so far"
    every = current.kind == rooms.EVERY_DIGIT
    with st.container(key="board-round", border=True):
        words, end = st.columns([5, 1], vertical_alignment="center")
        words.markdown(
            f"**Round: {current.title}** · {time_words} · "
            f"{plural(sum(progress.per_digit), 'drawing')} from {plural(progress.students, 'student')}."
            + (
                f" Each student is asked for the digit the room has fewest of; ✓: {teach.MIN_PER_DIGIT}, "
                "enough to teach."
                if every
                else ""
            )
        )
        if teacher:
            end.button("End the round", key="class.round_end", on_click=_end_round, args=(code,), width="stretch")
        if not every:
            return
        # Each digit: the round's drawings of it, and the room's in all (what teaching counts), ticked once enough.
        cells = "".join(
            f"<div class='round-digit'><div class='round-digit-name'>digit {d}</div>"
            f"<div>{n}</div><div class='round-digit-room'>{total} in all{' ✓' * (total >= teach.MIN_PER_DIGIT)}</div>"
            "</div>"
            for d, (n, total) in enumerate(zip(progress.per_digit, progress.room_per_digit, strict=True))
        )
        st.markdown(f"<div class='round-digits'>{cells}</div>", unsafe_allow_html=True)


# A round's gallery shows this many drawings at most, the model surest first (a 5-minute round of 30 holds ~900).
ROUND_GALLERY = 64


def _rounds(code: str, running_id: int | None, teacher: bool = False) -> None:
    """A select of the room's rounds, newest first (a round just started is chosen), and the chosen one: its
    drawings by the model's confidence in the digit asked for, how many were read as meant, its time left."""
    try:
        key = (code, service.board_version(room.store(), code), running_id)
        cached = st.session_state.get(ROUND_CACHE)
        if cached is None or cached[0] != key:
            cached = (key, service.list_rounds(room.store(), code), {})
            st.session_state[ROUND_CACHE] = cached
    except ClassError as error:
        say("warning", f"The rounds cannot be shown: {error}")
        return
    listed, views = cached[1], cached[2]
    if not listed:
        return
    ids = [r.id for r, _ in listed]
    if running_id is not None and st.session_state.get(FOLLOWED_ROUND) != running_id:
        st.session_state[SHOWN] = st.session_state[FOLLOWED_ROUND] = running_id  # a new round: show it
    if st.session_state.get(SHOWN) not in ids:
        st.session_state[SHOWN] = ids[0]
    numbers = service.round_numbers(listed)
    names = {
        r.id: f"Round {numbers[r.id]}: {r.title} · {time.strftime('%H:%M', time.localtime(r.started_at))} · "
        f"{'running' if r.id == running_id else 'ended'} · {plural(n, 'drawing')}"
        for r, n in listed
    }
    shown = st.selectbox("Show a round", ids, key=SHOWN, format_func=names.get)
    if shown not in views:
        try:
            view = service.round_board(room.store(), code, shown)
        except ClassError as error:
            say("warning", f"The round cannot be shown: {error}")
            return
        if view is None:
            return
        surest = view.drawings[:ROUND_GALLERY]
        notes = [f"{d.confidence:.0%} {d.asked}" for d in surest]
        maps = _fooling_maps(code, view) if view.round.kind == rooms.FOOL else []
        views[shown] = (view, _png(gallery([d.drawing for d in surest], notes=notes)) if surest else b"", maps)
    view, picture, maps = views[shown]
    _round_view(view, picture, numbers[shown])
    if view.round.kind == rooms.FOOL:
        _fooling(code, view, maps, teacher)


def _round_view(view: service.RoundBoard, picture: bytes, number: int) -> None:
    left = view.round.seconds_left()
    with st.container(key="board-round-view"):
        st.subheader(f"Round {number}: {view.round.title}")
        accuracy = "—" if view.accuracy is None else f"{view.accuracy:.0%}"
        cells = st.columns(3)
        cells[0].markdown(_big("sent in the round", str(len(view.drawings))), unsafe_allow_html=True)
        if view.round.kind == rooms.FOOL:
            cells[1].markdown(_big("fooled the model", str(len(view.fooling))), unsafe_allow_html=True)
        else:
            cells[1].markdown(_big("read as meant", accuracy), unsafe_allow_html=True)
        if left is not None:
            cells[2].markdown(_big("time left", countdown(left)), unsafe_allow_html=True)
        elif not view.round.is_running():
            cells[2].markdown(_big("status", "ended"), unsafe_allow_html=True)
        if not view.drawings:
            st.caption("No drawings in this round yet.")
            return
        surest = view.drawings[:ROUND_GALLERY]
        more = f" The {ROUND_GALLERY} surest of {len(view.drawings)}." if len(view.drawings) > ROUND_GALLERY else ""
        # The caption says the order in words too, for a screen reader (and a test) that cannot see the picture.
        order = ", ".join(f"{d.drawing.meant} → {d.drawing.read} {d.confidence:.0%}" for d in surest)
        st.image(
            picture,
            caption="The model surest first: under each drawing, its probability for the digit asked for, and that "
            f"digit.{more} In order: {order}.",
            output_format="PNG",
        )


def _fooling_maps(code: str, view: service.RoundBoard) -> list[tuple[Drawing, dict]]:
    """The first FOOLING_SHOWN fooling drawings, each with its pixel maps by the room's model: made once per change
    of the room (with the round's view), not on every refresh."""
    fooling = view.fooling[:FOOLING_SHOWN]
    if not fooling:
        return []
    model, asked = room.model_of_room(code), view.round.digit
    maps = []
    for candidate in fooling:
        drawing, x = candidate.drawing, candidate.x
        panels = [
            (f"read {drawing.read}", why.pixel_pushes(model.layers, x, drawing.read)),
            (f"why not {asked}?", why.pixel_pushes(model.layers, x, asked)),
        ]
        maps.append((drawing, figures.why.pixel_pushes(x, panels)))
    return maps


def _fooling(code: str, view: service.RoundBoard, maps: list[tuple[Drawing, dict]], teacher: bool) -> None:
    """A "fool the model" round: the teacher marks the misread drawings the class agrees are the digit asked for;
    the fooling ones are shown beside the pixels that pushed the model to its answer."""
    asked = view.round.digit
    misread = view.misread
    if teacher and misread:
        st.markdown(
            f"**Did it fool the model?** The model read these as another digit. Tick each one the class agrees "
            f"is a {asked}: it then counts, and it stays in the room's drawings as a {asked}."
        )
        shown = misread[:MARKABLE]
        for start in range(0, len(shown), 6):
            for column, candidate in zip(st.columns(6), shown[start : start + 6], strict=False):
                drawing = candidate.drawing
                column.image(drawing.ink_png, caption=f"read {drawing.read}", output_format="PNG")
                column.checkbox(
                    f"a {asked}",
                    value=drawing.agreed,
                    key=f"class.fool.{view.round.id}.{drawing.id}",
                    on_change=_agree,
                    args=(code, view.round.id, drawing.id),
                )
        if len(misread) > MARKABLE:
            st.caption(f"The {MARKABLE} the model was surest were a {asked} of {len(misread)} misread.")
    elif not misread:
        st.caption(f"The model has read every drawing of this round as a {asked}: nobody has fooled it yet.")
    if not maps:
        return
    st.subheader(f"They fooled the model: {plural(len(view.fooling), 'drawing')}")
    if teacher:
        st.session_state[NAMES_SWITCH] = st.session_state.get(NAMES, False)
        st.toggle(
            "Name the students on the board",
            key=NAMES_SWITCH,
            on_change=_names_switched,
            help="Off: the board, projected, shows whose drawing fooled the model to no one. On: each nickname "
            "under its drawing, here and on the board alone, until you turn it off.",
        )
    named = st.session_state.get(NAMES, False)
    for drawing, figure in maps:
        left, right = st.columns([1, 3], vertical_alignment="center")
        caption = f"{drawing.nickname}: read {drawing.read}" if named else f"read {drawing.read}"
        left.image(drawing.ink_png, caption=caption, output_format="PNG")
        with right:
            show_plot(figure, key=f"class.fool.map.{drawing.id}", prechecked=True)
    st.caption(
        "Blue pixels pushed that digit's logit up, red ones down: what the model saw in the drawing, and what "
        f"held it back from a {asked}."
    )


def _names_switched() -> None:
    st.session_state[NAMES] = st.session_state[NAMES_SWITCH]


def _agree(code: str, round_id: int, drawing_id: int) -> None:
    agreed = st.session_state[f"class.fool.{round_id}.{drawing_id}"]
    try:
        service.mark_agreed(room.store(), code, round_id, drawing_id, agreed)
    except ClassError as error:
        st.session_state[ROUND_PROBLEM] = str(error)
    st.session_state.pop(ROUND_CACHE, None)  # the round's view is read again


def _cell(code: str, meant: int, read: int) -> None:
    try:
        drawings = service.cell_drawings(room.store(), code, meant, read, limit=32)
    except ClassError as error:
        say("warning", str(error))
        return
    if not drawings:
        st.caption(f"No drawing meant as {meant} was read as {read}.")
        return
    st.subheader(f"Meant {meant}, read {read}: {len(drawings)} drawing{'s' * (len(drawings) != 1)}")
    st.image(_png(gallery(drawings)))
