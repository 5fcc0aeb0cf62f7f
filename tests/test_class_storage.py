"""The class database and its rules: rooms, joining, sending, limits, the board and moderation.

Each test gets a fresh database file in its own temporary folder.
"""

import re
import sqlite3
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitdemo.classroom import rooms, service
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.schema import MIGRATIONS, SCHEMA_VERSION
from digitdemo.classroom.storage import BOARD_CELLS_SQL, ClassStore
from tests.class_drawings import old_file

PROBABILITIES = np.full(10, 0.1, dtype=np.float32)


@pytest.fixture
def ink():
    return service.ink_picture(np.eye(30))


def x_of(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(400, dtype=np.float32)


def send(store, student, meant, read, ink, now=None, x=None):
    p = np.zeros(10, dtype=np.float32)
    p[read] = 1.0
    x = x_of(meant * 10 + read) if x is None else x
    return service.send_drawing(store, student, student.room, meant, x, ink, read, p, "shipped", now=now)


# --- Schema ---------------------------------------------------------------------------
def test_a_new_database_gets_the_whole_schema(store):
    store.check()
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    with store.db.lookup() as conn:
        for table in ("rooms", "students", "drawings", "renames", "sign_in_brake", "rounds", "room_models"):
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()


def test_a_new_file_is_in_wal_mode(sqlite_store):
    sqlite_store.check()
    conn = sqlite3.connect(sqlite_store.location)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"rooms", "students", "drawings"} <= tables


def test_a_version_1_file_is_migrated_and_keeps_its_rooms(tmp_path, ink):
    path = tmp_path / "old.db"
    conn = old_file(path, 1)
    conn.execute("INSERT INTO rooms (code, created_at) VALUES ('BCD23', 1.0)")
    conn.commit()
    conn.close()

    store = ClassStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(path) as conn:
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "drawings_board" in indexes  # migration 3
    room = service.get_room(store, "BCD23")
    assert room.model is None and room.is_open
    service.set_room_model(store, "BCD23", "runs/taught-1")
    assert service.get_room_model(store, "bcd-23") == "runs/taught-1"
    student = service.join(store, "BCD23")
    send(store, student, 4, 4, ink)
    assert service.board(store, "BCD23").drawings == 1


def test_a_file_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(service.ClassStoreError, match="newer digitdemo"):
        ClassStore(path).check()
    assert path.read_bytes() == before


def test_drawings_survive_a_restart(tmp_path, ink):
    first = ClassStore(tmp_path / "class.db")
    room = service.create_room(first)
    student = service.join(first, room.code, "Ada")
    drawing_id = send(first, student, 3, 5, ink)
    first.close()

    again = ClassStore(tmp_path / "class.db")
    board = service.board(again, room.code)
    assert (board.students, board.drawings, board.latest[0].id) == (1, 1, drawing_id)
    assert board.latest[0].ink_png == ink and board.latest[0].nickname == "Ada"
    assert service.send_drawing(again, student, room.code, 3, x_of(1), ink, 3, PROBABILITIES, "shipped") > drawing_id


# --- Room codes and nicknames (pure rules) ------------------------------------------------
def test_room_codes_are_short_and_unambiguous():
    codes = {rooms.new_room_code() for _ in range(2000)}
    assert len(codes) > 1990  # random, so almost never the same twice
    for code in codes:
        assert len(code) == rooms.CODE_LENGTH and not set(code) & set("0O1I")
        assert rooms.parse_room_code(code) == code


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [("k7mq3", "K7MQ3"), (" K7M-Q3 ", "K7MQ3"), ("k7m q3", "K7MQ3"), ("K7M_Q3.", "K7MQ3")],
)
def test_typed_codes_are_forgiven_case_spaces_and_dashes(typed, parsed):
    assert rooms.parse_room_code(typed) == parsed


@pytest.mark.parametrize(
    "typed", ["", "K7MQ", "K7MQ33", "K7MO3", "K7M03", "K1MQ3", "<b>K7MQ3", "K" * 10000, None, 12345]
)
def test_malformed_codes_are_none(typed):
    assert rooms.parse_room_code(typed) is None


