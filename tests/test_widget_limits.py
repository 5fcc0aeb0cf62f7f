"""What a browser may make the server hold (issue 28): a widget's value bounded to what a 280x280 drawing needs.

Streamlit keeps each widget's value while a page shows it and 120 s after the tab closed: with its default limit
(25 MB) a session could make the server hold 68 MB. The repository's config and every process `serve` starts
close a connection that sends more than 1 MB at once, and the Draw page drops a canvas value it refuses.
"""

import base64
import struct
import zlib

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from bench.harness import first_visit_cookies, serve, streamlit_server
from digitdemo import config
from tests.apptest import page
from tests.test_canvas_payload import crafted_png

CANVAS = "draw.canvas.0"
THREE_MB = 3_000_000  # under Streamlit's default limit of 25 MB, far over what a drawing needs


def padded_png(extra: int) -> bytes:
    """The canvas's own 280x280 PNG with ``extra`` bytes of text chunk before its end: valid, and as large as asked."""
    png = crafted_png(280, 280)
    body = b"Comment\0" + b"x" * extra
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    return png[:-12] + chunk + png[-12:]


def canvas_value(data_url: object, raw: object = None) -> dict:
    return {"drawing": {"raw": raw or {"objects": [{"type": "path"}]}, "data": data_url}, "backgroundFit": None}


# --- The Draw page's own check --------------------------------------------------------------------------------
def test_a_canvas_picture_padded_beyond_any_drawing_is_refused_and_a_new_canvas_given():
    at = page("draw")
    at.session_state[CANVAS] = canvas_value("data:image/png;base64," + base64.b64encode(padded_png(400_000)).decode())
    at.run()
    assert not at.exception
    assert at.error and "not the canvas's own 280x280 picture" in at.error[0].value
    assert at.session_state["draw.canvas_version"] == 1, "the refused value is kept: the same canvas is shown"
    at.run()  # the next stroke on the new canvas: nothing refused any more
    assert not at.exception and not at.error


@pytest.mark.parametrize(
    "value",
    [
        {"drawing": "not a drawing", "backgroundFit": None},
        {"drawing": ["a"], "backgroundFit": None},
        {"drawing": {"raw": {}, "data": None}, "backgroundFit": {"naturalWidth": 1}},
        {"drawing": {"raw": {}, "data": None}, "backgroundFit": "x"},
    ],
)
def test_a_canvas_value_of_another_shape_gets_a_sentence_not_a_traceback(value):
    at = page("draw")
    at.session_state[CANVAS] = value
    at.run()
    assert not at.exception, at.exception
    assert at.error and "could not be read" in at.error[0].value


# --- Streamlit's limit, for `streamlit run` in the repository and for `serve` started anywhere ------------------
def oversized_send(url: str) -> tuple[int | None, bool]:
    """Open a session as a browser does, then send a 3 MB canvas value: (close code, whether the run finished)."""
    socket = connect(
        url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], max_size=None,
        additional_headers={"Cookie": first_visit_cookies(url)}, open_timeout=30,
    )  # fmt: skip
    with socket:
        first = BackMsg()
        first.rerun_script.page_name = "draw"
        first.rerun_script.context_info.url = f"{url}/draw"
        socket.send(first.SerializeToString())
        until_finished(socket)
        big = BackMsg()
        big.rerun_script.page_name = "draw"
        widget = big.rerun_script.widget_states.widgets.add()
        widget.id = "$$ID-draw.canvas.0"
        widget.json_value = '{"drawing": {"raw": {"objects": []}, "data": "' + "A" * THREE_MB + '"}}'
        socket.send(big.SerializeToString())
        try:
            until_finished(socket)
        except websockets.ConnectionClosed:
            return socket.close_code, False
        return socket.close_code, True


def until_finished(socket) -> None:
    while True:
        message = ForwardMsg()
        message.ParseFromString(socket.recv(timeout=60))
        if message.HasField("script_finished") and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return


def test_streamlit_run_in_the_repository_closes_a_connection_that_sends_3_mb():
    with streamlit_server() as (_, url, _):
        code, finished = oversized_send(url)
    assert not finished and code == 1009, "a 3 MB widget value was taken"


def test_serve_started_from_another_folder_closes_a_connection_that_sends_3_mb(tmp_path):
    # Started from another folder than the repository: its settings must still hold.
    with serve(1, cwd=tmp_path, env={"PYTHONPATH": str(config.REPO_DIR)}) as (_, url):
        code, finished = oversized_send(url)
    assert not finished and code == 1009, "a 3 MB widget value was taken"
