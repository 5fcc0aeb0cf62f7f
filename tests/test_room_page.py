"""A student in a room and the teacher's moderation, through AppTest: the room's state, nicknames, confirmations.

Each test gets its own class database ($DIGITDEMO_CLASS_DB in a temporary folder), as tests/test_class_pages.py.
"""

import re

import pytest

from digitdemo.classroom import service
from tests.apptest import keypad, page
from tests.test_class_pages import all_text, draw_in, labels, teacher_with_a_lesson


def send_button(at):
    return at.button(key="room.send")


# --- The room's state, on the student's page ----------------------------------------------------------
def test_a_room_the_teacher_closes_disables_send_at_the_next_run(db, digits):
    room = service.create_room(db)
    at = draw_in(room.code, digits[7])
    keypad(at).set_value(7).run()
    assert not send_button(at).disabled
    service.close_room(db, room.code)  # the teacher, on the Class page
    at.run()  # any run: a stroke, a digit chosen
    assert send_button(at).disabled
    assert keypad(at).disabled
    closed = f"Room {room.code} is closed: the teacher is not collecting drawings now."
    assert [i for i in labels(at, "info") if "as a new student" not in i] == [closed]
    assert {m.label: m.value for m in at.metric}["Prediction"] == "7"  # the page goes on reading drawings
    service.reopen_room(db, room.code)
    at.run()
    assert not send_button(at).disabled
    assert f"Room {room.code} is closed" not in all_text(at)


def test_a_deleted_room_takes_the_student_out_with_one_sentence(db, digits):
    room = service.create_room(db)
    at = draw_in(room.code, digits[7])
    with db.db.write() as conn:  # no page deletes a room; a database put aside does the same
        conn.execute("DELETE FROM rooms WHERE code = ?", (room.code,))
    at.run()
    assert not at.exception
    assert labels(at, "warning") == [
        f"Room {room.code} no longer exists; ask your teacher for the new code. You can still draw on your own."
    ]
    assert "room.send" not in [b.key for b in at.button]
    assert "room" not in at.query_params
    assert {m.label: m.value for m in at.metric}["Prediction"] == "7"


def test_a_student_the_teacher_removed_stays_out_until_the_teacher_lets_that_browser_back(db, digits):
    room = service.create_room(db)
    at = draw_in(room.code, digits[7])
    first = at.session_state["room.student"]
    service.remove_student(db, room.code, first.id)  # the teacher, on the Class page
    at.run()
    gone = (
        f"The teacher took you out of room {room.code}: this browser can join it again only once the teacher lets "
        "it back in. You can still draw on your own."
    )
    assert labels(at, "warning") == [gone]
    assert "room.send" not in [b.key for b in at.button]
    # The same browser, the link again: refused, under any name (issue 29: it joined at once as someone new).
    at.query_params["room"] = room.code
    at.session_state["room.tried"] = None
    at.run()
    assert "room.student" not in at.session_state and "room.send" not in [b.key for b in at.button]
    assert gone.removesuffix(" You can still draw on your own.") in " ".join(labels(at, "warning"))
    assert service.removed_browsers(db, room.code)[0].nickname == first.nickname
    # Another browser is someone new: it joins.
    other = draw_in(room.code, digits[7])
    assert other.session_state["room.student"].room == room.code and "room.send" in [b.key for b in other.button]
    # The teacher lets the first browser back in: the link joins it again, as a new student.
    service.let_back_in(db, room.code, service.removed_browsers(db, room.code)[0].key)
    assert service.removed_browsers(db, room.code) == []
    at.session_state["room.tried"] = None
    at.run()
    again = at.session_state["room.student"]
    assert again.room == room.code and again.id != first.id and "room.send" in [b.key for b in at.button]


def test_a_cleared_room_tells_the_student_once(db, digits):
    room = service.create_room(db)
    at = draw_in(room.code, digits[7])
    keypad(at).set_value(7).run()
    send_button(at).click().run()
    assert "You sent 1: the digit you meant → what the model read." in labels(at, "caption")
    service.clear_room(db, room.code)
    at.run()
    assert "The teacher cleared the room: its drawings, yours too, are gone; you can send new ones." in labels(
        at, "info"
    )
    assert "Your drawings will appear here once you send them." in labels(at, "caption")
    at.run()
    assert not any("cleared" in text for text in labels(at, "info")), "said once"


def test_send_says_why_it_waits(db, digits):
    room = service.create_room(db)
    at = draw_in(room.code)
    assert send_button(at).disabled
    assert "Draw your digit, then choose it above to send it." in labels(at, "caption")
    at = draw_in(room.code, digits[7])
    assert send_button(at).disabled
    assert "Choose the digit you drew: Send waits for it." in labels(at, "caption")
    keypad(at).set_value(7).run()
    assert not send_button(at).disabled
    assert "Choose the digit you drew: Send waits for it." not in labels(at, "caption")


# --- Nicknames ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "word"),
    [("Teacher", "teacher"), ("  tEaChEr ", "teacher"), ("teacher 1", "teacher"), ("Admin2", "admin")],
)
def test_a_nickname_that_passes_for_the_teacher_is_refused(db, typed, word):
    room = service.create_room(db)
    at = draw_in(room.code)
    before = at.session_state["room.student"].nickname
    at.text_input(key="room.nickname").input(typed).run()
    assert labels(at, "warning") == [
        f'A nickname cannot use the word "{word}", so that nobody passes for the teacher; you are still {before}.'
    ]
    assert at.session_state["room.student"].nickname == before
    assert f"**Room {room.code}** · you are **{before}**" in labels(at, "markdown")


