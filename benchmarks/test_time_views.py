"""Test-time views: PublicTest accuracy against milliseconds per face, for each set of views.

    python benchmarks/test_time_views.py [--data ../shared/fer2013] [--rounds 3] [emotion_model.h5]

The predictor averages the model's answers over a few views of each face
(emoji_creator.model: ONE_VIEW, MIRROR (the app's), MIRROR_ZOOM). More views
are usually a little more accurate and cost proportionally more time; this
prints both so the choice of APP_VIEWS rests on figures. Time: median of 500
single-face calls per round, rounds interleaved so every set sees the same
machine.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main(argv=None):
    from emoji_creator import DEFAULT_MODEL
    from emoji_creator.data import load_dataset
    from emoji_creator.model import (APP_VIEWS, MIRROR, MIRROR_ZOOM, ONE_VIEW, averaging_views,
                                     load_emotion_model, make_predictor)
    from model_speed import time_calls

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", nargs="?", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "fer2013")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    x, y = load_dataset(args.data)["test"]
    x = x.astype(np.float32)
    model, _ = load_emotion_model(args.model)
    sets = {"one view": ONE_VIEW, "mirror": MIRROR, "mirror + 2-px zoom": MIRROR_ZOOM}
    single = make_predictor(model, views=ONE_VIEW)  # one conversion, shared by every view set
    predictors = {name: averaging_views(single, views) for name, views in sets.items()}
    face = x[:1]
    times = {name: [] for name in sets}
    for _ in range(args.rounds):
        for name, fn in predictors.items():
            times[name].append(time_calls(fn, face, 500)[0])
    print(f"{args.model.name} on {len(x)} test images ({single.backend}):")
    for name, fn in predictors.items():
        acc = (fn(x).argmax(axis=1) == y).mean() * 100
        app = "  <- the app" if sets[name] == APP_VIEWS else ""
        print(f"  {name:20s} {len(sets[name])} views  {acc:5.2f}%  {np.median(times[name]):.2f} ms/face "
              f"(rounds {', '.join(f'{t:.2f}' for t in times[name])}){app}")


if __name__ == "__main__":
    main()
