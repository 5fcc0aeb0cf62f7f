"""'Fool the model' rounds (issue 16): everyone draws one digit so that the model reads another; a drawing fools it
when the class agrees it is the digit asked for (the teacher ticks it on the board) and the model read another.
The board then shows the fooling drawings beside the pixels that pushed the model to its answer.
"""

import numpy as np
import pytest

from digitdemo import data, why
from digitdemo.classroom import rooms, service
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.pages.classroom import board
from tests.apptest import inject_drawing, keypad, plot_spec
from tests.test_class_lesson_rounds import send
from tests.test_class_pages import all_text, board_numbers, draw_in, labels, teacher


@pytest.fixture
def ink():
    return service.ink_picture(np.eye(30))


def fooled(at) -> str:
    """The round view's 'fooled the model' number."""
    return board_numbers(at)["fooled the model"]


def a_fool_round(store, ink):
    """A room running "fool the model with a 4": Ada's 4 read as 9, Alan's read as 4, Ada's 7 meant (read 1)."""
    code = service.create_room(store).code
    ada, alan = service.join(store, code, "Ada"), service.join(store, code, "Alan")
    started = service.start_round(store, code, rooms.FOOL, digit=4, now=1000.0)
    ids = [
        send(store, ada, 4, 9, 0.7, ink, now=1010.0),
        send(store, alan, 4, 4, 0.9, ink, now=1020.0),
        send(store, ada, 7, 1, 0.6, ink, now=1080.0),  # the student chose 7: the class may still judge it a 4
    ]
    return code, started, ids


def test_a_drawing_fools_the_model_once_the_class_agrees_it_is_the_digit_asked(store, ink):
    code, started, ids = a_fool_round(store, ink)
    assert started.title == "fool the model: draw a 4 it reads as another digit"
    view = service.round_board(store, code, started.id)
    # Alan's was read as a 4: it fooled nobody. The others, the model surest of a 4 first (4.4%, then 3.3%).
    assert [d.drawing.id for d in view.misread] == [ids[2], ids[0]]
    assert view.fooling == []  # nothing counts until the class agrees
    service.mark_agreed(store, code, started.id, ids[0])
    service.mark_agreed(store, code, started.id, ids[2])
    view = service.round_board(store, code, started.id)
    assert [d.drawing.id for d in view.fooling] == [ids[2], ids[0]]
    # Agreed, each is kept in the room's drawings as the digit asked for: what teaching then learns from.
    assert {d.id: d.meant for d in service.room_drawings(store, code)} == {ids[0]: 4, ids[1]: 4, ids[2]: 4}
    service.mark_agreed(store, code, started.id, ids[2], agreed=False)  # the teacher changes their mind
    assert [d.drawing.id for d in service.round_board(store, code, started.id).fooling] == [ids[0]]
    service.mark_agreed(store, code, started.id, ids[1])  # agreed but read right: it did not fool the model
    assert [d.drawing.id for d in service.round_board(store, code, started.id).fooling] == [ids[0]]


def test_only_a_fool_rounds_own_drawings_can_be_marked(store, ink):
    code, started, ids = a_fool_round(store, ink)
    other = service.start_round(store, code, rooms.ONE_DIGIT, digit=3, now=2000.0)
    with pytest.raises(ClassRuleError, match='has no such "fool the model" round'):
        service.mark_agreed(store, code, other.id, ids[0])
    with pytest.raises(ClassRuleError, match="not one of the round's"):
        service.mark_agreed(store, code, started.id, 10**9)
    with pytest.raises(ClassRuleError, match="whole number from 0 to 9"):
        service.start_round(store, code, rooms.FOOL)  # a fool round asks for one digit


def assert_maps(spec: dict, model, x: np.ndarray) -> None:
    """A fooling drawing's two pixel maps (read 9, why not 4?) are this model's."""
    maps = [np.array(trace["z"], dtype=float) for trace in spec["data"] if trace["type"] == "heatmap"]
    for shown, digit in zip(maps, (9, 4), strict=True):
        np.testing.assert_allclose(shown, data.row_to_image(why.pixel_pushes(model.layers, x, digit)), atol=1e-4)


