"""A room's places: only students who sent take one, idle joiners stay bounded, the teacher frees a place.

A scripted visitor opening fresh sessions (no ?me=, or a forged one) must neither shut real students out
of a room nor grow the database without bound. Each test gets a fresh database in a temporary folder.
"""

import sqlite3

import numpy as np
import pytest

from digitdemo import data
from digitdemo.classroom import rooms, service
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.schema import SCHEMA_VERSION
from digitdemo.classroom.storage import ClassStore
from digitdemo.handwriting.canvas import render_drawing
from tests.apptest import keypad, page
from tests.class_drawings import old_file, race
from tests.test_class_pages import all_text, board_numbers, draw_in, labels, teacher_with_a_lesson

INK = service.ink_picture(np.eye(20))


@pytest.fixture
def seven():
    """A held-out 7 drawn on the canvas (RGBA)."""
    images, labels_ = data.load_source()
    held_out = np.flatnonzero(~data.is_training_example())
    return render_drawing(images[held_out[labels_[held_out] == 7][2]], np.random.default_rng(3))


def send(store, student, meant=3, now=None):
    return service.send_drawing(
        store, student, student.room, meant, np.full(400, meant / 10, dtype=np.float32), INK, meant,
        np.eye(10, dtype=np.float32)[meant], "shipped", now=now,
    )  # fmt: skip


@pytest.fixture
def pages_closed(monkeypatch):
    """Each join a minute after the one before, no page saying it is open: the script's joiners whose pages closed,
    which the room drops (one whose page is open, or who joined in the last minute, it keeps: issue 28), and never
    more than the room's join budget a minute."""
    moments = iter(range(10**6))
    start = 1e9
    monkeypatch.setattr(service, "clock", lambda: start + (rooms.CONNECTED_S + 1) * next(moments))


def student_rows(store, code) -> int:
    with store.db.lookup() as conn:
        return conn.execute("SELECT count(*) FROM students WHERE room = ?", (code,)).fetchone()[0]


# --- Idle joiners take no place -----------------------------------------------------------------
def test_more_fresh_joins_than_the_room_keeps_leave_it_open_to_real_students(store, pages_closed):
    room = service.create_room(store)
    early = service.join(store, room.code, "Ada")
    send(store, early, 1, now=1000.0)
    for _ in range(rooms.MAX_IDLE_STUDENTS_PER_ROOM + 50):  # a script opening fresh sessions, more than it keeps
        service.join(store, room.code)
    late = service.join(store, room.code, "Grace")
    send(store, late, 7)
    send(store, early, 2, now=2000.0)  # the student who sent before the flood is still in, with her drawings
    board = service.board(store, room.code)
    assert (board.students, board.drawings) == (2, 3)
    assert {d.nickname for d in board.latest} == {"Ada", "Grace"}
    assert board.joined == 2 + rooms.MAX_IDLE_STUDENTS_PER_ROOM - 1  # and the newest idle joiners, no more


def test_5000_fresh_joins_keep_the_students_table_and_the_file_bounded(tmp_path, pages_closed):
    store = ClassStore(tmp_path / "class.db")
    room = service.create_room(store)
    senders = [service.join(store, room.code, f"Writer {i}") for i in range(3)]
    for i, student in enumerate(senders):
        send(store, student, i)
    sizes = {}
    for n in range(1, 5001):
        service.join(store, room.code)
        if n in (500, 5000):
            store.close()  # the WAL checkpointed into the file
            sizes[n] = store.location.stat().st_size
    assert student_rows(store, room.code) == 3 + rooms.MAX_IDLE_STUDENTS_PER_ROOM
    assert sizes[5000] <= sizes[500] + 8 * 4096, sizes  # pages freed by dropped joiners are used again
    for student in senders:  # every student who sent is kept, as they were
        assert service.rejoin(store, room.code, student.id) == student
    board = service.board(store, room.code)
    assert (board.students, board.drawings, board.joined) == (3, 3, 3 + rooms.MAX_IDLE_STUDENTS_PER_ROOM)
    store.close()


