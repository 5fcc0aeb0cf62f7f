"""Lesson rounds (issue 16): "everyone draw a 4", any digit, a random digit each, with a time limit; the board's
round view (the round's drawings by the model's confidence, its accuracy, earlier rounds) and the student's page.

A round whose time is up has ended for everyone with nothing written: the tests move service.clock, the one clock
every service call reads when it is given no ``now``.
"""

import numpy as np
import pytest

from digitdemo.classroom import rooms, service
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.schema import SCHEMA_VERSION
from digitdemo.classroom.storage import ClassStore
from digitdemo.pages.classroom import board
from tests.apptest import inject_drawing, keypad
from tests.class_drawings import old_file
from tests.test_class_pages import all_text, board_numbers, draw_in, labels, teacher


@pytest.fixture
def ink():
    return service.ink_picture(np.eye(30))


@pytest.fixture
def clock(monkeypatch):
    """The service's clock, at a time the test moves: clock[0] is now (seconds since the epoch)."""
    now = [1.8e9]
    monkeypatch.setattr(service, "clock", lambda: now[0])
    return now


def send(store, student, meant, read, sure, ink, now=None):
    """A drawing the model read as ``read``, ``sure`` of it; the rest of the probability spread evenly."""
    probabilities = np.full(10, (1 - sure) / 9, dtype=np.float32)
    probabilities[read] = sure
    x = np.full(400, meant / 10, dtype=np.float32)
    return service.send_drawing(store, student, student.room, meant, x, ink, read, probabilities, "m", now=now)


def test_a_timed_round_asks_one_digit_and_ends_by_itself_when_its_time_is_up(store, ink):
    code = service.create_room(store).code
    ada = service.join(store, code, "Ada")
    t0 = 1.8e9
    started = service.start_round(store, code, rooms.ONE_DIGIT, digit=4, minutes=2, now=t0)
    assert (started.digit, started.ends_at, started.title) == (4, t0 + 120, "draw a 4")
    assert service.asked_digit(store, ada, now=t0 + 1) == 4
    inside = send(store, ada, 4, 4, 0.9, ink, now=t0 + 60)
    after = send(store, ada, 4, 4, 0.9, ink, now=t0 + 121)  # its time is up: in no round
    assert service.current_round(store, code, now=t0 + 119.9) == started
    assert service.current_round(store, code, now=t0 + 120) is None  # ended, though nothing was written
    assert service.asked_digit(store, ada, now=t0 + 121) is None
    assert [d.drawing.id for d in service.round_board(store, code, started.id).drawings] == [inside]
    assert {d.id: d.round_id for d in service.room_drawings(store, code)} == {inside: started.id, after: None}
    assert service.end_round(store, code, now=t0 + 300) is False  # nothing was running
    ((ended, count),) = service.list_rounds(store, code)
    assert ended.ended_at == t0 + 120 and ended.end() == t0 + 120 and count == 1  # it ended when its time was up


def test_a_round_ended_by_hand_or_by_the_next_round_stops_taking_drawings(store, ink):
    code = service.create_room(store).code
    ada = service.join(store, code, "Ada")
    first = service.start_round(store, code, rooms.ANY_DIGIT, now=100.0)
    assert first.ends_at is None and service.asked_digit(store, ada, now=101) is None  # any digit: none chosen
    second = service.start_round(store, code, rooms.ONE_DIGIT, digit=8, now=200.0)
    assert second.title == "draw an 8"
    assert [r.id for r, _ in service.list_rounds(store, code)] == [second.id, first.id]  # newest first
    assert service.list_rounds(store, code)[1][0].ended_at == 200.0
    assert service.end_round(store, code, now=300.0) is True
    send(store, ada, 8, 8, 0.9, ink, now=301.0)
    assert service.round_board(store, code, second.id).drawings == []
    assert service.round_board(store, code, 99999) is None


@pytest.mark.parametrize(
    "kind, digit, minutes, sentence",
    [
        (rooms.ONE_DIGIT, 10, None, "whole number from 0 to 9"),
        (rooms.ONE_DIGIT, None, None, "whole number from 0 to 9"),
        (rooms.ANY_DIGIT, 4, None, "Only a round that asks for one digit"),
        (rooms.ONE_DIGIT, 4, 0, "time limit"),
        (rooms.ONE_DIGIT, 4, 61, "time limit"),
        (rooms.ONE_DIGIT, 4, True, "time limit"),
        (rooms.ONE_DIGIT, 4, "5", "time limit"),
    ],
)
def test_a_round_that_asks_nonsense_is_refused_with_a_sentence(sqlite_store, kind, digit, minutes, sentence):
    code = service.create_room(sqlite_store).code
    with pytest.raises(ClassRuleError, match=sentence):
        service.start_round(sqlite_store, code, kind, digit=digit, minutes=minutes)
    assert service.current_round(sqlite_store, code) is None


