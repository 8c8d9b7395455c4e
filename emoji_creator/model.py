"""The emotion CNNs, and saving/loading them under the model contract.

Contract (other programs rely on it): emotion_model.h5 loads with
keras.models.load_model(path, compile=False) alone, takes (batch, 48, 48, 1)
float grayscale pixels in 0..255 and returns seven softmax probabilities in
CLASSES order. Rescaling is the model's first layer, so nobody feeding it can
drift from what training fed. Class names travel inside the file as an HDF5
attribute (ignored by Keras, read by load_emotion_model).
"""
import functools
import json
import os
from pathlib import Path

from . import CLASSES, IMAGE_SIZE, UserError, native_stderr_quiet

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
LABELS_ATTR = "emoji_creator_classes"
ENSEMBLE_NAME = "emotion_ensemble"  # join_models() names its result so; members() recognises it by it


def _conv_bn(x, filters):
    """3x3 convolution, batch norm, ReLU: the block every project net is built of.
    No conv bias: batch norm's shift makes it redundant."""
    from keras import layers

    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def _double_stages(x, widths):
    """For each width: two conv-BN-ReLU blocks, then 2x2 max-pooling (each stage halves the side)."""
    from keras import layers

    for filters in widths:
        x = _conv_bn(x, filters)
        x = _conv_bn(x, filters)
        x = layers.MaxPooling2D()(x)
    return x


