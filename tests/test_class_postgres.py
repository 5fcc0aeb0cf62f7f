"""The class database on PostgreSQL when things go wrong: the server down, restarted mid-lesson, a wrong
password, a full disk. Each gives one sentence, the page keeps reading drawings, and nothing sent is lost.

Each test runs a server of its own (bench/postgres.py), so stopping it disturbs no other test.
"""

import numpy as np
import pytest

from bench.postgres import PostgresMissingError, PostgresServer
from digitdemo.classroom import service, storage
from digitdemo.classroom.errors import ClassStoreError
from tests.apptest import keypad
from tests.test_class_faults import fill, send, tmpfs
from tests.test_class_pages import draw_in, labels


@pytest.fixture
def server():
    try:
        started = PostgresServer().start()
    except PostgresMissingError as error:
        pytest.skip(str(error))
    yield started
    started.stop()


@pytest.fixture
def ink():
    return service.ink_picture(np.eye(30))


def lesson(store, ink, drawings=4):
    room = service.create_room(store)
    students = [service.join(store, room.code, name) for name in ("Ada", "Alan")]
    for i in range(drawings):
        send(store, students[i % 2], ink, meant=i % 10, now=1000.0 + 30 * i)
    return room.code, students


def test_a_wrong_password_gives_one_sentence_without_the_password(server):
    url = server.url(password="not-the-password")
    with pytest.raises(ClassStoreError) as refused:
        storage.ClassStore(url).check()
    assert str(refused.value) == (
        f"The class database postgresql://digitdemo@127.0.0.1:{server.port}/postgres refused the password in "
        "DIGITDEMO_CLASS_DB; ask the teacher to check it."
    )


def test_a_database_that_is_not_there_gives_one_sentence(server):
    with pytest.raises(ClassStoreError, match="does not exist on its server; ask the teacher to create it"):
        storage.ClassStore(server.url("no_such_class")).check()


def test_a_restart_in_the_middle_of_a_lesson_loses_nothing_and_nobody_notices(server, ink):
    store = storage.ClassStore(server.url(server.create_database()))
    code, students = lesson(store, ink)
    server.restart()  # every open connection is dropped
    for i in range(4):  # the next sends go through on new connections, no error in between
        send(store, students[i % 2], ink, meant=i, now=2000.0 + 30 * i)
    board = service.board(store, code)
    assert (board.drawings, board.students) == (8, 2)
    store.close()


def test_a_server_down_mid_lesson_gives_one_sentence_and_sending_works_again_once_it_is_back(server, ink):
    store = storage.ClassStore(server.url(server.create_database()))
    code, students = lesson(store, ink)
    server.stop(keep_folder=True)
    with pytest.raises(ClassStoreError) as down:
        send(store, students[0], ink, now=5000.0)
    assert str(down.value) == (
        f"The class database server of postgresql://digitdemo@127.0.0.1:{server.port}/{store.location.rsplit('/')[-1]}"
        " cannot be reached; nothing new was stored."
    )
    server.start()
    send(store, students[0], ink, now=6000.0)
    assert service.board(store, code).drawings == 5  # the 4 of before and the one after; the refused one is not
    store.close()


def test_the_draw_page_says_one_sentence_and_keeps_reading_while_the_server_is_down(server, monkeypatch, digits, ink):
    store = storage.ClassStore(server.url(server.create_database()))
    monkeypatch.setenv(storage.DB_ENV, store.location)
    code, _ = lesson(store, ink)
    at = draw_in(code, digits[7])  # a student joins while the server is up
    assert not at.exception and not labels(at, "warning")
    server.stop(keep_folder=True)
    keypad(at).set_value(7).run()
    at.button(key="room.send").click().run()
    assert not at.exception
    shown = labels(at, "error") + labels(at, "warning")
    assert len(shown) == 1 and "cannot be reached" in shown[0], shown
    assert {m.label: m.value for m in at.metric}["Prediction"] == "7"  # the drawing is still read, and still there
    server.start()
    at.button(key="room.send").click().run()  # the same drawing, sent again once the server is back
    assert not at.exception and not labels(at, "error")
    assert [d.meant for d in service.room_drawings(store, code)].count(7) == 1
    store.close()


@pytest.fixture
def small_disk(server):
    """A 32 MB tmpfs in the server's folder (its user may enter that)."""
    with tmpfs(server.folder / "disk", "32m") as mount:
        yield mount


def test_a_full_disk_gives_one_sentence_and_keeps_what_was_stored(server, small_disk, ink):
    """The database on a 32 MB disk (a tablespace there), the rest of it taken by something else."""
    (small_disk / "tables").mkdir()
    server.create_tablespace("small", small_disk / "tables")
    store = storage.ClassStore(server.url(server.create_database(tablespace="small")))
    code, students = lesson(store, ink)
    students += [service.join(store, code) for _ in range(8)]  # 50 drawings a student: enough to fill any page left
    fill(small_disk / "filler")
    sent = 4
    with pytest.raises(ClassStoreError, match="is full; nothing new could be stored"):
        for i in range(10 * 50):
            send(store, students[i % 10], ink, meant=i % 10, now=2e6 + 60 * (i // 10))
            sent += 1
    assert len(service.room_drawings(store, code)) == sent  # every acknowledged one, and only those
    (small_disk / "filler").unlink()
    send(store, students[-1], ink, now=3e6)  # room again: sending works again
    assert service.board(store, code).drawings == sent + 1
    store.close()
