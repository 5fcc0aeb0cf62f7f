"""Class: the teacher opens a room (code, link, QR code) and shows the live board; students join here too."""

import html
import time
import zlib

import streamlit as st

from digitdemo import jobs, state
from digitdemo.classroom import export, links, rooms, service
from digitdemo.classroom.service import ClassError
from digitdemo.pages import progress as live_progress
from digitdemo.pages.classroom import board, joins, room, signin, teaching
from digitdemo.pages.common import say
from digitdemo.pages.lab import draw
from digitdemo.text import plural

ROOM = "class.room"  # the room the teacher is showing
CONFIRM = "class.confirm"  # (room code, action, target) of a deletion waiting for "Yes"
NOTICE = "class.notice"  # (section, kind, sentence, when) of the last moderation or room action
FOLDED = "class.folded"  # the room whose way in (code, link, QR) is folded: students have joined it
PICKER = "class.room_picker"  # the room select's key, followed by what its rooms' states are
PICKED = "class.picked"  # ((code, open), ...) as the room picker last showed them: changed elsewhere, it follows
NOTICE_S = 8.0  # how long that sentence stays: long enough to read, through the board's refreshes
START = "class.start_model"  # the room's starting model as the select shows it; a new room gets it too
STARTS = rooms.START_MODEL_WORDS


def render() -> None:
    st.title("Class")
    signin.gate()  # made at the server's start (streamlit_app.py); here too for a page rendered alone
    signin.sign_in_from_link()
    signin.keep_in_browser()  # the teacher's cookie kept (after a sign-in) or forgotten (after Sign out)
    # Before the sign-in check: a reloaded tab is a new session, signed out, and its teaching run (?run=)
    # must go on while the teacher signs in again.
    teaching_room = teaching.find_run()
    if signin.is_teacher():
        if teaching_room is not None and ROOM not in st.session_state:
            st.session_state[ROOM] = teaching_room  # a reload shows the room being taught
        _teacher()
    else:
        waiting = live_progress.waits_for_teacher()
        if waiting:
            minutes = jobs.TEACHER_ORPHAN_GRACE // 60
            st.info(f"A teaching run is kept for this tab for {minutes} minutes: sign in as the teacher to see it.")
        _student(sign_in_open=waiting)


def _student(sign_in_open: bool = False) -> None:
    st.markdown(
        "Draw digits together: your teacher shows a **room code** (or a QR code). Type the code here, or "
        "open the link. No account, no name: you get a friendly nickname, and you can change it."
    )
    with st.form("class.join_form", border=False):
        code, go = st.columns([2, 1], vertical_alignment="bottom")
        typed = code.text_input("Room code", key="class.code", max_chars=40, placeholder="e.g. K7MQ3")
        submitted = go.form_submit_button("Join", type="primary", width="stretch")
    if submitted and not room.join(typed):
        say("error", st.session_state.pop(room.PROBLEM, "That room cannot be joined."))
    current = room.student()
    if current is not None:
        say("success", f"You are in room {current.room} as {current.nickname}.")
        st.page_link(
            st.Page(draw.render, title="Draw", url_path="draw"),
            label="Draw and send →",
            icon=":material/edit:",
            query_params={"room": current.room},
        )
        room.remember_browser()  # a reload finds the student by this browser, never by the link
    signin.sign_in_form(expanded=sign_in_open)


def _teacher() -> None:
    presenting = state.presenting()
    if not presenting:
        picker, start, create, alone, ways = _top_row()
    try:
        every = service.list_rooms(room.store())
    except ClassError as error:
        say("error", f"{error} The class features are off until it is fixed; every other page still works.")
        return
    codes = [r.code for r in every]
    if st.session_state.get(ROOM) not in codes and codes:
        st.session_state[ROOM] = codes[0]
    if presenting and codes:
        _board_only(st.session_state[ROOM])
        return
    if presenting:  # no room to show alone yet: the controls, to create one
        picker, start, create, alone, ways = _top_row()
    if create.button("Create a room", key="class.create", type="primary", width="stretch"):
        try:
            chosen = st.session_state.get(START, rooms.DEFAULT_START_MODEL)
            st.session_state[ROOM] = service.create_room(room.store(), start_model=chosen).code
        except ClassError as error:
            say("error", str(error))
        st.rerun()
    if not codes:
        with start:
            _start_model(None)
        st.info("Create a room: students then join with its code, link or QR code.")
        return
    st.session_state[PICKED] = tuple((r.code, r.is_open) for r in every)  # what the picker shows (_teacher_tools)
    status = {r.code: f"{r.code} ({'open' if r.is_open else 'closed'})" for r in every}
    # The browser keeps a select's shown words while its value stays: "(open)" stayed after the room closed. So the
    # select is made anew when a room opens or closes (its key names the states), seeded with the room chosen.
    key = f"{PICKER}.{zlib.crc32(repr(st.session_state[PICKED]).encode()):08x}"
    st.session_state[key] = st.session_state[ROOM]
    code = picker.selectbox("Room", codes, key=key, format_func=status.get, on_change=_picked, args=(key,))
    with alone:
        _present_link("The board alone", ":material/co_present:", present=True)
    current = next(r for r in every if r.code == code)
    with start:
        _start_model(current)
    st.session_state[FOLDED] = code if current.joined or current.drawings else None
    if st.session_state[FOLDED] == code:
        # Running: the board takes the first screen; the way in stays one click away for latecomers, in the row
        # under the top one (with the limit on joining and another device's sign-in) so that the board starts high.
        with ways, st.popover(f"How to join room {code}", width="content"):
            _invitation(current)
    else:
        _invitation(current)
    with ways:
        joins.render(code)  # the brake on joining: refusals said at once (issue 28)
    board.live(code, teacher_tools=_teacher_tools)
    teaching.render(code)
    _room_actions(current)


