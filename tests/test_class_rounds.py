"""The "draw every digit" round (issue 19): started and ended by the teacher, kept in the class database, and the
digit it asks each student for."""

import numpy as np
import pytest

from digitdemo.classroom import rooms, service
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.storage import ClassStore
from tests.apptest import inject_drawing, keypad
from tests.test_class_pages import all_text, draw_in, labels, teacher

PROBABILITIES = np.full(10, 0.1, dtype=np.float32)


@pytest.fixture
def ink():
    return service.ink_picture(np.eye(30))


def send(store, student, meant, ink, now=None):
    x = np.full(400, meant / 10, dtype=np.float32)
    return service.send_drawing(store, student, student.room, meant, x, ink, meant, PROBABILITIES, "m", now=now)


def test_a_round_started_holds_for_every_process_on_the_file_until_it_ends(store, tmp_path):
    code = service.create_room(store).code
    assert service.current_round(store, code) is None
    before = service.board_version(store, code)
    started = service.start_round(store, code)
    assert started.kind == rooms.EVERY_DIGIT and started.ended_at is None
    assert service.board_version(store, code) > before  # the boards and Draw pages notice
    other = ClassStore(store.location)  # another server process's store on the same database
    try:
        assert service.current_round(other, code) == started
        assert service.end_round(other, code) is True
        assert service.current_round(store, code) is None
        assert service.end_round(store, code) is False  # nothing left to end
    finally:
        other.close()


def test_starting_a_round_ends_the_one_running_and_unknown_rooms_or_kinds_are_refused(store):
    code = service.create_room(store).code
    first = service.start_round(store, code)
    second = service.start_round(store, code)
    assert second.id != first.id and service.current_round(store, code) == second
    with pytest.raises(ClassRuleError, match="There is no room"):
        service.start_round(store, "BCDFG")
    with pytest.raises(ClassRuleError, match="no kind of round"):
        service.start_round(store, code, "guess_the_digit")


def test_each_student_is_asked_for_a_digit_they_have_not_drawn_the_one_the_room_lacks_most(store, ink):
    code = service.create_room(store).code
    ada, alan = service.join(store, code, "Ada"), service.join(store, code, "Alan")
    for digit in (0, 1, 2, 4, 5, 6, 7, 8, 9):  # before the round: every digit but 3
        send(store, alan, digit, ink, now=1000.0 + 11 * digit)
    assert service.asked_digit(store, ada) is None  # no round runs
    started = service.start_round(store, code).started_at
    assert service.asked_digit(store, ada) == 3  # the room has no 3 at all
    drawn = []
    for i in range(10):  # ten drawings in the round, 11 s apart (within the 6 a minute)
        drawn.append(service.asked_digit(store, ada))
        send(store, ada, drawn[-1], ink, now=started + 11 * i)
    assert sorted(drawn) == list(range(10)), f"every digit once: {drawn}"
    # Alan has drawn nothing in the round: the room's rarest digit, 3 (one of them, against two of every other).
    assert service.asked_digit(store, alan) == 3


def test_the_rounds_progress_counts_the_drawings_sent_since_it_started(store, ink):
    code = service.create_room(store).code
    ada = service.join(store, code, "Ada")
    send(store, ada, 7, ink, now=1.0)  # long before the round
    assert service.round_progress(store, code) is None
    service.start_round(store, code)
    send(store, ada, 3, ink)
    progress = service.round_progress(store, code)
    assert progress.per_digit == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert progress.room_per_digit == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    assert progress.students == 1


def test_lacking_digit_spreads_students_who_start_together():
    empty = [0] * 10
    assert {rooms.lacking_digit(empty, empty, turn) for turn in range(10)} == set(range(10))
    assert rooms.lacking_digit([5, 5, 1, 5, 5, 5, 5, 5, 5, 5], empty, 7) == 2
    mine = [1, 1, 0, 1, 1, 1, 1, 1, 1, 1]
    assert rooms.lacking_digit([0, 0, 9, 0, 0, 0, 0, 0, 0, 0], mine) == 2  # the one digit they have not drawn
    assert rooms.lacking_digit([3, 3, 3, 0, 3, 3, 3, 3, 3, 3], [1] * 10) == 3  # all drawn: the room's rarest


# --- The pages, through AppTest ----------------------------------------------------------------
def test_in_a_round_the_draw_page_asks_for_a_digit_and_chooses_it_but_the_students_own_choice_stays(db, digits, ink):
    code = service.create_room(db).code
    alan = service.join(db, code, "Alan")
    for digit in (0, 1, 2, 4, 5, 6, 7, 8, 9):
        send(db, alan, digit, ink, now=1000.0 + 11 * digit)
    at = draw_in(code, digits[7])
    assert keypad(at).value is None and not any("round" in m for m in labels(at, "markdown"))
    service.start_round(db, code)
    inject_drawing(at, digits[7])
    at.run()  # the next stroke: the page asks the database again
    assert "**The class's round: draw a 3**" in " ".join(labels(at, "markdown"))
    assert keypad(at).value == 3 and not at.button(key="room.send").disabled
    keypad(at).set_value(7).run()  # they drew a 7, not a 3
    inject_drawing(at, digits[7])
    at.run()
    assert keypad(at).value == 7, "a digit the student chose stays chosen"
    at.button(key="room.send").click().run()
    assert labels(at, "success") == ["Sent your 7 to the class: the model read it right."]
    assert keypad(at).value == 3  # the next drawing: the room still lacks a 3
    service.end_round(db, code)
    inject_drawing(at, digits[7], version=at.session_state["draw.canvas_version"])
    at.run()
    assert not any("round" in m for m in labels(at, "markdown"))


def test_the_teachers_board_starts_and_ends_the_round_and_shows_it_digit_by_digit(db, password, ink):
    at = teacher(password)
    at.button(key="class.create").click().run()
    code = at.session_state["class.room"]
    at.button(key="class.round_start").click().run()
    assert service.current_round(db, code).kind == rooms.EVERY_DIGIT
    send(db, service.join(db, code, "Ada"), 4, ink)
    at.run()
    round_text = all_text(at)
    assert "**Round: draw every digit**" in round_text and "1 drawing from 1 student" in round_text
    assert "<div class='round-digit-name'>digit 4</div><div>1</div>" in round_text
    at.button(key="class.round_end").click().run()
    assert service.current_round(db, code) is None and "Round: draw every digit" not in all_text(at)