def test_random_nicknames_are_friendly():
    names = {rooms.new_nickname() for _ in range(300)}
    assert len(names) > 100
    for name in names:
        adjective, animal = name.split(" ")
        assert adjective in rooms.ADJECTIVES and animal in rooms.ANIMALS
        assert rooms.clean_nickname(name) == name


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("<b>Zoë</b>", "Zoë"),
        ("<script>alert(1)</script>", "alert1"),
        ("**Bold** [link](http://x)", "Bold linkhttpx"),
        ("  Ada\x00\x1b[31m  Lovelace\u202e ", "Ada31m Lovelace"),
        ("---Sam---", "Sam"),
        ("Z\u0335\u0321a\u0336lgo", "Zalgo"),
        ("\u200b\u200b", None),
        ("<>&\"'`", None),
        ("", None),
        (None, None),
    ],
)
def test_typed_nicknames_are_made_plain(typed, clean):
    assert rooms.clean_nickname(typed) == clean


def test_a_10000_character_nickname_is_cut_short():
    assert rooms.clean_nickname("A" * 10_000) == "A" * rooms.NICKNAME_MAX_CHARS
    assert len(rooms.clean_nickname("word " * 2000)) <= rooms.NICKNAME_MAX_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_typed_nickname_comes_out_plain_or_not_at_all(text):
    name = rooms.clean_nickname(text)
    if name is not None:
        assert 0 < len(name) <= rooms.NICKNAME_MAX_CHARS and name == name.strip(" -")
        assert all(c.isalnum() or c in " -" for c in name) and "  " not in name


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_typed_code_is_a_valid_code_or_none(text):
    code = rooms.parse_room_code(text)
    assert code is None or (len(code) == rooms.CODE_LENGTH and set(code) <= set(rooms.CODE_ALPHABET))


# --- Rooms and joining ---------------------------------------------------------------------
def test_create_list_close_and_reopen_rooms(store):
    first, second = service.create_room(store), service.create_room(store)
    assert first.code != second.code
    assert {r.code for r in service.list_rooms(store)} == {first.code, second.code}
    closed = service.close_room(store, first.code)
    assert not closed.is_open and closed.closed_at is not None
    with pytest.raises(ClassRuleError) as closed_answer:
        service.join(store, first.code)
    with pytest.raises(ClassRuleError) as missing_answer:
        service.join(store, "BCDFG")
    # Issue 28: a new student is told the same of a closed room as of none, so probing codes learns nothing.
    assert str(closed_answer.value) == str(missing_answer.value).replace("BCDFG", first.code)
    assert service.reopen_room(store, first.code).is_open
    assert service.join(store, first.code).room == first.code


def test_a_room_starts_its_students_with_the_wider_network_or_the_teachers_choice(store):
    """Issues 15, 26: the wider network by default, the drawing model or the lab's model if the teacher chooses;
    changed later, the students' pages notice (the room's change counter moves and their view carries it)."""
    room = service.create_room(store)
    assert room.start_model == rooms.WIDE_MODEL
    drawing = service.create_room(store, start_model=rooms.DRAWING_MODEL)
    assert service.get_room(store, drawing.code).start_model == rooms.DRAWING_MODEL
    lab = service.create_room(store, start_model=rooms.LAB_MODEL)
    assert service.get_room(store, lab.code).start_model == rooms.LAB_MODEL
    student = service.join(store, room.code)
    before = store.board_version(room.code)
    changed = service.set_room_start_model(store, room.code, rooms.LAB_MODEL)
    assert changed.start_model == rooms.LAB_MODEL and store.board_version(room.code) > before
    assert service.student_view(store, student).start_model == rooms.LAB_MODEL
    # A taught model wins over it, and switching that back leaves the starting model as it was.
    service.set_room_model(store, room.code, "runs/taught-1")
    service.set_room_model(store, room.code, None)
    assert service.get_room(store, room.code).start_model == rooms.LAB_MODEL
    for wrong in ("keras", None, ""):
        with pytest.raises(ClassRuleError, match="wider network .* drawing model .* the lab's model"):
            service.set_room_start_model(store, room.code, wrong)
        with pytest.raises(ClassRuleError, match="wider network .* drawing model .* the lab's model"):
            service.create_room(store, start_model=wrong)
    with pytest.raises(ClassRuleError, match="There is no room BCDFG"):
        service.set_room_start_model(store, "BCDFG", rooms.DRAWING_MODEL)
    assert service.get_room(store, room.code).start_model == rooms.LAB_MODEL


