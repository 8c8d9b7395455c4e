"""What FER+'s votes are worth: the training reports of runs that differ only in --labels, side by side.

    for l in fer2013 votes majority mix; do
        python train.py --labels $l --holdout 0.1 --epochs 10 --output /tmp/$l.h5 --report-dir reports/choice_$l
    done
    python benchmarks/label_choices.py reports/choice_*

Choices are read off the held-out training images (--holdout), never the test
split: each row gives the FER+ majority and FER2013 label scores on them, the
lowest FER+ class recall, and the run's minutes; the test split's figures
stand beside them for the record only.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None):
    from emoji_creator import UserError
    from emoji_creator.votes import lowest_recall

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("reports", nargs="+", type=Path, help="report folders (each with metrics.json)")
    args = p.parse_args(argv)
    rows = []
    for folder in args.reports:
        try:
            m = json.loads((folder / "metrics.json").read_text())
        except (OSError, ValueError):
            raise UserError(f"{folder} holds no readable metrics.json: name report folders of train.py runs") from None
        held = m.get("validation_ferplus")
        if held is None:
            raise UserError(f"{folder}: the run has no held-out FER+ score; train with --holdout and FER+ votes")
        worst, recall = lowest_recall(held)
        rows.append((m["recipe"]["labels"], held["accuracy"], m["validation_fer2013"]["accuracy"], worst, recall,
                     m.get("wall_seconds", m["train_seconds"]) / 60, m["test_ferplus"]["accuracy"],
                     m["test"]["accuracy"], folder))
    print(f"{'labels':9} {'FER+ held out':>13} {'FER2013 held out':>16} {'lowest FER+ recall':>22} {'minutes':>7}   "
          f"{'test FER+':>9} {'test FER2013':>12}")
    for labels, plus, fer, worst, recall, minutes, t_plus, t_fer, folder in rows:
        print(f"{labels:9} {plus:13.2%} {fer:16.2%} {worst:>11} {recall:10.1%} {minutes:7.1f}   "
              f"{t_plus:9.2%} {t_fer:12.2%}   {folder}")
    return rows


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