def _top_row() -> tuple:
    """One row: the room, the model its students read with, a new one, the board alone for the projector, sign out;
    so the board starts high."""
    picker, start, create, alone, out = st.columns([2.4, 2, 1.4, 1.6, 1], vertical_alignment="bottom")
    with out:
        signin.sign_out_button()
    # One row under it: who is signed in, another device's sign-in, and (once a room runs) the way in and the
    # limit on joining, each a click away.
    ways = st.container(horizontal=True, vertical_alignment="center", gap="small")
    with ways:
        st.caption(signin.SIGNED_IN_LINE)
        signin.another_device()
    return picker, start, create, alone, ways


def _picked(key: str) -> None:
    st.session_state[ROOM] = st.session_state[key]


def _start_model(current: service.Room | None) -> None:
    """The model the room's students start reading with (issues 15, 26), and that a new room gets: the wider network
    by default, the drawing model, or the lab's model to see the lab's recipe misread drawings."""
    if current is not None:
        st.session_state[START] = current.start_model  # the room's, as the database has it
    elif START not in st.session_state:
        st.session_state[START] = rooms.DEFAULT_START_MODEL
    st.selectbox(
        "Students read with",
        list(STARTS),
        key=START,
        format_func=STARTS.get,
        on_change=_start_model_changed,
        args=(None if current is None else current.code,),
        help="The model this room's students read their drawings with, and a new room's: the wider network (more "
        "units), the drawing model (the lab's network on more data) or the lab's model. A student can switch on "
        "their Draw page; a model taught on the room's drawings (below) wins over it.",
    )
    _notice("start")


def _start_model_changed(code: str | None) -> None:
    if code is not None:
        chosen = st.session_state[START]
        _act(
            service.set_room_start_model,
            code,
            chosen,
            done=f"Room {code}'s students now read with {STARTS[chosen]}, unless they switch.",
            where="start",
        )


def _board_only(code: str) -> None:
    """Presenter mode (?present=1): the room's board and nothing else, for the projector; while the room is open,
    its code, for latecomers."""
    try:
        is_open = service.get_room(room.store(), code).is_open
    except ClassError:
        is_open = False  # the board says why
    if is_open:
        with st.container(key="board-join"):
            st.markdown(f"Join on the Class page with the room code **{code}**")
    board.live(code, teacher_tools=None)
    _present_link("Every control", ":material/settings:", present=False)


def _present_link(label: str, icon: str, present: bool) -> None:
    """A link to this page in presenter mode (the board alone) or out of it, in the same tab: sign-in is per tab."""
    page = st.Page(render, title="Class", url_path="class")
    st.page_link(page, label=label, icon=icon, query_params={"present": "1" if present else "0"})


def _teacher_tools(code: str) -> None:
    if st.session_state.get(FOLDED) != code and board.running(code):
        st.rerun(scope="app")  # the first student joined: fold the way in, so the board takes the first screen
    try:  # a room closed, opened or made elsewhere (another tab, the command line): the picker follows
        if service.rooms_open(room.store()) != st.session_state.get(PICKED):
            st.rerun(scope="app")
    except ClassError:
        pass  # the board says why
    _drawings(code)
    _removed_browsers(code)
    _export(code)


