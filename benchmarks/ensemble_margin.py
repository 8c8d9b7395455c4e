"""How sure is a held-out gain? Two ensembles (face + mirror, as the app runs them) compared on the
held-out faces of --holdout 0.1, with a bootstrap of those faces.

    python benchmarks/ensemble_margin.py --data ../shared/fer2013 --first B.h5 C.h5 --second A.h5 D.h5 E.h5

Prints each set's FER+ agreement and the bootstrap's interval for the difference (second minus
first). The networks must have been trained with --holdout 0.1 (none saw these faces).
"""
import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DRAWS = 5000


def main(argv=None):
    from emoji_creator import native_stderr_quiet, quiet_libraries

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT / "data")
    p.add_argument("--first", type=Path, nargs="+", required=True, help="networks of the first ensemble")
    p.add_argument("--second", type=Path, nargs="+", required=True, help="networks of the second ensemble")
    args = p.parse_args(argv)
    quiet_libraries()
    with native_stderr_quiet():
        import keras  # noqa: F401  (TensorFlow's import lines)
    from emoji_creator.data import CHOICE_HOLDOUT, load_dataset
    from emoji_creator.model_file import load_emotion_model
    from emoji_creator.recipes import Recipe
    from emoji_creator.runtime import ONE_VIEW, make_predictor
    from emoji_creator.splits import split_data
    from emoji_creator.votes import attach_votes, ferplus_right, kept, votes_beside

    data = attach_votes(load_dataset(args.data), votes_beside(args.data))
    x, _, votes = split_data(data, Recipe(holdout=CHOICE_HOLDOUT, labels="votes"))["val"]
    x, votes = x[kept(votes)], votes[kept(votes)]  # as ferplus_metrics scores them (tools/ensemble.py)
    right = []
    for paths in (args.first, args.second):
        answers = []
        for path in paths:
            predict = make_predictor(load_emotion_model(path)[0], views=ONE_VIEW)
            answers += [predict(x), predict(x[:, :, ::-1])]
        right.append(ferplus_right(votes, np.mean(answers, axis=0)))
        print(f"{' + '.join(p.stem for p in paths):30} face + mirror: held-out FER+ {right[-1].mean():.2%}")
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(x), size=(DRAWS, len(x)))
    diffs = 100 * (right[1][draws].mean(axis=1) - right[0][draws].mean(axis=1))
    low, high = np.percentile(diffs, [2.5, 97.5])
    print(f"second minus first on {len(x)} held-out faces: {100 * (right[1].mean() - right[0].mean()):+.2f} points; "
          f"bootstrap ({DRAWS} draws) 95% interval {low:+.2f} to {high:+.2f}, ahead in {(diffs > 0).mean():.0%} of draws")
    return 0


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
