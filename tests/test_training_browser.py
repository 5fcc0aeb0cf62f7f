"""Training runs through a real server and Chromium: a closed tab, a reload, a killed server, a restart."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from digitdemo import config, jobs
from tests.browser import free_port

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


class Server:
    """`streamlit run` with its own temporary folder, so its runs are the only ones in sight."""

    def __init__(self, tmp: Path):
        self.runs = tmp / jobs.ROOT.name
        port = free_port()
        env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=config.REPO_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1).read() == b"ok":
                    return
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        pytest.fail("the Streamlit server did not start")

    def folders(self) -> list[Path]:
        return sorted(self.runs.iterdir()) if self.runs.exists() else []

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def server(tmp_path):
    server = Server(tmp_path)
    yield server
    server.stop()


def trainer_of(folder: Path) -> int | None:
    """The pid of the training process writing into this run folder, if one runs."""
    for proc in Path("/proc").iterdir():
        try:
            mine = proc.name.isdigit() and str(folder) in (proc / "cmdline").read_bytes().decode(errors="replace")
            if mine and (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                return int(proc.name)
        except OSError:
            continue
    return None


def wait_for(condition, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"{what} after {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - started


def start_a_run(page, server: Server, epochs: int | None = None) -> Path:
    page.goto(f"{server.url}/training")
    if epochs is not None:
        page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_role("button", name="Retrain").click()
    expect(page.get_by_role("button", name="Stop training")).to_be_visible(timeout=20_000)
    [folder] = server.folders()
    assert trainer_of(folder) is not None
    return folder


def test_closing_the_tab_stops_the_run_and_removes_its_folder(browser, server):
    context = browser.new_context()
    folder = start_a_run(context.new_page(), server)
    trainer = trainer_of(folder)
    context.close()  # the student closes the tab
    seconds = wait_for(lambda: not folder.exists(), jobs.ORPHAN_GRACE + 10, "the run's folder is still there")
    assert trainer_of(folder) is None and not Path(f"/proc/{trainer}/cmdline").exists(), "no process, no zombie"
    print(f"tab closed -> run stopped and removed in {seconds:.1f} s")


def test_a_reloaded_page_finds_its_run_again(browser, server):
    context = browser.new_context()
    page = context.new_page()
    # 100 epochs: on a quiet machine the lab's 40 end within the wait below (about 12 s), and a run
    # that ended by itself would look like one stopped.
    folder = start_a_run(page, server, epochs=100)
    trainer = trainer_of(folder)
    assert "run=" in page.url, "the run is in the link"
    page.reload()
    expect(page.get_by_role("button", name="Stop training")).to_be_visible(timeout=20_000)
    time.sleep(jobs.ORPHAN_GRACE + 2)  # long past the grace a closed tab gets
    assert trainer_of(folder) == trainer, "the same run goes on"
    page.get_by_role("button", name="Stop training").click()
    wait_for(lambda: not folder.exists(), 10, "the stopped run's folder is still there")
    expect(page.get_by_role("button", name="Retrain")).to_be_enabled()
    assert trainer_of(folder) is None
    context.close()


def test_killing_the_server_kills_the_run_and_a_restart_clears_what_is_left(browser, server, tmp_path):
    context = browser.new_context()
    folder = start_a_run(context.new_page(), server)
    trainer = trainer_of(folder)
    # What a server that died before this fix would have left: a folder nobody runs in.
    left = server.runs / "run-left-behind"
    left.mkdir()
    (left / jobs.SERVER_FILE).write_text(json.dumps({"pid": trainer, "start": "0"}))
    server.stop()  # kill -9
    seconds = wait_for(lambda: trainer_of(folder) is None, 5, "the training process outlived its server")
    wait_for(lambda: not folder.exists(), 5, "the run's folder outlived its server")
    print(f"server killed -> run gone in {seconds:.2f} s")
    context.close()
    restarted = Server(tmp_path)
    try:
        urllib.request.urlopen(f"{restarted.url}/draw", timeout=10).read()
        page = browser.new_page()
        page.goto(f"{restarted.url}/draw")
        wait_for(lambda: not left.exists(), 30, "the stale folder is still there after a restart")
        page.close()
    finally:
        restarted.stop()
