"""A student in a room, on the Draw page: joining, the nickname, sending a drawing, their own drawings.

Everything here talks to the class database through digitdemo.classroom.service; when the database
cannot be used, the Draw page goes on as the single-student app and says why in one sentence.
"""

import json
import time
from contextlib import suppress

import numpy as np
import streamlit as st

from digitdemo import artifacts, state
from digitdemo.classroom import rooms, service, storage
from digitdemo.classroom.service import ClassError, ClassStoreError, Student
from digitdemo.nn import Forward
from digitdemo.pages.common import say
from digitdemo.preprocess import Steps
from digitdemo.text import countdown, plural

STUDENT = "room.student"  # this session's Student (room code, random id, nickname)
PROBLEM = "room.problem"  # the last sentence about joining, shown once
SAID = "room.said"  # the sentence beside Send in this run (a database fault is said there, not twice)
TRIED = "room.tried"  # the ?room= value already acted on, so a rerun does not join again
SENT = "room.sent"  # what the last send said: ("success" | "error", sentence)
DIGIT = "room.digit"  # "Which digit did you draw?": the keypad's key is DIGIT.<sends> (digit_key)
SENDS = "room.sends"  # how many drawings this session sent: each drawing gets a keypad of its own
SEND_CLICKED = "room.send_clicked"  # set by Send's callback: the run it starts sends, at the top of the panel
FOLLOWED = "room.followed"  # (room code, its change counter) when follow_model last read the room's model
NICKNAME_PROBLEM = "room.nickname_problem"  # why the last rename was refused (the old nickname is kept)
SENT_IDS = "room.sent_ids"  # the drawings this session sent, to notice the teacher removing them
ASKED = "room.asked"  # ((room, student, change counter), the running round, the digit it asks this student for)
PRESELECTED = "room.preselected"  # the round whose digit was last chosen on the keypad for the student
LIVE = "room.live"  # ((room, student), the room's change counter, StudentView, the round shown) of the live check
FRESH = "room.fresh"  # set by a run of the whole page: the live check then reads afresh what the page shows
CHECK_S = 2.0  # how often a student's Draw page asks whether their room changed (one indexed lookup)
YOURS = "room.yours"  # ((room, student, change counter), (their drawings, the room's board)) shown in "Your class"
SEEN = "room.seen"  # ((room, student), when this page last told the database it is open: rooms.SEEN_EVERY_S)
JOINED = "room.joined"  # the sentence for a student just made, said below Send until their first drawing
BROWSER = "room.browser"  # this browser's secret (its cookie's, or a new one this session writes there)
FORGET = "room.forget"  # the student left: this run's line of JavaScript deletes the browser's cookie
COOKIE = "digitdemo_browser"  # the cookie that keeps it: a reload, a new tab, the link again find the student
# A school day: the same browser is the same student through the lesson, and forgets the room by the next one.
COOKIE_SECONDS = 12 * 3600
OLD_ME = "me"  # the student id old links carried (before issue 20): dropped from the address, never read
DIGITS = list(range(10))


@st.cache_resource(show_spinner=False)
def _store(path: str) -> storage.ClassStore:
    return storage.ClassStore(path)


def store() -> storage.ClassStore:
    """The class database ($DIGITDEMO_CLASS_DB or var/class.db), shared by every session of the server."""
    return _store(str(storage.default_location()))


def student() -> Student | None:
    return st.session_state.get(STUDENT)


def browser_secret() -> str:
    """This browser's secret: the one its cookie sent, else a new one (remember_browser writes it there)."""
    if BROWSER not in st.session_state:
        sent = st.context.cookies.get(COOKIE)
        st.session_state[BROWSER] = sent if service.is_browser_secret(sent) else service.new_browser_secret()
    return st.session_state[BROWSER]