def _database_at(class_db, version: int) -> None:
    """A class database as digitdemo left it at schema ``version``, on either backend, holding room BCD23."""
    if not str(class_db).startswith("postgresql://"):
        conn = old_file(class_db, version)
        conn.execute("INSERT INTO rooms (code, created_at) VALUES ('BCD23', 1.0)")
        conn.commit()
        conn.close()
        return
    import psycopg

    from digitdemo.classroom.postgres import postgres_ddl

    with psycopg.connect(class_db) as conn:
        for statements in MIGRATIONS[:version]:
            for statement in statements:
                conn.execute(postgres_ddl(statement))
        conn.execute("CREATE TABLE digitdemo_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO digitdemo_schema (version) VALUES (%s)", (version,))
        conn.execute("INSERT INTO rooms (code, created_at) VALUES ('BCD23', 1.0)")


def test_the_rooms_of_before_starting_models_start_with_the_drawing_model(class_db):
    _database_at(class_db, 11)
    store = ClassStore(class_db)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        assert service.get_room(store, "BCD23").start_model == rooms.DRAWING_MODEL
        assert service.set_room_start_model(store, "BCD23", rooms.LAB_MODEL).start_model == rooms.LAB_MODEL
    finally:
        store.close()


def test_a_room_of_before_the_wider_network_keeps_its_starting_model_and_may_take_the_wider_one(class_db):
    """Migration 13 makes the starting model's column again (its CHECK now admits 'wide'): values kept."""
    _database_at(class_db, 12)
    store = ClassStore(class_db)
    try:
        assert service.get_room(store, "BCD23").start_model == rooms.DRAWING_MODEL
        assert service.set_room_start_model(store, "BCD23", rooms.WIDE_MODEL).start_model == rooms.WIDE_MODEL
        assert service.create_room(store).start_model == rooms.WIDE_MODEL
    finally:
        store.close()


def test_joining_gives_a_random_id_and_a_clean_nickname(store):
    room = service.create_room(store)
    named = service.join(store, room.code.lower(), "<i>Grace</i>")
    anonymous = service.join(store, f" {room.code[:2]}-{room.code[2:]} ")
    assert named.nickname == "Grace" and named.room == room.code
    assert anonymous.nickname.split(" ")[1] in rooms.ANIMALS
    assert named.id != anonymous.id and len(named.id) == 16
    assert (service.get_room(store, room.code).joined, service.get_room(store, room.code).students) == (2, 0)
    renamed = service.rename(store, named, "Grace <b>H</b>")
    assert re.fullmatch(r"Grace H #[1-9][0-9]", renamed.nickname) and renamed.id == named.id  # typed: a number
    with pytest.raises(ClassRuleError, match="letter or digit"):
        service.rename(store, named, "<>")


@pytest.mark.parametrize("code", ["ZZZZZ", "zz-zzz"])
def test_unknown_rooms_are_named(store, code):
    with pytest.raises(ClassRuleError, match="no room ZZZZZ"):
        service.join(store, code)
    with pytest.raises(ClassRuleError, match="no room ZZZZZ"):
        service.board(store, code)
    assert service.board_version(store, code) is None


@pytest.mark.parametrize("code", ["", "0000O", "' OR 1=1 --", "K" * 10_000, None])
def test_malformed_codes_get_one_sentence(store, code):
    with pytest.raises(ClassRuleError, match="not a room code"):
        service.join(store, code)


