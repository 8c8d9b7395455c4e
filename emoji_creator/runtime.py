"""The runtime: a model file to a fast function from face crops to probabilities.

    from emoji_creator.runtime import load_live_model, make_predictor
    predict, class_names = load_live_model("emotion_model.h5")   # the live loop's: LiteRT, from its cache
    probs = predict(crops)                    # float32 (n, 48, 48, 1) in 0..255 -> (n, 7)
    predict = make_predictor(model)           # the same for a model in memory (training's evaluation)

A frame's walk: live.LivePipeline crops each face (data.to_model_input), and
the predictor averages the net's answers over the app's test-time views
(app_views: the face and its mirror for one net). model.predict() builds a data
pipeline on every call, so the frame loop uses a compiled runtime instead:
LiteRT's XNNPACK kernels on the net converted once and kept beside the model
file (NAME.h5.litert, checked by hash), or a traced TensorFlow function.
"""
import contextlib
import functools
import importlib.util
import sys
import threading
from pathlib import Path

import numpy as np

from . import CLASSES, UserError, native_stderr_quiet
from .files import kind
from .model_cache import cache_path, file_sha256, read_cache, write_cache  # noqa: F401  (runtime.cache_path, as before)
from .model_file import check_model_file, load_emotion_model, stores_half
from .nets import INPUT_SHAPE, members

ONE_VIEW = ((0, False),)
MIRROR = ((0, False), (0, True))
MIRROR_ZOOM = MIRROR + ((2, False), (2, True))


# The live loop's budget a face, in network weights run: the first shipped net (1.76M parameters) on
# the face and its mirror. An ensemble of small nets that fits it gets the mirror too.
MIRROR_PARAMS = 3_600_000


def app_views(model):
    """The views the app averages for this model: the face and its mirror for a single net, and for
    an ensemble whose networks, run twice, fit MIRROR_PARAMS (three fast nets); else the face alone.

    Mirroring gains an ensemble of fast nets as much as one net (docs/ferplus.md:
    tools/ensemble.py's held-out choice); a larger ensemble spends its budget on
    its members instead (docs/history.md).
    """
    nets = members(model)
    if len(nets) == 1 or 2 * sum(net.count_params() for net in nets) <= MIRROR_PARAMS:
        return MIRROR
    return ONE_VIEW


def make_predictor(model, backend="auto", views=None):
    """A compiled function: float32 (n, 48, 48, 1) in 0..255 -> numpy (n, 7) probabilities.

    The live loop classifies one or two faces at a time, where fixed per-call
    costs dominate: model.predict() builds a data pipeline on every call, a
    traced tf.function is dearer than the same under XLA, and the same weights
    converted in memory to LiteRT and run by its XNNPACK kernels are cheapest
    (benchmarks/model_speed.py --compare prints each).
    backend: "litert", "xla", "tf", or "auto": LiteRT when ai-edge-litert is
    installed and the conversion works, else XLA. Their answers agree (tests/test_preprocess.py).
    On a Keras backend other than TensorFlow (training on a GPU machine with
    JAX), "auto" calls the model through predict_on_batch: slow per call, but
    training only evaluates with it.
    views: average each face's answers over these views, all in one call
    (default: app_views(model)). The net was trained on mirrored, shifted and
    zoomed faces, and the views' errors differ, so the average is more accurate
    on FER2013 than any one view (README) at a cost that grows with the views.
    Training's test score is taken the same way, so the reported accuracy is
    what the app does.
    The returned function's .backend says which one it is; .single is the same
    compiled model on one view, for reports and benchmarks (no second conversion).
    """
    if backend == "auto" and keras_backend() != "tensorflow":
        # Keras on JAX or torch (training on a GPU machine without TensorFlow):
        # neither LiteRT's converter nor XLA through tf.function is there.
        raw = _keras_predictor(model)
    elif backend in ("auto", "litert"):
        try:
            raw = _litert_predictor(model)
        except Exception as exc:  # not installed, or a conversion failure: XLA is the next best
            if backend == "litert":
                raise

            print(f"note: LiteRT unavailable ({type(exc).__name__}: {exc}); classifying with TensorFlow XLA",
                  file=sys.stderr)
            raw = _tf_predictor(model, xla=True)
    else:
        raw = _tf_predictor(model, xla=backend != "tf")
    return averaging_views(_in_chunks(raw), app_views(model) if views is None else views)


def averaging_views(single, views):
    """`single` (a one-view predictor) averaged over `views`, all in one call.

    Takes an existing predictor so several view sets can share one compiled
    model (benchmarks/test_time_views.py) instead of converting it again.
    """

    views = tuple(views)
    if views == ONE_VIEW:
        single.single, single.views = single, views
        return single

    def run(batch):
        batch = np.asarray(batch, dtype=np.float32)
        n = len(batch)
        probs = single(np.concatenate([view(batch, crop, mirrored) for crop, mirrored in views]))
        return probs.reshape(len(views), n, -1).mean(axis=0)

    run.backend = f"{single.backend}, {len(views)} views"
    run.single, run.views = single, views
    return run


