import os

import numpy as np
import pytest

from digitdemo import artifacts, data
from digitdemo.classroom import auth, storage
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import preprocess


@pytest.fixture(autouse=True)
def training_slots(tmp_path, monkeypatch):
    """The machine's training slots, the test's own: a run another test (or server) left going blocks no other."""
    from digitdemo import jobs

    monkeypatch.setattr(jobs, "SLOTS", tmp_path / "training-slots")
    return jobs.SLOTS


@pytest.fixture(scope="session")
def shipped_model() -> artifacts.TrainedModel:
    return artifacts.load()


@pytest.fixture(scope="session")
def drawing_model() -> artifacts.TrainedModel:
    """The drawing model (issue 15): the lab's network trained for drawn digits, read by the Draw page and the class."""
    return artifacts.load(artifacts.drawing_model_dir())


@pytest.fixture(scope="session")
def wide_model() -> artifacts.TrainedModel:
    """The wider network (issue 26): dense 256 and 128 ReLU units on the drawing model's data."""
    return artifacts.load(artifacts.wide_model_dir())


@pytest.fixture(scope="session")
def reader_model() -> artifacts.TrainedModel:
    """The model that reads drawings by default (rooms.DEFAULT_START_MODEL): the Draw page's and a new room's."""
    from digitdemo.classroom.rooms import DEFAULT_START_MODEL

    return artifacts.load(artifacts.reader_dir(DEFAULT_START_MODEL))


@pytest.fixture(scope="session")
def drawings() -> tuple[list[np.ndarray], np.ndarray]:
    """200 held-out digits drawn as 280x280 canvas drawings, with their labels."""
    images, labels = data.load_source()
    rng = np.random.default_rng(7)
    chosen = rng.choice(np.flatnonzero(~data.is_training_example()), size=200, replace=False)
    return [render_drawing(images[i], rng) for i in chosen], labels[chosen]


@pytest.fixture(scope="session")
def read_differently(drawings, shipped_model, drawing_model, wide_model) -> tuple[np.ndarray, np.ndarray]:
    """A held-out digit drawn on the canvas that the three readers (the lab's model, the drawing model, the wider
    network) read as three different digits, and its input (400,): the first of ``drawings`` that is."""
    for rgba in drawings[0]:
        x = preprocess(rgba).x
        if x is None:
            continue
        read = {int(model.forward(x).predicted_digit[0]) for model in (shipped_model, drawing_model, wide_model)}
        if len(read) == 3:
            return rgba, x
    raise AssertionError("no drawing of the 200 is read three ways by the three models")


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the session, in a temporary folder (bench/postgres.py); each test its own database.

    Skipped where PostgreSQL is not installed, unless DIGITDEMO_REQUIRE_POSTGRES is set (scripts/test sets it).
    """
    from bench.postgres import PostgresMissingError, PostgresServer

    try:
        server = PostgresServer().start()
    except PostgresMissingError as error:
        if os.environ.get("DIGITDEMO_REQUIRE_POSTGRES"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def class_db(request, tmp_path):
    """Where a class database of the test's own is: a file in its folder, then a database on the PostgreSQL server.

    Every test that takes it (or store, or db) runs once on each backend.
    """
    if request.param == "sqlite":
        yield tmp_path / "class.db"
        return
    server = request.getfixturevalue("postgres")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def store(class_db):
    """A class database of the test's own, on each backend in turn."""
    opened = storage.ClassStore(class_db)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path):
    """A class database file of the test's own: for what only SQLite has (its file, its WAL, PRAGMAs)."""
    opened = storage.ClassStore(tmp_path / "class.db")
    yield opened
    opened.close()


@pytest.fixture
def sqlite_db(sqlite_store, monkeypatch):
    """db, on SQLite only: for what only SQLite does (a file another program locks)."""
    monkeypatch.setenv(storage.DB_ENV, str(sqlite_store.location))
    return sqlite_store


@pytest.fixture
def db(store, monkeypatch):
    """The same database as the pages' ($DIGITDEMO_CLASS_DB), so AppTest pages and the test share it."""
    monkeypatch.setenv(storage.DB_ENV, str(store.location))
    return store


@pytest.fixture
def password(monkeypatch):
    """A teacher password of the test's own: the per-server brake on wrong guesses of one test slows no other."""
    value = f"teacher-{np.random.default_rng().integers(1e12)}"
    monkeypatch.setenv(auth.PASSWORD_ENV, value)
    return value


@pytest.fixture(scope="module")
def digits():
    """Held-out digits drawn on the canvas: {label: an RGBA drawing} for a 3 and a 7."""
    images, labels = data.load_source()
    held_out = np.flatnonzero(~data.is_training_example())
    rng = np.random.default_rng(3)
    return {d: render_drawing(images[held_out[labels[held_out] == d][2]], rng) for d in (3, 7)}


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's), one per test module."""
    from tests.browser import CHROMIUM, FLAGS

    playwright = pytest.importorskip("playwright.sync_api")
    # Assertions wait up to 15 s, not Playwright's 5: on a busy 2-core machine a rerun with its
    # charts can take several seconds to show, and a slow page is not a wrong one.
    playwright.expect.set_options(timeout=15_000)
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: scripts/test installs it (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh tab at 1280x1000 in its own browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def server():
    """The app on a free port (`streamlit run`), one per test module; its URL."""
    from tests.browser import streamlit_server

    with streamlit_server() as url:
        yield url
