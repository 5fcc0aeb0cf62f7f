"""A room's drawings exported for the lab: as a zip, into a folder, and from the command line."""

import csv
import io
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

from digitdemo import data
from digitdemo.classroom import export, service
from digitdemo.classroom.errors import ClassError, ClassRuleError
from digitdemo.preprocess import preprocess


def send(store, student, code: str, canvas: np.ndarray, meant: int, model, now: float) -> dict:
    """A canvas drawing read by the model and sent as the Draw page sends it: what was sent."""
    steps = preprocess(canvas)
    out = model.forward(steps.x)
    read, p = int(out.predicted_digit[0]), out.probabilities[0]
    ink = service.ink_picture(steps.cropped)
    drawing_id = service.send_drawing(store, student, code, meant, steps.x, ink, read, p, "shipped", now=now)
    return {"id": drawing_id, "steps": steps, "meant": meant, "read": read, "student": student}


@pytest.fixture
def lesson(store, drawings, shipped_model):
    """Twelve real canvas drawings sent by three students, read by the shipped model; one hidden."""
    images, labels = drawings
    room = service.create_room(store)
    students = [service.join(store, room.code, name) for name in ("Ada", "Alan", "Grace")]
    sent = [
        send(store, students[i % 3], room.code, images[i], int(labels[i]), shipped_model, now=1e6 + 20 * i)
        for i in range(12)
    ]
    service.hide_drawing(store, room.code, sent[4]["id"])
    return room.code, sent


def shown(sent):
    return [s for i, s in enumerate(sent) if i != 4]


def test_the_zip_holds_the_labs_arrays_pictures_and_a_csv(store, lesson):
    code, sent = lesson
    payload = export.zip_bytes(store, code)
    archive = zipfile.ZipFile(io.BytesIO(payload))
    names = archive.namelist()
    X = np.load(io.BytesIO(archive.read("X.npy")))
    y = np.load(io.BytesIO(archive.read("y.npy")))
    expected = shown(sent)
    assert X.shape == (11, 400) and X.dtype == np.float32
    assert y.shape == (11, 1) and y[:, 0].tolist() == [s["meant"] for s in expected]
    # Byte for byte the model's input, oldest first; upright as the lab shows it.
    assert X.tobytes() == b"".join(s["steps"].x.tobytes() for s in expected)
    for i, s in enumerate(expected):
        np.testing.assert_array_equal(X[i].reshape(20, 20).T, s["steps"].small)
        np.testing.assert_array_equal(data.row_to_image(X[i]), s["steps"].small)
    pngs = sorted(n for n in names if n.endswith(".png"))
    assert len(pngs) == 11 and all(n.startswith("drawings/") for n in pngs)
    for name in pngs:
        assert Image.open(io.BytesIO(archive.read(name))).mode == "L"
    rows = list(csv.DictReader(io.StringIO(archive.read("drawings.csv").decode())))
    assert [r["file"] for r in rows] == pngs
    assert [int(r["digit_meant"]) for r in rows] == y[:, 0].tolist()
    assert [int(r["digit_read"]) for r in rows] == [s["read"] for s in expected]
    assert all(r["time"].endswith("+00:00") for r in rows)
    assert {r["model"] for r in rows} == {"shipped"}  # the model that read each, as the page named it
    assert "nickname" not in rows[0] and "Ada" not in payload.decode("latin-1")
    # Students are numbered, not named: enough to split by student (issue 8), nothing personal.
    numbers = {s["student"].id: int(r["student"]) for s, r in zip(expected, rows, strict=True)}
    assert sorted(set(numbers.values())) == [1, 2, 3]