def view(batch, crop=0, mirrored=False):
    """Faces (n, 48, 48, 1) with `crop` pixels cut off each side, scaled back up, and/or mirrored."""
    if crop:
        m = _zoom_matrix(crop, batch.shape[1])
        batch = (m @ batch[..., 0] @ m.T)[..., None]  # rows, then columns
    return batch[:, :, ::-1] if mirrored else batch  # width is axis 2


@functools.lru_cache(maxsize=None)  # built once per crop, not on every frame
def _zoom_matrix(crop, size):
    """Bilinear scaling of the central size-2*crop pixels back to size, as a (size, size)
    matrix acting on rows (half-pixel centres, like cv2.resize and tf.image.resize)."""

    n = size - 2 * crop
    src = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = src - lo
    m = np.zeros((size, size), np.float32)
    np.add.at(m, (np.arange(size), crop + lo), 1 - w)
    np.add.at(m, (np.arange(size), crop + hi), w)
    return m


_CHUNK = 512  # the largest batch a backend sees: bounds LiteRT's buffers and XLA's compiles


def _in_chunks(raw):
    """Feed a backend batches of at most _CHUNK faces, whatever size the caller passes."""

    def run(batch):
        batch = np.asarray(batch, dtype=np.float32)
        if len(batch) == 0:  # no faces: no call (oneDNN's convolution mishandles an empty batch)
            return np.zeros((0, len(CLASSES)), np.float32)
        if len(batch) <= _CHUNK:
            return raw(batch)
        return np.concatenate([raw(batch[i:i + _CHUNK]) for i in range(0, len(batch), _CHUNK)])

    run.backend = raw.backend
    return run


def _padded(batch, size):
    """The batch with zero faces appended up to `size` (answers for them are dropped)."""

    if size == len(batch):
        return batch
    return np.concatenate([batch, np.zeros((size - len(batch),) + batch.shape[1:], np.float32)])


def convert_to_litert(model, configure=None):
    """The model as a LiteRT flatbuffer (bytes). Needs TensorFlow.

    configure: called with the converter before it converts, to set options
    (benchmarks/quantize.py quantises this way; half_weights for a model file stored in float16);
    otherwise the app converts as it is.
    """
    import tensorflow as tf  # here: TensorFlow's import costs seconds

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if configure is not None:
        configure(converter)
    with _this_thread_quiet():  # the converter prints the whole signature
        return converter.convert()


def half_weights(converter):
    """Converter options: weights kept in float16, computed in float32 (LiteRT widens them once, at
    load). For a model file stored in float16 this is exact, and the compiled copy halves too."""
    import tensorflow as tf  # here: TensorFlow's import costs seconds

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]


class _QuietFor:
    """sys.stdout for a while: what one thread writes is dropped, every other thread's passes on."""

    def __init__(self, inner, thread):
        self.inner, self.thread = inner, thread

    def write(self, text):
        return len(text) if threading.current_thread() is self.thread else self.inner.write(text)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@contextlib.contextmanager
def _this_thread_quiet():
    """Silence this thread's prints. Not contextlib.redirect_stdout: that swaps the process's
    sys.stdout and puts back what it found, so a model converted in the window's loader thread
    put back a stale stdout over whatever the main thread had set meanwhile."""
    quiet = _QuietFor(sys.stdout, threading.current_thread())
    sys.stdout = quiet
    try:
        yield
    finally:
        if sys.stdout is quiet:  # someone else's since: theirs stays
            sys.stdout = quiet.inner


def _litert_predictor(model, threads=2):
    return litert_predictor(convert_to_litert(model), threads)


def litert_predictor(flat, threads=2):
    """A one-view predictor over a LiteRT flatbuffer: needs ai-edge-litert only, not TensorFlow."""
    from ai_edge_litert.interpreter import Interpreter  # here: only where it is needed (LiteRT's start)

    interpreters = {}  # one per batch size: switching between 1 and 2 faces re-plans nothing

    def interpreter_for(n):
        if n not in interpreters:
            with native_stderr_quiet():  # LiteRT announces its XNNPACK delegate on stderr
                it = Interpreter(model_content=flat, num_threads=threads)
                it.resize_tensor_input(it.get_input_details()[0]["index"], [n, *INPUT_SHAPE])
                it.allocate_tensors()
            interpreters[n] = (it, it.get_input_details()[0]["index"], it.get_output_details()[0]["index"])
        return interpreters[n]

    def run(batch):
        n = len(batch)
        if n == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        # Live frames (up to 16 crops: 8 faces with the mirror view) get an interpreter
        # of their own size; larger batches are padded to a power of two, so the cache
        # stays small (padding a few crops to _CHUNK made a group of five crawl).
        size = n if n <= 16 else min(_CHUNK, 1 << (n - 1).bit_length())
        it, inp, out = interpreter_for(size)
        it.set_tensor(inp, np.ascontiguousarray(_padded(batch, size)))
        it.invoke()
        return it.get_tensor(out)[:n].copy()

    run.backend = "litert"
    return run