def remember_browser() -> None:
    """Keep this browser's secret in its cookie, so a reload finds the student.

    A cookie, not the link: the link is seen (projector, shared, history), and another browser that opens it
    joins as a new student. Streamlit reads cookies but cannot set one: a line of JavaScript does.
    """
    if st.session_state.pop(FORGET, False):
        with st.container(key="room-browser"):  # hidden by style.css
            forget = f"{COOKIE}=; path=/; max-age=0; samesite=strict"
            st.html(f"<script>document.cookie = {json.dumps(forget)};</script>", unsafe_allow_javascript=True)
        return
    if student() is None:
        return
    # On every run, even when the browser sent the cookie: the page keeps one shape. (A session's cookies are those
    # of its first request, so the page that set the cookie kept this line and the same page on a new session did
    # not: every block below moved, and on reconnecting the old room line stayed beside the new one, faded.)
    cookie = f"{COOKIE}={browser_secret()}; path=/; max-age={COOKIE_SECONDS}; samesite=strict"
    with st.container(key="room-browser"):  # hidden by style.css: it shows nothing
        st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def join(code_text: object) -> bool:
    """Join the room with this (typed or linked) code; False, with a sentence kept for the page, if refused.

    This browser's student of that room is found again (a reload, the link opened again); else a new one.
    """
    current = student()
    try:
        # Already in it, unless the teacher removed them or they were dropped before sending: then join anew.
        same_room = current is not None and rooms.parse_room_code(code_text) == current.room
        if same_room and service.rejoin(store(), current.room, current.id) is not None:
            return True
        found = service.student_of_browser(store(), code_text, browser_secret())
        if found is not None:
            _become(found)
            return True
        # Moving rooms keeps the nickname if no one in the new room has it, else draws a new one.
        nickname = None if current is None else current.nickname
        joined = service.join(store(), code_text, nickname=nickname, new_if_taken=True, browser=browser_secret())
    except ClassError as error:
        st.session_state[PROBLEM] = str(error)
        return False
    _become(joined)
    st.session_state[JOINED] = (
        f"You joined room {joined.room} as a new student, {joined.nickname}: the room knows you by this browser, "
        "so a reload here finds you again, but another browser or device joins as someone new."
    )
    st.session_state.pop(digit_key(), None)
    return True


def _become(joined: Student) -> None:
    # The link carries the room only: the student is this session's, and this browser's (remember_browser).
    st.session_state[STUDENT] = joined
    st.session_state[TRIED] = joined.room
    st.query_params["room"] = joined.room
    if OLD_ME in st.query_params:
        del st.query_params[OLD_ME]
    follow_model()  # the page that joined reads with the room's model at once


def join_from_link() -> None:
    """/draw?room=CODE joins that room once per session (a bad code gets one sentence, nothing else)."""
    code_text = st.query_params.get("room")
    if code_text is None or st.session_state.get(TRIED) == code_text:
        return
    st.session_state[TRIED] = code_text
    join(code_text)


def leave() -> None:
    st.session_state.pop(STUDENT, None)
    st.session_state.pop(state.ROOM_MODEL, None)
    st.session_state.pop(state.ROOM_START, None)
    st.session_state.pop(FOLLOWED, None)
    st.session_state.pop(digit_key(), None)
    st.session_state.pop(SENT_IDS, None)
    for name in ("room", OLD_ME):
        if name in st.query_params:
            del st.query_params[name]


def leave_for_good() -> None:
    """ "Leave the room": on a shared device the next person must not become this student (issue 28), so the browser
    forgets them: the database no longer finds the student by it, and its cookie goes."""
    current = student()
    if current is not None:
        with suppress(ClassError):  # the database down: the cookie still goes, and the session forgets
            service.forget_browser(store(), current)
    leave()
    st.session_state[BROWSER] = service.new_browser_secret()
    st.session_state[FORGET] = True


def _rename() -> None:
    current = student()
    if current is None:
        return
    try:
        st.session_state[STUDENT] = service.rename(store(), current, st.session_state.get("room.nickname", ""))
    except ClassError as error:
        st.session_state[NICKNAME_PROBLEM] = str(error)  # not PROBLEM: the student stays in the room
    st.session_state.pop("room.nickname", None)


def check_room() -> service.RoomStatus | None:
    """The student's room as it is now (one lookup); a room that is gone takes the student out of it, with a sentence.

    None when not in a room, or when the database cannot say (my_drawings says why).
    """
    current = student()
    if current is None:
        return None
    try:
        status = service.room_status(store(), current)
    except ClassError:
        return None
    if not status.exists:
        st.session_state[PROBLEM] = f"Room {current.room} no longer exists; ask your teacher for the new code."
        leave()
    elif not status.present:
        st.session_state[PROBLEM] = _gone_sentence(current.room)
        leave()
    return status


