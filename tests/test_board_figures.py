"""The class board's charts go out pre-checked on every refresh: what validation would send, minus its cost."""

import json

import plotly.graph_objects as go
import pytest

from digitdemo.classroom import service
from tests.apptest import plot_spec
from tests.test_class_pages import _lesson, teacher, teacher_with_a_lesson


@pytest.mark.parametrize("present", [False, True], ids=["classroom", "presenter"])
@pytest.mark.parametrize("key", ["class.per_digit", "class.matrix"])
def test_a_board_chart_sent_unvalidated_is_what_validation_would_send(db, password, key, present):
    at = teacher(password)
    if present:
        at.query_params["present"] = "1"
    at.button(key="class.create").click().run()
    (room,) = service.list_rooms(db)
    _lesson(db, room.code)
    at.run()
    sent = plot_spec(at, key)
    assert "template" not in sent["layout"], "sent pre-checked (validation adds the template)"
    validated = json.loads(go.Figure(sent).to_json())  # raises ValueError on a property plotly does not know
    validated["layout"].pop("template")
    assert validated == sent


def test_an_unchanged_board_is_not_made_again_and_a_change_shows(db, password):
    at, code, ada, _ = teacher_with_a_lesson(db, password)
    before = plot_spec(at, "class.matrix")
    at.run()  # a refresh with nothing new: the same figure, from the cache
    assert plot_spec(at, "class.matrix") == before
    service.remove_student_drawings(db, code, ada.id)
    at.run()  # a change: the matrix follows
    after = plot_spec(at, "class.matrix")
    assert after["data"][0]["text"] != before["data"][0]["text"]
