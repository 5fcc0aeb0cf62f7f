"""'Leave the room' on a shared device (issue 28): the next person who opens the link is someone new, not the student
who left (the browser's cookie kept them before)."""

import re

import pytest

from digitdemo.classroom import service, storage
from tests.browser import open_draw, streamlit_server
from tests.test_browser_class import context

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


def nickname(page) -> str:
    line = page.get_by_text(re.compile(r"^Room \w+ · you are ")).first
    expect(line).to_be_visible(timeout=30_000)
    return line.inner_text().split("you are", 1)[1].strip()


def test_after_leave_the_room_the_next_person_on_the_device_is_someone_new(browser, tmp_path):
    db = tmp_path / "class.db"
    store = storage.ClassStore(db)
    code = service.create_room(store).code
    with streamlit_server({storage.DB_ENV: str(db)}) as url:
        shared = context(browser)
        try:
            page = shared.new_page()
            open_draw(page, url, f"/draw?room={code}")
            first = nickname(page)
            page.reload()
            assert nickname(page) == first  # a reload finds the same student: the browser's cookie
            page.get_by_role("button", name="Nickname").click()
            page.get_by_role("button", name="Leave the room").click()
            expect(page.get_by_text(re.compile(r"^Room \w+ · you are "))).to_have_count(0, timeout=30_000)
            page.wait_for_function("!document.cookie.includes('digitdemo_browser=')")
            # The next person on the shared device opens the room's link again.
            open_draw(page, url, f"/draw?room={code}")
            assert nickname(page) != first, "the next person became the student who left"
        finally:
            shared.close()
    assert service.list_rooms(store)[0].joined == 2
    store.close()
