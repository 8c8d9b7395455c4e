"""FER2013 loading: the Kaggle folder layout or the original fer2013.csv.

Both forms end up as uint8 arrays of shape (n, 48, 48, 1) with integer labels
in CLASSES order. Pixels stay 0..255: rescaling lives inside the model, so the
live pipeline feeds exactly what training fed.
"""
import csv
import os
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from . import CLASSES, DEFAULT_DATA, IMAGE_SIZE, ROOT, UserError
from .files import kind, printable, read_regular
from .votes import row_of

# fer2013.csv numbers emotions in its own order; map them onto ours by name.
CSV_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
CSV_COLUMNS = ("emotion", "pixels", "Usage")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm"}


def warn(message):
    print(f"warning: {message}", file=sys.stderr)


def to_model_input(gray):
    """One grayscale face (any size, uint8) -> the (48, 48, 1) array the model takes.

    The single preprocessing step shared by training data and live faces.
    """

    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY) if gray.shape[2] == 3 else gray[..., 0]
    if gray.shape[:2] != (IMAGE_SIZE, IMAGE_SIZE):
        # INTER_AREA when shrinking avoids aliasing; webcam faces are usually larger than 48.
        interp = cv2.INTER_AREA if gray.shape[0] > IMAGE_SIZE else cv2.INTER_LINEAR
        gray = cv2.resize(gray, (IMAGE_SIZE, IMAGE_SIZE), interpolation=interp)
    return np.ascontiguousarray(gray, dtype=np.uint8)[..., None]


MAX_PIXELS = 64_000_000  # an image larger than this (8000x8000) is refused before it is decoded


def to_gray8(im):
    """A PIL image of any mode as 8-bit grayscale, scaling deep ones instead of clipping them.

    16-bit PNGs (0..65535) converted by PIL's "L" come out nearly all white, and
    float TIFFs (0..1) all black; they are scaled to 0..255 by their own range.
    """
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return (np.asarray(im, np.float64) / 257.0).round().clip(0, 255).astype(np.uint8)
    if im.mode in ("I", "F"):
        a = np.asarray(im, np.float64)
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
        top = 1.0 if im.mode == "F" and a.max() <= 1.0 else (65535.0 if a.max() > 255 else 255.0)
        return (a / top * 255).round().clip(0, 255).astype(np.uint8)
    return np.asarray(im.convert("L"))


def read_image(path):
    """Read one image file as a model input, or None if it is not a readable image (or absurdly large)."""
    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_PIXELS:  # a header claiming 100000x100000: never decode it
                return None
            im.load()  # forces decoding, so truncated files fail here
            gray = to_gray8(im)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return to_model_input(gray)