def _invitation(current: service.Room) -> None:
    """The code, big; the join link with an address students can reach; its QR code."""
    if not current.is_open:
        st.warning(f"Room {current.code} is closed: nobody can join or send. Reopen it below to go on.")
    text, qr = st.columns([3, 2])
    with text:
        st.markdown(
            "<div style='font-size:1.4rem'>Room code</div>"
            f"<div class='room-code' style='font-size:7rem;font-weight:800;letter-spacing:0.12em;line-height:1'>"
            f"{current.code}</div>",
            unsafe_allow_html=True,
        )
        if "class.address" not in st.session_state:
            st.session_state["class.address"] = signin.student_base_url()
        address = st.text_input(
            "The app's address as students reach it (change it if they cannot open the link)",
            key="class.address",
            max_chars=300,
        ).strip()
        if not address.startswith(("http://", "https://")) or len(address) < 10:
            st.error("The address must start with http:// or https://, e.g. http://192.168.1.20:8501.")
            return
        link = links.join_link(address, current.code)
        # It wraps at a / or before the ?, never inside the room code (unless one part is wider than the column).
        shown = html.escape(link).replace("/", "/<wbr>").replace("?", "<wbr>?")
        st.markdown(f"<div style='font-size:1.8rem;overflow-wrap:anywhere'>{shown}</div>", unsafe_allow_html=True)
        if signin.loopback_only():
            st.warning(
                "This server answers this computer only (it was started with `--server.address` "
                "set to this computer), so students' devices cannot open the link. Start it again "
                "without that option, or with `--server.address 0.0.0.0`."
            )
        elif links.is_local(address):
            st.warning("This address works on this computer only; put the address of its network instead.")
    qr.image(links.qr_png(link), caption="Scan to join", width=360)


def _act(action, *args, done: str, where: str = "moderation") -> None:
    """Run a moderation call; its outcome is one sentence, shown in its section for NOTICE_S seconds."""
    try:
        action(room.store(), *args)
    except ClassError as error:
        st.session_state[NOTICE] = (where, "error", str(error), time.monotonic())
    else:
        st.session_state[NOTICE] = (where, "success", done, time.monotonic())


def _ask(code: str, action: str, target: object) -> None:
    """The first click of a deletion: it only asks (the page shows "Yes, ..." and "Cancel")."""
    st.session_state[CONFIRM] = (code, action, target)


def _asked(code: str, action: str, target: object) -> bool:
    return st.session_state.get(CONFIRM) == (code, action, target)


def _cancel() -> None:
    st.session_state.pop(CONFIRM, None)


def _confirmed(action, *args, done: str, where: str = "moderation") -> None:
    """The second click: the deletion happens."""
    _cancel()
    _act(action, *args, done=done, where=where)


def _confirm(question: str, yes: str, key: str, call: tuple, done: str, where: str = "moderation") -> None:
    """A deletion's second step: the question, "Yes, ..." (``call`` happens; keys ``key``_yes/_no) and Cancel."""
    say("warning", question)
    left, right = st.columns(2)
    left.button(
        yes, key=f"{key}_yes", type="primary", on_click=_confirmed, args=call, kwargs={"done": done, "where": where}
    )
    right.button("Cancel", key=f"{key}_no", on_click=_cancel)


def _notice(where: str) -> None:
    # Kept for a while, not shown once: the board's refresh every 1.5 s would otherwise wipe it at once.
    notice = st.session_state.get(NOTICE)
    if notice is None or notice[0] != where:
        return
    if time.monotonic() - notice[3] > NOTICE_S:
        st.session_state.pop(NOTICE, None)
        return
    getattr(st, notice[1])(notice[2])


