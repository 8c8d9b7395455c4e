"""Training speed of each recipe and of the levers the fast recipe is made of: images per second.

    python benchmarks/train_speed.py              # the table in docs/fast_training.md (a few minutes)
    python benchmarks/train_speed.py --steps 40   # steadier figures, slower
    python benchmarks/train_speed.py --layers     # GFLOP/s of single 3x3 convolutions, forward + backward
    python benchmarks/train_speed.py --onednn 0   # with TensorFlow's oneDNN kernels off (train.py turns them on)

Each row builds the recipe's net, compiles it as train.py does and feeds fit
the recipe's own training stream (the NumPy stream with its augmentation) over random
pixels: speed does not depend on what the faces show. The figure is the
batch size over the median time of a step after the first few (tracing), so
it is the steady speed of one epoch's training steps, without validation.
Accuracy for the same levers comes from real runs (docs/fast_training.md).
"""
import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from emoji_creator import quiet_libraries  # noqa: E402

TRAIN_IMAGES = 28709  # FER2013's training split: for the seconds-an-epoch column


def rows():
    """(name, recipe, options): options may give jit_compile or another net to build."""
    from emoji_creator.nets import make_fast_model
    from emoji_creator.recipes import RECIPES

    fast = RECIPES["fast"]
    return [
        ("seed (the tutorial's)", RECIPES["seed"], {}),
        ("wide, warp + erasing (shipped)", RECIPES["wide"], {}),
        ("wide at batch 128", replace(RECIPES["wide"], batch_size=128), {}),
        ("fast net, warp", replace(fast, augment_kind="warp"), {}),
        ("fast net, no augmentation", replace(fast, augment=False), {}),
        ("fast net, crop, batch 64", replace(fast, batch_size=64), {}),
        ("fast net, crop, batch 256", replace(fast, batch_size=256), {}),
        ("fast net, XLA on (jit_compile=True)", fast, {"jit_compile": True}),
        ("fast net at 32-48-96-192 (the second try)", fast, {"build": lambda: make_fast_model(widths=(32, 48, 96, 192))}),
        ("fast net, float32", replace(fast, bfloat16=False), {}),
        ("fast net, mixed bfloat16 (precision.py)", fast, {"bfloat16": True}),
        ("fast (the recipe)", fast, {}),
    ]


def measure(recipe, steps, jit_compile="auto", build=None, bfloat16=False):
    """bfloat16: build the net in mixed_bfloat16 whatever the recipe and the CPU (emulated where not native)."""
    import keras

    from emoji_creator.nets import ARCHITECTURES
    from emoji_creator.pipeline import training_stream
    from emoji_creator.precision import policy_for
    from emoji_creator.training import compile_model

    keras.utils.set_random_seed(0)
    n = recipe.batch_size * (steps + 4)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 48, 48, 1), dtype=np.uint8)
    y = rng.integers(0, 7, n)
    # The recipe's own precision on this CPU, as train.py builds it, unless the row asks for bfloat16.
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if bfloat16 else policy_for(recipe))
    try:
        model = (build or ARCHITECTURES[recipe.model])()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    compile_model(model, recipe, steps_per_epoch=n // recipe.batch_size, jit_compile=jit_compile)
    marks = []

    class Marks(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            marks.append(time.perf_counter())

    model.fit(training_stream(x, y, recipe, seed=0), epochs=1, verbose=0, callbacks=[Marks()])
    per_step = float(np.median(np.diff(marks[3:])))
    return recipe.batch_size / per_step, model.count_params()


def layer_speed(cin, cout, side, batch=128, rounds=10):
    """GFLOP/s of one 3x3 'same' convolution, forward and both gradients, as training runs it."""
    import tensorflow as tf

    x = tf.random.normal((batch, side, side, cin))
    k = tf.Variable(tf.random.normal((3, 3, cin, cout)) * 0.1)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.conv2d(x, k, 1, "SAME")
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x, k])

    step(x)
    t = time.perf_counter()
    for _ in range(rounds):
        step(x)
    seconds = (time.perf_counter() - t) / rounds
    return 3 * 2 * batch * side * side * 9 * cin * cout / seconds / 1e9  # 3 passes of 2 FLOPs a MAC


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=20, help="training steps timed per row (default: 20)")
    p.add_argument("--layers", action="store_true", help="time single convolutions instead of recipes")
    p.add_argument("--onednn", choices=("0", "1"), default="1",
                   help="TensorFlow's oneDNN kernels: 1 (as train.py asks for them, the default) or 0")
    args = p.parse_args(argv)
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = args.onednn  # read when TensorFlow loads: before the import
    quiet_libraries()
    from emoji_creator import native_stderr_quiet

    with native_stderr_quiet():
        import keras

    if args.layers:
        # Why the fast net folds 2x2 pixels into 4 channels first: one input channel at 48x48.
        print("| 3x3 convolution | GFLOP/s (forward + backward, batch 128) |\n|---|---|")
        for cin, cout, side in ((1, 32, 48), (4, 32, 24), (32, 48, 24), (48, 48, 24), (64, 128, 12),
                                (128, 128, 12), (256, 256, 6)):
            print(f"| {cin} -> {cout} channels at {side}x{side} | {layer_speed(cin, cout, side):.1f} |", flush=True)
        return 0

    from emoji_creator.precision import native_bfloat16

    print(f"{os.cpu_count()} CPUs, Keras {keras.__version__} on {keras.backend.backend()}, "
          f"bfloat16 {'native' if native_bfloat16() else 'emulated'}, "
          f"oneDNN {'on' if args.onednn == '1' else 'off'}; median of {args.steps} steps")
    print(f"| recipe | parameters | batch | images/s | s an epoch (28,709) |")
    print("|---|---|---|---|---|")
    for name, recipe, options in rows():
        speed, params = measure(recipe, args.steps, **options)
        print(f"| {name} | {params / 1e6:.2f}M | {recipe.batch_size} | {speed:.0f} | "
              f"{TRAIN_IMAGES / speed:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
