"""A lesson round in headless Chromium (issue 16): the teacher starts "draw a 4"; two students, each in a browser
context of their own, see the 4 appear, large and chosen, without reloading; they draw and send; the board shows
both drawings in the round; the teacher ends it, removes one student and closes the room, and the students see each
without reloading.

The server runs without a configured password, so the teacher signs in with the link it prints.
"""

from contextlib import contextmanager

import pytest

from digitdemo.classroom import auth, service, storage
from tests.browser import ONE, SEVEN, canvas_on, draw, no_errors, open_draw, prediction, streamlit_server
from tests.test_browser_class import board_number, create_room, sign_in

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

LAPTOP = {"viewport": {"width": 1300, "height": 1000}}
# A reload (or any navigation) would make a new window object: this mark would be gone.
MARK = "window.__not_reloaded = true"
MARKED = "window.__not_reloaded === true"


@pytest.fixture
def classroom(tmp_path, monkeypatch):
    """(url, the server's terminal log) on a class database of the test's own; no teacher password set."""
    monkeypatch.delenv(auth.PASSWORD_ENV, raising=False)
    log = tmp_path / "terminal.txt"
    store = storage.ClassStore(tmp_path / "class.db")
    with streamlit_server({storage.DB_ENV: str(store.location)}, log=log) as url:
        yield url, log, store
    store.close()


def nickname(page) -> str:
    header = page.locator(".st-key-room-header")
    return header.inner_text().split("you are", 1)[1].split("\n")[0].strip()


@contextmanager
def a_teacher_and_two_students(browser, url: str, log):
    """A signed-in teacher with a new room and two students in it, each in a browser context of their own:
    (teacher, ada, alan, the room's code); the contexts closed after."""
    contexts = [browser.new_context(**LAPTOP) for _ in range(3)]
    try:
        teacher, ada, alan = (context.new_page() for context in contexts)
        sign_in(teacher, url, log)
        code = create_room(teacher)
        for student in (ada, alan):
            open_draw(student, url, f"/draw?room={code}")
            expect(student.get_by_text(f"Room {code}", exact=True)).to_be_visible(timeout=30_000)
        yield teacher, ada, alan, code
    finally:
        for context in contexts:
            context.close()


def draw_and_send(student, stroke, asked: int) -> None:
    """Draw a stroke and send it with the digit the round chose on the keypad."""
    draw(student, canvas_on(student), stroke)
    expect(prediction(student)).not_to_have_text("—", timeout=30_000)
    send = student.get_by_role("button", name="Send to the class")
    expect(send).to_be_enabled(timeout=15_000)
    send.click()
    expect(student.get_by_text(f"Sent your {asked} to the class")).to_be_visible(timeout=30_000)


def test_two_students_follow_a_draw_a_4_round_from_start_to_end_without_reloading(browser, classroom):
    url, log, store = classroom
    with a_teacher_and_two_students(browser, url, log) as (teacher, ada, alan, code):
        students = [ada, alan]
        for student in students:
            student.evaluate(MARK)
        teacher.get_by_role("combobox", name="The next round asks for").click()
        teacher.get_by_role("option", name="ask for the digit 4", exact=True).click()
        start = teacher.get_by_role("button", name="Start a round: draw a 4")
        expect(start).to_be_visible()
        start.click()
        expect(teacher.locator(".st-key-board-round")).to_contain_text("Round: draw a 4")
        for student in students:  # within the live check's 2 s (and a busy machine's slack), nobody reloading
            expect(student.get_by_role("heading", name="Draw a 4")).to_be_visible(timeout=15_000)
            keypad = student.get_by_role("radiogroup", name="Which digit did you draw?")
            expect(keypad.get_by_role("radio", name="4", exact=True)).to_have_attribute("aria-checked", "true")
            assert student.evaluate(MARKED), "the page was not reloaded"
        for student, stroke in ((ada, SEVEN), (alan, ONE)):
            draw_and_send(student, stroke, 4)
        expect(board_number(teacher, "sent in the round")).to_have_text("2", timeout=15_000)
        expect(teacher.locator(".st-key-board-round")).to_contain_text("2 drawings from 2 students")
        expect(teacher.locator(".st-key-board-round-view img")).to_have_count(1)
        teacher.get_by_role("button", name="End the round").click()
        expect(teacher.locator(".st-key-board-round")).to_have_count(0)
        expect(board_number(teacher, "status")).to_have_text("ended")
        for student in students:
            expect(student.get_by_role("heading", name="Draw a 4")).to_have_count(0, timeout=15_000)
            assert student.evaluate(MARKED), "the page was not reloaded"
        # The teacher removes Alan (as Moderation's "Remove from the room" does): his page says so by itself.
        (alan_id,) = {d.student_id for d in service.room_drawings(store, code) if d.nickname == nickname(alan)}
        service.remove_student(store, code, alan_id)
        expect(alan.get_by_text(f"The teacher took you out of room {code}")).to_be_visible(timeout=15_000)
        assert alan.evaluate(MARKED), "the page was not reloaded"
        teacher.get_by_role("button", name="Close the room").click()
        for student in [ada]:
            expect(student.get_by_text(f"Room {code} is closed")).to_be_visible(timeout=15_000)
            expect(student.get_by_role("button", name="Send to the class")).to_be_disabled()
            assert student.evaluate(MARKED), "the page was not reloaded"
            no_errors(student)
        no_errors(teacher)


def test_a_fool_the_model_round_the_teacher_ticks_what_fooled_it_and_the_board_shows_why(browser, classroom):
    """Two students draw for "fool the model with a 7": one a 7 the model reads, one a stroke it reads as 1; the
    teacher ticks that the class agrees the second is a 7; the board shows it with the pixels that pushed the model."""
    url, log, store = classroom
    with a_teacher_and_two_students(browser, url, log) as (teacher, ada, alan, code):
        teacher.get_by_role("combobox", name="The next round asks for").click()
        teacher.get_by_role("option", name="fool the model with a 7", exact=True).click()
        teacher.get_by_role("button", name="Start a round: fool the model: draw a 7 it reads as another digit").click()
        for student, stroke in ((ada, SEVEN), (alan, ONE)):
            expect(student.get_by_role("heading", name="Draw a 7")).to_be_visible(timeout=15_000)
            expect(student.get_by_text("fool the model: a 7 it reads as another digit")).to_be_visible()
            draw_and_send(student, stroke, 7)
        expect(board_number(teacher, "sent in the round")).to_have_text("2", timeout=15_000)
        expect(board_number(teacher, "fooled the model")).to_have_text("0")
        expect(teacher.get_by_text("Did it fool the model?")).to_be_visible()
        tick = teacher.get_by_role("checkbox", name="a 7")
        expect(tick).to_have_count(1)  # only the misread one: the model read the other as a 7
        tick.check(force=True)
        expect(board_number(teacher, "fooled the model")).to_have_text("1", timeout=15_000)
        expect(teacher.get_by_role("heading", name="They fooled the model: 1 drawing")).to_be_visible()
        expect(teacher.locator(".js-plotly-plot").filter(has_text="why not 7?")).to_have_count(1)
        assert {d.meant for d in service.room_drawings(store, code)} == {7}  # kept as 7s
        no_errors(teacher)
