"""Milliseconds to classify one face: the model called through its compiled predictor, and predict().

    python benchmarks/model_speed.py [--rounds 5] [--compare] [emotion_model.h5 ...]

Prints, per model file: parameters, file size, median and 95th-percentile ms
per face over many single-face calls (as the live loop makes them), and the
median of model.predict() for comparison. With several rounds (500 calls
each, a pause between) it prints every round's median, since a shared or
throttled CPU moves this figure by a millisecond from one minute to the next.
--compare also times one view without the mirror image, and the TensorFlow
predictors (XLA, and a plain traced tf.function), round by round in turn, so
all see the same machine.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def time_calls(fn, x, n):
    for _ in range(10):
        fn(x)
    ms = []
    for _ in range(n):
        t = time.perf_counter()
        fn(x)
        ms.append((time.perf_counter() - t) * 1000)
    return np.median(ms), np.percentile(ms, 95)


def main(argv=None):
    from emoji_creator import DEFAULT_MODEL
    from emoji_creator.model_file import load_emotion_model
    from emoji_creator.runtime import make_predictor

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="*", type=Path, default=[DEFAULT_MODEL])
    p.add_argument("--rounds", type=int, default=1, help="rounds of 500 calls (default 1)")
    p.add_argument("--compare", action="store_true", help="also time other predictors")
    args = p.parse_args(argv)
    face = np.random.default_rng(0).integers(0, 256, (1, 48, 48, 1)).astype(np.float32)
    for path in args.models:
        model, _ = load_emotion_model(path)
        predict = make_predictor(model)
        others = [predict.single] + [make_predictor(model, b) for b in ("xla", "tf")] if args.compare else []
        rounds, other_rounds = [], [[] for _ in others]
        for i in range(args.rounds):
            if i:
                time.sleep(5)
            rounds.append(time_calls(predict, face, 500))
            for fn, out in zip(others, other_rounds):
                out.append(time_calls(fn, face, 500))
        med, p95 = np.median([r[0] for r in rounds]), np.median([r[1] for r in rounds])
        pred, _ = time_calls(lambda x: model.predict(x, verbose=0), face, 50)
        print(f"{path.name}: {model.count_params():,} parameters, {path.stat().st_size / 1e6:.1f} MB; "
              f"one face: median {med:.2f} ms, p95 {p95:.2f} ms ({predict.backend}); predict(): median {pred:.1f} ms")
        if args.rounds > 1:
            print("  median of each round: " + ", ".join(f"{r[0]:.2f}" for r in rounds) + " ms")
        for fn, out in zip(others, other_rounds):
            print(f"  {fn.backend}: median {np.median([r[0] for r in out]):.2f} ms; each round: "
                  + ", ".join(f"{r[0]:.2f}" for r in out) + " ms")


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