def _head(x, num_classes, dropout):
    """Flatten (keeps where on the face a feature fired: mouth vs brow), dense 256, softmax."""
    from keras import layers

    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(256, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(dropout)(x)
    return layers.Dense(num_classes, activation="softmax", name="probabilities")(x)


def make_model(num_classes=len(CLASSES), widths=(32, 48, 96, 192)):
    """The project's CNN ('small' at these widths): a VGG-style net with batch norm.

    One 3x3 convolution at full 48x48 resolution (edges need no more), then
    three blocks of two; filters double as the map halves, so the work is
    spread evenly. These widths (48-96-192) were chosen when the app ran the
    net through a traced tf.function: 64-128-256 took 3.8-4 ms a face there
    on a 2-core CPU (budget: 3 ms). With LiteRT the wider net fits (2.4 ms
    with the mirror average), so it is the shipped one (make_wide_model);
    this one trains an epoch in about half the time.
    Regularisation is light on purpose: with augmentation on, a heavier
    version of this net was still under-fitting FER2013 after 25 epochs.
    """
    from keras import layers, Model, Input

    inputs = Input(INPUT_SHAPE, name="pixels")
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = _conv_bn(x, widths[0])
    x = layers.MaxPooling2D()(x)
    x = _double_stages(x, widths[1:])
    return Model(inputs, _head(x, num_classes, 0.3), name="emotion_cnn")  # 3x3xwidth left


def make_seed_model(num_classes=len(CLASSES)):
    """The tutorial's CNN, layer for layer, for comparison (plus the in-model rescale)."""
    from keras import layers, Sequential, Input

    return Sequential([
        Input(INPUT_SHAPE, name="pixels"),
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Dropout(0.25),
        layers.Conv2D(128, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(128, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax", name="probabilities"),
    ], name="seed_cnn")


def make_wide_model(num_classes=len(CLASSES)):
    """The same net at 64-128-256, the shipped one: 1.76M parameters, 1.15 ms a face with LiteRT
    from one view (small: 0.9), 2.4-3.0 ms with the mirror average the app uses (this machine's
    speed drifts). With random erasing it takes the extra capacity without over-fitting: 68.9%
    after 60 epochs against the small net's 67.1%, 70.2% after 200 (README)."""
    return make_model(num_classes, widths=(32, 64, 128, 256))


def make_fast_model(num_classes=len(CLASSES), widths=(24, 32, 64, 128), dropout=0.1):
    """The CPU recipe's net ('fast'): the same VGG-style blocks, cut to what trains in minutes.

    Two changes buy the speed (benchmarks/train_speed.py): the 48x48 face is
    folded into 24x24x4 (each 2x2 patch becomes four channels) before the
    first convolution, because a 3x3 convolution over one channel at full
    resolution is the slowest layer per FLOP on a CPU (benchmarks/train_speed.py
    --layers); and the 24x24 stage has one convolution, not two, at narrower
    widths. 0.58M parameters, about 4x the images per second of the shipped net
    on a 2-core CPU. Dropout is lighter (0.1) than the long recipes' 0.3: a
    28-epoch run under-fits first (seed 1338: 66.62% at 0.1, 65.87% at 0.2).
    A wider version (32-48-96-192) trained for 7 epochs in the same time
    scored less (docs/fast_training.md).
    """
    from keras import layers, Model, Input

    half = IMAGE_SIZE // 2
    inputs = Input(INPUT_SHAPE, name="pixels")
    x = layers.Rescaling(1.0 / 255)(inputs)
    # Space-to-depth with plain reshapes: portable across backends and LiteRT.
    x = layers.Reshape((half, 2, half, 2, 1))(x)
    x = layers.Permute((1, 3, 2, 4, 5))(x)
    x = layers.Reshape((half, half, 4), name="patches")(x)
    x = _conv_bn(x, widths[0])
    x = _conv_bn(x, widths[1])
    x = layers.MaxPooling2D()(x)
    x = _double_stages(x, widths[2:])
    return Model(inputs, _head(x, num_classes, dropout), name="emotion_cnn")


def make_student_model(num_classes=len(CLASSES)):
    """The fast net's folded shape at the shipped widths (32-64-128-256): the distilled student.

    1.72M parameters, like the shipped net, but 1.72 ms a face with the mirror
    average against its 2.21 (no convolution at 48x48; benchmarks/quantize.py),
    and it trains at ~300 images/s on 2 CPU cores against 206. Dropout as the
    long recipes': 0.3. Its first run: 68.5% in 97 min (docs/distillation.md).
    """
    return make_fast_model(num_classes, widths=(32, 64, 128, 256), dropout=0.3)


ARCHITECTURES = {"small": make_model, "wide": make_wide_model, "seed": make_seed_model, "fast": make_fast_model,
                 "student": make_student_model}


def join_models(models):
    """One model that averages the probabilities of several trained networks.

    Networks trained apart (another seed, another augmentation) err on
    different faces, so their average beats each of them: the default 60-epoch
    net and the 40-epoch random-erasing net score 67.1% and 67.0% with the
    mirror average, 68.1% averaged together from one view (README). An
    ensemble passed in is unpacked, so joining never nests. The result is still
    one Keras model under the contract above: the app and load_model need
    nothing new.
    """
    from keras import Input, Model, layers

    nets = [net for m in models for net in members(m)]
    if len(nets) == 1:
        return nets[0]
    inputs = Input(INPUT_SHAPE, name="pixels")
    # Fresh functional wrappers with unique names: every member was built as "emotion_cnn".
    outs = [Model(net.input, net.output, name=f"member_{i}")(inputs) for i, net in enumerate(nets)]
    return Model(inputs, layers.Average(name="probabilities")(outs), name=ENSEMBLE_NAME)


def members(model):
    """The networks a model averages: its member sub-models, or [model] for a single network."""
    from keras import Model

    subs = [layer for layer in model.layers if isinstance(layer, Model)]
    return subs if model.name == ENSEMBLE_NAME and subs else [model]


def hdf5_bytes(model, class_names=CLASSES):
    """The whole model (no optimizer state: inference needs none, a third of the size) as the
    bytes of an HDF5 file, with the class names inside; built in memory, so a full disk meets
    only the plain write that follows (HDF5 writing into a full disk crashed the process)."""
    import io

    import h5py

    try:  # Keras' own HDF5 writer, which model.save(".h5") calls, given an in-memory file
        from keras.src.legacy.saving.legacy_h5_format import save_model_to_hdf5
    except ImportError:  # another Keras layout: through a temporary file instead
        return None
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        save_model_to_hdf5(model, f, include_optimizer=False)
        f.attrs[LABELS_ATTR] = json.dumps(list(class_names))
    return buf.getvalue()


def save_model(model, path, class_names=CLASSES):
    """Save the whole model as HDF5, atomically: the old file stays until the new one is complete,
    and a failed write (a full disk) leaves no partial file."""
    import tempfile

    from .saving import clean_leftovers, umask

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name per save, and the ones a killed save left cleaned.
    clean_leftovers(path.parent, f".{path.stem}.partial*.h5")
    data = hdf5_bytes(model, class_names)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.partial-", suffix=".h5", dir=path.parent)
    tmp = Path(tmp)
    try:
        if data is None:
            os.close(fd)
            _save_through_file(model, tmp, class_names)
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except Exception as exc:
        from .files import as_disk_error

        raise as_disk_error(exc, path.parent) from None
    finally:
        tmp.unlink(missing_ok=True)


def _save_through_file(model, tmp, class_names):
    import logging

    import h5py

    absl = logging.getLogger("absl")
    level = absl.level
    absl.setLevel(logging.ERROR)  # Keras calls HDF5 "legacy"; it is this project's contract format
    try:
        model.save(tmp, include_optimizer=False)
    finally:
        absl.setLevel(level)
    with h5py.File(tmp, "a") as f:
        f.attrs[LABELS_ATTR] = json.dumps(list(class_names))


def check_model_file(path):
    """`path` as a Path if it names a file; else the UserError every script and benchmark gives."""
    from .files import kind, printable

    path = Path(path)
    what = kind(path)
    if what == "missing":
        raise UserError(f"model file {printable(path)} not found: train one with 'python train.py', or name an "
                        f"existing model file (useIt.py and gui.py: --model PATH)")
    if what != "file":
        raise UserError(f"{printable(path)} is a {what}, not a model file: name a .h5 model file "
                        f"(e.g. emotion_model.h5)")
    return path


RETRAIN = "retrain with 'python train.py' or restore emotion_model.h5 from git"


def load_emotion_model(path, fix=RETRAIN):
    """Load and check a model file; returns (model, class_names). Raises UserError with `fix`."""
    path = check_model_file(path)
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a foreign or broken file
        raise UserError(f"{path} is not a Keras model this app can load ({type(exc).__name__}): {fix}") from None
    in_shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    out_shape = tuple(model.output_shape[1:]) if not isinstance(model.output_shape, list) else None
    if in_shape != INPUT_SHAPE or out_shape != (len(CLASSES),):
        raise UserError(f"{path} takes {in_shape} and returns {out_shape}, but this app needs "
                        f"{INPUT_SHAPE} -> ({len(CLASSES)},): {fix}")
    return model, read_class_names(path)


def load_model_of_our_classes(path, otherwise):
    """The model in `path`, checked to predict this app's classes (UserError saying `otherwise` if not):
    for a model another one is built from (a --join base, a --teacher, tools/join.py's inputs)."""
    model, names = load_emotion_model(path, f"{otherwise}; pass another model file, trained by this app's train.py")
    if tuple(names) != tuple(CLASSES):
        raise UserError(f"{path} predicts {', '.join(names)}, not this app's classes: {otherwise}")
    return model


def valid_names(names):
    """True for a list of seven distinct non-empty strings, the only class list the app can show."""
    return (isinstance(names, (list, tuple)) and len(names) == len(CLASSES)
            and all(isinstance(n, str) and n.strip() for n in names) and len(set(names)) == len(names))


def read_class_names(path):
    """The class names stored with the model, or CLASSES for a file saved elsewhere
    (or whose stored list is not seven names)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get(LABELS_ATTR)
        names = json.loads(raw) if raw is not None else CLASSES
    except (OSError, ValueError, TypeError):
        names = CLASSES
    return tuple(names) if valid_names(names) else CLASSES


# Test-time views of a face, each (pixels cropped off every side before scaling
# back to 48x48, mirrored?). The predictor averages the model's answers over them.
ONE_VIEW = ((0, False),)
MIRROR = ((0, False), (0, True))
MIRROR_ZOOM = MIRROR + ((2, False), (2, True))


def app_views(model):
    """The views the app averages for this model: two network runs per face either way.

    The 3 ms-a-face budget holds two runs of the small net (0.9 ms each with
    LiteRT) or of the wide one (1.15 ms), but not four (benchmarks/test_time_views.py).
    A single net spends its second run on the mirror image (+1.0 point small,
    +2.0 wide); an ensemble of two spends it on its second member (+2.1 points
    for two small nets, README), so it takes one view.
    """
    return MIRROR if len(members(model)) == 1 else ONE_VIEW


def make_predictor(model, backend="auto", views=None):
    """A compiled function: float32 (n, 48, 48, 1) in 0..255 -> numpy (n, 7) probabilities.

    The live loop classifies one or two faces at a time, where fixed per-call
    costs dominate: model.predict() builds a data pipeline on every call
    (~75 ms), a traced tf.function costs ~4 ms a face on a 2-core CPU, the same
    under XLA ~2.8 ms, and the same weights converted in memory to LiteRT and
    run by its XNNPACK kernels ~0.75 ms (benchmarks/model_speed.py --compare).
    backend: "litert", "xla", "tf", or "auto": LiteRT when ai-edge-litert is
    installed and the conversion works, else XLA. Answers agree to ~1e-7.
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
            import sys

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
    import numpy as np

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
    import numpy as np

    if crop:
        m = _zoom_matrix(crop, batch.shape[1])
        batch = (m @ batch[..., 0] @ m.T)[..., None]  # rows, then columns
    return batch[:, :, ::-1] if mirrored else batch  # width is axis 2


@functools.lru_cache(maxsize=None)  # built once per crop, not on every frame
def _zoom_matrix(crop, size):
    """Bilinear scaling of the central size-2*crop pixels back to size, as a (size, size)
    matrix acting on rows (half-pixel centres, like cv2.resize and tf.image.resize)."""
    import numpy as np

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
    import numpy as np

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
    import numpy as np

    if size == len(batch):
        return batch
    return np.concatenate([batch, np.zeros((size - len(batch),) + batch.shape[1:], np.float32)])


def convert_to_litert(model, configure=None):
    """The model as a LiteRT flatbuffer (bytes). Needs TensorFlow.

    configure: called with the converter before it converts, to set options
    (benchmarks/quantize.py quantises this way); the app converts as it is.
    """
    import contextlib
    import io

    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if configure is not None:
        configure(converter)
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints the whole signature
        return converter.convert()


def _litert_predictor(model, threads=2):
    return litert_predictor(convert_to_litert(model), threads)


def litert_predictor(flat, threads=2):
    """A one-view predictor over a LiteRT flatbuffer: needs ai-edge-litert only, not TensorFlow."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

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
        # stays small. (Padding 10 crops to _CHUNK made a group of five take 800 ms.)
        size = n if n <= 16 else min(_CHUNK, 1 << (n - 1).bit_length())
        it, inp, out = interpreter_for(size)
        it.set_tensor(inp, np.ascontiguousarray(_padded(batch, size)))
        it.invoke()
        return it.get_tensor(out)[:n].copy()

    run.backend = "litert"
    return run


# -- The app's fast start: a LiteRT cache beside the .h5 -------------------------
# Importing TensorFlow and converting the model took most of a start (5-20 s).
# The converted model is kept beside the .h5, in one file that names the .h5's
# content hash: the app loads it with ai-edge-litert alone and rebuilds it
# (with TensorFlow, once) whenever the .h5 changes or the cache does not check out.
CACHE_MAGIC = b"emoji-creator litert cache v1\n"


def cache_path(model_path):
    """Where the compiled copy of model_path lives: emotion_model.h5 -> emotion_model.h5.litert."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + ".litert")


def file_sha256(path):
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_cache(path, model_hash):
    """(flatbuffer, header) from a cache file made for the .h5 with this hash, or None when the
    cache is missing, stale (another .h5) or damaged (bad header, or bytes that fail their hash)."""
    import hashlib

    from .files import read_regular

    try:
        data = read_regular(path)  # never a FIFO: it would block the start for ever
        if not data.startswith(CACHE_MAGIC):
            return None
        head_end = data.index(b"\n", len(CACHE_MAGIC))
        header = json.loads(data[len(CACHE_MAGIC):head_end])
        flat = data[head_end + 1:]
        if header.get("model_sha256") != model_hash or header.get("litert_sha256") != hashlib.sha256(flat).hexdigest():
            return None
        names = header.get("classes")
        views = tuple((int(c), bool(m)) for c, m in header.get("views", ()))
        if not valid_names(names) or not views:
            return None
        header["classes"], header["views"] = tuple(names), views
        return flat, header
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def write_cache(path, flat, header):
    """Write the cache atomically: a unique temporary file, then a rename (never half a file)."""
    import hashlib
    import tempfile

    from .saving import umask

    header = dict(header, litert_sha256=hashlib.sha256(flat).hexdigest())
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(CACHE_MAGIC + json.dumps(header).encode() + b"\n" + flat)
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build_cache(model_path, model_hash):
    """Convert model_path with Keras/TensorFlow; returns (flatbuffer, header)."""
    model, names = load_emotion_model(model_path)
    flat = convert_to_litert(model)
    # In the form read_cache returns (JSON writes the tuples as lists).
    header = {"model": Path(model_path).name, "model_sha256": model_hash, "classes": tuple(names),
              "views": tuple(app_views(model))}
    return flat, header


def check_probabilities(predict, path):
    """A model whose outputs are not probabilities (a linear last layer, NaN weights) would show
    nonsense confidences: refuse it on a probe of three faces."""
    import numpy as np

    probe = np.stack([np.zeros(INPUT_SHAPE), np.full(INPUT_SHAPE, 128.0),
                      np.random.default_rng(0).uniform(0, 255, INPUT_SHAPE)]).astype(np.float32)
    out = np.asarray(predict(probe), np.float64)
    if not (np.isfinite(out).all() and (out >= -1e-4).all() and np.allclose(out.sum(axis=1), 1, atol=1e-3)):
        raise UserError(f"{path} does not output probabilities (softmax) for seven classes: "
                        f"retrain with 'python train.py' or restore emotion_model.h5 from git")


def load_live_model(model_path, quiet=False):
    """(predict, class_names) for the live loop, from the LiteRT cache when it is current.

    Only a missing, stale or damaged cache brings in Keras and TensorFlow (and
    says so on stderr); the cache is then rewritten beside the model, or kept in
    memory only if that folder is read-only.
    """
    import sys

    model_path = check_model_file(model_path)
    model_hash = file_sha256(model_path)
    from .files import kind

    cache = cache_path(model_path)
    odd_cache = kind(cache) not in ("missing", "file")  # a FIFO or a folder in its place: leave it alone
    found = None if odd_cache else read_cache(cache, model_hash)
    if found is None:
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
    import keras

    return keras.backend.backend()


def _keras_predictor(model):
    """Any Keras backend: predict_on_batch compiles once per batch shape (evaluation only)."""
    import numpy as np

    def run(batch):
        return np.asarray(model.predict_on_batch(batch)) if len(batch) else np.zeros((0, len(CLASSES)), np.float32)

    run.backend = f"keras-{keras_backend()}"
    return run


def _tf_predictor(model, xla=True):
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec((None,) + INPUT_SHAPE, tf.float32)], jit_compile=xla)
    def predict(batch):
        return model(batch, training=False)

    def run(batch):
        n = len(batch)
        if xla and n:
            # XLA compiles once per input shape (~1 s), so batches are zero-padded
            # to a power of two: 1, 2, 4 ... _CHUNK.
            batch = _padded(batch, 1 << (n - 1).bit_length())
        return predict(tf.convert_to_tensor(batch)).numpy()[:n]

    run.backend = "xla" if xla else "tf"
    return run