def _gone_sentence(code: str) -> str:
    """Why a student is no longer in their room: the teacher took this browser out, or they were dropped idle."""
    try:
        removed = service.browser_removed(store(), code, browser_secret())
    except ClassError:
        removed = False
    if removed:  # no way back in is offered: the teacher lets this browser back
        return (
            f"The teacher took you out of room {code}: this browser can join it again only once the teacher lets it "
            "back in."
        )
    return f"You are no longer in room {code}; type its code or open its link to join again."


def follow_model() -> None:
    """Use the model the teacher chose for this student's room (state.current_model), or stop using it; and the
    model the room starts reading drawings with (state.reader: one of rooms.START_MODELS).

    The router calls it before every page, so every page reads with the room's model. It costs one indexed
    lookup of the room's change counter per run; the room's model is read again only when that moved.
    """
    current = student()
    if current is None:
        st.session_state.pop(state.ROOM_MODEL, None)
        st.session_state.pop(state.ROOM_START, None)
        st.session_state.pop(FOLLOWED, None)
        return
    try:
        seen = (current.room, service.board_version(store(), current.room))
        if seen == st.session_state.get(FOLLOWED):
            return
        found = service.get_room(store(), current.room)
        chosen = found.model
        st.session_state[state.ROOM_START] = (current.room, found.start_model)
    except ClassError:
        seen, chosen = None, None  # the Draw page's header says why the class features are off
    st.session_state[FOLLOWED] = seen
    if chosen is None:
        st.session_state.pop(state.ROOM_MODEL, None)
        return
    try:
        model = _model_named(chosen, current.room)
    except (ClassError, _ChangedError):
        st.session_state[FOLLOWED] = None  # read again at the next run
        return
    if isinstance(model, artifacts.ModelError):
        st.session_state.pop(state.ROOM_MODEL, None)
        say("warning", f"The room's model cannot be read, so its starting model reads: {model}")
        return
    st.session_state[state.ROOM_MODEL] = (current.room, model)


def model_of_room(code: str) -> artifacts.TrainedModel:
    """The model room ``code``'s students read their drawings with (the teacher's view of it): its taught model,
    else its starting model (rooms.START_MODELS)."""
    start = rooms.DEFAULT_START_MODEL
    try:
        found = service.get_room(store(), code)
        start = found.start_model
        model = None if found.model is None else _model_named(found.model, code)
    except (ClassError, _ChangedError):
        model = None
    return state.starting_model(start) if model is None or isinstance(model, artifacts.ModelError) else model


def _model_named(chosen: str, code: str) -> artifacts.TrainedModel | artifacts.ModelError:
    """A room's model by its name in the room's row: stored in the class database, or a folder."""
    return _stored_model(chosen, code) if chosen.startswith(storage.STORED) else state.saved_model(chosen)


class _ChangedError(Exception):
    """The room's model changed between reading its name and its bytes."""


@st.cache_resource(show_spinner=False, max_entries=16)
def _stored_model(name: str, code: str) -> artifacts.TrainedModel | artifacts.ModelError:
    """A room's model kept in the class database, read once per server: its name is its bytes' SHA-256."""
    try:
        model = service.stored_room_model(store(), code, name)
    except artifacts.ModelError as error:
        return error
    if model is None:
        raise _ChangedError  # not cached: the next run asks again
    return model


def header() -> None:
    """Which room and nickname this student is in, on one line, or why the class features are off."""
    problem = st.session_state.pop(PROBLEM, None)
    if problem:
        say("warning", problem + " You can still draw on your own.")
    remember_browser()  # or, once the student left, forget the browser's cookie
    current = student()
    if current is None:
        return
    # One line, wrapping only if it must: on a phone the canvas then starts within the first screen.
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="room-header"):
        st.markdown(f"**Room {current.room}** · you are **{current.nickname}**", width="content")
        with st.popover("Nickname", width="content"):  # leaving, rarer, waits in here too
            st.text_input(
                "Nickname (letters and digits, at most 20)",
                value=current.nickname,
                key="room.nickname",
                on_change=_rename,  # no max_chars: the rules cut and clean whatever is pasted
                help="The app adds a number of two digits, as in Emma #42: two students may choose the same name, "
                "and the number tells them apart.",
            )
            st.button("Leave the room", key="room.leave", on_click=leave_for_good)
    nickname_problem = st.session_state.pop(NICKNAME_PROBLEM, None)
    if nickname_problem:
        say("warning", nickname_problem)


