"""Milliseconds to classify one face: the model called through its compiled predictor, and predict().

    python benchmarks/model_speed.py [emotion_model.h5 ...]

Prints, per model file: parameters, file size, median and 95th-percentile ms
per face over many single-face calls (as the live loop makes them), and the
median of model.predict() for comparison.
"""
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
    from emoji_creator.model import load_emotion_model, make_predictor

    paths = [Path(p) for p in (argv or sys.argv[1:])] or [DEFAULT_MODEL]
    face = np.random.default_rng(0).integers(0, 256, (1, 48, 48, 1)).astype(np.float32)
    for path in paths:
        model, _ = load_emotion_model(path)
        med, p95 = time_calls(make_predictor(model), face, 500)
        pred, _ = time_calls(lambda x: model.predict(x, verbose=0), face, 50)
        print(f"{path.name}: {model.count_params():,} parameters, {path.stat().st_size / 1e6:.1f} MB; "
              f"one face: median {med:.2f} ms, p95 {p95:.2f} ms (compiled); predict(): median {pred:.1f} ms")


if __name__ == "__main__":
    main()
