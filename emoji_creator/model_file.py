"""The model file: saving and loading emotion_model.h5 under the model contract.

    from emoji_creator.model_file import load_emotion_model, save_model
    model, class_names = load_emotion_model("emotion_model.h5")   # checked; UserError with the fix
    save_model(model, "new.h5")                                     # whole model, atomic, class names inside
    save_model(ensemble, "new.h5", half=True)                       # weights stored in float16: half the file

Contract (other programs rely on it): emotion_model.h5 loads with
keras.models.load_model(path, compile=False) alone, takes (batch, 48, 48, 1)
float grayscale pixels in 0..255 and returns seven softmax probabilities in
CLASSES order. Class names travel inside the file as an HDF5 attribute
(ignored by Keras, read by read_class_names).
"""
import io
import json
import logging
from pathlib import Path

from . import CLASSES, UserError
from .files import as_disk_error, kind, printable, replacing, write_atomic
from .nets import INPUT_SHAPE
from .saving import clean_leftovers

LABELS_ATTR = "emoji_creator_classes"


def hdf5_bytes(model, class_names=CLASSES, half=False):
    """The whole model (no optimizer state: inference needs none, a third of the size) as the
    bytes of an HDF5 file, with the class names inside; built in memory, so a full disk meets
    only the plain write that follows (HDF5 writing into a full disk crashed the process).
    half: store the float32 weights as float16 (halve_weights)."""

    import h5py  # here: only where it is needed

    try:  # Keras' own HDF5 writer, which model.save(".h5") calls, given an in-memory file
        from keras.src.legacy.saving.legacy_h5_format import save_model_to_hdf5  # here: TensorFlow's import costs seconds
    except ImportError:  # another Keras layout: through a temporary file instead
        return None
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        save_model_to_hdf5(model, f, include_optimizer=False)
        f.attrs[LABELS_ATTR] = json.dumps(list(class_names))
    if half:
        halved = io.BytesIO()
        with h5py.File(buf, "r") as src, h5py.File(halved, "w") as dst:
            halve_weights(src, dst)
        buf = halved
    return buf.getvalue()


def halve_weights(src, dst):
    """Copy the open HDF5 model file `src` into the empty `dst`, every float32 weight as float16.

    A copy, not a rewrite in place: HDF5 keeps the space of a deleted dataset, so the file would not
    shrink. The model's layers stay float32: keras.models.load_model builds them from the stored
    config and assigns each weight, casting it back, so the contract holds and only the file halves
    (an ensemble of fast nets fits the size budget with twice the nets). The rounding moves the
    answers only slightly (tests/test_train.py bounds how much)."""
    import h5py  # here: only where it is needed
    import numpy as np

    dst.attrs.update(dict(src.attrs))

    def copy(name, obj):
        if isinstance(obj, h5py.Group):
            dst.require_group(name).attrs.update(dict(obj.attrs))
            return
        data = obj[()]
        if name.startswith("model_weights/") and data.dtype == np.float32:
            data = data.astype(np.float16)
        dst.create_dataset(name, data=data).attrs.update(dict(obj.attrs))

    src.visititems(copy)


def stores_half(path):
    """True when the model file stores its weights in float16 (save_model(half=True)): the compiled
    copy can then keep them so too, losing nothing."""
    import h5py  # here: only where it is needed
    import numpy as np

    kinds = set()
    try:
        with h5py.File(path, "r") as f:
            f["model_weights"].visititems(lambda _, obj: kinds.add(obj.dtype) if hasattr(obj, "dtype") else None)
    except (OSError, KeyError, ValueError):
        return False
    return kinds == {np.dtype(np.float16)}


def save_model(model, path, class_names=CLASSES, half=False):
    """Save the whole model as HDF5, atomically (files.replacing): the old file stays until the new one
    is complete, and a failed write (a full disk) leaves no partial file. half: weights stored in
    float16 (halve_weights)."""

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(path.parent, f".{path.stem}.partial*.h5")  # the ones a killed save left
    data = hdf5_bytes(model, class_names, half)
    try:
        if data is None:
            with replacing(path) as tmp:
                _save_through_file(model, tmp, class_names, half)
        else:
            write_atomic(path, data, sync=True)
    except Exception as exc:
        raise as_disk_error(exc, path.parent) from None


def _save_through_file(model, tmp, class_names, half=False):

    import h5py  # here: only where it is needed

    absl = logging.getLogger("absl")
    level = absl.level
    absl.setLevel(logging.ERROR)  # Keras calls HDF5 "legacy"; it is this project's contract format
    try:
        model.save(tmp, include_optimizer=False)
    finally:
        absl.setLevel(level)
    with h5py.File(tmp, "a") as f:
        f.attrs[LABELS_ATTR] = json.dumps(list(class_names))
    if half:  # through a second new file beside it (halve_weights: a copy), which then takes its place
        with replacing(tmp) as halved, h5py.File(tmp, "r") as src, h5py.File(halved, "w") as dst:
            halve_weights(src, dst)


def check_model_file(path):
    """`path` as a Path if it names a file; else the UserError every script and benchmark gives."""

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
    import keras  # here: TensorFlow's import costs seconds

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
    import h5py  # here: only where it is needed

    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get(LABELS_ATTR)
        names = json.loads(raw) if raw is not None else CLASSES
    except (OSError, ValueError, TypeError):
        names = CLASSES
    return tuple(names) if valid_names(names) else CLASSES


# Test-time views of a face, each (pixels cropped off every side before scaling
