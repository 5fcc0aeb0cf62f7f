"""In a room, only what was drawn on the canvas goes to the class (issue 28): an uploaded picture (a face with a name
went through as "ink") is read on the Draw page, never sent."""

import io

import numpy as np
from PIL import Image

from digitdemo.classroom import service
from tests.apptest import keypad
from tests.test_class_pages import draw_in, labels


def test_an_uploaded_picture_is_read_but_cannot_be_sent_to_the_class(db):
    code = service.create_room(db).code
    at = draw_in(code)
    at.radio(key="draw.source").set_value("Upload a picture").run()
    photo = io.BytesIO()
    Image.fromarray(np.pad(np.full((60, 20), 255, np.uint8), 40)).save(photo, format="PNG")  # a bold 1, or a face
    at.file_uploader(key="draw.upload").set_value(("photo.png", photo.getvalue(), "image/png")).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Prediction"] != "—", "the upload is read, as outside a room"
    keypad(at).set_value(1).run()
    at.session_state["room.send_clicked"] = True  # what Send's click sets: as a forged click would
    at.run()
    assert service.room_drawings(db, code) == [], "the uploaded picture went to the class"
    assert at.button(key="room.send").disabled
    assert "Only a digit drawn on the canvas goes to the class" in " ".join(labels(at, "caption"))
