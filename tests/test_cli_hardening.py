"""The command line against odd files, names, folders and places to run from."""

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from digitdemo import config


def run(*args: str, cwd=None, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digitdemo", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


@pytest.fixture
def digit(tmp_path, drawings):
    path = tmp_path / "seven.png"
    Image.fromarray(drawings[0][0]).save(path)
    return str(path)


def test_predict_refuses_devices_and_pipes_and_goes_on(tmp_path, digit):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    result = run("predict", "--json", "/dev/zero", str(fifo), digit, timeout=120)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == ["/dev/zero", str(fifo), digit]
    assert "not a regular file" in lines[0]["error"] and "not a regular file" in lines[1]["error"]
    assert set(lines[0]) == {"path", "error"}
    assert isinstance(lines[2]["digit"], int)
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_predict_with_a_file_name_that_is_not_utf8(tmp_path, digit):
    odd = os.path.join(os.fsencode(tmp_path), b"d\xffigit.png")
    os.link(digit, odd)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for extra in ([], ["--json"]):
        result = subprocess.run(
            [sys.executable, "-m", "digitdemo", "predict", *extra, odd], capture_output=True, env=env, timeout=120
        )
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
        assert b"%" in result.stdout or b'"digit"' in result.stdout


@pytest.mark.parametrize("out", ["", "   "])
def test_train_refuses_an_empty_out(out):
    before = (config.MODEL_DIR / config.WEIGHTS_NAME).stat().st_mtime_ns
    result = run("train", "--out", out, "--epochs", "1")
    assert result.returncode == 2 and "--out" in result.stderr and "Traceback" not in result.stderr
    assert "Epoch" not in result.stdout
    assert (config.MODEL_DIR / config.WEIGHTS_NAME).stat().st_mtime_ns == before


def test_train_checks_a_bad_out_before_training(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for out in (a_file, a_file / "below", "/proc/digitdemo-models"):
        result = run("train", "--out", str(out), "--epochs", "1")
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "Epoch" not in result.stdout, "it trained before finding out"
        assert str(out) in result.stderr


def test_train_prints_no_tensorflow_noise(tmp_path):
    result = run("train", "--out", str(tmp_path), "--epochs", "1", "--hidden-units", "4")
    assert result.returncode == 0, result.stderr
    assert "cudart_stub" not in result.stderr and "absl::InitializeLog" not in result.stderr, result.stderr


def test_the_command_runs_from_any_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = run("--help", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr


def test_help_has_no_raw_markup():
    for args in (["--help"], ["predict", "--help"], ["train", "--help"], ["build-data", "--help"]):
        result = run(*args)
        assert result.returncode == 0 and "``" not in result.stdout, result.stdout