# -- The app's fast start: the LiteRT cache beside the .h5 (model_cache.py) -------------------------
def build_cache(model_path, model_hash):
    """Convert model_path with Keras/TensorFlow; returns (flatbuffer, header)."""
    model, names = load_emotion_model(model_path)
    flat = convert_to_litert(model, half_weights if stores_half(model_path) else None)
    # In the form read_cache returns (JSON writes the tuples as lists).
    header = {"model": Path(model_path).name, "model_sha256": model_hash, "classes": tuple(names),
              "views": tuple(app_views(model))}
    return flat, header


def check_probabilities(predict, path):
    """A model whose outputs are not probabilities (a linear last layer, NaN weights) would show
    nonsense confidences: refuse it on a probe of three faces."""

    probe = np.stack([np.zeros(INPUT_SHAPE), np.full(INPUT_SHAPE, 128.0),
                      np.random.default_rng(0).uniform(0, 255, INPUT_SHAPE)]).astype(np.float32)
    out = np.asarray(predict(probe), np.float64)
    if not (np.isfinite(out).all() and (out >= -1e-4).all() and np.allclose(out.sum(axis=1), 1, atol=1e-3)):
        raise UserError(f"{path} does not output probabilities (softmax) for seven classes: "
                        f"retrain with 'python train.py' or restore emotion_model.h5 from git")


TRAIN_INSTALL = "pip install -e '.[train]' (or pip install -r requirements.txt)"


def need_training_install(what):
    """UserError naming what to install when TensorFlow and Keras are needed and this is the light
    install (the window and the overlay run without them, on the compiled model)."""
    if importlib.util.find_spec("keras") is None or importlib.util.find_spec("tensorflow") is None:
        raise UserError(f"{what} needs TensorFlow and Keras, which this install leaves out: {TRAIN_INSTALL}")


def load_live_model(model_path, quiet=False):
    """(predict, class_names) for the live loop, from the LiteRT cache when it is current.

    Only a missing, stale or damaged cache brings in Keras and TensorFlow (and
    says so on stderr); the cache is then rewritten beside the model, or kept in
    memory only if that folder is read-only.
    """

    model_path = check_model_file(model_path)
    model_hash = file_sha256(model_path)

    cache = cache_path(model_path)
    odd_cache = kind(cache) not in ("missing", "file")  # a FIFO or a folder in its place: leave it alone
    found = None if odd_cache else read_cache(cache, model_hash)
    if found is None:
        need_training_install(f"compiling {model_path.name} for the live loop (its compiled copy "
                              f"{cache.name} is missing or made for another model)")
        if not quiet:
            print(f"note: compiling {model_path.name} for the live loop (once per model file; "
                  f"this start takes longer)", file=sys.stderr)
        try:
            with native_stderr_quiet():  # TensorFlow's start-up lines (CUDA probing, CPU features)
                flat, header = build_cache(model_path, model_hash)
        except UserError:
            raise
        except Exception as exc:  # the converter failing (a full disk under its temporary export, say)
            raise UserError(f"could not compile {model_path.name} for the live loop ({type(exc).__name__}: "
                            f"{str(exc)[:120]}): check free disk space and start again") from None
        try:
            if odd_cache:
                raise NotADirectoryError(0, f"{cache.name} there is a {kind(cache)}, not a file")
            write_cache(cache, flat, header)
        except OSError as exc:
            if not quiet:
                print(f"note: cannot keep the compiled model in {cache.parent} ({exc.strerror}); "
                      f"it will be compiled again next start", file=sys.stderr)
    else:
        flat, header = found
    try:
        single = _in_chunks(litert_predictor(flat))  # any number of faces, in batches of at most _CHUNK
    except Exception:
        raise UserError(f"{cache} could not be loaded: delete it and start again "
                        f"(it is rebuilt from {model_path.name})") from None
    predict = averaging_views(single, header["views"])
    check_probabilities(predict, model_path)
    return predict, header["classes"]


def keras_backend():
    """The backend Keras runs on: "tensorflow" here; "jax" or "torch" on a GPU machine without TensorFlow."""
    import keras  # here: TensorFlow's import costs seconds

    return keras.backend.backend()


def _keras_predictor(model):
    """Any Keras backend: predict_on_batch compiles once per batch shape (evaluation only)."""

    def run(batch):
        return np.asarray(model.predict_on_batch(batch)) if len(batch) else np.zeros((0, len(CLASSES)), np.float32)

    run.backend = f"keras-{keras_backend()}"
    return run


def _tf_predictor(model, xla=True):
    import tensorflow as tf  # here: TensorFlow's import costs seconds

    @tf.function(input_signature=[tf.TensorSpec((None,) + INPUT_SHAPE, tf.float32)], jit_compile=xla)
    def predict(batch):
        return model(batch, training=False)

    def run(batch):
        n = len(batch)
        if xla and n:
            # XLA compiles once per input shape (slow), so batches are zero-padded
            # to a power of two: 1, 2, 4 ... _CHUNK.
            batch = _padded(batch, 1 << (n - 1).bit_length())
        return predict(tf.convert_to_tensor(batch)).numpy()[:n]

    run.backend = "xla" if xla else "tf"
    return run