def test_a_nickname_another_student_has_is_given_with_a_number_of_its_own(db):
    """Issue 28: a refusal told a script which names classmates had; a typed name now always gets a number."""
    room = service.create_room(db)
    ada = service.rename(db, service.join(db, room.code), "Ada Lovelace")
    at = draw_in(room.code)
    at.text_input(key="room.nickname").input("ada  LOVELACE").run()
    mine = at.session_state["room.student"].nickname
    assert (
        re.fullmatch(r"ada LOVELACE #[1-9][0-9]", mine) and mine != ada.nickname.lower() and not labels(at, "warning")
    )
    assert f"**Room {room.code}** · you are **{mine}**" in labels(at, "markdown")
    at.text_input(key="room.nickname").input("Ada Byron").run()
    assert re.fullmatch(r"Ada Byron #[1-9][0-9]", at.session_state["room.student"].nickname)
    assert not labels(at, "warning")


def test_an_empty_nickname_says_so_and_keeps_the_old_one(db):
    room = service.create_room(db)
    at = draw_in(room.code)
    before = at.session_state["room.student"].nickname
    at.text_input(key="room.nickname").input("   ").run()
    assert labels(at, "warning") == [f"A nickname cannot be empty; you are still {before}."]
    assert at.session_state["room.student"] == service.rejoin(db, room.code, at.session_state["room.student"].id)
    assert "room" in at.query_params and send_button(at) is not None  # still in the room


def test_a_full_width_code_typed_on_the_class_page_joins(db):
    room = service.create_room(db)
    at = page("class").run()
    wide = "".join(chr(ord(c) + 0xFEE0) for c in room.code.lower())  # as a Japanese IME types it
    at.text_input(key="class.code").input(f"{wide[:2]}－{wide[2:]}\u3000")
    next(b for b in at.button if b.label == "Join").click().run()
    assert labels(at, "success")[0].startswith(f"You are in room {room.code} as ")


# --- The teacher's deletions ask first --------------------------------------------------------------
def moderating(db, password):
    at, code, ada, alan = teacher_with_a_lesson(db, password)
    at.toggle(key="class.moderate").set_value(True).run()
    return at, code, ada, alan


def count(db, code):
    return len(service.room_drawings(db, code))


def test_deleting_a_drawing_asks_first(db, password):
    at, code, _, _ = moderating(db, password)
    newest = service.room_drawings(db, code)[0]
    at.button(key=f"class.delete.{newest.id}").click().run()
    assert count(db, code) == 3, "one click deletes nothing"
    assert "Delete this drawing for good? It cannot be brought back." in labels(at, "warning")
    at.button(key=f"class.delete_no.{newest.id}").click().run()
    assert count(db, code) == 3 and f"class.delete_yes.{newest.id}" not in [b.key for b in at.button]
    at.button(key=f"class.delete.{newest.id}").click().run()
    at.button(key=f"class.delete_yes.{newest.id}").click().run()
    assert newest.id not in [d.id for d in service.room_drawings(db, code)] and count(db, code) == 2
    assert labels(at, "success")[-1] == "The drawing is deleted."


def test_removing_a_students_drawings_asks_first(db, password):
    at, code, ada, _ = moderating(db, password)
    at.selectbox(key="class.student").set_value(ada.id).run()
    at.button(key="class.remove_student").click().run()
    assert count(db, code) == 3, "one click deletes nothing"
    assert "Delete 2 drawings by Ada for good? They cannot be brought back." in labels(at, "warning")
    at.button(key="class.remove_yes").click().run()
    assert {d.nickname for d in service.room_drawings(db, code)} == {"Alan"}
    assert labels(at, "success")[-1] == "Ada's drawings are removed."


def test_removing_a_student_from_the_room_asks_first(db, password):
    at, code, ada, _ = moderating(db, password)
    at.selectbox(key="class.student").set_value(ada.id).run()
    at.button(key="class.remove_from_room").click().run()
    assert count(db, code) == 3 and service.rejoin(db, code, ada.id) == ada, "one click removes nothing"
    assert "Take Ada out of the room and delete their 2 drawings for good? They cannot be brought back." in labels(
        at, "warning"
    )
    at.button(key="class.remove_from_room_no").click().run()
    assert service.rejoin(db, code, ada.id) == ada
    at.button(key="class.remove_from_room").click().run()
    at.button(key="class.remove_from_room_yes").click().run()
    assert service.rejoin(db, code, ada.id) is None and count(db, code) == 1


def test_clearing_the_room_asks_first(db, password):
    at, code, _, _ = moderating(db, password)
    at.button(key="class.clear").click().run()
    assert count(db, code) == 3, "one click deletes nothing"
    assert f"Delete every drawing of room {code} (3 drawings) for good? The students stay in the room." in labels(
        at, "warning"
    )
    at.button(key="class.clear_no").click().run()
    assert count(db, code) == 3 and "class.clear_yes" not in [b.key for b in at.button]
    at.button(key="class.clear").click().run()
    at.button(key="class.clear_yes").click().run()
    assert count(db, code) == 0 and service.get_room(db, code).joined == 2  # the students stay
    assert labels(at, "success")[-1] == f"Room {code} is cleared."


def test_closing_the_room_is_one_click_because_reopening_undoes_it(db, password):
    at, code, _, _ = moderating(db, password)
    at.button(key="class.close").click().run()
    assert not service.get_room(db, code).is_open
    at.button(key="class.reopen").click().run()
    assert service.get_room(db, code).is_open and count(db, code) == 3
