"""The class on a projector and on phones, in headless Chromium (issue 19), at 1280x800 and 390 px: the board on
the first screen and alone (?present=1), its counts live, the "draw every digit" round on students' Draw pages,
a name for every control, and the answer shown once on a phone.

One server for the module, on its own class database; students send through that database, as in
test_browser_board, unless the test is about their page.
"""

import numpy as np
import pytest

from digitdemo.classroom import auth, service, storage
from tests.browser import SEVEN, canvas_on, draw, open_draw, prediction, streamlit_server, touch_stroke
from tests.readability import measure, offenders, report
from tests.test_browser_class import board_number, create_room, sign_in

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

PROJECTOR = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DEVICES = pytest.mark.parametrize("device", [PROJECTOR, PHONE], ids=["1280x800", "390px"])
# The roles a user operates, and so a screen reader names (WAI-ARIA widget roles).
CONTROLS = {"button", "checkbox", "combobox", "link", "menuitem", "radio", "radiogroup", "slider", "spinbutton",
            "switch", "tab", "textbox"}  # fmt: skip


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """(url, store, the server's terminal log): the server prints its teacher link there (no password set)."""
    folder = tmp_path_factory.mktemp("lesson")
    store = storage.ClassStore(folder / "class.db")
    with pytest.MonkeyPatch.context() as env:
        env.delenv(auth.PASSWORD_ENV, raising=False)
        with streamlit_server({storage.DB_ENV: str(store.location)}, log=folder / "terminal.txt") as url:
            yield url, store, folder / "terminal.txt"
    store.close()


@pytest.fixture
def devices(browser):
    """Open a browser context per device (each a person of its own); closed after the test."""
    opened = []

    def open_on(device):
        opened.append(browser.new_context(**device))
        return opened[-1].new_page()

    yield open_on
    for context in opened:
        context.close()


def send_as(store, student, digits) -> None:
    """A student's drawings, each read right, straight into the database (a minute apart: the rate limit)."""
    ink = service.ink_picture(np.eye(20))
    start = service.current_round(store, student.room)
    now = (start.started_at if start else 0.0) + 1
    for i, digit in enumerate(digits):
        x, read = np.full(400, digit / 10, dtype=np.float32), np.eye(10)[digit]
        service.send_drawing(store, student, student.room, digit, x, ink, digit, read, "m", now=now + 11 * i)


def stroke(page, canvas, device) -> None:
    """A 7, with a finger on a phone, with the mouse otherwise."""
    if device is PHONE:
        canvas.scroll_into_view_if_needed()  # a finger touches what is on the screen
        touch_stroke(page.context, page, canvas, SEVEN)
    else:
        draw(page, canvas, SEVEN)


def in_first_screen(page, locator) -> bool:
    """The element's top is within the viewport, the page not scrolled."""
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def unnamed_controls(page) -> list[str]:
    """Every control on the page (iframes included) a screen reader finds without a name."""
    nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    unnamed = []
    for node in nodes:
        role = node.get("role", {}).get("value")
        if role in CONTROLS and not node.get("ignored") and not node.get("name", {}).get("value", "").strip():
            unnamed.append(f"{role} (backend node {node.get('backendDOMNodeId')})")
    return unnamed


def teacher_with_a_room(classroom, devices, device):
    """The signed-in teacher on ``device``, with a new room: (url, store, the teacher's page, the room's code)."""
    url, store, log = classroom
    teacher = devices(device)
    sign_in(teacher, url, log, store)  # one server for the module: each test's teacher gets a link of its own
    return url, store, teacher, create_room(teacher, store)