def test_a_room_holds_a_bounded_number_of_students_who_sent(store, ink, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_STUDENTS_PER_ROOM", 3)
    room = service.create_room(store)
    for _ in range(3):
        send(store, service.join(store, room.code), 1, 1, ink)
    with pytest.raises(ClassRuleError, match="full: 3 students have sent drawings"):
        service.join(store, room.code)


# --- Sending and its limits ------------------------------------------------------------------
def test_a_sent_drawing_is_stored_exactly(store, ink):
    room = service.create_room(store)
    student = service.join(store, room.code)
    x = x_of(99)
    drawing_id = send(store, student, 7, 1, ink, x=x)
    (drawing,) = service.student_drawings(store, student)
    assert (drawing.id, drawing.meant, drawing.read, drawing.correct, drawing.hidden) == (
        drawing_id,
        7,
        1,
        False,
        False,
    )
    assert drawing.ink_png == ink and drawing.model == "shipped" and abs(drawing.created_at - time.time()) < 60
    (row,) = store.drawings(room.code, arrays=True)
    assert np.frombuffer(row["x"], dtype="<f4").tobytes() == x.tobytes()


def test_a_student_may_send_six_a_minute(store, ink):
    room = service.create_room(store)
    student, other = service.join(store, room.code), service.join(store, room.code)
    start = 1_000_000.0
    for i in range(rooms.SENDS_PER_MINUTE):
        send(store, student, i, i, ink, now=start + i)
    with pytest.raises(ClassRuleError, match="a minute; please wait 50 s") as refused:
        send(store, student, 0, 0, ink, now=start + 10)
    assert refused.value.retry_after == pytest.approx(50.0)
    send(store, other, 0, 0, ink, now=start + 10)  # the limit is per student
    send(store, student, 0, 0, ink, now=start + 61)  # a minute later, the first has left the window


def test_a_student_may_send_a_bounded_number_in_all(store, ink):
    room = service.create_room(store)
    student = service.join(store, room.code)
    for i in range(rooms.MAX_DRAWINGS_PER_STUDENT):
        send(store, student, i % 10, i % 10, ink, now=1000.0 + 20 * i)
    with pytest.raises(ClassRuleError, match="as many as one student may"):
        send(store, student, 1, 1, ink, now=1e9)
    assert service.board(store, room.code).drawings == rooms.MAX_DRAWINGS_PER_STUDENT


def test_a_full_room_says_so(store, ink, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_DRAWINGS_PER_ROOM", 4)
    room = service.create_room(store)
    students = [service.join(store, room.code) for _ in range(3)]
    for i in range(4):
        send(store, students[i % 3], 2, 2, ink)
    with pytest.raises(ClassRuleError, match="full: it holds 4 drawings"):
        send(store, students[2], 2, 2, ink)


def test_a_closed_room_takes_no_drawings_but_keeps_its_board(store, ink):
    room = service.create_room(store)
    student = service.join(store, room.code)
    send(store, student, 5, 5, ink)
    service.close_room(store, room.code)
    with pytest.raises(ClassRuleError, match="closed"):
        send(store, student, 5, 5, ink)
    assert service.board(store, room.code).drawings == 1


def test_forged_rooms_and_students_are_refused(store, ink):
    room, other = service.create_room(store), service.create_room(store)
    student = service.join(store, room.code)
    args = (3, x_of(0), ink, 3, PROBABILITIES, "shipped")
    with pytest.raises(ClassRuleError, match=f"another room, not {other.code}"):
        service.send_drawing(store, student, other.code, *args)
    with pytest.raises(ClassRuleError, match="no room ZZZZZ"):
        service.send_drawing(store, student, "ZZZZZ", *args)
    with pytest.raises(ClassRuleError, match="not a room code"):
        service.send_drawing(store, student, "'; DROP TABLE drawings; --", *args)
    stranger = service.Student(id="0" * 16, room=room.code, nickname="Nobody")
    with pytest.raises(ClassRuleError, match="join again"):
        service.send_drawing(store, stranger, room.code, *args)
    assert service.get_room(store, room.code).drawings == service.get_room(store, other.code).drawings == 0


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"meant": 10}, "digit you meant must be a whole number from 0 to 9"),
        ({"meant": -1}, "digit you meant"),
        ({"meant": 3.5}, "digit you meant"),
        ({"meant": "7"}, "digit you meant"),
        ({"meant": True}, "digit you meant"),
        ({"meant": None}, "digit you meant"),
        ({"read": 11}, "digit the model read"),
        ({"x": np.zeros(399)}, r"input must be 400 numbers, but it has shape \(399,\)"),
        ({"x": np.zeros((20, 20))}, "input must be 400 numbers"),
        ({"x": "pixels"}, "input must be 400 numbers"),
        ({"x": np.full(400, np.nan)}, "not finite"),
        ({"x": np.full(400, np.inf)}, "not finite"),
        ({"probabilities": np.ones(9)}, "probabilities must be 10 numbers"),
        ({"probabilities": [np.nan] * 10}, "not finite"),
        ({"ink_png": b"GIF89a"}, "must be a PNG"),
        ({"ink_png": b"\x89PNG\r\n\x1a\n" + bytes(40_000)}, "larger than 32 kB"),
        ({"model": ""}, "model must be named"),
    ],
)
def test_bad_drawings_are_refused_with_one_sentence(store, ink, change, sentence):
    room = service.create_room(store)
    student = service.join(store, room.code)
    args = {"meant": 3, "x": x_of(0), "ink_png": ink, "read": 3, "probabilities": PROBABILITIES, "model": "shipped"}
    args.update(change)
    with pytest.raises(ClassRuleError, match=sentence):
        service.send_drawing(store, student, room.code, **args)
    assert service.get_room(store, room.code).drawings == 0