def digit_key() -> str:
    """The keypad's key, a new one for each drawing sent. A keypad cleared by the server under the same key came back
    chosen whenever the browser asked for a run (its 2 s live check, the fresh canvas) before the cleared keypad
    arrived: its request carries the old digit, which outranks what the script set, and the next drawing went to the
    class as the last one's digit. A new key leaves the old keypad's value nowhere to land."""
    return f"{DIGIT}.{st.session_state.get(SENDS, 0)}"


def model_name() -> str:
    """Which model read the drawing, in words (stored with it): the one state.reader says reads it."""
    reader = state.reader()
    model = reader.model
    recipe = model.meta.get("recipe", {})
    if reader.kind == "retrained":
        return (
            f"retrained in a session: {recipe.get('epochs')} epochs, learning rate {recipe.get('learning_rate')}, "
            f"units {recipe.get('hidden_units')}, seed {recipe.get('seed')}"
        )
    if reader.kind == "taught":
        return f"room {st.session_state[state.ROOM_MODEL][0]}'s taught model (trained {model.meta.get('trained_at')})"
    name = state.READER_NAMES[reader.kind]
    return f"{name} (trained {model.meta.get('trained_at', 'unknown')})"


def send_panel(steps: Steps | None, out: Forward | None, uploaded: bool = False) -> None:
    """'Which digit did you draw?' and 'Send to the class' (enabled once a digit is chosen and a drawing read).

    Runs with every stroke (in the Draw page's fragment), so it asks the room's state each time: a room the
    teacher closed disables Send at once, and a room that is gone takes the student out of it.
    """
    status = check_room()
    current = student()
    if current is None:
        if status is not None:  # the room was left just now: the whole page follows (header, totals)
            st.rerun(scope="app")
        return
    closed = status is not None and not status.is_open
    # Sent before the keypad is drawn: only then can its choice be undone (undone after it was drawn, the choice
    # stayed in the browser, and the next drawing went to the class as the last one's digit). The drawing and the
    # digit are this run's, the newest the browser sent.
    clicked = st.session_state.pop(SEND_CLICKED, False)
    key = digit_key()  # this drawing's keypad (a send reruns at once, with the next one's)
    if clicked and out is not None and not closed and st.session_state.get(key) in DIGITS:
        _send(current, st.session_state[key], steps, out)
        st.rerun()  # the fresh canvas (drawn above this panel) and the empty keypad
    notice = st.session_state.pop(SENT, None)
    running, asked = (None, None) if closed else _asked_digit(current)
    if asked is not None and running.kind == rooms.EVERY_DIGIT:  # the other kinds' digit is large above the canvas
        article = "an" if asked == 8 else "a"
        st.markdown(
            f"**The class's round: draw {article} {asked}**: of the digits you have not drawn in it, "
            f"the room has fewest {asked}s."
        )
    if asked is not None and st.session_state.get(PRESELECTED) != running.id:
        st.session_state[key] = asked  # a new round: its digit chosen, whatever was chosen before
        st.session_state[PRESELECTED] = running.id
    elif asked is not None and st.session_state.get(key) is None:
        st.session_state[key] = asked  # chosen for them once per drawing; a digit they pick stays theirs
    # wrap: in a column, pills otherwise stay on one row and scroll sideways (the 9 was cut off).
    # required: clicking the chosen digit again keeps it, instead of silently unchoosing it.
    with st.container(key="room-digit"):  # the keypad's own key changes with each drawing: styled and found here
        meant = st.pills(
            "Which digit did you draw?",
            DIGITS,
            key=key,
            selection_mode="single",
            required=True,
            wrap=True,
            width="content",
            disabled=closed,
        )
    ready = out is not None and meant in DIGITS and not closed
    st.button(
        "Send to the class",
        key="room.send",
        type="primary",
        disabled=not ready,
        on_click=_clicked_send,
    )
    st.session_state[SAID] = notice and notice[1]
    if notice is not None:
        getattr(st, notice[0])(notice[1])
    elif st.session_state.get(JOINED):  # below the canvas, not over it (a toast hid a phone's canvas for 10 s)
        st.info(state.plain(st.session_state[JOINED]))
    if closed:
        st.info(f"Room {current.room} is closed: the teacher is not collecting drawings now.")
    elif uploaded:
        st.caption("Only a digit drawn on the canvas goes to the class: switch to Draw to send one.")
    elif out is None:
        st.caption("Draw your digit, then choose it above to send it.")
    elif meant not in DIGITS:
        st.caption("Choose the digit you drew: Send waits for it.")


