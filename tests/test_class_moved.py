"""The class database deleted, moved or replaced while the server runs (issue 28): a send is acknowledged only when it
is in the file the next start opens; otherwise one sentence, and nothing told "Sent" is lost."""

import os

import numpy as np
import pytest

from digitdemo.classroom import service, storage
from tests.apptest import keypad
from tests.test_class_pages import draw_in, labels

GONE = "was deleted, moved or replaced while the server ran, so nothing was stored"


@pytest.fixture
def lesson(sqlite_store):
    """A room with one student in it, on a SQLite file (the pooled connections are this process's)."""
    room = service.create_room(sqlite_store)
    return sqlite_store, room.code, service.join(sqlite_store, room.code)


def send(store, code, student, i: int) -> int | None:
    """One drawing sent; its id if acknowledged, None if refused (with the sentence checked)."""
    x = np.random.default_rng(i).random(400, dtype=np.float32)
    try:
        return service.send_drawing(
            store, student, code, i % 10, x, service.ink_picture(np.eye(30)), i % 10,
            np.eye(10, dtype=np.float32)[i % 10], "m", now=1e6 + 60 * i,
        )  # fmt: skip
    except service.ClassError as error:
        assert GONE in str(error) or "room" in str(error).lower(), error
        assert str(error).count(". ") == 0, "one sentence"
        return None


def next_start(path) -> set[int]:
    """What a server started now finds at the path: the ids of its drawings."""
    store = storage.ClassStore(path)
    try:
        return {row["id"] for room in store.rooms() for row in store.drawings(room["code"])}
    except service.ClassError:
        return set()
    finally:
        store.close()


def files(path):
    return [path.parent / (path.name + suffix) for suffix in ("", "-wal", "-shm")]


def test_after_rm_no_send_is_acknowledged_that_the_next_start_would_lose(lesson):
    store, code, student = lesson
    acknowledged = {send(store, code, student, 0)}
    for file in files(store.location):
        file.unlink(missing_ok=True)  # rm class.db*
    later = [send(store, code, student, i) for i in range(1, 4)]
    assert later == [None, None, None], "told Sent, stored in a deleted file"
    with pytest.raises(service.ClassError, match=GONE):
        service.room_drawings(store, code)  # the board says so too, rather than show what is gone
    assert not store.location.exists(), "no new, empty database made in its place"
    acknowledged.discard(None)
    assert acknowledged - next_start(store.location) == acknowledged  # deleted: the first one went with the file


def test_after_mv_sends_are_refused_and_go_on_once_it_is_back(lesson, tmp_path):
    store, code, student = lesson
    first = send(store, code, student, 0)

    aside = tmp_path / "moved.db"
    for file, moved in zip(files(store.location), files(aside), strict=True):
        if file.exists():
            os.rename(file, moved)  # mv class.db* elsewhere
    assert send(store, code, student, 1) is None
    assert next_start(aside) == {first}, "nothing new written into the moved file"
    for file, moved in zip(files(store.location), files(aside), strict=True):
        if moved.exists():
            os.rename(moved, file)  # put back
    again = send(store, code, student, 2)
    assert again is not None
    assert next_start(store.location) == {first, again}


def test_a_file_put_in_its_place_is_not_written_until_a_restart(lesson, tmp_path):
    store, code, student = lesson
    send(store, code, student, 0)
    other = storage.ClassStore(tmp_path / "other.db")
    other_room = service.create_room(other).code
    other_student = service.join(other, other_room)
    other.close()
    before = next_start(tmp_path / "other.db")
    os.replace(tmp_path / "other.db", store.location)  # mv other.db class.db (the old -wal and -shm stay)
    assert send(store, code, student, 1) is None
    assert send(store, other_room, other_student, 2) is None, "written beside another file's WAL"
    with pytest.raises(service.ClassError, match=GONE):
        service.room_drawings(store, other_room)
    for leftover in files(store.location)[1:]:
        leftover.unlink(missing_ok=True)  # the server stopped: the old file's WAL goes with it
    assert next_start(store.location) == before


def test_a_student_is_told_in_one_sentence_and_not_sent(sqlite_store, monkeypatch, digits):
    monkeypatch.setenv(storage.DB_ENV, str(sqlite_store.location))
    code = service.create_room(sqlite_store).code
    at = draw_in(code, digits[7])
    keypad(at).set_value(7).run()
    for file in files(sqlite_store.location):
        file.unlink(missing_ok=True)
    at.button(key="room.send").click().run()
    assert not at.exception
    assert not [s for s in labels(at, "success") if s.startswith("Sent your")]
    assert any(GONE in e and str(sqlite_store.location.parent) not in e for e in labels(at, "error")), labels(
        at, "error"
    )