def test_the_model_input_may_come_as_one_row(store, ink):
    room = service.create_room(store)
    student = service.join(store, room.code)
    x = x_of(5)
    service.send_drawing(store, student, room.code, 1, x[None, :], ink, 1, PROBABILITIES, "shipped")
    (row,) = store.drawings(room.code, arrays=True)
    assert bytes(row["x"]) == x.tobytes()


# --- The board -------------------------------------------------------------------------------
# (meant, read) of eleven drawings from three students: 7 right, 4 wrong.
SENT = [(0, 0), (1, 1), (1, 7), (2, 2), (3, 3), (3, 5), (7, 7), (7, 1), (9, 9), (9, 4), (9, 9)]


@pytest.fixture
def lesson(store, ink):
    room = service.create_room(store)
    students = [service.join(store, room.code, name) for name in ("Ada", "Alan", "Grace")]
    ids = [send(store, students[i % 3], meant, read, ink, now=1000.0 + i) for i, (meant, read) in enumerate(SENT)]
    return room, students, ids


def test_the_board_counts_known_drawings(store, lesson):
    room, students, ids = lesson
    board = service.board(store, room.code)
    assert (board.students, board.drawings, board.hidden, board.correct) == (3, 11, 0, 7)
    assert board.accuracy == pytest.approx(7 / 11)
    expected = np.zeros((10, 10), dtype=np.int64)
    for meant, read in SENT:
        expected[meant, read] += 1
    np.testing.assert_array_equal(board.confusion, expected)
    assert board.per_digit_accuracy == [1.0, 0.5, 1.0, 0.5, None, None, None, 0.5, None, pytest.approx(2 / 3)]
    assert board.per_digit_count == [1, 2, 1, 2, 0, 0, 0, 2, 0, 3]
    assert [d.id for d in board.latest] == ids[::-1]
    assert [(d.meant, d.read) for d in board.latest] == SENT[::-1]
    assert [d.id for d in service.board(store, room.code, latest=3).latest] == ids[:-4:-1]


