"""Teacher sign-in rules and the join links, without Streamlit."""

import io

import numpy as np
import pytest
from PIL import Image

from digitdemo.classroom import auth, links


class Clock:
    """A clock the test moves by hand: the brake's waits are real durations of this clock."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_password_comes_from_the_environment_then_the_secrets_file_then_is_made_up():
    assert auth.resolve_password({auth.PASSWORD_ENV: "s3cret"}, "other") == auth.Password("s3cret", False)
    assert auth.resolve_password({}, "from-secrets") == auth.Password("from-secrets", False)
    assert auth.resolve_password({auth.PASSWORD_ENV: "  "}, "from-secrets").value == "from-secrets"
    made = auth.resolve_password({}, None)
    again = auth.resolve_password({}, "")
    assert made.generated and again.generated
    assert made.value != again.value and len(made.value) >= 20


def test_the_right_password_signs_in_and_wrong_ones_get_one_sentence():
    gate = auth.Gate("right", clock=Clock())
    assert gate.check("right") is None
    assert gate.check("wrong") == "Wrong password."
    assert gate.check("") == "Type the teacher password."
    assert gate.check("right") is None  # a success forgives the earlier mistakes
    assert gate.check("x" * 10_000 + "<b>é</b>") == "Wrong password."


def test_repeated_wrong_guesses_are_slowed_down_for_everyone_and_the_wait_doubles():
    clock = Clock()
    gate = auth.Gate("right", clock=clock)
    for _ in range(auth.FREE_TRIES - 1):
        assert gate.check("guess") == "Wrong password."
    assert gate.check("guess") == "Wrong password; wait 2 s before trying again."
    # While the brake holds, even the right password is not looked at.
    assert gate.check("right") == "Too many wrong passwords; wait 2 s before trying again."
    clock.now += 1.5
    assert gate.wait_s() == 1
    clock.now += 0.5
    assert gate.check("guess") == "Wrong password; wait 4 s before trying again."
    clock.now += 4
    assert gate.check("guess") == "Wrong password; wait 8 s before trying again."
    clock.now += 8
    assert gate.check("right") is None
    assert gate.check("guess") == "Wrong password."  # the count starts again


def test_a_student_guessing_cannot_lock_the_teacher_out_of_the_servers_own_token():
    """Found by a try-out: six wrong guesses by a student kept the teacher's printed link out for 30 s."""
    clock = Clock()
    token = auth.resolve_password({}, None)
    gate = auth.Gate(token.value, clock=clock, unguessable=token.generated)
    for _ in range(auth.FREE_TRIES + 3):
        gate.check("guess")
        clock.now += 0.1
    assert gate.wait_s() > 0
    assert gate.check("guess").startswith("Too many wrong passwords")  # guessing is still slowed down
    assert gate.check(token.value) is None  # the token always signs in: guessing 144 bits is hopeless


def test_the_printed_links_token_signs_in_beside_a_chosen_password_while_the_brake_holds():
    """Found by a try-out (issue 20): a student guessing now and then kept a chosen password waiting."""
    clock = Clock()
    gate = auth.Gate("chosen", clock=clock, link_token="t" * 24)
    for _ in range(auth.FREE_TRIES + 1):
        gate.check("guess")
    assert gate.check("chosen").startswith("Too many wrong passwords")  # a chosen password may be weak: it waits
    assert gate.check("t" * 24) is None
    assert gate.check("t" * 23).startswith("Too many wrong passwords")


def test_an_empty_attempt_is_no_guess_and_never_starts_the_brake():
    gate = auth.Gate("right", clock=Clock())
    for _ in range(10 * auth.FREE_TRIES):
        assert gate.check("") == "Type the teacher password."
    assert gate.wait_s() == 0 and gate.check("right") is None


def test_the_wait_is_bounded():
    clock = Clock()
    gate = auth.Gate("right", clock=clock)
    for _ in range(40):
        clock.now += auth.LONGEST_WAIT_S
        message = gate.check("guess")
    assert message == f"Wrong password; wait {auth.LONGEST_WAIT_S:.0f} s before trying again."


def test_the_teacher_link_carries_the_token():
    password = auth.Password("abc_DEF-123", generated=True)
    assert (
        auth.teacher_link("http://192.168.1.20:8501/", password) == "http://192.168.1.20:8501/class?teacher=abc_DEF-123"
    )


