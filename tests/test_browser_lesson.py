"""What a try-out of a whole lesson in Chromium found (issue 29), each seen as the teacher or a student sees it.

The server runs without a configured password: the teacher signs in with the link it prints.
"""

import os
import signal

import pytest

from digitdemo.classroom import service
from tests.browser import SEVEN, canvas_on, draw, no_errors, open_draw, prediction
from tests.test_browser_rounds import MARK, MARKED, a_teacher_and_two_students, classroom, nickname  # noqa: F401
from tests.test_serve import hall  # noqa: F401 (a fixture: `serve --processes 2`)

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


def test_stale_views_follow_within_the_live_check(browser, classroom):  # noqa: F811
    """The teacher's room picker, a student's "You sent" and their class totals follow the database within the live
    check's 2 s (and a busy machine's slack), nobody reloading."""
    url, log, store = classroom
    with a_teacher_and_two_students(browser, url, log) as (teacher, ada, alan, code):
        for student in (teacher, ada, alan):
            student.evaluate(MARK)
        send_a_seven(ada)
        expect(ada.get_by_text("You sent 1: the digit you meant → what the model read.")).to_be_visible()
        ada.evaluate(MARK)  # Send reran her page: marked again
        totals = ada.locator('[data-testid="stMetric"]', has_text="Drawings")
        expect(totals).to_contain_text("1")
        # A classmate's drawings reach her totals without her doing anything.
        send_a_seven(alan)
        send_a_seven(alan)
        expect(totals).to_contain_text("3", timeout=15_000)
        # The teacher deletes her drawing (as Moderation does): "You sent" follows.
        (mine,) = [d.id for d in service.room_drawings(store, code) if d.nickname == nickname(ada)]
        service.delete_drawing(store, code, mine)
        expect(ada.get_by_text("The teacher deleted 1 drawing you sent.")).to_be_visible(timeout=15_000)
        expect(ada.get_by_text("You sent 1")).to_have_count(0)
        expect(totals).to_contain_text("2")
        assert ada.evaluate(MARKED), "her page was not reloaded"
        # The room closed elsewhere (another tab of the teacher's, the command line): the picker says so.
        picker = teacher.get_by_role("combobox", name="Room")
        expect(picker).to_have_value(f"{code} (open)")
        service.close_room(store, code)
        expect(teacher.get_by_role("button", name="Reopen the room")).to_be_visible(timeout=15_000)
        expect(picker).to_have_value(f"{code} (closed)", timeout=15_000)
        # ... and closed from the page itself, after reopening.
        service.reopen_room(store, code)
        expect(picker).to_have_value(f"{code} (open)", timeout=15_000)
        teacher.get_by_role("button", name="Close the room").click()
        expect(picker).to_have_value(f"{code} (closed)", timeout=15_000)
        no_errors(ada)
        no_errors(teacher)


# --- Small things (issue 29, item 8) --------------------------------------------------------------------------------


def test_the_round_chooser_shows_its_whole_text_and_the_board_alone_its_code_and_no_emoji(browser, classroom):  # noqa: F811
    url, log, store = classroom
    with a_teacher_and_two_students(browser, url, log) as (teacher, ada, alan, code):
        send_a_seven(ada)
        chooser = teacher.get_by_role("combobox", name="The next round asks for")
        expect(chooser).to_have_value("ask for every digit, fewest first", timeout=15_000)
        # Its text fits its box: nothing cut off at the end.
        assert chooser.evaluate("e => e.scrollWidth <= e.clientWidth"), "the chooser's text is cut off"
        for choice in ("ask each a random digit", "ask for any digit", "fool the model with a 8"):
            chooser.click()
            teacher.get_by_role("option", name=choice).click()
            expect(chooser).to_have_value(choice)
            assert chooser.evaluate("e => e.scrollWidth <= e.clientWidth"), choice
        # The links to the board alone and back show icons of the app's own icon font, not emoji that a machine
        # without an emoji font draws as empty boxes.
        alone = teacher.get_by_role("link", name="The board alone")
        expect(alone.get_by_test_id("stIconMaterial")).to_have_count(1)
        assert not any(ord(c) > 0x2FFF for c in alone.inner_text()), alone.inner_text()
        alone.click()
        # The board alone, for the projector: the code for latecomers, while the room is open.
        expect(teacher.locator(".st-key-board-join")).to_have_text(
            f"Join on the Class page with the room code {code}", timeout=15_000
        )
        back = teacher.get_by_role("link", name="Every control")
        expect(back.get_by_test_id("stIconMaterial")).to_have_count(1)
        no_errors(teacher)


