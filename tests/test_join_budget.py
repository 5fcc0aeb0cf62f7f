"""Scripted students (issue 28): a room takes at most its budget of new students a minute, the teacher is told and
sets it, and joiners never push out a student whose page is open."""

import pytest

from digitdemo.classroom import rooms, service
from tests.test_class_pages import draw_in, labels, teacher


class Clock:
    def __init__(self, now: float = 1e6):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(service, "clock", moved)
    return moved


def test_a_class_of_300_joining_at_once_is_never_refused_and_a_script_gets_the_budget(store, clock):
    code = service.create_room(store).code
    for _ in range(300):  # the hall scans the QR code at once
        service.join(store, code)
        clock.now += 0.05
    for _ in range(rooms.JOINS_PER_MINUTE - 300):
        service.join(store, code)
    # A script opening the link again and again: the next new student waits for the minute to pass.
    with pytest.raises(service.ClassRuleError, match=f"Room {code} takes no more new students just now"):
        service.join(store, code)
    status = service.joins(store, code, now=clock.now)
    assert (status.last_minute, status.refused, status.budget) == (rooms.JOINS_PER_MINUTE, 1, rooms.JOINS_PER_MINUTE)
    clock.now += 61
    service.join(store, code)  # a minute later: a latecomer gets in


def test_the_teacher_lowers_and_lifts_the_budget(store, clock):
    code = service.create_room(store).code
    service.set_join_budget(store, code, 0)  # the class is in: nobody new
    with pytest.raises(service.ClassRuleError, match="takes no more new students"):
        service.join(store, code)
    service.set_join_budget(store, code, 5)
    for _ in range(5):
        service.join(store, code)
    with pytest.raises(service.ClassRuleError):
        service.join(store, code)
    assert service.joins(store, code, now=clock.now).refused == 2
    for bad in (-1, rooms.MAX_JOINS_PER_MINUTE + 1, 2.5, "ten", True):
        with pytest.raises(service.ClassRuleError, match="a whole number from 0"):
            service.set_join_budget(store, code, bad)


def test_joiners_never_push_out_a_student_whose_page_is_open(store, clock, monkeypatch):
    """Before: 400 joins without sending dropped the real students who had not sent yet, every 20 s."""
    monkeypatch.setattr(rooms, "MAX_IDLE_STUDENTS_PER_ROOM", 40)  # the room's 400, ten times smaller: a quicker test
    code = service.create_room(store).code
    real = [service.join(store, code) for _ in range(10)]
    for step in range(4):  # the script, for 4 minutes; the real students' pages say they are open
        clock.now += 60
        for student in real:
            service.student_seen(store, student)
        for _ in range(rooms.MAX_IDLE_STUDENTS_PER_ROOM):
            service.join(store, code)
        assert all(service.rejoin(store, code, s.id) is not None for s in real), f"a real student dropped at {step}"
    # The script's joiners, whose pages closed (a minute without a word), are dropped: they cannot grow the file.
    joined = service.list_rooms(store)[0].joined
    assert joined <= 2 * rooms.MAX_IDLE_STUDENTS_PER_ROOM + len(real), joined


def test_the_teacher_is_told_of_refused_joins_and_sets_the_limit_on_the_class_page(db, password, clock):
    at = teacher(password)
    at.button(key="class.create").click().run()
    code = service.list_rooms(db)[0].code
    db.set_join_budget(code, 2)
    for _ in range(2):
        service.join(db, code)
    with pytest.raises(service.ClassRuleError):
        service.join(db, code)
    at.run()
    (warning,) = [w for w in labels(at, "warning") if "refused" in w]
    assert f"Room {code} refused 1 new student in the last 10 minutes" in warning
    at.number_input(key=f"class.join_budget.{code}").set_value(0).run()
    assert service.joins(db, code).budget == 0
    student = draw_in(code)
    assert any("takes no more new students" in w for w in labels(student, "warning")), labels(student, "warning")


def test_a_students_draw_page_says_it_is_open(db, digits):
    code = service.create_room(db).code
    at = draw_in(code, digits[7])
    student = at.session_state["room.student"]
    with db.db.read() as conn:
        seen = conn.execute("SELECT seen_at FROM students WHERE id = ?", (student.id,)).fetchone()[0]
    assert seen is not None, "the live check did not say the page is open"


def test_a_new_room_has_the_default_budget(store):
    code = service.create_room(store).code
    assert service.joins(store, code) == service.Joins(rooms.JOINS_PER_MINUTE, False, 0, 0)
    assert store.joins(code, 0.0)[0] is None  # NULL: the default, so a change of the default reaches old rooms
