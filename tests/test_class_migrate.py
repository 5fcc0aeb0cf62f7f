"""`python -m digitdemo class migrate`: a whole class database from SQLite to PostgreSQL and back, row for row."""

import subprocess
import sys

import numpy as np
import pytest

from digitdemo import artifacts, config
from digitdemo.classroom import schema, service, storage


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digitdemo", "class", *args], capture_output=True, text=True, cwd=config.REPO_DIR
    )


def dump(store: storage.ClassStore) -> dict[str, list[tuple]]:
    """Every row of every table, in order, without PostgreSQL's rowid column (SQLite keeps its rowid hidden)."""
    tables = {}
    with store.db.read() as conn:
        for table in schema.TABLES:
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
            columns = [c[0] for c in cursor.description if c[0] != "rowid"]
            tables[table] = [tuple(bytes(row[c]) if isinstance(row[c], memoryview) else row[c] for c in columns)
                             for row in cursor.fetchall()]  # fmt: skip
    return tables


def a_term(store: storage.ClassStore, shipped: artifacts.TrainedModel) -> None:
    """Two rooms with what a term leaves: drawings (one hidden), a rename, a round, a stored model, a closed room."""
    ink = service.ink_picture(np.eye(30))
    room, other = service.create_room(store), service.create_room(store)
    students = [service.join(store, room.code, name) for name in ("Ada", "Alan", "Grace")]
    service.join(store, room.code)  # joined, never sent
    ids = []
    for i in range(12):
        x = np.random.default_rng(i).random(400, dtype=np.float32)
        p = np.eye(10, dtype=np.float32)[(i + 1) % 10]
        student = students[i % 3]
        ids.append(
            service.send_drawing(store, student, room.code, i % 10, x, ink, (i + 1) % 10, p, "m", now=1e6 + 60 * i)
        )
    service.hide_drawing(store, room.code, ids[3])
    service.rename(store, students[0], "Ada L")
    service.start_round(store, room.code, "every_digit")
    service.end_round(store, room.code)
    service.store_room_model(store, room.code, artifacts.to_bytes(shipped.layers, shipped.meta))
    service.close_room(store, other.code)
    store.sign_in_failed(5.0, lambda failures: 30.0)


def test_a_class_database_goes_to_postgresql_and_back_row_for_row(tmp_path, postgres, shipped_model):
    original = storage.ClassStore(tmp_path / "class.db")
    a_term(original, shipped_model)
    url = postgres.url(postgres.create_database())

    there = run("migrate", "--from", str(original.location), "--to", url)
    assert there.returncode == 0, there.stderr
    assert postgres.password not in there.stdout  # the URL is shown without its password
    assert "2 rooms, 4 students, 1 rounds, 12 drawings, 1 renames" in there.stdout
    back = run("migrate", "--from", url, "--to", str(tmp_path / "back.db"))
    assert back.returncode == 0, back.stderr

    on_postgres, returned = storage.ClassStore(url), storage.ClassStore(tmp_path / "back.db")
    assert dump(on_postgres) == dump(original) == dump(returned)
    code = service.list_rooms(on_postgres)[-1].code  # the first room made
    model = service.stored_room_model(on_postgres, code, service.get_room_model(on_postgres, code))
    for layer, shipped in zip(model.layers, shipped_model.layers, strict=True):  # the room's model came along
        assert np.array_equal(layer.W, shipped.W) and np.array_equal(layer.b, shipped.b)
    # Both copies go on numbering drawings after the copied ones.
    for store in (on_postgres, returned):
        service.reopen_room(store, code)
        student = service.join(store, code, "Newcomer")
        new = service.send_drawing(
            store, student, code, 1, np.zeros(400), service.ink_picture(np.ones((5, 5))), 1, np.eye(10)[1], "m"
        )
        assert new == max(d.id for d in service.room_drawings(store, code)) > 12
        store.close()
    original.close()


def test_migrate_refuses_a_database_that_holds_rooms_and_changes_nothing(tmp_path, postgres, shipped_model):
    original = storage.ClassStore(tmp_path / "class.db")
    a_term(original, shipped_model)
    url = postgres.url(postgres.create_database())
    assert run("migrate", "--from", str(original.location), "--to", url).returncode == 0
    before = dump(storage.ClassStore(url))
    again = run("migrate", "--from", str(original.location), "--to", url)
    assert again.returncode == 2 and "already holds rooms; migrate copies into an empty one only" in again.stderr
    assert "Traceback" not in again.stderr and dump(storage.ClassStore(url)) == before
    missing = run("migrate", "--from", str(tmp_path / "none.db"), "--to", str(tmp_path / "new.db"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: There is no class database at")
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("target", ["same", "unreachable"])
def test_migrate_into_itself_or_an_unreachable_server_says_one_sentence(tmp_path, target):
    source = storage.ClassStore(tmp_path / "class.db")
    service.create_room(source)
    to = str(source.location) if target == "same" else "postgresql://digitdemo:x@127.0.0.1:9/none"
    result = run("migrate", "--from", str(source.location), "--to", to)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and ":x@" not in result.stderr