@DEVICES
def test_once_students_are_in_the_board_is_on_the_first_screen_live_and_alone_with_present(classroom, devices, device):
    url, store, teacher, code = teacher_with_a_room(classroom, devices, device)
    teaching = teacher.get_by_text("Teaching needs drawings from at least")
    expect(teaching).to_contain_text("(there are 0 from 0)")
    ada, alan = service.join(store, code, "Ada"), service.join(store, code, "Alan")
    send_as(store, ada, [7, 3, 1])
    send_as(store, alan, [7])
    # The board follows without a reload, and so does every other count on the page.
    expect(board_number(teacher, "drawings")).to_have_text("4", timeout=15_000)
    expect(teaching).to_contain_text("(there are 4 from 2)")
    expect(teacher.get_by_text("no drawings to export")).to_have_count(0)
    room_picker = teacher.get_by_test_id("stSelectbox").first  # the top row's; the round's two are on the board
    expect(room_picker).not_to_contain_text("drawings")  # its counts were the last run's
    # The way in is folded: the board's numbers start on the first screen (and, on the projector, its matrix).
    expect(teacher.locator(".room-code")).not_to_be_visible()
    expect(teacher.get_by_text(f"How to join room {code}")).to_be_visible()
    teacher.evaluate("document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
    assert in_first_screen(teacher, board_number(teacher, "students who sent"))
    if device is PROJECTOR:
        matrix = teacher.locator(".stPlotlyChart").filter(has_text="confusion matrix")
        assert in_first_screen(teacher, matrix), matrix.bounding_box()
    # The board alone, in the same tab (sign-in is per tab): the numbers, nothing of the teacher's controls.
    teacher.get_by_role("link", name="The board alone").click()
    teacher.wait_for_url("**/class?present=1", timeout=15_000)
    expect(teacher.get_by_role("link", name="Every control")).to_be_visible()
    expect(board_number(teacher, "drawings")).to_have_text("4")
    for control in (
        "Create a room",
        "Sign out",
        "Clear the room",
        "Teach the model",
        "Start a round: draw every digit",
    ):
        expect(teacher.get_by_role("button", name=control)).to_have_count(0)
    for text in ("How to join room", "Teaching needs", "Moderation", "Export"):
        expect(teacher.get_by_text(text)).to_have_count(0)
    send_as(store, service.join(store, code, "Grace"), [2])
    expect(board_number(teacher, "drawings")).to_have_text("5", timeout=15_000)
    assert in_first_screen(teacher, board_number(teacher, "drawings"))


@DEVICES
def test_a_draw_every_digit_round_asks_each_student_for_what_the_room_lacks_and_the_board_counts_it(
    classroom, devices, device
):
    url, store, teacher, code = teacher_with_a_room(classroom, devices, PROJECTOR)
    alan = service.join(store, code, "Alan")
    send_as(store, alan, [0, 1, 2, 4, 5, 6, 7, 8, 9])  # every digit but 3
    expect(board_number(teacher, "drawings")).to_have_text("9", timeout=15_000)
    start = teacher.get_by_role("button", name="Start a round: draw every digit")
    # The first drawing folds the way in (a whole-page run): its old copy of the page stays, faded, until it ends.
    expect(start).to_have_count(1, timeout=15_000)
    start.click()
    expect(teacher.locator(".st-key-board-round")).to_contain_text("Round: draw every digit")
    teacher.wait_for_timeout(1000)
    small = [t for t in offenders(measure(teacher)) if t["text"].strip()]
    assert not small, f"the round's digits are readable from the back:\n{report(small)}"
    # A student's Draw page asks for the 3 and has it chosen on the keypad.
    student = devices(device)
    canvas = open_draw(student, url, f"/draw?room={code}")
    expect(student.get_by_text("The class's round: draw a 3")).to_be_visible(timeout=30_000)
    keypad = student.get_by_role("radiogroup", name="Which digit did you draw?")
    expect(keypad.get_by_role("radio", name="3", exact=True)).to_have_attribute("aria-checked", "true")
    stroke(student, canvas, device)
    send = student.get_by_role("button", name="Send to the class")
    expect(send).to_be_enabled(timeout=30_000)
    send.click()
    expect(student.get_by_text("Sent your 3 to the class")).to_be_visible(timeout=30_000)
    # Next: another digit, chosen again; the board counts the round's drawing.
    expect(student.get_by_text("The class's round: draw a ")).not_to_contain_text("draw a 3", timeout=15_000)
    expect(keypad.locator("[aria-checked=true]")).to_have_count(1)
    expect(teacher.locator(".st-key-board-round")).to_contain_text("1 drawing from 1 student", timeout=15_000)
    teacher.get_by_role("button", name="End the round").click()
    expect(teacher.locator(".st-key-board-round")).to_have_count(0)
    # Issue 29: the last round stayed at the top after it ended. Ended, it goes under the room's numbers and matrix.
    ended = teacher.locator(".st-key-board-round-view")
    expect(ended).to_contain_text("ended", timeout=15_000)
    expect(ended).to_have_count(1)
    assert ended.bounding_box()["y"] > teacher.locator(".stPlotlyChart").last.bounding_box()["y"]
    # The Draw page asks the database at its next run, as for a closed room: the next stroke.
    stroke(student, canvas_on(student), device)
    expect(student.get_by_text("The class's round")).to_have_count(0, timeout=15_000)


@DEVICES
def test_every_control_has_a_name_a_screen_reader_and_a_test_find(classroom, devices, device):
    url, store, teacher, code = teacher_with_a_room(classroom, devices, device)
    send_as(store, service.join(store, code, "Ada"), [7])
    expect(board_number(teacher, "drawings")).to_have_text("1", timeout=15_000)
    start = teacher.get_by_role("button", name="Start a round: draw every digit")
    # The first drawing folds the way in (a whole-page run): its old copy of the page stays, faded, until it ends.
    expect(start).to_have_count(1, timeout=15_000)
    start.click()
    expect(teacher.get_by_role("button", name="End the round")).to_be_visible()
    assert unnamed_controls(teacher) == []
    student = devices(device)
    canvas = open_draw(student, url, f"/draw?room={code}")
    stroke(student, canvas, device)
    expect(prediction(student)).to_have_text("7", timeout=30_000)
    assert unnamed_controls(student) == []
    # The keypad: a group named by its question, each digit a radio named by the digit (a single choice of ten).
    keypad = student.get_by_role("radiogroup", name="Which digit did you draw?")
    for digit in range(10):
        expect(keypad.get_by_role("radio", name=str(digit), exact=True)).to_have_count(1)
    for name in ("Send to the class", "Clear", "Nickname", "Preprocessing steps"):
        expect(student.get_by_role("button", name=name, exact=True)).to_have_count(1)


@DEVICES
def test_the_answer_is_shown_once(classroom, devices, device):
    url, store, _ = classroom
    code = service.create_room(store).code
    student = devices(device)
    canvas = open_draw(student, url, f"/draw?room={code}")
    stroke(student, canvas, device)
    expect(prediction(student)).to_have_text("7", timeout=30_000)
    student.wait_for_timeout(500)
    answers = (student.locator(".st-key-draw-verdict"), student.locator(".st-key-draw-answer"))
    shown = [answer for answer in answers if answer.is_visible()]
    assert len(shown) == 1, "the answer is said once"
    if device is PHONE:  # under the canvas, where the student looks
        expect(student.locator(".st-key-draw-verdict")).to_contain_text("Prediction: 7")