def test_the_oldest_idle_joiners_are_dropped_and_the_newest_come_back_as_themselves(store, monkeypatch, pages_closed):
    monkeypatch.setattr(rooms, "MAX_IDLE_STUDENTS_PER_ROOM", 3)
    room, other = service.create_room(store), service.create_room(store)
    neighbour = service.join(store, other.code, "Next Door")  # another room's idle joiner is not this room's
    sender = service.join(store, room.code, "Ada")
    send(store, sender)  # joined first, but sent: never dropped
    idle = [service.join(store, room.code, f"Idle {i}") for i in range(5)]
    assert [service.rejoin(store, room.code, s.id) for s in idle] == [None, None, *idle[2:]]
    assert service.rejoin(store, room.code, sender.id) == sender
    assert service.rejoin(store, other.code, neighbour.id) == neighbour
    with pytest.raises(ClassRuleError, match="please join again"):
        send(store, idle[0])  # dropped: its sentence says to join again, nothing is stored
    send(store, idle[4])  # a kept one sends as itself, with its nickname
    assert service.board(store, room.code).latest[0].nickname == "Idle 4"
    assert (service.get_room(store, room.code).students, service.get_room(store, room.code).joined) == (2, 4)


# --- Students who sent take the room's places --------------------------------------------------------
def test_only_students_who_sent_take_a_place_and_removing_one_frees_it(store, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_STUDENTS_PER_ROOM", 3)
    room = service.create_room(store)
    waiting = service.join(store, room.code, "Late")  # joined while there was room, has not sent
    senders = [service.join(store, room.code, name) for name in ("Ada", "Alan", "Grace")]
    for student in senders:
        send(store, student)
    full = f"Room {room.code} is full: 3 students have sent drawings; ask your teacher for another room."
    with pytest.raises(ClassRuleError) as refused:
        service.join(store, room.code)
    assert str(refused.value) == full
    with pytest.raises(ClassRuleError) as refused:
        send(store, waiting)
    assert str(refused.value) == full
    send(store, senders[0], 4, now=1e9)  # a student who holds a place goes on sending

    assert service.remove_student(store, room.code, senders[1].id) == 1  # Alan, and his one drawing
    board = service.board(store, room.code)
    assert (board.students, board.drawings, board.joined) == (2, 3, 3)
    assert "Alan" not in {d.nickname for d in board.latest}
    with pytest.raises(ClassRuleError, match="the teacher removed you"):
        send(store, senders[1])
    assert service.rejoin(store, room.code, senders[1].id) is None  # a reload joins anew, as a new student
    send(store, waiting)  # Alan's place is free: the student who waited sends now
    assert service.board(store, room.code).students == 3


def test_removing_a_student_says_so_when_there_is_none_and_stays_in_its_room(store):
    room, other = service.create_room(store), service.create_room(store)
    ada = service.join(store, room.code, "Ada")
    send(store, ada)
    with pytest.raises(ClassRuleError, match=f"Room {other.code} has no such student"):
        service.remove_student(store, other.code, ada.id)
    with pytest.raises(ClassRuleError, match="no such student"):
        service.remove_student(store, room.code, "<b>" * 100)
    assert service.board(store, room.code).students == 1
    version = service.board_version(store, room.code)
    assert service.remove_student(store, room.code, ada.id) == 1
    assert service.board_version(store, room.code) > version  # the board redraws


def test_thirty_first_sends_at_once_into_a_room_of_twenty_places_store_exactly_twenty(store, monkeypatch):
    """The count of students who sent and the first send are one transaction."""
    monkeypatch.setattr(rooms, "MAX_STUDENTS_PER_ROOM", 20)
    room = service.create_room(store).code
    students = [service.join(store, room) for _ in range(30)]
    outcomes = race(store.location, students, send)
    assert outcomes.count("stored") == 20
    assert (
        outcomes.count(f"Room {room} is full: 20 students have sent drawings; ask your teacher for another room.") == 10
    )
    assert service.board(store, room).students == 20


# --- The schema: dropping a student row stays cheap ------------------------------------------------------
def test_dropping_a_student_finds_their_drawings_by_an_index_not_by_reading_the_room(sqlite_store):
    """Speed without timing: SQLite's plan for the foreign key's lookup when a student row is deleted."""
    service.create_room(sqlite_store)
    with sqlite3.connect(sqlite_store.location) as conn:
        conn.execute("PRAGMA foreign_keys = ON")  # as the store's connections have it
        plan = conn.execute("EXPLAIN QUERY PLAN DELETE FROM students WHERE id = 'x'").fetchall()
    assert any("COVERING INDEX drawings_student_room" in row[-1] for row in plan), plan


def test_a_version_3_file_is_migrated_and_its_students_keep_their_places(tmp_path):
    path = tmp_path / "old.db"
    conn = old_file(path, 3)
    conn.execute("INSERT INTO rooms (code, created_at) VALUES ('BCD23', 1.0)")
    for student, joined in (("a" * 16, 1.0), ("b" * 16, 2.0)):
        conn.execute("INSERT INTO students VALUES (?, 'BCD23', ?, ?)", (student, student[0].upper(), joined))
    conn.execute(
        "INSERT INTO drawings (room, student, meant, read, x, probabilities, ink_png, model, created_at) "
        "VALUES ('BCD23', ?, 3, 3, zeroblob(1600), zeroblob(40), ?, 'm', 5.0)",
        ("a" * 16, INK),
    )
    conn.commit()
    conn.close()

    store = ClassStore(path)
    assert store.schema_version() == SCHEMA_VERSION  # up to date, whatever came after 4
    room = service.get_room(store, "BCD23")
    assert (room.students, room.joined, room.drawings) == (1, 2, 1)  # "a" sent, "b" only joined
    assert service.rejoin(store, "BCD23", "b" * 16).nickname == "B"
    assert service.remove_student(store, "BCD23", "a" * 16) == 1
    assert service.get_room(store, "BCD23").students == 0
    store.close()


# --- What the pages show -------------------------------------------------------------------------------
def test_fresh_and_forged_sessions_do_not_shut_out_a_student_who_draws_and_sends(db, monkeypatch, seven):
    monkeypatch.setattr(rooms, "MAX_STUDENTS_PER_ROOM", 2)
    room = service.create_room(db)
    for forged in (None, None, "0" * 16, "<b>x</b>"):  # a script opening the join link again and again
        at = page("draw")
        at.query_params["room"] = room.code
        if forged is not None:
            at.query_params["me"] = forged
        at.run()
        assert at.session_state["room.student"].room == room.code
    at = draw_in(room.code, seven)
    keypad(at).set_value(7).run()
    at.button(key="room.send").click().run()
    assert labels(at, "success")[0].startswith("Sent your 7 to the class")
    assert {m.label: m.value for m in at.metric}["Students who sent"] == "1"


def test_the_board_counts_students_who_sent_and_the_teacher_removes_one(db, password):
    at, code, _, alan = teacher_with_a_lesson(db, password)
    service.join(db, code)  # joined, never sent
    at.run()
    assert "1 more joined and has not sent yet." in all_text(at)
    for _ in range(2):
        service.join(db, code)
    at.run()
    assert board_numbers(at) == {"students who sent": "2", "drawings": "3", "read right": "67%"}
    assert "3 more joined and have not sent yet." in all_text(at)
    at.toggle(key="class.moderate").set_value(True).run()
    at.selectbox(key="class.student").set_value(alan.id).run()
    at.button(key="class.remove_from_room").click().run()  # asks first (tests/test_room_page.py)
    at.button(key="class.remove_from_room_yes").click().run()
    assert labels(at, "success")[-1] == (
        "Alan is removed from the room, with their drawings; their place is free. Their browser cannot join again "
        "until you let it back in (below)."
    )
    assert board_numbers(at) == {"students who sent": "1", "drawings": "2", "read right": "50%"}
    assert service.rejoin(db, code, alan.id) is None


def test_a_student_removed_or_dropped_joins_again_by_typing_the_code(db, monkeypatch, pages_closed):
    monkeypatch.setattr(rooms, "MAX_IDLE_STUDENTS_PER_ROOM", 1)
    room = service.create_room(db)
    at = page("class").run()
    at.text_input(key="class.code").input(room.code)
    next(b for b in at.button if b.label == "Join").click().run()
    dropped = at.session_state["room.student"]
    service.join(db, room.code)  # one more idle joiner: the older one is dropped
    assert service.rejoin(db, room.code, dropped.id) is None
    next(b for b in at.button if b.label == "Join").click().run()  # "please join again": the same code
    again = at.session_state["room.student"]
    assert again.id != dropped.id and again.nickname == dropped.nickname
    assert service.rejoin(db, room.code, again.id) == again
    assert labels(at, "success")[0] == f"You are in room {room.code} as {again.nickname}."