def test_the_round_board_sorts_by_the_models_confidence_in_the_digit_asked_and_counts_what_it_read_right(store, ink):
    code = service.create_room(store).code
    ada, alan, grace = (service.join(store, code, name) for name in ("Ada", "Alan", "Grace"))
    started = service.start_round(store, code, rooms.ONE_DIGIT, digit=4, now=1000.0)
    send(store, ada, 4, 4, 0.6, ink, now=1001.0)
    send(store, alan, 4, 9, 0.7, ink, now=1002.0)  # read as 9: its confidence in the 4 asked is 0.3 / 9
    send(store, grace, 4, 4, 0.95, ink, now=1003.0)
    view = service.round_board(store, code, started.id)
    assert [d.drawing.nickname for d in view.drawings] == ["Grace", "Ada", "Alan"]
    assert [round(d.confidence, 3) for d in view.drawings] == [0.95, 0.6, round(0.3 / 9, 3)]
    assert (view.correct, view.accuracy, view.students) == (2, 2 / 3, 3)


def test_a_random_round_asks_each_student_their_own_digit_the_same_on_every_run(store):
    code = service.create_room(store).code
    students = [service.join(store, code) for _ in range(12)]
    started = service.start_round(store, code, rooms.RANDOM_DIGIT, now=50.0)
    asked = [service.asked_digit(store, s, now=51.0) for s in students]
    assert asked == [service.asked_digit(store, s, now=52.0) for s in students]
    assert asked == [rooms.random_digit(started.id, s.id) for s in students]
    assert len(set(asked)) > 1, "twelve students are not all asked the same digit"


# --- The pages, through AppTest ----------------------------------------------------------------
ROUND_NUMBERS = ("sent in the round", "read as meant", "time left", "status")


def round_numbers(at) -> dict[str, str]:
    """The round view's big numbers, by label."""
    return {label: value for label, value in board_numbers(at).items() if label in ROUND_NUMBERS}


def order_shown(at) -> str:
    """What the round gallery's caption says of its drawings' order."""
    captions = [image.caption for element in at.get("image") for image in element.proto.imgs]
    return next(c.split("In order: ")[1] for c in captions if "In order: " in c)


def test_the_teacher_starts_draw_a_4_for_two_minutes_sees_it_count_down_sorted_and_browses_earlier_rounds(
    db, password, ink, clock
):
    at = teacher(password)
    at.button(key="class.create").click().run()
    code = at.session_state["class.room"]
    assert at.button(key="class.round_start").label == "Start a round: draw every digit"
    at.selectbox(key=board.ASK).set_value((rooms.ONE_DIGIT, 4))
    at.selectbox(key=board.MINUTES).set_value(2).run()
    assert at.button(key="class.round_start").label == "Start a round: draw a 4"
    at.button(key="class.round_start").click().run()
    running = service.current_round(db, code)
    assert (running.kind, running.digit, running.ends_at) == (rooms.ONE_DIGIT, 4, clock[0] + 120)
    ada, alan = service.join(db, code, "Ada"), service.join(db, code, "Alan")
    send(db, ada, 4, 4, 0.55, ink)
    send(db, alan, 4, 4, 0.99, ink)
    send(db, alan, 4, 1, 0.8, ink, now=clock[0] + 20)
    clock[0] += 30
    at.run()
    text = all_text(at)
    assert "**Round: draw a 4** · 1:30 left · 3 drawings from 2 students." in text
    assert round_numbers(at) == {"sent in the round": "3", "read as meant": "67%", "time left": "1:30"}
    assert order_shown(at) == "4 → 4 99%, 4 → 4 55%, 4 → 1 2%."  # the surest first; the misread 4 last
    clock[0] += 90  # its time is up: the board shows it ended, with nobody pressing End
    at.run()
    assert "Round: draw a 4**" not in all_text(at) and at.button(key="class.round_start")
    assert round_numbers(at)["status"] == "ended"
    # A second round; the first stays browsable.
    at.selectbox(key=board.ASK).set_value((rooms.ANY_DIGIT, None))
    at.selectbox(key=board.MINUTES).set_value(None).run()
    at.button(key="class.round_start").click().run()
    send(db, ada, 7, 7, 0.9, ink)
    at.run()
    shown = at.selectbox(key=board.SHOWN)
    assert [option.split(" · ")[0] for option in shown.options] == [
        "Round 2: draw any digit",
        "Round 1: draw a 4",
    ]
    assert order_shown(at) == "7 → 7 90%."
    at.button(key="class.round_end").click().run()
    assert service.current_round(db, code) is None
    at.selectbox(key=board.SHOWN).set_value(service.list_rounds(db, code)[1][0].id).run()
    assert "Round 1: draw a 4" in labels(at, "subheader")
    assert order_shown(at) == "4 → 4 99%, 4 → 4 55%, 4 → 1 2%."