def load_folder_split(split_dir, with_names=False):
    """Read <split_dir>/<class>/* into (x, y, skipped); unreadable files are skipped and counted.
    with_names: also the file name of each image read, for matching FER+ votes by row."""
    split_dir = Path(split_dir)
    if not split_dir.is_dir():
        raise UserError(f"{split_dir} not found: it should hold one folder per class "
                        f"({', '.join(CLASSES)}); see data/README.md for how to get FER2013")
    try:
        found = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
    except OSError as exc:
        raise UserError(f"cannot read {split_dir}: {exc.strerror}; check its permissions") from None
    missing = [c for c in CLASSES if c not in found]
    if missing:
        cased = [f for f in found if f.lower() in missing]
        hint = (f" (folder names are lowercase: rename {', '.join(cased)} to {', '.join(f.lower() for f in cased)})"
                if cased else "")
        raise UserError(f"{split_dir} lacks class folder(s) {', '.join(missing)}: "
                        f"it needs all of {', '.join(CLASSES)}{hint}")
    for extra in sorted(set(found) - set(CLASSES)):  # only warned about once every class is there
        warn(f"ignoring {split_dir / extra}: not one of the classes {', '.join(CLASSES)}")

    images, labels, names, skipped = [], [], [], []
    for label, name in enumerate(CLASSES):
        try:
            files = sorted(p for p in (split_dir / name).iterdir() if p.is_file() and not p.name.startswith("."))
        except OSError as exc:
            raise UserError(f"cannot read {split_dir / name}: {exc.strerror}; check its permissions") from None
        good = 0
        for path in files:
            arr = read_image(path)  # by content, not suffix: unreadable files of any name are skipped
            if arr is None:
                skipped.append(path)
                continue
            images.append(arr)
            labels.append(label)
            names.append(path.name)
            good += 1
        if good == 0:
            raise UserError(f"{split_dir / name} has no readable images: add images of '{name}' faces")
    if skipped:
        shown = ", ".join(str(p.name) for p in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        warn(f"skipped {len(skipped)} unreadable file(s) in {split_dir}: {shown}")
    out = np.stack(images), np.asarray(labels, dtype=np.int64), len(skipped)
    return out + (names,) if with_names else out


def csv_row(row, usage_split):
    """(split, 48x48x1 uint8 pixels, class index) of one fer2013.csv row, or None for a bad row."""
    try:
        code = int(row["emotion"])
        if not 0 <= code < len(CSV_LABELS):  # -1 would index from the end: neutral
            return None
        if len(row["pixels"]) > 4 * IMAGE_SIZE * IMAGE_SIZE:  # a runaway field
            return None
        pixels = np.array(row["pixels"].split(), dtype=np.float64)
        if (pixels.size != IMAGE_SIZE * IMAGE_SIZE or not np.isfinite(pixels).all()
                or pixels.min() < 0 or pixels.max() > 255):
            return None
        return (usage_split[row["Usage"]], pixels.astype(np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE, 1),
                CLASSES.index(CSV_LABELS[code]))
    except (ValueError, IndexError, KeyError, TypeError, AttributeError):
        return None


def load_csv(csv_path):
    """fer2013.csv -> {"train": (x, y), "val": (x, y), "test": (x, y)}.

    Training trains, PublicTest validates, PrivateTest is the reported test
    score. Bad rows are skipped with a warning.
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise UserError(f"{csv_path} not found: pass the original fer2013.csv or a folder with train/ and test/")
    usage_split = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
    parts = {k: ([], []) for k in ("train", "val", "test")}
    rows = {k: [] for k in parts}  # each image's row in the file, for matching FER+ votes
    bad = n_rows = 0

    head = read_regular(csv_path, 4)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UserError(f"{csv_path} is UTF-16 text: save it as UTF-8 (or ASCII), as Kaggle ships fer2013.csv")
    # A field of a real row is ~9 KB; the limit only stops a runaway field from eating memory.
    csv.field_size_limit(64 * 1024 * 1024)
    try:
        # utf-8-sig: a BOM (as some editors add) is not part of the first column's name.
        with open(csv_path, newline="", encoding="utf-8-sig", errors="replace") as f:
            reader = csv.DictReader(f)
            absent = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if absent:
                raise UserError(f"{csv_path} lacks column(s) {', '.join(absent)}: "
                                f"fer2013.csv has the header {','.join(CSV_COLUMNS)}")
            for number, row in enumerate(reader):
                n_rows = number + 1
                parsed = csv_row(row, usage_split)
                if parsed is None:
                    bad += 1
                    continue
                split, pixels, label = parsed
                parts[split][0].append(pixels)
                parts[split][1].append(label)
                rows[split].append(number)
    except csv.Error as exc:
        raise UserError(f"{csv_path} is not a readable CSV ({exc}): pass the original fer2013.csv") from None
    except OSError as exc:
        raise UserError(f"cannot read {csv_path}: {exc.strerror}") from None
    if bad:
        warn(f"skipped {bad} bad row(s) in {csv_path}")
    out = {"rows": {}, "from_csv": True, "csv_rows": n_rows}
    for split, (xs, ys) in parts.items():
        if xs:
            out[split] = (np.stack(xs), np.asarray(ys, dtype=np.int64))
            out["rows"][split] = np.asarray(rows[split], dtype=np.int64)
    if "train" not in out:
        raise UserError(f"{csv_path} has no usable 'Training' rows")
    if "val" not in out:
        raise UserError(f"{csv_path} has no usable 'PublicTest' rows to validate on")
    if "test" not in out:
        raise UserError(f"{csv_path} has no usable 'PrivateTest' rows for the test score: "
                        f"use the complete fer2013.csv (35,887 rows)")
    return out


def check_data(source):
    """UserError, at once and before anything is written or moved, when --data is not there: no
    folder with train/ and test/, and no CSV file."""

    source = Path(source)
    if source.suffix.lower() == ".csv":
        if kind(source) != "file":
            raise UserError(f"{source} not found: pass the original fer2013.csv or a folder with train/ and test/"
                            if kind(source) == "missing" else
                            f"{source} is a {kind(source)}, not a file: pass the original fer2013.csv")
        return
    if kind(source) != "folder":
        raise UserError(f"data folder {printable(source)} not found: see data/README.md for how to get FER2013, "
                        f"or pass --data DIR (with train/ and test/) or --data fer2013.csv")
    for split in ("train", "test"):
        if kind(source / split) != "folder":
            raise UserError(f"{source / split} not found: it should hold one folder per class "
                            f"({', '.join(CLASSES)}); see data/README.md for how to get FER2013")


def load_dataset(source):
    """A folder with train/ and test/, or fer2013.csv -> dict of splits.

    For folders, test/ both validates and is the reported score (the Kaggle
    archive has no separate validation split).
    """
    source = Path(source)
    check_data(source)
    if source.suffix.lower() == ".csv":
        return load_csv(source)
    x_tr, y_tr, _, train_names = load_folder_split(source / "train", with_names=True)
    x_te, y_te, _, test_names = load_folder_split(source / "test", with_names=True)
    data = {"train": (x_tr, y_tr), "val": (x_te, y_te), "test": (x_te, y_te)}

    train_rows, test_rows = [row_of(n) for n in train_names], [row_of(n) for n in test_names]
    if None not in train_rows and None not in test_rows:  # names that carry fer2013.csv's row (00007.png)
        test_rows = np.asarray(test_rows, dtype=np.int64)
        data["rows"] = {"train": np.asarray(train_rows, dtype=np.int64), "val": test_rows, "test": test_rows}
    return data


def class_weights(labels, power=0.5):
    """Inverse-frequency weights, softened by `power`, averaging 1 over samples.

    power=0.5 (square root) lifts rare classes such as disgust (436 of 28,709
    images) without letting them dominate the loss.
    """
    counts = np.bincount(labels, minlength=len(CLASSES)).astype(np.float64)
    w = np.where(counts > 0, (counts.sum() / np.maximum(counts, 1)) ** power, 0.0)
    w /= (w * counts).sum() / counts.sum()
    return {i: float(v) for i, v in enumerate(w)}


HOLDOUT_SEED = 1337  # train.py's --holdout: one split for every run, whatever its --seed
CHOICE_HOLDOUT = 0.1  # the share the tools compare networks on: theirs must be trained with --holdout 0.1


def hold_out_mask(y, share, seed=HOLDOUT_SEED):
    """True for the images held out: `share` of each class, picked by `seed`, so the same seed
    always holds out the same images (a resumed run too)."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(y), bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        held[rng.choice(idx, int(round(share * len(idx))), replace=False)] = True
    return held


def hold_out(x, y, share, seed):
    """(x, y) split into ((x, y) to train on, (x, y) held out) by hold_out_mask."""
    held = hold_out_mask(y, share, seed)
    return (x[~held], y[~held]), (x[held], y[held])


DATA_ENV = "EMOJI_CREATOR_DATA"


def data_candidates():
    """Where FER2013 is looked for, in order: $EMOJI_CREATOR_DATA, data/ (as data/README.md
    tells users), then ../shared/fer2013 beside the project (this team's machines)."""

    env = os.environ.get(DATA_ENV)
    return ([Path(env)] if env else []) + [DEFAULT_DATA, ROOT.parent / "shared" / "fer2013"]


def find_data():
    """The first candidate folder that holds FER2013 as train/ and test/ class folders (or a
    fer2013.csv); raises UserError naming the places looked in."""
    for place in data_candidates():
        if (place / "train").is_dir() and (place / "test").is_dir():
            return place
        if place.is_file() and place.suffix == ".csv":
            return place
        if (place / "fer2013.csv").is_file():
            return place / "fer2013.csv"
    raise UserError("FER2013 not found in " + ", ".join(map(str, data_candidates()))
                    + f": see data/README.md, or set {DATA_ENV} to its folder")
