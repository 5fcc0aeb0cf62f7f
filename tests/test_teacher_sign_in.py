"""The teacher's sign-in in headless Chromium (issue 28): the link's token leaves no trace a student can use, and a
signed-in teacher stays signed in across reloads, until Sign out.

One server for the module, without a configured password: the teacher signs in with the link it prints.
"""

import re
import time

import pytest

from digitdemo.classroom import auth, storage
from tests.browser import streamlit_server
from tests.test_browser_class import context, printed_teacher_link

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
SIGNED_IN = "Signed in as the teacher"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sign-in")
    log = folder / "terminal.txt"
    db = folder / "class.db"
    with pytest.MonkeyPatch.context() as env:
        env.delenv(auth.PASSWORD_ENV, raising=False)
        with streamlit_server({storage.DB_ENV: str(db)}, log=log) as url:
            yield url, printed_teacher_link(log), db


def fresh_link(server) -> str:
    """A new one-time link, as `python -m digitdemo class teacher-link` prints it (the printed one signs in once)."""
    url, _, db = server
    token = auth.TeacherSignIn(storage.ClassStore(db)).new_link()
    return auth.teacher_link(url, auth.Password(token, generated=True))


def signed_in(page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_text(SIGNED_IN)).to_be_visible(timeout=30_000)
    page.wait_for_function("!location.search.includes('teacher=')")


def is_student_page(page) -> None:
    expect(page.get_by_role("button", name="Join", exact=True)).to_be_visible(timeout=30_000)
    assert page.get_by_role("button", name="Create a room").count() == 0
    assert page.get_by_text(SIGNED_IN).count() == 0


def test_back_after_signing_in_never_shows_the_token_and_the_printed_link_signs_in_once(browser, server):
    url, printed, _ = server
    teacher_context, student_context = context(browser), context(browser)
    try:
        teacher = teacher_context.new_page()
        teacher.goto(f"{url}/softmax")  # where the teacher was before (a page of the app, so Back stays in it)
        expect(teacher.get_by_text("Softmax").first).to_be_visible(timeout=30_000)
        signed_in(teacher, printed)
        teacher.go_back()  # on the projector: Back must not show the token again
        teacher.wait_for_load_state()
        assert "teacher=" not in teacher.url, teacher.url
        assert "/softmax" in teacher.url
        # The token, seen on the projector or in the history's suggestions, signs nobody in any more.
        student = student_context.new_page()
        student.goto(printed)
        expect(student.get_by_text("The teacher link did not sign you in.")).to_be_visible(timeout=30_000)
        expect(student.get_by_text("It signs in once")).to_be_visible()
        is_student_page(student)
    finally:
        teacher_context.close()
        student_context.close()


def test_a_reload_and_a_new_tab_keep_the_teacher_signed_in_until_sign_out(browser, server):
    url, _, _ = server
    teacher_context = context(browser)
    try:
        teacher = teacher_context.new_page()
        signed_in(teacher, fresh_link(server))
        teacher.reload()  # F5 mid-lesson
        expect(teacher.get_by_text(SIGNED_IN)).to_be_visible(timeout=30_000)
        expect(teacher.get_by_role("button", name="Create a room")).to_be_visible()
        other_tab = teacher_context.new_page()
        other_tab.goto(f"{url}/class")
        expect(other_tab.get_by_text(SIGNED_IN)).to_be_visible(timeout=30_000)
        (cookie,) = [c for c in teacher_context.cookies() if c["name"] == auth.TEACHER_COOKIE]
        assert cookie["sameSite"] == "Strict" and 11 * 3600 < cookie["expires"] - time.time() <= 12 * 3600
        other_tab.close()
        teacher.get_by_role("button", name="Sign out").click()
        is_student_page(teacher)
        assert not [c for c in teacher_context.cookies() if c["name"] == auth.TEACHER_COOKIE]
        teacher.reload()
        is_student_page(teacher)
    finally:
        teacher_context.close()
    # The cookie's secret, copied before Sign out, signs in no more (its hash left the database).
    copied = context(browser)
    try:
        copied.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": url}])
        page = copied.new_page()
        page.goto(f"{url}/class")
        is_student_page(page)
    finally:
        copied.close()


def test_a_signed_in_teacher_makes_a_link_for_another_device_that_signs_in_once(browser, server):
    teacher_context, phone_context, student_context = context(browser), context(browser), context(browser)
    try:
        teacher = teacher_context.new_page()
        signed_in(teacher, fresh_link(server))
        teacher.get_by_text("Sign in on another device").click()
        teacher.get_by_role("button", name="Make a sign-in link").click()
        shown = teacher.locator("code", has_text="/class?teacher=")
        expect(shown).to_be_visible(timeout=30_000)
        link = re.search(r"http://\S+/class\?teacher=\S+", shown.inner_text()).group(0)
        phone = phone_context.new_page()
        signed_in(phone, link)
        student = student_context.new_page()
        student.goto(link)  # a second time: refused
        expect(student.get_by_text("The teacher link did not sign you in.")).to_be_visible(timeout=30_000)
        is_student_page(student)
    finally:
        for own in (teacher_context, phone_context, student_context):
            own.close()


def test_a_cookie_a_student_makes_up_signs_nobody_in(browser, server):
    url, _, _ = server
    own = context(browser)
    try:
        own.add_cookies([{"name": auth.TEACHER_COOKIE, "value": auth.new_token() * 2, "url": url}])
        page = own.new_page()
        page.goto(f"{url}/class")
        is_student_page(page)
    finally:
        own.close()
