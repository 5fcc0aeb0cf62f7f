"""What a try-out of a whole lesson in Chromium found (issue 29), each seen as the teacher or a student sees it.

The server runs without a configured password: the teacher signs in with the link it prints.
"""

import pytest

from digitdemo.classroom import service
from tests.browser import SEVEN, canvas_on, draw, no_errors, open_draw, prediction
from tests.test_browser_rounds import a_teacher_and_two_students, classroom, nickname  # noqa: F401 (a fixture)

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


def send_a_seven(student) -> None:
    draw(student, canvas_on(student), SEVEN)
    expect(prediction(student)).not_to_have_text("—", timeout=30_000)
    student.get_by_role("radiogroup", name="Which digit did you draw?").get_by_role("radio", name="7").click()
    send = student.get_by_role("button", name="Send to the class")
    expect(send).to_be_enabled(timeout=15_000)
    send.click()
    expect(student.get_by_text("Sent your 7 to the class")).to_be_visible(timeout=30_000)


def test_a_removed_student_stays_out_until_the_teacher_lets_that_browser_back(browser, classroom):  # noqa: F811
    url, log, store = classroom
    with a_teacher_and_two_students(browser, url, log) as (teacher, ada, alan, code):
        name = nickname(ada)
        send_a_seven(ada)
        # The teacher takes Ada out of the room, from Moderation (asked first).
        teacher.get_by_text("Show each drawing with its nickname, to hide or delete it").click()
        expect(teacher.get_by_role("button", name="Remove from the room")).to_be_visible(timeout=15_000)
        teacher.get_by_role("button", name="Remove from the room").click()
        teacher.get_by_role("button", name="Yes, remove them").click()
        expect(teacher.get_by_text(f"Kept out of room {code}")).to_be_visible(timeout=15_000)
        expect(teacher.get_by_text(f"{name}, removed at")).to_be_visible()
        # Her page says so by itself, and offers no way back in.
        gone = f"The teacher took you out of room {code}"
        expect(ada.get_by_text(gone)).to_be_visible(timeout=15_000)
        expect(ada.get_by_text("open its link to join again")).to_have_count(0)
        # The link again does not let her walk back in under a new name.
        open_draw(ada, url, f"/draw?room={code}")
        expect(ada.get_by_text(gone)).to_be_visible(timeout=30_000)
        expect(ada.locator(".st-key-room-header")).to_have_count(0)
        assert service.board(store, code, latest=0).students == 0 and len(service.room_drawings(store, code)) == 0
        # Alan, in another browser, is still in.
        expect(alan.locator(".st-key-room-header")).to_be_visible()
        # The teacher lets her browser back in: the same link now joins, as a new student.
        teacher.get_by_role("button", name="Let back in").click()
        expect(teacher.get_by_text(f"{name}'s browser may join room {code} again.")).to_be_visible(timeout=15_000)
        expect(teacher.get_by_text(f"Kept out of room {code}")).to_have_count(0)
        open_draw(ada, url, f"/draw?room={code}")
        expect(ada.locator(".st-key-room-header")).to_contain_text(f"Room {code}", timeout=30_000)
        expect(ada.get_by_text(gone)).to_have_count(0)
        no_errors(ada)
        no_errors(teacher)
