"""Test-time views: PublicTest accuracy against milliseconds per face, for each set of views.

    python benchmarks/test_time_views.py [--data ../shared/fer2013] [--rounds 3] [MODEL.h5 ...]
    python benchmarks/test_time_views.py --holdout NET.h5 ...   # choose on held-out faces instead

--holdout scores the 10% of the training faces that train.py --holdout 0.1 holds out (the same for
every seed), for networks trained so: a choice of views made there never looks at PublicTest.

Two scores per row: agreement with the FER+ majority of ten annotators (when
fer2013new.csv lies beside the data, or --votes names it), the truth the app is
judged by, with its lowest class recall; and with FER2013's single label.

The predictor averages the model's answers over a few views of each face
(emoji_creator.runtime: ONE_VIEW, MIRROR (the app's for one network), MIRROR_ZOOM). More views
are usually a little more accurate and cost proportionally more time; this
prints both so the choice of app_views() rests on figures. Time: median of 500
single-face calls per round, rounds interleaved so every model and set sees
the same machine (this one's speed drifts by half from one minute to the next).
"""
import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main(argv=None):
    from emoji_creator import DEFAULT_MODEL, UserError
    from emoji_creator.data import load_dataset
    from emoji_creator.model_file import load_emotion_model
    from emoji_creator.runtime import app_views, averaging_views, make_predictor, MIRROR, MIRROR_ZOOM, ONE_VIEW
    from model_speed import time_calls

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="*", type=Path, default=[DEFAULT_MODEL],
                   help="one or more model files, timed in the same rounds (default: emotion_model.h5)")
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "fer2013")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--votes", type=Path, help="FER+'s fer2013new.csv (default: the one beside the data)")
    p.add_argument("--holdout", action="store_true",
                   help="score the faces train.py --holdout 0.1 holds out, not PublicTest (nets trained so)")
    args = p.parse_args(argv)
    from emoji_creator.votes import attach_votes, ferplus_metrics, lowest_recall, votes_beside

    data = load_dataset(args.data)
    votes = args.votes or votes_beside(args.data)
    if args.holdout:
        from emoji_creator.data import CHOICE_HOLDOUT
        from emoji_creator.recipes import Recipe
        from emoji_creator.splits import split_data

        if not votes:
            raise UserError("--holdout splits the faces as train.py does with FER+'s votes: put fer2013new.csv "
                            "beside the data (data/README.md), or pass --votes")
        x, y, v = split_data(attach_votes(data, votes), Recipe(holdout=CHOICE_HOLDOUT, labels="votes"))["val"]
    else:
        v = attach_votes(data, votes)["votes"]["test"] if votes else None
        x, y = data["test"]
    x = x.astype(np.float32)
    sets = {"one view": ONE_VIEW, "mirror": MIRROR, "mirror + 2-px zoom": MIRROR_ZOOM}
    rows = {}  # (model path as given, set name) -> (predictor, views, the app's?)
    for path in args.models:
        model, _ = load_emotion_model(path)
        single = make_predictor(model, views=ONE_VIEW)  # one conversion, shared by every view set
        for name, views in sets.items():
            # Keyed by the path, not the file name: a candidate is often another folder's emotion_model.h5.
            rows[str(path), name] = (averaging_views(single, views), views, views == app_views(model))
    face = x[:1]
    times = {key: [] for key in rows}
    for _ in range(args.rounds):
        for key, (fn, _, _) in rows.items():
            times[key].append(time_calls(fn, face, 500)[0])
    print(f"{len(x)} {'held-out training' if args.holdout else 'test'} images ({single.backend}):")
    width = max(len(str(path)) for path in args.models)
    for key, (fn, views, is_app) in rows.items():
        probs = fn(x)
        acc = (probs.argmax(axis=1) == y).mean() * 100
        plus = ""
        if v is not None:
            m = ferplus_metrics(v, probs)
            worst, recall = lowest_recall(m)
            plus = f"FER+ {m['accuracy'] * 100:5.2f}% (lowest recall {worst} {recall * 100:.1f}%)  "
        print(f"  {key[0]:{width}s}  {key[1]:20s} {len(views)} views  {plus}FER2013 {acc:5.2f}%  "
              f"{np.median(times[key]):.2f} ms/face (rounds {', '.join(f'{t:.2f}' for t in times[key])})"
              f"{'  <- the app' if is_app else ''}")


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