def _drawings(code: str) -> None:
    """Each drawing with its author, to hide, show or delete; one student's drawings removed at once."""
    st.subheader("Moderation")
    _notice("moderation")
    # Off by default: the board refreshes every 1.5 s, and this list (with its pictures) is its costliest part.
    if not st.toggle("Show each drawing with its nickname, to hide or delete it", key="class.moderate"):
        return
    try:
        drawings = service.room_drawings(room.store(), code)
    except ClassError as error:
        say("warning", str(error))
        return
    st.caption(f"The latest of {len(drawings)} drawings, newest first.")
    for drawing in drawings[:30]:
        picture, words, hide, delete = st.columns([1, 4, 1.2, 1.2], vertical_alignment="center")
        picture.image(drawing.ink_png, width=56)
        status = " · hidden" if drawing.hidden else ""
        words.markdown(f"**{drawing.meant} → {drawing.read}** by {state.plain(drawing.nickname)}{status}")
        if drawing.hidden:
            hide.button(
                "Show",
                key=f"class.show.{drawing.id}",
                on_click=_act,
                args=(service.unhide_drawing, code, drawing.id),
                kwargs={"done": "The drawing is on the board again."},
            )
        else:
            hide.button(
                "Hide",
                key=f"class.hide.{drawing.id}",
                on_click=_act,
                args=(service.hide_drawing, code, drawing.id),
                kwargs={"done": "The drawing is hidden from the board."},
            )
        if _asked(code, "delete", drawing.id):
            words.warning("Delete this drawing for good? It cannot be brought back.")
            hide.button("Cancel", key=f"class.delete_no.{drawing.id}", on_click=_cancel)
            delete.button(
                "Yes, delete",
                key=f"class.delete_yes.{drawing.id}",
                type="primary",
                on_click=_confirmed,
                args=(service.delete_drawing, code, drawing.id),
                kwargs={"done": "The drawing is deleted."},
            )
        else:
            delete.button("Delete", key=f"class.delete.{drawing.id}", on_click=_ask, args=(code, "delete", drawing.id))
    names = {d.student_id: d.nickname for d in reversed(drawings)}
    if names:
        chosen, go, out = st.columns([2, 1, 1], vertical_alignment="bottom")
        student = chosen.selectbox("A student", list(names), key="class.student", format_func=names.get)
        name = names.get(student, "The student")
        go.button(
            "Delete their drawings",
            key="class.remove_student",
            on_click=_ask,
            args=(code, "remove", student),
        )
        out.button(
            "Remove from the room",
            key="class.remove_from_room",
            on_click=_ask,
            args=(code, "remove_from_room", student),
        )
        drawn = plural(sum(d.student_id == student for d in drawings), "drawing")
        if _asked(code, "remove", student):
            _confirm(
                f"Delete {drawn} by {name} for good? They cannot be brought back.",
                "Yes, delete them",
                "class.remove",
                (service.remove_student_drawings, code, student),
                done=f"{name}'s drawings are removed.",
            )
        elif _asked(code, "remove_from_room", student):
            _confirm(
                f"Take {name} out of the room and delete their {drawn} for good? They cannot be brought back.",
                "Yes, remove them",
                "class.remove_from_room",
                (service.remove_student, code, student),
                done=f"{name} is removed from the room, with their drawings; their place is free. Their browser "
                "cannot join again until you let it back in (below).",
            )


def _room_actions(current: service.Room) -> None:
    """Clear, close or reopen the room: the whole page follows (its status shows above the board)."""
    st.subheader("The room")
    _notice("room")
    code = current.code
    clear, close = st.columns(2, vertical_alignment="bottom")
    clear.button("Clear the room", key="class.clear", on_click=_ask, args=(code, "clear", code))
    if current.is_open:
        close.button(
            "Close the room",
            key="class.close",
            on_click=_act,
            args=(service.close_room, code),
            kwargs={"done": f"Room {code} is closed: no more joining or sending.", "where": "room"},
        )
    else:
        close.button(
            "Reopen the room",
            key="class.reopen",
            on_click=_act,
            args=(service.reopen_room, code),
            kwargs={"done": f"Room {code} is open again.", "where": "room"},
        )
    if _asked(code, "clear", code):
        _confirm(
            f"Delete every drawing of room {code} ({plural(current.drawings, 'drawing')}) for good? "
            "The students stay in the room.",
            "Yes, clear the room",
            "class.clear",
            (service.clear_room, code),
            done=f"Room {code} is cleared.",
            where="room",
        )


def _removed_browsers(code: str) -> None:
    """The browsers taken out of the room (issue 29), each with its way back in: the teacher's choice alone."""
    try:
        removed = service.removed_browsers(room.store(), code)
    except ClassError as error:
        say("warning", str(error))
        return
    if not removed:
        return
    st.markdown(f"**Kept out of room {code}** (their browser cannot join it again, under any name):")
    for gone in removed:
        name, back = st.columns([3, 1], vertical_alignment="center")
        name.markdown(
            state.plain(f"{gone.nickname}, removed at {time.strftime('%H:%M', time.localtime(gone.removed_at))}")
        )
        back.button(
            "Let back in",
            key=f"class.let_back.{gone.key[:16]}",
            on_click=_act,
            args=(service.let_back_in, code, gone.key),
            kwargs={"done": f"{gone.nickname}'s browser may join room {code} again."},
        )


def _export(code: str) -> None:
    st.subheader("Export")
    st.caption(
        "The class's shown drawings for the lab: X.npy (n, 400) float32 in the lab's column order, y.npy (n, 1), "
        "one PNG each and a CSV. `np.load` them in the lab's notebook as they are."
    )
    try:
        count = service.get_room(room.store(), code).drawings
    except ClassError as error:
        say("warning", str(error))
        return
    if count == 0:
        st.caption(f"Room {code} has no drawings to export yet.")
        return
    nicknames = st.checkbox("Include nicknames in the CSV", key="class.nicknames")
    st.download_button(
        "Download the drawings (zip)",
        # Built when the button is pressed, not on every run of the page.
        lambda: export.zip_bytes(room.store(), code, include_nicknames=nicknames),
        file_name=f"class-{code}.zip",
        mime="application/zip",
        key="class.download",
        on_click="ignore",
    )
