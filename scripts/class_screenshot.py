"""Take the README's class board screenshot: python -m scripts.class_screenshot.

Starts its own server on a fresh class database, signs in as the teacher, lets eight students
join by the link and send two drawings each (some read wrong), then photographs the board.
Writes docs/class_board.png.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.harness import canvas_on, draw, launch, streamlit_server

OUT = Path(__file__).resolve().parent.parent / "docs" / "class_board.png"
PASSWORD = "screenshot"
# Strokes in canvas pixels, as students draw them, and the digit each student meant.
STROKES = {
    7: [[(90, 70), (190, 70), (190, 90), (160, 150), (130, 230)]],
    1: [[(140, 50), (140, 240)]],
    0: [[(140, 50), (90, 90), (80, 150), (100, 220), (150, 235), (195, 190), (200, 110), (175, 60), (140, 50)]],
    4: [[(150, 50), (90, 170), (200, 170)], [(170, 110), (170, 240)]],
    2: [[(90, 90), (140, 55), (190, 90), (180, 140), (90, 230), (200, 230)]],
    3: [[(90, 70), (190, 70), (140, 130), (195, 180), (150, 235), (90, 220)]],
    9: [[(190, 80), (140, 50), (95, 80), (110, 130), (190, 110), (190, 80), (180, 240)]],
    5: [[(190, 60), (100, 60), (95, 130), (170, 130), (190, 190), (150, 235), (90, 220)]],
}
# Some students write a 9 with an open top, as a 4 (the model has seen few of those).
OPEN_NINE = [[(100, 60), (100, 140), (190, 140)], [(190, 50), (190, 240)]]


def send(page, digit: int, strokes=None) -> None:
    canvas = canvas_on(page)
    for stroke in strokes or STROKES[digit]:
        draw(page, canvas, stroke)
        time.sleep(0.6)
    page.get_by_role("radio", name=str(digit), exact=True).click()
    button = page.get_by_role("button", name="Send to the class")
    button.wait_for()
    for _ in range(50):
        if button.is_enabled():
            break
        time.sleep(0.2)
    button.click()
    page.get_by_text(f"Sent your {digit}").wait_for(timeout=30_000)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DIGITDEMO_CLASS_DB"] = str(Path(folder) / "class.db")
        os.environ["DIGITDEMO_TEACHER_PASSWORD"] = PASSWORD
        with streamlit_server("streamlit_app.py") as (_, url, _), sync_playwright() as p:
            browser = launch(p)
            teacher = browser.new_page(viewport={"width": 1400, "height": 1700})
            teacher.goto(f"{url}/class?teacher={PASSWORD}")
            teacher.get_by_role("button", name="Create a room").click()
            code = teacher.locator(".room-code")
            code.wait_for(timeout=30_000)
            room = code.inner_text().strip()
            digits = [7, 1, 0, 4, 2, 3, 9, 5]
            for i, first in enumerate(digits):
                student = browser.new_page(viewport={"width": 1280, "height": 1200})
                student.goto(f"{url}/draw?room={room}")
                for digit in (first, digits[(i + 2) % len(digits)]):
                    send(student, digit)
                    student.get_by_role("button", name="Clear").click()
                if i % 3 == 0:
                    send(student, 9, OPEN_NINE)
                student.close()
            time.sleep(4)  # the board refreshes by itself
            teacher.locator(".board-number").first.scroll_into_view_if_needed()
            board = teacher.locator(".board-number").first.bounding_box()
            teacher.screenshot(path=OUT, clip={"x": 0, "y": board["y"] - 20, "width": 1400, "height": 1150})
            browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