def test_each_drawing_names_the_round_it_was_sent_in_numbered_as_on_the_board(store, drawings, shipped_model):
    images, labels = drawings
    code = service.create_room(store).code
    ada = service.join(store, code, "Ada")
    t0 = 2e6

    def send_one(i: int, now: float) -> None:
        send(store, ada, code, images[i], int(labels[i]), shipped_model, now)

    send_one(0, t0)  # before any round
    service.start_round(store, code, now=t0 + 10)
    send_one(1, t0 + 20)
    service.end_round(store, code, now=t0 + 30)
    service.start_round(store, code, now=t0 + 40)
    send_one(2, t0 + 50)
    service.end_round(store, code, now=t0 + 60)
    send_one(3, t0 + 70)  # after both
    rows = list(
        csv.DictReader(io.StringIO(export.export_files(export.room_data(store, code))["drawings.csv"].decode()))
    )
    assert [r["round"] for r in rows] == ["", "1", "2", ""]


def test_nicknames_and_hidden_drawings_only_when_asked(store, lesson):
    code, sent = lesson
    archive = zipfile.ZipFile(io.BytesIO(export.zip_bytes(store, code, include_nicknames=True, include_hidden=True)))
    rows = list(csv.DictReader(io.StringIO(archive.read("drawings.csv").decode())))
    assert len(rows) == 12
    assert [r["nickname"] for r in rows] == [s["student"].nickname for s in sent]


def test_a_folder_export_is_what_the_lab_loads_unchanged(store, lesson, tmp_path):
    code, sent = lesson
    out = tmp_path / "export"
    exported = export.write_folder(store, code, out)
    X, y = np.load(out / "X.npy"), np.load(out / "y.npy")
    np.testing.assert_array_equal(X, exported.X)
    np.testing.assert_array_equal(y, exported.y)
    labX, laby = data.load_lab_files(out)  # the checks the course's own files pass
    assert labX.tobytes() == X.tobytes() and laby[:, 0].tolist() == [s["meant"] for s in shown(sent)]
    assert len(list((out / "drawings").glob("*.png"))) == 11
    # Writing again over a previous export replaces it whole (no stale pictures)...
    service.delete_drawing(store, code, sent[0]["id"])
    export.write_folder(store, code, out)
    assert len(list((out / "drawings").glob("*.png"))) == 10 and np.load(out / "X.npy").shape == (10, 400)
    # ...but a folder holding anything else is not written into.
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ClassRuleError, match="holds other files"):
        export.write_folder(store, code, out)


