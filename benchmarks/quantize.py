"""Quantised LiteRT copies of a model: PublicTest accuracy, milliseconds a face and size, each.

    python benchmarks/quantize.py [--data ../shared/fer2013] [--rounds 3] [--mirror] [MODEL.h5 ...]

Issue 24 asks whether a bigger net can be made cheap enough for the live loop
(3 ms a face). This converts each model four ways, as LiteRT's converter offers:
float32 (what the app runs today), float16 weights, dynamic-range int8 (int8
weights, float activations) and full int8 (int8 weights and activations,
calibrated on 500 training faces; float in and out, so the app's contract and
raw 0..255 pixels stay). Each is scored on PublicTest with the app's views and
timed on single faces, rounds interleaved so all see the same machine.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CALIBRATION_FACES = 500


def convert(model, kind, calibration):
    """The model as a LiteRT flatbuffer, quantised as `kind` says."""
    import tensorflow as tf

    from emoji_creator import native_stderr_quiet
    from emoji_creator.runtime import convert_to_litert

    def configure(converter):
        if kind == "float32":
            return
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # alone: dynamic-range int8
        if kind == "float16":
            converter.target_spec.supported_types = [tf.float16]
        elif kind == "full int8":
            converter.representative_dataset = lambda: ([face[None]] for face in calibration)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]

    with native_stderr_quiet():  # the converter's C++ side logs every step of a quantised conversion
        return convert_to_litert(model, configure)


def main(argv=None):
    from emoji_creator import DEFAULT_MODEL, native_stderr_quiet, quiet_libraries

    quiet_libraries()
    with native_stderr_quiet():  # TensorFlow's import-time lines
        import tensorflow  # noqa: F401
    from emoji_creator.data import load_dataset
    from emoji_creator.model_file import load_emotion_model
    from emoji_creator.runtime import MIRROR, _in_chunks, app_views, averaging_views, litert_predictor
    from model_speed import time_calls

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="*", type=Path, default=[DEFAULT_MODEL])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "fer2013")
    p.add_argument("--rounds", type=int, default=3, help="rounds of 500 single-face calls (default 3)")
    p.add_argument("--mirror", action="store_true",
                   help="average face and mirror for every model, ensembles too (default: the app's views)")
    args = p.parse_args(argv)
    data = load_dataset(args.data)
    x, y = data["test"]
    x = x.astype(np.float32)
    x_tr = data["train"][0]
    # A small data folder (a smoke run) calibrates on all its training faces.
    pick = np.random.default_rng(0).choice(len(x_tr), min(CALIBRATION_FACES, len(x_tr)), replace=False)
    calibration = x_tr[pick].astype(np.float32)

    rows = {}  # (model, kind) -> (predictor, flatbuffer bytes)
    for path in args.models:
        model, _ = load_emotion_model(path)
        for kind in ("float32", "float16", "dynamic int8", "full int8"):
            flat = convert(model, kind, calibration)
            views = MIRROR if args.mirror else app_views(model)
            rows[str(path), kind] = (averaging_views(_in_chunks(litert_predictor(flat)), views), len(flat))
    face = x[:1]
    times = {key: [] for key in rows}
    for _ in range(args.rounds):
        for key, (fn, _) in rows.items():
            times[key].append(time_calls(fn, face, 500)[0])
    print(f"{len(x)} test images, {'face + mirror' if args.mirror else 'the app' + chr(39) + 's views'}; ms a face: median of {args.rounds} rounds of 500 calls")
    width = max(len(str(path)) for path in args.models)
    for key, (fn, size) in rows.items():
        probs = fn(x)
        acc = (probs.argmax(axis=1) == y).mean() * 100
        recall = min(((probs.argmax(axis=1) == y) & (y == c)).sum() / (y == c).sum() for c in range(probs.shape[1]))
        print(f"  {key[0]:{width}s}  {key[1]:12s}  {acc:5.2f}%  lowest recall {recall * 100:4.1f}%  "
              f"{np.median(times[key]):.2f} ms/face (rounds {', '.join(f'{t:.2f}' for t in times[key])})  "
              f"{size / 1e6:.2f} MB")


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
