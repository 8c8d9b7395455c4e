"""Plot PublicTest accuracy against minutes of training for runs' reports, beside reference recipes.

    python tools/training_curves.py docs/fast_training.png reports/fast_seed1337 reports/fast_seed1338 \
        reports/fast_seed1339 --reference "tutorial (seed), 50 epochs" reports/seed_model 50 SEC \
        --reference "shipped (wide), 200 epochs" reports/emotion_model 200 SEC

A run's curve comes from its metrics.json: the validation accuracy (one view,
as Keras reports it each epoch) at the end of each epoch against the run's
wall-clock minutes (its start-up and data loading before the first epoch
included), and a star at its final score (the app's test-time views) at its
total wall-clock. A reference is a recipe not run here for its whole length:
a star at its report's score, placed at EPOCHS x SEC seconds an epoch as
measured on this machine by benchmarks/train_speed.py.
"""
import argparse
import json
import sys
from pathlib import Path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("output", type=Path)
    p.add_argument("runs", nargs="+", type=Path, help="report folders with metrics.json")
    p.add_argument("--reference", nargs=4, action="append", default=[], metavar=("LABEL", "REPORT", "EPOCHS", "SEC"))
    p.add_argument("--target", type=float, default=0.66)
    args = p.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.8))
    longest = 0.0
    for run in args.runs:
        m = json.loads((run / "metrics.json").read_text())
        h = m["history"]
        wall = m.get("wall_seconds", m["train_seconds"])
        # Imports, data loading, building the net (older reports: all of wall-clock outside training).
        before = m.get("startup_seconds", wall - m["train_seconds"])
        xs = [(before + s) / 60 for s in h["seconds"]]  # each epoch's end, in the run's wall-clock
        (line,) = ax.plot(xs, h["val_accuracy"], marker=".", label=f"{run.name} (val, one view)")
        ax.plot([wall / 60], [m["test"]["accuracy"]], marker="*", markersize=13, color=line.get_color())
        longest = max(longest, wall / 60)
    for label, report, epochs, sec in args.reference:
        m = json.loads((Path(report) / "metrics.json").read_text())
        minutes = int(epochs) * float(sec) / 60
        ax.plot([minutes], [m["test"]["accuracy"]], marker="*", markersize=13, linestyle="none",
                label=f"{label}: {m['test']['accuracy']:.1%} after ~{minutes / 60:.1f} h (estimated)")
        longest = max(longest, minutes)
    ax.axhline(args.target, color="grey", linestyle="--", linewidth=1, label=f"target {args.target:.0%}")
    ax.axvline(20, color="grey", linestyle=":", linewidth=1, label="20 minutes")
    ax.set_xscale("log")
    ax.set_xlim(1, longest * 1.3)
    ax.set_ylim(0.25, 0.75)
    ax.set_xlabel("wall-clock minutes on this machine (log scale)")
    ax.set_ylabel("PublicTest accuracy")
    ax.set_title("Accuracy against training time on a 2-core CPU (stars: final score, the app's views)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