def _asked_digit(current: Student) -> tuple[service.Round | None, int | None]:
    """The room's running round and the digit it asks this student for (None: no round, or any digit), asked again
    only when the room changed or the round's time is up (send_panel runs with every stroke)."""
    try:
        seen = (current.room, current.id, service.board_version(store(), current.room))
        cached = st.session_state.get(ASKED)
        if cached is None or cached[0] != seen or (cached[1] is not None and not cached[1].is_running()):
            running = service.current_round(store(), current.room)
            asked = None if running is None else service.asked_in(store(), running, current)
            st.session_state[ASKED] = cached = (seen, running, asked)
    except ClassError:
        return None, None  # the page's header and totals say why
    return cached[1], cached[2]


def live_check() -> None:
    """A student's Draw page follows their room without reloading: the round (its digit, large, and time left), a
    closed room, being removed. Every CHECK_S seconds, one indexed lookup (the room's change counter); only when it
    moved, one more (what the page shows); the whole page reruns only when that changed, so another student's
    drawing never disturbs one being drawn."""
    if student() is None:
        return
    st.session_state[FRESH] = True
    st.fragment(_live_check, run_every=CHECK_S)()


def _say_seen(whose: tuple[str, str], current: Student) -> None:
    """Tell the database this student's page is open, every rooms.SEEN_EVERY_S: then joiners never push them out."""
    now = time.time()
    seen = st.session_state.get(SEEN)
    if seen is None or seen[0] != whose or now - seen[1] >= rooms.SEEN_EVERY_S:
        service.student_seen(store(), current, now)
        st.session_state[SEEN] = (whose, now)


def _live_check() -> None:
    current = student()
    if current is None:
        return
    whose = (current.room, current.id)
    try:
        _say_seen(whose, current)
        version = service.board_version(store(), current.room)
        live = st.session_state.get(LIVE)
        if st.session_state.pop(FRESH, False) or live is None or live[0] != whose:
            # The whole page just ran: what it shows is what the database says now.
            view = service.student_view(store(), current)
            live = (whose, version, view, service.current_round(store(), current.room))
            st.session_state[LIVE] = live
        elif version != live[1] or (live[3] is not None and not live[3].is_running()):
            view = service.student_view(store(), current)
            if view != live[2]:
                st.rerun(scope="app")  # a round started or ended, the room closed, the student removed, a new model
            running = live[3] if live[3] is not None and live[3].is_running() else None
            live = (whose, version, view, running)
            st.session_state[LIVE] = live
    except ClassError:
        return  # the header and the totals say why
    _round_banner(current, live[3])


def _round_banner(current: Student, running: service.Round | None) -> None:
    """The digit the round asks for, as a big heading, and its time left (redrawn by each check)."""
    if running is None or not running.is_running():
        return
    asked = running.asks(current.id)
    left = running.seconds_left()
    every = running.kind == rooms.EVERY_DIGIT  # its digit changes with each drawing: said beside the keypad
    if every and left is None:
        return
    with st.container(key="room-round"):
        if running.kind == rooms.ANY_DIGIT:
            st.markdown("# Draw any digit")
        elif not every:
            st.markdown(f"# Draw {'an' if asked == 8 else 'a'} {asked}")
        words = ["The class's round"]
        if running.kind == rooms.RANDOM_DIGIT:
            words.append("a digit drawn at random for you")
        if running.kind == rooms.FOOL:
            words.append(f"fool the model: a {asked} it reads as another digit (the class judges it is a {asked})")
        if left is not None:
            words.append(f"{countdown(left)} left")
        st.caption(" · ".join(words))