def test_a_teacher_link_pasted_into_the_password_box_counts_as_its_token():
    link = auth.teacher_link("http://192.168.1.20:8501", auth.Password("abc_DEF-123", generated=True))
    assert auth.from_box(link) == "abc_DEF-123"
    assert auth.from_box(f"  {link}\n") == "abc_DEF-123"  # as copied from a terminal
    # Anything else is the password as typed, spaces and all.
    for typed in ("abc_DEF-123", " my pass ", "http://192.168.1.20:8501/class", "teacher=abc", ""):
        assert auth.from_box(typed) == typed


@pytest.mark.parametrize(
    ("page_url", "ip", "expected"),
    [
        ("http://localhost:8501/class", "192.168.1.20", "http://192.168.1.20:8501"),
        ("http://127.0.0.1:8501/class", "10.0.0.5", "http://10.0.0.5:8501"),
        ("http://localhost:8501/class", None, "http://localhost:8501"),  # no network: nothing better
        ("http://school.example:8501/class", "10.0.0.5", "http://school.example:8501"),  # already reachable
        ("https://apps.example/digits/class", "10.0.0.5", "https://apps.example/digits"),  # behind a proxy path
        ("http://[::1]:8501/class", "fe80::1", "http://[fe80::1]:8501"),
    ],
)
def test_students_get_an_address_they_can_reach(page_url, ip, expected):
    assert links.reachable_base(page_url, ip) == expected


def test_the_join_link_opens_the_draw_page_in_the_room():
    assert links.join_link("http://10.0.0.5:8501/", "K7QX") == "http://10.0.0.5:8501/draw?room=K7QX"


def test_the_qr_code_is_a_large_black_and_white_square():
    image = Image.open(io.BytesIO(links.qr_png("http://10.0.0.5:8501/draw?room=K7QX")))
    assert image.width == image.height >= 300
    assert set(np.unique(np.asarray(image.convert("L")))) == {0, 255}
    assert links.qr_png("http://10.0.0.5:8501/draw?room=K7QY") != links.qr_png("http://10.0.0.5:8501/draw?room=K7QX")


@pytest.mark.parametrize(
    "server_address, alone",
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        (None, False),  # Streamlit's default: every interface
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
    ],
)
def test_a_server_bound_to_loopback_answers_this_computer_alone(server_address, alone):
    assert links.loopback_only(server_address) is alone


GUESSER = """
import sys
from digitdemo.classroom import auth, storage
gate = auth.Gate("right", brake=auth.DatabaseBrake(storage.ClassStore(sys.argv[1])))
print([gate.check("wrong") for _ in range(3)][-1])
"""


def test_the_brake_is_the_class_databases_so_every_server_process_shares_it(class_db):
    import subprocess
    import sys

    from digitdemo import config
    from digitdemo.classroom import storage

    db = class_db  # on each backend: a file, then a PostgreSQL database
    guessed = subprocess.run(
        [sys.executable, "-c", GUESSER, str(db)], capture_output=True, text=True, cwd=config.REPO_DIR, check=True
    )
    assert guessed.stdout.startswith("Wrong password; wait 2 s"), guessed.stdout  # on another worker
    here = auth.Gate("right", brake=auth.DatabaseBrake(storage.ClassStore(db)))
    assert here.wait_s() > 0 and here.check("right").startswith("Too many wrong passwords")
    # `serve`'s shared token (unguessable) still signs in, on this worker too.
    token = auth.resolve_password({auth.TOKEN_ENV: "the-halls-token"}, None)
    assert token == auth.Password("the-halls-token", generated=True)
    halls = auth.Gate(token.value, unguessable=True, brake=auth.DatabaseBrake(storage.ClassStore(db)))
    assert halls.check("the-halls-token") is None


def test_without_its_database_the_brake_goes_on_in_the_process_and_sign_in_works(tmp_path):
    from digitdemo.classroom import storage

    gate = auth.Gate("right", clock=Clock(), brake=auth.DatabaseBrake(storage.ClassStore(tmp_path / "no" / "c.db")))
    assert gate.check("right") is None
    assert [gate.check("wrong") for _ in range(3)][-1] == "Wrong password; wait 2 s before trying again."
    assert gate.wait_s() == 2
