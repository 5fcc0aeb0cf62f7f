"""A lesson end to end in headless Chromium: a teacher and two students, each in a browser context of their own.

The server runs without a configured password, so the teacher signs in with the link it prints, as
Jupyter's token link; the class database is a temporary file, kept for a second server (a restart).
"""

import io
import re
import time
import zipfile

import numpy as np
import pytest
from PIL import Image

from digitdemo.classroom import auth, service, storage
from tests.browser import ONE, SEVEN, draw, no_errors, open_draw, prediction, streamlit_server

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


@pytest.fixture
def no_password(monkeypatch):
    monkeypatch.delenv(auth.PASSWORD_ENV, raising=False)


def context(browser, **options):
    return browser.new_context(viewport={"width": 1400, "height": 1400}, accept_downloads=True, **options)


def printed_teacher_link(log, timeout: float = 30) -> str:
    """The teacher link the server printed in its terminal when it started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"(http://\S+/class\?teacher=\S+)", log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no teacher link in the terminal:\n{log.read_text()}")


def sign_in(page, url: str, log, store=None) -> None:
    """Sign in with the printed link; with ``store`` (a server kept for several tests, whose printed link signed in
    once already), with a new one-time link as `python -m digitdemo class teacher-link` makes it."""
    link = printed_teacher_link(log)  # printed at the server's start, before any page was opened
    assert link.startswith(f"{url}/class?teacher=")  # the server answers 127.0.0.1 only: the link says so
    if store is not None:
        link = auth.teacher_link(url, auth.Password(auth.TeacherSignIn(store).new_link(), generated=True))
    page.goto(link)
    expect(page.get_by_text("Signed in as the teacher")).to_be_visible(timeout=30_000)
    page.wait_for_function("!location.search.includes('teacher=')")  # the token leaves the address bar


def create_room(teacher, store=None) -> str:
    """The signed-in teacher creates a room; its code, as the page shows it. With ``store`` (a server kept for several
    tests), the page may still be showing an earlier test's room when the new one is made: wait for a code that was
    not in the store before."""
    # Visible: a room students are in has its code folded away, and the new room is the one shown, open.
    code_box = teacher.locator(".room-code").filter(visible=True)
    before = {room.code for room in service.list_rooms(store)} if store is not None else set()
    before |= {code.strip() for code in code_box.all_inner_texts()}
    teacher.get_by_role("button", name="Create a room").click()
    not_shown = "".join(f"(?!{re.escape(code)}$)" for code in sorted(before))
    expect(code_box).to_have_text(re.compile(rf"^{not_shown}[2-9A-Z]{{5}}$"), timeout=30_000)
    return code_box.inner_text().strip()


def board_number(page, label: str):
    return page.locator(".board-number", has_text=label).locator("div").nth(1)


def send(page, url: str, code: str, stroke, digit: int) -> None:
    canvas = open_draw(page, url, f"/draw?room={code}")
    expect(page.get_by_text(f"Room {code}", exact=True)).to_be_visible(timeout=30_000)
    send_button = page.get_by_role("button", name="Send to the class")
    expect(send_button).to_be_disabled()
    draw(page, canvas, stroke)
    expect(prediction(page)).to_have_text(str(digit), timeout=30_000)
    expect(send_button).to_be_disabled()  # no digit chosen yet
    page.get_by_role("radio", name=str(digit), exact=True).click()
    expect(send_button).to_be_enabled(timeout=15_000)
    send_button.click()
    expect(page.get_by_text(f"Sent your {digit} to the class")).to_be_visible(timeout=30_000)


def test_a_lesson_teacher_and_two_students_then_a_restart(browser, tmp_path, no_password):
    db = tmp_path / "class.db"
    with streamlit_server({storage.DB_ENV: str(db)}, log=tmp_path / "first.txt") as url:
        a_lesson(browser, url, tmp_path / "first.txt")
    # The server stops and starts again on the same database: everything is still there.
    log = tmp_path / "second.txt"
    with streamlit_server({storage.DB_ENV: str(db)}, log=log) as url:
        teacher_context = context(browser)
        try:
            teacher = teacher_context.new_page()
            sign_in(teacher, url, log)
            expect(board_number(teacher, "students")).to_have_text("2", timeout=30_000)
            expect(board_number(teacher, "drawings")).to_have_text("1")
            expect(teacher.get_by_text("1 hidden by the teacher")).to_be_visible()
        finally:
            teacher_context.close()


# How many lines the room code takes in an element's text.
LINES_OF_CODE = """(element, code) => {
  const walk = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const at = node.data.indexOf(code);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + code.length);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  }
  return 0;
}"""


def a_lesson(browser, url, log):
    teacher_context, ada_context, alan_context = context(browser), context(browser), context(browser)
    try:
        teacher = teacher_context.new_page()
        sign_in(teacher, url, log)
        code = create_room(teacher)
        # This server answers 127.0.0.1 only: the join link keeps that address (not the network's) and says so.
        expect(teacher.get_by_text(f"{url}/draw?room={code}").first).to_be_visible()
        # It wraps at a / or the ?, never inside the code, which students may copy by hand.
        link = teacher.get_by_text(f"{url}/draw?room={code}").first
        for width in (1280, 1000, 390, 1400):
            teacher.set_viewport_size({"width": width, "height": 1400})
            assert link.evaluate(LINES_OF_CODE, code) == 1, f"the code is split at {width} px"
        expect(teacher.get_by_text("This server answers this computer only")).to_be_visible()
        expect(teacher.get_by_text("Scan to join")).to_be_visible()
        expect(board_number(teacher, "students")).to_have_text("0", timeout=15_000)

        # Two students join by the link, draw, choose the digit and send; the board follows without a reload.
        ada, alan = ada_context.new_page(), alan_context.new_page()
        send(ada, url, code, SEVEN, 7)
        expect(board_number(teacher, "drawings")).to_have_text("1", timeout=10_000)
        send(alan, url, code, ONE, 1)
        expect(board_number(teacher, "drawings")).to_have_text("2", timeout=10_000)
        expect(board_number(teacher, "students")).to_have_text("2")
        expect(board_number(teacher, "read right")).to_have_text("100%")

        # A student sees the class totals and their own drawing, and no teacher control anywhere.
        expect(ada.get_by_text("You sent 1")).to_be_visible()
        ada.goto(f"{url}/class")
        expect(ada.get_by_text("Room code", exact=True)).to_be_visible(timeout=30_000)
        for control in ("Create a room", "Hide", "Delete", "Clear the room", "Close the room"):
            assert ada.get_by_role("button", name=control).count() == 0, control
        assert ada.get_by_text("Download the drawings").count() == 0

        # Moderation: hiding Alan's 1 takes it off the board.
        teacher.get_by_text("Show each drawing with its nickname").click()
        teacher.get_by_role("button", name="Hide").first.click()  # newest first: Alan's 1
        expect(board_number(teacher, "drawings")).to_have_text("1", timeout=15_000)
        expect(teacher.get_by_text("1 hidden by the teacher")).to_be_visible()

        # Export: the zip holds the lab's arrays, upright, with the shown drawing only.
        with teacher.expect_download(timeout=30_000) as download:
            teacher.get_by_role("button", name="Download the drawings (zip)").click()
        archive = zipfile.ZipFile(download.value.path())
        X = np.load(io.BytesIO(archive.read("X.npy")))
        y = np.load(io.BytesIO(archive.read("y.npy")))
        assert X.shape == (1, 400) and X.dtype == np.float32 and y.shape == (1, 1) and y[0, 0] == 7
        png = next(name for name in archive.namelist() if name.endswith(".png"))
        ink = np.asarray(Image.open(io.BytesIO(archive.read(png))).convert("L").resize((20, 20)), dtype=float)
        upright, sideways = X[0].reshape(20, 20).T, X[0].reshape(20, 20)
        assert np.corrcoef(upright.ravel(), ink.ravel())[0, 1] > np.corrcoef(sideways.ravel(), ink.ravel())[0, 1]
        assert np.corrcoef(upright.ravel(), ink.ravel())[0, 1] > 0.25  # alike, though the PNG is uncentred
        for page in (teacher, ada, alan):
            no_errors(page)
    finally:
        for c in (teacher_context, ada_context, alan_context):
            c.close()


def test_a_wrong_teacher_link_says_so_and_shows_no_teacher_control(browser, tmp_path, no_password):
    with streamlit_server({storage.DB_ENV: str(tmp_path / "class.db")}) as url:
        wrong_link(browser, url)


def wrong_link(browser, url):
    visitor_context = context(browser)
    try:
        page = visitor_context.new_page()
        page.goto(f"{url}/class?teacher=guess")
        expect(page.get_by_text("The teacher link did not sign you in.")).to_be_visible(timeout=30_000)
        assert page.get_by_role("button", name="Create a room").count() == 0
    finally:
        visitor_context.close()