def test_an_empty_or_unknown_room_is_refused(store, tmp_path):
    room = service.create_room(store)
    with pytest.raises(ClassRuleError, match=f"Room {room.code} has no drawings to export yet"):
        export.zip_bytes(store, room.code)
    with pytest.raises(ClassRuleError, match="no room ZZZZZ"):
        export.write_folder(store, "ZZZZZ", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_export_to_a_file_says_so(store, lesson, tmp_path):
    code, _ = lesson
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(ClassError, match="is a file; choose a folder"):
        export.write_folder(store, code, target)


# --- The command line -------------------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitdemo", "class", *args], capture_output=True, text=True)


def test_cli_list_and_export(store, lesson, drawings, shipped_model, tmp_path):
    code, sent = lesson
    service.join(store, code, "Idle")  # joined, never sent: not one of the students who sent
    small = service.create_room(store).code  # one student, one drawing: in the singular
    send(store, service.join(store, small, "Ada"), small, drawings[0][0], int(drawings[1][0]), shipped_model, 2e6)
    listed = run("--db", str(store.location), "list")
    assert listed.returncode == 0
    assert f"{code}  open      3 students sent   12 drawings (4 joined)" in listed.stdout
    assert f"{small}  open      1 student  sent    1 drawing  (1 joined)" in listed.stdout
    out = tmp_path / "lab"
    exported = run("--db", str(store.location), "export", code.lower(), "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert f"Wrote 11 drawings of room {code}" in exported.stdout
    assert np.load(out / "X.npy").tobytes() == b"".join(s["steps"].x.tobytes() for s in shown(sent))
    assert len(list((out / "drawings").glob("*.png"))) == 11


@pytest.mark.parametrize(
    ("code", "sentence"),
    [("ZZZZZ", "error: There is no room ZZZZZ"), ("I0O1", "error: That is not a room code"), ("", "not a room code")],
)
def test_cli_export_bad_codes_get_one_sentence(store, lesson, tmp_path, code, sentence):
    result = run("--db", str(store.location), "export", code, "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and sentence in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_cli_without_a_database(tmp_path):
    missing = tmp_path / "none.db"
    listed = run("--db", str(missing), "list")
    assert listed.returncode == 0 and "No class database at" in listed.stdout
    exported = run("--db", str(missing), "export", "BCD23", "--out", str(tmp_path / "out"))
    assert exported.returncode == 2 and "There is no class database at" in exported.stderr
    assert not missing.exists()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not sqlite" * 100)
    listed = run("--db", str(damaged), "list")
    assert listed.returncode == 2 and "is damaged or not a database" in listed.stderr


def test_cli_uses_the_environment_variable(store, lesson):
    code, _ = lesson
    env = {**os.environ, "DIGITDEMO_CLASS_DB": str(store.location)}
    result = subprocess.run(
        [sys.executable, "-m", "digitdemo", "class", "list"], capture_output=True, text=True, env=env
    )
    assert code in result.stdout


# --- Read by the benchmark (issue 15's yardstick, from a real class) ---------------------
def test_the_drawn_digits_benchmark_reads_an_export_zip_or_folder(store, lesson, tmp_path, shipped_model):
    code, sent = lesson
    (tmp_path / "room.zip").write_bytes(export.zip_bytes(store, code))
    export.write_folder(store, code, tmp_path / "folder")
    meant = np.array([s["meant"] for s in shown(sent)])
    right = shipped_model.forward(np.stack([s["steps"].x for s in shown(sent)])).predicted_digit == meant
    for source in ("room.zip", "folder"):
        bench = subprocess.run(
            [sys.executable, "-m", "bench.drawn_digits", "--model", "models", "--export", str(tmp_path / source)],
            capture_output=True,
            text=True,
        )
        assert bench.returncode == 0, bench.stderr
        assert "a class's drawings (3 students, 11 drawings)" in bench.stdout
        overall = next(line for line in bench.stdout.splitlines() if line.strip().startswith("overall"))
        assert overall.split()[-1] == f"{right.mean():.1%}"


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=True)
    return out.getvalue()


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"y.npy": None}, "is not a room's export: it has no y.npy."),
        ({"y.npy": lambda y: np.where(np.arange(len(y))[:, None] == 3, 12, y)}, "y.npy holds 12, which is not a digit"),
        ({"X.npy": lambda X: X.astype(object)}, "X.npy is not the export's plain array of numbers."),
        ({"X.npy": lambda X: X[:, :300]}, "X (11, 300) and y (11, 1) for 11 drawings."),
        ({"X.npy": lambda X: X * np.nan}, "X.npy holds values that are not numbers (NaN or infinite)."),
        ({"drawings.csv": lambda text: text.replace(",1,", ",one,")}, "drawings.csv has no student number on every"),
        ({"whole": b"not a zip"}, "is neither a folder nor a zip file"),
    ],
    ids=["no y", "digit 12", "pickled X", "X of 300", "NaN", "student 'one'", "not a zip"],
)
def test_the_benchmark_says_in_one_sentence_why_a_file_is_not_an_export(store, lesson, tmp_path, change, sentence):
    code, _ = lesson
    files = export.export_files(export.room_data(store, code))
    target = tmp_path / "room.zip"
    if "whole" in change:
        target.write_bytes(change["whole"])
    else:
        with zipfile.ZipFile(target, "w") as archive:
            for name, payload in files.items():
                if name in change and change[name] is None:
                    continue
                if name in change and name.endswith(".npy"):
                    payload = _npy(change[name](np.load(io.BytesIO(payload))))
                elif name in change:
                    payload = change[name](payload.decode()).encode()
                archive.writestr(name, payload)
    bench = subprocess.run(
        [sys.executable, "-m", "bench.drawn_digits", "--model", "models", "--export", str(target)],
        capture_output=True,
        text=True,
    )
    assert bench.returncode == 1 and bench.stdout == ""
    assert sentence in bench.stderr and "Traceback" not in bench.stderr and len(bench.stderr.splitlines()) == 1