def test_the_teacher_ticks_what_fooled_the_model_and_the_board_shows_it_with_its_pixel_map(
    db, password, ink, shipped_model, wide_model
):
    at = teacher(password)
    at.button(key="class.create").click().run()
    code = at.session_state["class.room"]
    at.selectbox(key=board.ASK).set_value((rooms.FOOL, 4)).run()
    start = at.button(key="class.round_start")
    assert start.label == "Start a round: fool the model: draw a 4 it reads as another digit"
    at.button(key="class.round_start").click().run()
    running = service.current_round(db, code)
    ada = service.join(db, code, "Ada")
    x = np.random.default_rng(4).random(400, dtype=np.float32)
    p = np.full(10, 0.02, dtype=np.float32)
    p[9] = 0.82
    drawing = service.send_drawing(db, ada, code, 4, x, ink, 9, p, "shipped")
    at.run()
    assert fooled(at) == "0"
    assert "**Did it fool the model?**" in all_text(at)
    tick = at.checkbox(key=f"class.fool.{running.id}.{drawing}")
    assert tick.label == "a 4" and tick.value is False
    tick.check().run()
    assert not at.exception
    assert fooled(at) == "1"
    assert "They fooled the model: 1 drawing" in labels(at, "subheader")
    spec = plot_spec(at, f"class.fool.map.{drawing}")
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["read 9", "why not 4?"]
    # The maps are by the model the room's students read with (the wider network, the room's starting model):
    # gradient x input of the digit it read, and of the digit asked, for the drawing's stored input.
    assert_maps(plot_spec(at, f"class.fool.map.{drawing}"), wide_model, x)
    # The teacher starts the room with the lab's model instead: the maps follow, as the students' reading does.
    at.selectbox(key="class.start_model").set_value(rooms.LAB_MODEL).run()
    assert_maps(plot_spec(at, f"class.fool.map.{drawing}"), shipped_model, x)
    at.checkbox(key=f"class.fool.{running.id}.{drawing}").uncheck().run()
    assert fooled(at) == "0" and not any("They fooled the model" in h for h in labels(at, "subheader"))


def test_a_student_sees_what_a_fool_round_asks(db, digits):
    code = service.create_room(db).code
    service.start_round(db, code, rooms.FOOL, digit=4)
    at = draw_in(code, digits[7])
    inject_drawing(at, digits[7])
    at.run()
    assert "# Draw a 4" in labels(at, "markdown")
    assert any("fool the model: a 4 it reads as another digit" in c for c in labels(at, "caption"))
    assert keypad(at).value == 4


def image_captions(at) -> list[str]:
    return [c for image in at.get("image") for c in image.captions]


def test_the_projected_board_names_no_student_unless_the_teacher_chooses(db, password, ink):
    """Issue 29: "They fooled the model" listed each student's nickname on the projected board."""
    at = teacher(password)
    at.button(key="class.create").click().run()
    code = at.session_state["class.room"]
    at.selectbox(key=board.ASK).set_value((rooms.FOOL, 4)).run()
    at.button(key="class.round_start").click().run()
    running = service.current_round(db, code)
    ada = service.join(db, code, "Ada Lovelace")
    x = np.random.default_rng(4).random(400, dtype=np.float32)
    p = np.full(10, 0.02, dtype=np.float32)
    p[9] = 0.82
    drawing = service.send_drawing(db, ada, code, 4, x, ink, 9, p, "shipped")
    at.run()
    at.checkbox(key=f"class.fool.{running.id}.{drawing}").check().run()
    assert "They fooled the model: 1 drawing" in labels(at, "subheader")
    assert "read 9" in image_captions(at)
    assert not any("Ada" in text for text in [*image_captions(at), all_text(at)])
    # The board alone (the projector's view, the same tab): no name either.
    at.query_params["present"] = "1"
    at.run()
    assert "They fooled the model: 1 drawing" in labels(at, "subheader")
    assert not any("Ada" in text for text in [*image_captions(at), all_text(at)])
    # The teacher chooses to name them: here, and on the board alone.
    at.query_params["present"] = "0"
    at.run()
    at.toggle(key=board.NAMES_SWITCH).set_value(True).run()
    assert "Ada Lovelace: read 9" in image_captions(at)
    at.query_params["present"] = "1"
    at.run()
    assert "Ada Lovelace: read 9" in image_captions(at)
