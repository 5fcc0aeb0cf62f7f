"""The "draw every digit" round (issue 19): started and ended by the teacher, kept in the class database, and the
digit it asks each student for."""

import numpy as np
import pytest

from digitdemo.classroom import rooms, service
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.storage import ClassStore

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
    other = ClassStore(store.path)  # another server process's store on the same file
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
