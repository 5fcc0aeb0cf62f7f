"""Offline classrooms: every page loads with no request leaving the machine, tab icon included."""

from urllib.parse import urlparse

import pytest

from tests.apptest import PAGES
from tests.test_readability import open_page

LOCAL = {"127.0.0.1"}


@pytest.mark.parametrize("name", PAGES)
def test_a_page_asks_nothing_of_the_internet(browser, server, name):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        open_page(page, server, name)
        # Headless Chromium does not fetch favicons itself, so the tab icon's link is checked too.
        icons = page.eval_on_selector_all("link[rel~=icon]", "links => links.map(l => l.href)")
        assert icons, "the page has a tab icon"
        outside = [u for u in requests + icons if urlparse(u).scheme in ("http", "https", "ws", "wss")]
        outside = [u for u in outside if urlparse(u).hostname not in LOCAL]
        assert not outside, f"requests leaving the machine from /{name}: {outside}"
        for icon in icons:  # served by the app, or inline
            if icon.startswith("data:"):
                assert icon.startswith("data:image/"), icon[:40]
            else:
                response = page.request.get(icon)
                assert response.ok and response.headers["content-type"].startswith("image/"), icon
        # The sidebar's page icons come from Streamlit's bundled Material Symbols font.
        assert page.evaluate("document.fonts.check('24px \"Material Symbols Rounded\"')")
    finally:
        context.close()