def test_the_students_page_shows_the_digit_large_chooses_it_and_the_round_ends_by_itself(db, digits, ink, clock):
    code = service.create_room(db).code
    at = draw_in(code, digits[7])
    keypad(at).set_value(7).run()  # chosen before the round
    started = service.start_round(db, code, rooms.ONE_DIGIT, digit=4, minutes=1)
    inject_drawing(at, digits[7])
    at.run()
    assert "# Draw a 4" in labels(at, "markdown")
    assert "The class's round · 1:00 left" in labels(at, "caption")
    assert keypad(at).value == 4, "the round's digit is chosen, whatever was chosen before"
    at.button(key="room.send").click().run()
    (sent,) = service.round_board(db, code, started.id).drawings
    assert sent.drawing.meant == 4 and sent.drawing.round_id == started.id
    clock[0] += 61  # the minute is up
    at.run()
    assert "# Draw a 4" not in labels(at, "markdown") and "left" not in " ".join(labels(at, "caption"))
    assert service.current_round(db, code) is None


def test_a_random_round_shows_each_student_their_own_digit_and_any_digit_chooses_none(db, digits, clock):
    code = service.create_room(db).code
    at = draw_in(code, digits[7])
    student = at.session_state["room.student"]
    started = service.start_round(db, code, rooms.RANDOM_DIGIT)
    at.run()
    mine = rooms.random_digit(started.id, student.id)
    assert f"# Draw {'an' if mine == 8 else 'a'} {mine}" in labels(at, "markdown")
    assert keypad(at).value == mine
    service.start_round(db, code, rooms.ANY_DIGIT)
    keypad(at).set_value(None)
    at.run()
    assert "# Draw any digit" in labels(at, "markdown") and keypad(at).value is None


def test_a_version_9_file_keeps_its_rounds_and_their_drawings_become_theirs(tmp_path, ink):
    """Migration 10 on a file of before: a running round goes on (no digit, no time limit); the drawings sent in
    each round (by time, as before) belong to it."""
    path = tmp_path / "old.db"
    conn = old_file(path, 9)
    conn.execute("INSERT INTO rooms (code, created_at) VALUES ('BCD23', 1.0)")
    conn.execute("INSERT INTO students (id, room, nickname, joined_at) VALUES ('s1', 'BCD23', 'Ada', 1.0)")
    conn.execute("INSERT INTO rounds (room, kind, started_at, ended_at) VALUES ('BCD23', 'every_digit', 10, 20)")
    conn.execute("INSERT INTO rounds (room, kind, started_at) VALUES ('BCD23', 'every_digit', 30)")
    for at in (5.0, 15.0, 25.0, 35.0):  # before, in the first, between, in the second (still running)
        conn.execute(
            "INSERT INTO drawings (room, student, meant, read, x, probabilities, ink_png, model, created_at) "
            "VALUES ('BCD23', 's1', 3, 3, ?, ?, ?, 'm', ?)",
            (bytes(1600), np.full(10, 0.1, dtype="<f4").tobytes(), ink, at),
        )
    conn.commit()
    conn.close()
    store = ClassStore(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        running = service.current_round(store, "BCD23", now=40.0)
        assert (running.kind, running.digit, running.ends_at) == (rooms.EVERY_DIGIT, None, None)
        by_time = {d.created_at: d.round_id for d in service.room_drawings(store, "BCD23")}
        assert by_time == {5.0: None, 15.0: 1, 25.0: None, 35.0: running.id}
        assert len(service.round_board(store, "BCD23", 1).drawings) == 1
    finally:
        store.close()