def test_the_confusion_matrix_title_fits_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{server}/errors")
        expect(page.locator(".js-plotly-plot .gtitle").first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1000)
        titles = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot .gtitle')].map(t => {
                const r = t.getBoundingClientRect(); return {text: t.textContent, left: r.left, right: r.right};
            })"""
        )
        matrix = [t for t in titles if t["text"].startswith("Confusion matrix")]
        assert matrix, titles
        for title in matrix:
            assert title["left"] >= 0 and title["right"] <= 390, title
    finally:
        context.close()


# --- A drawing in progress survives a reconnect (issue 29, item 2) ----------------------------------------------------

INK = """() => {
  const find = (root) => root.querySelector('canvas.upper-canvas') || [...root.querySelectorAll('*')]
    .filter(e => e.shadowRoot).map(e => find(e.shadowRoot)).find(c => c) || null;
  const c = find(document).parentElement.querySelector('canvas.lower-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) n += d[i] > 128;
  return n;
}"""  # the canvas's inked pixels (streamlit-drawable-canvas draws in a shadow root)


def test_a_drawing_in_progress_comes_back_after_a_reload(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        draw(page, open_draw(page, server), SEVEN)
        expect(prediction(page)).to_have_text("7", timeout=30_000)
        drawn = page.evaluate(INK)
        assert drawn > 500
        page.reload()  # a new session, as after a lost connection
        expect(prediction(page)).to_have_text("7", timeout=30_000)
        assert page.evaluate(INK) == pytest.approx(drawn, rel=0.15), "the same strokes, drawn again"
        # Clear forgets it: a reload then shows an empty canvas.
        page.get_by_role("button", name="Clear").click()
        expect(prediction(page)).to_have_text("—", timeout=15_000)
        page.wait_for_timeout(1000)
        page.reload()
        canvas_on(page)
        page.wait_for_timeout(2500)
        assert page.evaluate(INK) == 0
        expect(prediction(page)).to_have_text("—")
        no_errors(page)
    finally:
        context.close()


def test_a_killed_worker_loses_no_stroke_of_a_drawing_not_sent(hall, browser):  # noqa: F811
    context = hall.browser_on(browser, "w2")
    try:
        page = context.new_page()
        draw(page, open_draw(page, hall.url), SEVEN)
        expect(prediction(page)).to_have_text("7", timeout=60_000)
        with page.expect_event("websocket", timeout=60_000):  # the page's own reconnection
            os.kill(hall.workers()["w2"], signal.SIGKILL)
        hall.wait_for("worker w2 (port", 30)
        # On the other worker, a new session: the canvas has the strokes again, and the answer is read from them.
        expect(prediction(page)).to_have_text("7", timeout=60_000)
        assert page.evaluate(INK) > 500
    finally:
        context.close()


# --- The first screen (issue 29, item 5) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "width", "height", "phone"),
    [("/draw?present=1", 1280, 800, False), ("/draw", 1366, 768, False), ("/draw", 390, 844, True)],
    ids=["presenter-1280x800", "laptop-1366x768", "phone-390x844"],
)
def test_the_canvas_and_the_answer_share_the_first_screen(browser, server, path, width, height, phone):
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=phone, is_mobile=phone)
    page = context.new_page()
    try:
        canvas = open_draw(page, server, path)
        page.evaluate("window.scrollTo(0, 0)")
        box = canvas.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"the canvas spans y {box['y']:.0f}+280"
        draw(page, canvas, SEVEN)
        # On a phone the answer is the line under the canvas; beside it elsewhere.
        answer = page.locator(".st-key-draw-verdict") if phone else prediction(page)
        expect(answer).to_contain_text("7", timeout=30_000)
        page.evaluate("window.scrollTo(0, 0)")
        shown = answer.bounding_box()
        assert shown["y"] >= 0 and shown["y"] + shown["height"] <= height, f"the answer at y {shown['y']:.0f}"
        assert canvas.bounding_box()["y"] == pytest.approx(box["y"], abs=2), "nothing moved the canvas"
        # The switches' labels are whole (wrapped on a phone, not cut off).
        for label in ("Crop to the ink", "Fit in a 20x20 box", "Centre of mass to the centre"):
            expect(page.get_by_text(label, exact=True)).to_be_visible()
            assert page.get_by_text(label, exact=True).evaluate("e => e.scrollWidth <= e.clientWidth + 1"), label
        no_errors(page)
    finally:
        context.close()
