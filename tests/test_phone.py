"""On a phone (390 px wide): the answer in view after a stroke, grid captions clear of the digits, code that fits."""

import pytest

from tests.browser import SEVEN, touch_stroke
from tests.test_readability import open_page

expect = pytest.importorskip("playwright.sync_api").expect

# An iPhone 12-14's width, and the height Safari leaves between its bars.
PHONE = {"viewport": {"width": 390, "height": 664}, "has_touch": True, "is_mobile": True}

# Each grid image's box and each caption's box, in page pixels, from plotly's own axes: the grids in view (a
# closed tab's are laid out with no size).
GRID_BOXES = """
() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(g => g.layout.meta && g.layout.meta.tiles && g.getBoundingClientRect().width > 0).map(g => {
  const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;
  const svg = g.querySelector('svg.main-svg').getBoundingClientRect();
  const px = x => svg.left + xa._offset + xa.l2p(x), py = y => svg.top + ya._offset + ya.l2p(y);
  const tiles = g.layout.meta.tiles.map(([x0, y0, x1, y1]) => {
    const [left, right] = [px(x0), px(x1)].sort((a, b) => a - b);
    const [top, bottom] = [py(y0), py(y1)].sort((a, b) => a - b);
    return {left, right, top, bottom};
  });
  const captions = [...g.querySelectorAll('g.annotation text')].map(t => {
    const r = t.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: t.textContent};
  });
  return {tiles, captions};
})
"""


def overlap(a: dict, b: dict, tolerance: float = 0.5) -> bool:
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > tolerance and (
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > tolerance
    )


def test_after_a_stroke_the_prediction_is_in_view(browser, server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(f"{server}/draw")
        canvas = page.locator("canvas.upper-canvas").first
        canvas.wait_for()
        canvas.evaluate("c => c.scrollIntoView({block: 'center'})")  # where a student holds it to draw
        page.wait_for_timeout(1000)
        scrolled = page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop + window.scrollY")
        touch_stroke(context, page, canvas, SEVEN)
        answer = page.locator(".st-key-draw-verdict")
        expect(answer).to_contain_text("Prediction: 7", timeout=15_000)
        box = answer.bounding_box()
        assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop + window.scrollY") == scrolled
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["viewport"]["height"], f"the answer at {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    finally:
        context.close()


@pytest.mark.parametrize("name", ["dataset", "predictions", "errors"])
def test_grid_captions_do_not_cover_the_digits(browser, server, name):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        open_page(page, server, name)
        grids = page.evaluate(GRID_BOXES)
        assert grids and all(len(g["captions"]) == len(g["tiles"]) >= 10 for g in grids)
        for grid in grids:
            tiles, captions = grid["tiles"], grid["captions"]
            assert tiles[0]["right"] - tiles[0]["left"] < 50, "a phone draws the grid small"
            covered = [(c["text"], i) for c in captions for i, t in enumerate(tiles) if overlap(c, t)]
            assert not covered, f"captions over digits on /{name}: {covered[:5]}"
            clash = [(a["text"], b["text"]) for i, a in enumerate(captions) for b in captions[i + 1 :] if overlap(a, b)]
            assert not clash, f"captions over each other on /{name}: {clash[:5]}"
    finally:
        context.close()


@pytest.mark.parametrize("name", ["softmax", "dataset", "model", "training", "predictions"])
def test_code_blocks_fit_a_phone(browser, server, name):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        open_page(page, server, name)
        blocks = page.eval_on_selector_all(
            "[data-testid=stCode] pre",
            """blocks => blocks.map(b => {
                const r = b.getBoundingClientRect(), s = getComputedStyle(b);
                return {left: r.left, right: r.right, hidden: b.scrollWidth - b.clientWidth, overflow: s.overflowX,
                        text: b.textContent.slice(0, 40)};
            })""",
        )
        assert blocks, f"/{name} shows code"
        for block in blocks:
            assert block["left"] >= 0 and block["right"] <= PHONE["viewport"]["width"], block
            assert block["hidden"] <= 1 or block["overflow"] in ("auto", "scroll"), f"code cut off: {block}"
    finally:
        context.close()
