"""The class board in headless Chromium: a matrix cell shows its drawings; moderation says what it did."""

import numpy as np
import pytest

from digitdemo.classroom import service, storage
from tests.browser import streamlit_server
from tests.test_browser_class import board_number, context, create_room, no_password, sign_in  # noqa: F401 (a fixture)

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


def test_a_click_on_a_matrix_cell_shows_the_drawings_meant_as_one_digit_and_read_as_another(
    browser,
    tmp_path,
    no_password,  # noqa: F811
):
    db = tmp_path / "class.db"
    log = tmp_path / "terminal.txt"
    with streamlit_server({storage.DB_ENV: str(db)}, log=log) as url:
        teacher_context = context(browser)
        try:
            teacher = teacher_context.new_page()
            sign_in(teacher, url, log)
            code = create_room(teacher)
            # Two students send through the same database the server uses: a 7 read as 1 twice, a 3 read right.
            store = storage.ClassStore(db)
            try:
                ink = service.ink_picture(np.eye(20))
                ada, alan = service.join(store, code, "Ada"), service.join(store, code, "Alan")
                for student, meant, read in [(ada, 7, 1), (alan, 7, 1), (ada, 3, 3)]:
                    x = np.full(400, meant / 10, dtype=np.float32)
                    service.send_drawing(store, student, code, meant, x, ink, read, np.eye(10)[read], "m")
            finally:
                store.close()
            expect(board_number(teacher, "drawings")).to_have_text("3", timeout=15_000)  # the board follows
            # The matrix's markers, row by row (the digit meant), column by column (the digit read).
            matrix = teacher.locator(".stPlotlyChart").filter(has_text="confusion matrix")
            cell = matrix.locator("g.points path.point").nth(7 * 10 + 1)
            cell.scroll_into_view_if_needed()
            box = cell.bounding_box()  # plotly takes clicks on its drag layer, at the marker's place
            teacher.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            expect(teacher.get_by_role("heading", name="Meant 7, read 1: 2 drawings")).to_be_visible()
            # The other cells do not fade: the diagonal stays readable on the projector.
            opacity = matrix.locator("g.points path.point").nth(3 * 10 + 3).evaluate("p => getComputedStyle(p).opacity")
            assert float(opacity) == 1.0
            teacher.wait_for_timeout(2_000)  # the board refreshes every 1.5 s: the cell's drawings stay
            expect(teacher.get_by_role("heading", name="Meant 7, read 1: 2 drawings")).to_be_visible()

            # Moderation says what it did, and the sentence outlives the board's refreshes (a try-out
            # never saw it: the refresh 1.5 s later took it away, if it showed at all).
            teacher.get_by_text("Show each drawing with its nickname").click()
            # The two removals read in full (they were cut to "Remove this student's dra…" at this width).
            for label in ("Delete their drawings", "Remove from the room"):
                text = teacher.get_by_role("button", name=label).locator("p")
                expect(text).to_be_visible()
                assert text.evaluate("p => p.scrollWidth <= p.clientWidth"), label
            teacher.get_by_role("button", name="Hide", exact=True).first.click()
            done = teacher.get_by_text("The drawing is hidden from the board.")
            expect(done).to_be_visible()
            teacher.wait_for_timeout(3_000)
            expect(done).to_be_visible()
            expect(board_number(teacher, "drawings")).to_have_text("2")
        finally:
            teacher_context.close()