def test_a_confusion_cell_and_a_students_own_drawings(store, lesson):
    room, students, ids = lesson
    assert [d.id for d in service.cell_drawings(store, room.code, 9, 9)] == [ids[10], ids[8]]
    assert [d.id for d in service.cell_drawings(store, room.code, 1, 7)] == [ids[2]]
    assert service.cell_drawings(store, room.code, 4, 4) == []
    mine = service.student_drawings(store, students[1])
    assert [d.id for d in mine] == [ids[10], ids[7], ids[4], ids[1]]
    assert {d.nickname for d in mine} == {"Alan"}


def test_the_board_version_moves_only_when_the_room_changes(store, lesson, ink):
    room, students, ids = lesson
    other = service.create_room(store)
    version = service.board_version(store, room.code)
    assert service.board_version(store, room.code) == version
    service.board(store, room.code)
    service.join(store, other.code)  # another room's change
    assert service.board_version(store, room.code) == version
    steps = [
        lambda: send(store, students[0], 4, 4, ink),
        lambda: service.hide_drawing(store, room.code, ids[0]),
        lambda: service.unhide_drawing(store, room.code, ids[0]),
        lambda: service.delete_drawing(store, room.code, ids[1]),
        lambda: service.join(store, room.code),
        lambda: service.rename(store, students[0], "Ada L"),
        lambda: service.close_room(store, room.code),
        lambda: service.set_room_model(store, room.code, "taught"),
        lambda: service.clear_room(store, room.code),
    ]
    for step in steps:
        step()
        assert service.board_version(store, room.code) > version
        version = service.board_version(store, room.code)


# --- Moderation ------------------------------------------------------------------------------
def test_a_hidden_drawing_leaves_the_numbers_and_can_come_back(store, lesson):
    room, students, ids = lesson
    service.hide_drawing(store, room.code, ids[2])  # the 1 read as 7
    board = service.board(store, room.code)
    assert (board.drawings, board.hidden, board.correct, board.confusion[1, 7]) == (10, 1, 7, 0)
    assert [d.hidden for d in board.latest if d.id == ids[2]] == [True]
    assert ids[2] not in [d.id for d in service.board(store, room.code, latest_hidden=False).latest]
    assert service.cell_drawings(store, room.code, 1, 7) == []
    assert [d.hidden for d in service.student_drawings(store, students[2]) if d.id == ids[2]] == [True]
    service.unhide_drawing(store, room.code, ids[2])
    assert service.board(store, room.code).confusion[1, 7] == 1


def test_delete_one_drawing_one_students_drawings_or_all(store, lesson):
    room, students, ids = lesson
    service.delete_drawing(store, room.code, ids[0])
    with pytest.raises(ClassRuleError, match=f"no drawing {ids[0]}"):
        service.delete_drawing(store, room.code, ids[0])
    assert service.board(store, room.code).drawings == 10
    assert service.remove_student_drawings(store, room.code, students[1].id) == 4
    board = service.board(store, room.code)
    assert board.drawings == 6 and "Alan" not in {d.nickname for d in board.latest}
    assert (board.students, board.joined) == (2, 3)  # Alan's place is free, and he may still send
    assert service.clear_room(store, room.code) == 6
    assert service.board(store, room.code).drawings == 0


def test_moderation_cannot_reach_into_another_room(store, lesson, ink):
    room, students, ids = lesson
    other = service.create_room(store)
    with pytest.raises(ClassRuleError, match="no drawing"):
        service.hide_drawing(store, other.code, ids[0])
    with pytest.raises(ClassRuleError, match="no drawing"):
        service.delete_drawing(store, other.code, ids[0])
    assert service.remove_student_drawings(store, other.code, students[0].id) == 0
    assert service.clear_room(store, other.code) == 0
    assert service.board(store, room.code).drawings == len(SENT)


def test_the_boards_numbers_come_from_an_index_not_the_drawings_blobs(sqlite_store):
    """Speed without timing: SQLite's plan for the board's count reads only the covering index."""
    room = service.create_room(sqlite_store)
    with sqlite3.connect(sqlite_store.location) as conn:
        plan = conn.execute(f"EXPLAIN QUERY PLAN {BOARD_CELLS_SQL}", (room.code,)).fetchall()
    assert any("COVERING INDEX drawings_board" in row[-1] for row in plan)
