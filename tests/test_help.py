"""Every command line answers --help (issue 29: `python -m bench.postgres --help` started a PostgreSQL server):
each `python -m ...` entry point under bench/, scripts/ and digitdemo, and each of digitdemo's subcommands, prints
its usage and exits 0, starting nothing (no server, no TensorFlow run), in a temporary folder of its own."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digitdemo import cli, config

# Far beyond what --help takes (under 3 s here, TensorFlow never loaded): a guard against one that starts a server
# and waits, not a measure of speed.
HANG_S = 90


def entry_points() -> list[str]:
    """Every module under bench/ and scripts/ run as `python -m`, and the package itself."""
    found = []
    for folder in ("bench", "scripts"):
        for path in sorted((config.REPO_DIR / folder).glob("*.py")):
            if 'if __name__ == "__main__"' in path.read_text():
                found.append(f"{folder}.{path.stem}")
    return [*found, "digitdemo"]


def subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """digitdemo's subcommands, nested ones too (class list, class export, ...)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found += subcommands(sub, (*prefix, name))
    return found


def answers_help(args: list[str], tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TF_CPP_MIN_LOG_LEVEL": "2"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", *args, "--help"],
            capture_output=True,
            text=True,
            timeout=HANG_S,
            cwd=config.REPO_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`python -m {' '.join(args)} --help` did not end: it started something instead")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage:"), result.stdout[:500]
    assert "Traceback" not in result.stderr
    assert list(temp.iterdir()) == [], "it made a folder (a server's, a run's) instead of answering"


@pytest.mark.parametrize("module", entry_points())
def test_every_entry_point_answers_help(module, tmp_path):
    answers_help([module], tmp_path)


@pytest.mark.parametrize("command", subcommands(cli.parser()), ids=" ".join)
def test_every_digitdemo_subcommand_answers_help(command, tmp_path):
    answers_help(["digitdemo", *command], tmp_path)


def test_the_list_is_whole():
    assert {"bench.postgres", "bench.teach", "bench.crafted_input", "scripts.screenshots"} <= set(entry_points())
    assert {("train",), ("serve",), ("class",), ("class", "export")} <= set(subcommands(cli.parser()))