def _clicked_send() -> None:
    st.session_state[SEND_CLICKED] = True


def _send(current: Student, meant: object, steps: Steps, out: Forward) -> None:
    st.session_state.pop(JOINED, None)  # said until their first drawing
    try:
        drawing_id = service.send_drawing(
            store(),
            current,
            current.room,
            meant,
            steps.x,
            service.ink_picture(steps.cropped if steps.cropped is not None else steps.ink),
            int(out.predicted_digit[0]),
            np.asarray(out.probabilities[0], dtype=np.float32),
            model_name(),
        )
    except ClassError as error:
        st.session_state[SENT] = ("error", str(error))
        return
    st.session_state[SENT_IDS] = [*st.session_state.get(SENT_IDS, []), drawing_id]
    read = int(out.predicted_digit[0])
    verdict = "the model read it right" if read == meant else f"the model read {read}"
    st.session_state[SENT] = ("success", f"Sent your {meant} to the class: {verdict}.")
    # A fresh canvas and no digit chosen: ready for the next drawing.
    st.session_state["draw.canvas_version"] = st.session_state.get("draw.canvas_version", 0) + 1
    st.session_state.pop(digit_key(), None)
    st.session_state[SENDS] = st.session_state.get(SENDS, 0) + 1


def my_drawings() -> None:
    """This student's own sent drawings and the class totals (never other students' names), following the room live:
    every CHECK_S seconds one lookup of the room's change counter, and a new read only when it moved (issue 29: the
    totals lagged the board, and a drawing the teacher deleted stayed), in a fragment of its own: the canvas above
    is never disturbed."""
    if student() is None:
        return
    st.session_state.pop(YOURS, None)  # the whole page ran: read afresh
    st.fragment(_my_drawings, run_every=CHECK_S)()


def _yours(current: Student) -> tuple[list[service.Drawing], service.Board]:
    """The student's drawings and the room's totals, read again only when the room's change counter moved."""
    version = service.board_version(store(), current.room)
    cached = st.session_state.get(YOURS)
    if cached is not None and cached[0] == (current.room, current.id, version):
        return cached[1]
    found = (service.student_drawings(store(), current), service.board(store(), current.room, latest=0))
    st.session_state[YOURS] = ((current.room, current.id, version), found)
    return found


def _my_drawings() -> None:
    current = student()
    if current is None:
        return
    try:
        mine, board = _yours(current)
    except ClassStoreError as error:
        if str(error) != st.session_state.get(SAID):  # Send's failure said it just above: once is enough
            say("warning", f"{error} You can still draw on your own.")
        return
    except ClassError as error:
        say("warning", str(error))
        return
    st.subheader("Your class")
    _removed(mine, board)
    totals = st.columns(3)
    totals[0].metric("Students who sent", board.students)
    totals[1].metric("Drawings", board.drawings)
    totals[2].metric("The model read right", "—" if board.accuracy is None else f"{board.accuracy:.0%}")
    if not mine:
        st.caption("Your drawings will appear here once you send them.")
        return
    st.caption(f"You sent {len(mine)}: the digit you meant → what the model read.")
    shown = mine[:12]
    captions = [f"{d.meant} → {d.read}" + ("" if d.correct else " ✗") + (" (hidden)" * d.hidden) for d in shown]
    st.image([d.ink_png for d in shown], caption=captions, width=84)


def _removed(mine: list[service.Drawing], board: service.Board) -> None:
    """One sentence, once, when the teacher deleted drawings this session sent (or cleared the room)."""
    sent = st.session_state.get(SENT_IDS, [])
    kept = {d.id for d in mine}
    gone = [i for i in sent if i not in kept]
    if not gone:
        return
    st.session_state[SENT_IDS] = [i for i in sent if i in kept]
    if board.drawings + board.hidden == 0:
        st.info("The teacher cleared the room: its drawings, yours too, are gone; you can send new ones.")
    else:
        st.info(f"The teacher deleted {plural(len(gone), 'drawing')} you sent.")
