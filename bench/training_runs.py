"""A retrain as a student sees it: click to model, through the server's subprocess, stage by stage.

python -m bench.training_runs [--repeats 2]

Runs `python -m digitdemo train` through digitdemo.jobs exactly as the Training page does (one
run at a time) and prints, per recipe, when TensorFlow had started, the first and last epochs,
and the model was ready, with the pace per epoch: the figures behind jobs.START_SECONDS,
EPOCH_SECONDS and SAVE_SECONDS and the page's "about N s".
"""

import argparse
import statistics
import time

from digitdemo import config, jobs

RECIPES = [(5, config.HIDDEN_UNITS), (config.EPOCHS, config.HIDDEN_UNITS), (20, (128, 64))]


def one_run(epochs: int, units: tuple[int, ...]) -> dict[str, float]:
    job = jobs.TrainingJob(epochs, config.LEARNING_RATE, units, config.SEED)
    started = time.monotonic()
    tensorflow_ready = None
    try:
        while (progress := job.poll()).state == "running":
            if tensorflow_ready is None and progress.stage != "starting":
                tensorflow_ready = time.monotonic() - started
            time.sleep(0.02)
        total = time.monotonic() - started
    finally:
        job.cleanup()
    assert progress.state == "done", progress.message
    times = progress.epoch_times
    return {
        "tensorflow": tensorflow_ready or times[0],
        "first": times[0],
        "last": times[-1],
        "per_epoch": (times[-1] - times[0]) / max(1, len(times) - 1),
        "saving": total - times[-1],
        "total": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print("| recipe | TensorFlow started | first epoch | last epoch | per epoch | evaluate + save | click → model |")
    print("|---|---|---|---|---|---|---|")
    for epochs, units in RECIPES:
        runs = [one_run(epochs, units) for _ in range(args.repeats)]
        m = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"| {epochs} epochs, {units[0]}/{units[1]} units | {m['tensorflow']:.1f} s | {m['first']:.1f} s "
            f"| {m['last']:.1f} s | {m['per_epoch']:.2f} s | {m['saving']:.1f} s | **{m['total']:.1f} s** |",
            flush=True,
        )


if __name__ == "__main__":
    main()
