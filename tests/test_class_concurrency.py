"""Thirty students sending at once, from threads of one server and from separate server processes.

Every drawing carries its sender's fingerprint in its input x, so a row stored under the wrong student
or room, or a lost row, is seen. The send times are spread a minute apart (the `now` argument), so the
rate limit lets every one through; the threads and processes still write at the same moment.
"""

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from digitdemo import config
from digitdemo.classroom import service
from digitdemo.classroom.database import MAX_IDLE_CONNECTIONS
from digitdemo.classroom.errors import ClassRuleError
from digitdemo.classroom.storage import ClassStore
from tests.class_drawings import race

CLIENTS = 30
SENDS = 5  # per client
ROOMS = 3


def fingerprint(client: int, send: int) -> np.ndarray:
    """The (400,) input a client sends the send-th time: its number and the send's, written into x."""
    x = np.full(400, client, dtype=np.float32)
    x[-1] = send
    return x


def client_sends(path: str, student: service.Student, client: int, barrier) -> list[int | str]:
    """One student's sends, starting with everyone else's; the drawing ids (or the refusal's sentence)."""
    store = ClassStore(path)
    ink = service.ink_picture(np.full((20, 10), client / CLIENTS))
    barrier.wait()
    ids = []
    for send in range(SENDS):
        meant, read = (client + send) % 10, client % 10
        p = np.eye(10, dtype=np.float32)[read]
        try:
            ids.append(
                service.send_drawing(
                    store, student, student.room, meant, fingerprint(client, send), ink, read, p, f"model-{client}",
                    now=1e6 + 60 * send,
                )
            )  # fmt: skip
        except ClassRuleError as refused:
            ids.append(str(refused))
    store.close()
    return ids


def process_main() -> None:
    """A separate process: one student's sends, started when the test writes 'go' (see below)."""
    path, student_id, code, nickname, client, room_cap = sys.argv[1:]
    service.rooms.MAX_DRAWINGS_PER_ROOM = int(room_cap)
    student = service.Student(id=student_id, room=code, nickname=nickname)

    class Go:
        def wait(self):
            print("ready", flush=True)
            sys.stdin.readline()

    print(json.dumps(client_sends(path, student, int(client), Go())), flush=True)


@pytest.fixture
def classroom(store):
    """Three rooms of ten students, on each backend in turn."""
    codes = [service.create_room(store).code for _ in range(ROOMS)]
    students = [service.join(store, codes[i % ROOMS], f"Student {i}") for i in range(CLIENTS)]
    return store, codes, students


def check_nothing_lost_or_mixed(store, codes, students, ids_by_client):
    all_ids = [i for ids in ids_by_client.values() for i in ids]
    assert len(all_ids) == len(set(all_ids)) == CLIENTS * SENDS
    seen = 0
    for code in codes:
        rows = store.drawings(code, arrays=True)
        for row in rows:
            x = np.frombuffer(row["x"], dtype="<f4")
            client, send = int(x[0]), int(x[-1])
            assert students[client].id == row["student"] and students[client].room == code == row["room"]
            assert row["nickname"] == f"Student {client}" and row["model"] == f"model-{client}"
            assert np.array_equal(x, fingerprint(client, send)) and row["id"] == ids_by_client[client][send]
            assert (row["meant"], row["read"]) == ((client + send) % 10, client % 10)
        seen += len(rows)
        board = service.board(store, code)
        assert board.drawings == len(rows) == SENDS * CLIENTS // ROOMS and board.students == CLIENTS // ROOMS
    assert seen == CLIENTS * SENDS


def test_thirty_threads_sending_at_once_lose_and_mix_nothing(classroom):
    store, codes, students = classroom
    barrier = threading.Barrier(CLIENTS)
    ids_by_client, errors = {}, []

    def run(client):
        try:
            ids_by_client[client] = client_sends(str(store.location), students[client], client, barrier)
        except Exception as error:  # reported below, with the client
            errors.append((client, error))

    threads = [threading.Thread(target=run, args=(c,)) for c in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    check_nothing_lost_or_mixed(store, codes, students, ids_by_client)


def in_processes(store, students, room_cap: int = service.rooms.MAX_DRAWINGS_PER_ROOM) -> dict[int, list]:
    """Each student's sends from an interpreter of its own (as several server processes would be), all at once."""
    script = "from tests.test_class_concurrency import process_main; process_main()"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(store.location), s.id, s.room, s.nickname, str(c), str(room_cap)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=config.REPO_DIR,
        )
        for c, s in enumerate(students)
    ]  # fmt: skip
    try:
        for process in processes:  # every one started, its imports done
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        sent = {c: json.loads(p.communicate(timeout=300)[0]) for c, p in enumerate(processes)}
    finally:
        for process in processes:
            process.kill() if process.poll() is None else None
    assert [p.returncode for p in processes] == [0] * len(students)
    return sent


def test_thirty_processes_sharing_the_database_lose_and_mix_nothing(classroom):
    """Thirty interpreters write the one database at the same moment."""
    store, codes, students = classroom
    check_nothing_lost_or_mixed(store, codes, students, in_processes(store, students))


def test_a_room_limit_holds_when_thirty_processes_send_at_the_same_moment(classroom):
    """Each room of 10 students holds 40 drawings: of their 50 sends at once, exactly 40 are stored, 10 refused."""
    store, codes, students = classroom
    sent = in_processes(store, students, room_cap=40)
    outcomes = [outcome for sends in sent.values() for outcome in sends]
    for code in codes:
        assert service.board(store, code).drawings == 40
        assert outcomes.count(f"Room {code} is full: it holds 40 drawings.") == 10
    assert sum(isinstance(outcome, int) for outcome in outcomes) == 3 * 40


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_new_thread_per_rerun_does_not_pile_up_open_files(classroom):
    """Streamlit runs each rerun in a new thread: 200 of them, 10 at a time, reading the board keep a few files
    open, as many as 10 at once need at most, not one for each of the 200."""
    store, codes, _ = classroom
    service.board(store, codes[0])
    before = open_files()
    at_once = 10
    for _ in range(20):
        threads = [threading.Thread(target=service.board_version, args=(store, codes[0])) for _ in range(at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Idle connections kept: MAX_IDLE_CONNECTIONS, 2 files each on SQLite (the file and its WAL), a socket on
    # PostgreSQL. SQLite may also keep a closed connection's file open for the process while another of its
    # connections holds a lock on it (and use it again): at most one for each thread at once.
    assert open_files() - before <= 2 * MAX_IDLE_CONNECTIONS + at_once
    store.close()
    assert open_files() < before


def test_a_room_limit_holds_when_thirty_send_at_the_same_moment(classroom, monkeypatch):
    """The count and the insert are one transaction: 30 racing sends into a room of 20 store exactly 20."""
    store, codes, _ = classroom
    monkeypatch.setattr(service.rooms, "MAX_DRAWINGS_PER_ROOM", 20)
    room = service.create_room(store).code
    students = [service.join(store, room) for _ in range(CLIENTS)]
    ink = service.ink_picture(np.ones((5, 5)))
    outcomes = race(
        store.location,
        students,
        lambda own, student: service.send_drawing(own, student, room, 1, np.zeros(400), ink, 1, np.eye(10)[1], "m"),
    )
    assert outcomes.count("stored") == 20
    assert outcomes.count(f"Room {room} is full: it holds 20 drawings.") == CLIENTS - 20
    assert service.board(store, room).drawings == 20
