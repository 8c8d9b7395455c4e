"""The training input pipeline, one for every Keras backend: NumPy batches made in worker threads.

    stream = training_stream(x, y, recipe, seed, class_weight)   # a keras.utils.PyDataset for fit()
    x_val, y_val = validation_stream(x, y)

It replaced a tf.data twin that ran on TensorFlow only, once it had matched
it in accuracy and speed (docs/history.md, "One input pipeline").
"""
import functools
import math

import cv2
import numpy as np

from . import CLASSES


def shift_pixels(shift, size=48):
    """The largest shift in whole pixels for a shift given as a fraction of the side."""
    return int(round(shift * size))


def training_stream(x, y, recipe, seed, class_weight=None, process=(0, 1)):
    """The training batches (a PortableStream): shuffled, augmented and erased as the recipe
    says, weighted by class_weight (as sample weights); `seed` seeds the whole stream. process:
    (index, how many) when several processes feed one model: each gives its share of every batch.

    One pipeline for every Keras backend: NumPy and OpenCV in worker threads. It
    keeps up with the tf.data pipeline it replaced, in images a second and in
    accuracy (reports/pipeline_numpy_1337 beside reports/fast_votes_1337).
    """
    return PortableStream(x, y, recipe, seed, class_weight, process=process)


VALIDATION_BATCH = 256


def validation_stream(x, y):
    """Validation arrays (fit batches them by VALIDATION_BATCH): float pixels, one-hot or soft targets."""
    return x.astype(np.float32), (y.astype(np.float32) if np.ndim(y) == 2 else np.eye(len(CLASSES), dtype=np.float32)[y])


@functools.lru_cache(maxsize=None)  # one class, defined once keras is imported
def _portable_stream_class():
    import keras  # here: TensorFlow's import costs seconds

    class PortableStream(keras.utils.PyDataset):
        """The training stream: NumPy batches, augmented in worker threads.

        The "warp" kind (augment_numpy): mirror half the faces, shift up to 8% each
        way, zoom by up to 8% in or out (one bilinear warp, edges repeated); the
        "crop" kind (crop_numpy, the fast recipe): mirror, then a shifted crop of
        the mirror-padded face; "webcam": the crop, then what a webcam does to a
        face (webcam_numpy); then random erasing (erase_numpy). Each batch draws
        from its own generator seeded by (seed, epoch, index), so the stream does
        not depend on which worker thread makes which batch, and a seed replays it.
        """

        def __init__(self, x, y, recipe, seed, class_weight=None, workers=8, process=(0, 1)):
            super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=4 * workers)
            self.x, self.y, self.recipe, self.seed, self.epoch = x, y, recipe, seed, 0
            self.process = process
            self.onehot = np.eye(len(CLASSES), dtype=np.float32)
            self.weight = None
            if class_weight:
                self.weight = np.array([class_weight[i] for i in range(len(CLASSES))], np.float32)
            self.order = self._order()

        def _order(self):
            return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.x))

        def __len__(self):
            return int(np.ceil(len(self.x) / self.recipe.batch_size))

        def on_epoch_end(self):
            self.epoch += 1
            self.order = self._order()

        def __getitem__(self, index):
            b = self.recipe.batch_size
            idx = self.order[index * b:(index + 1) * b]
            images, labels = self.x[idx], self.y[idx]
            if self.recipe.augment:
                images = augment_batch(images, self.recipe, np.random.default_rng([self.seed, self.epoch, index]))
            soft = labels.ndim == 2  # distillation: target probabilities, not class numbers
            batch = (images.astype(np.float32), labels.astype(np.float32) if soft else self.onehot[labels])
            if self.weight is not None:
                batch += (self.weight[labels.argmax(axis=1) if soft else labels],)
            batch = maybe_mixed(batch, self.recipe, [self.seed, self.epoch, index, 1])
            index, n = self.process
            if n > 1:  # the whole batch is made as on one process (the same draws), then this one's share
                share = len(idx) // n
                batch = tuple(part[index * share:(index + 1) * share] for part in batch)
            return batch

    return PortableStream


def PortableStream(*args, **kwargs):  # noqa: N802 (a class, built on first use: keras loads lazily)
    return _portable_stream_class()(*args, **kwargs)


def augment_batch(images, recipe, rng):
    """A uint8 batch (b, h, w, 1) varied as the recipe's augmentation kind says, then erased."""
    if recipe.augment_kind in ("crop", "webcam"):
        images = crop_numpy(images, rng, shift_pixels(recipe.shift))
        if recipe.augment_kind == "webcam":
            images = webcam_numpy(images, rng)
    else:
        images = augment_numpy(images, rng, shift=recipe.shift)
    return erase_numpy(images, recipe.erasing, rng) if recipe.erasing else images


def maybe_mixed(batch, recipe, seed):
    """The batch as the recipe's mixing leaves it: blended (mix_batch) in half the batches, so the net
    still sees whole faces; `seed` draws which, and how."""
    if getattr(recipe, "mixing", "none") == "none" or len(batch[0]) < 2:
        return batch
    rng = np.random.default_rng(seed)
    return mix_batch(batch, recipe.mixing, rng) if rng.random() < 0.5 else batch


def mix_batch(batch, kind, rng, alpha=1.0):
    """Each face blended with another of the batch, and its target (and weight) in the same proportion:
    "mixup" blends whole faces, "cutmix" pastes a random rectangle of the other face (its share of
    the area is the other's share of the target)."""

    images, targets = batch[0], batch[1]
    b, h, w = images.shape[:3]
    other = rng.permutation(b)
    lam = float(rng.beta(alpha, alpha))
    images = images.copy()
    if kind == "mixup":
        images = lam * images + (1.0 - lam) * images[other]
    else:
        ch, cw = int(round(h * math.sqrt(1 - lam))), int(round(w * math.sqrt(1 - lam)))
        y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        images[:, y0:y0 + ch, x0:x0 + cw] = images[other, y0:y0 + ch, x0:x0 + cw]
        lam = 1.0 - ch * cw / (h * w)
    return (images, lam * targets + (1.0 - lam) * targets[other]) + tuple(
        lam * part + (1.0 - lam) * part[other] for part in batch[2:])


def augment_numpy(images, rng, shift=0.08, zoom=0.08):
    """The "warp" augmentation in NumPy and OpenCV for a uint8 batch (b, h, w, 1)."""

    out = np.empty_like(images)
    h, w = images.shape[1:3]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    for i, img in enumerate(images[..., 0]):
        if rng.random() < 0.5:
            img = img[:, ::-1]
        z = 1.0 + rng.uniform(-zoom, zoom)  # > 1 samples a larger area: zooms out
        ty, tx = rng.uniform(-shift, shift, 2) * (h, w)
        # Output pixel p samples the input at c + z (p - c) - t.
        m = np.array([[z, 0, cx - z * cx - tx], [0, z, cy - z * cy - ty]], np.float32)
        out[i, ..., 0] = cv2.warpAffine(np.ascontiguousarray(img), m, (w, h),
                                        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                        borderMode=cv2.BORDER_REPLICATE)
    return out


def crop_numpy(images, rng, shift):
    """flip_and_crop() in NumPy for a uint8 batch (b, h, w, 1)."""
    b, h, w = images.shape[:3]
    flip = rng.random(b) < 0.5
    images = np.where(flip[:, None, None, None], images[:, :, ::-1], images)
    if not shift:
        return images
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)), mode="symmetric")
    dy, dx = rng.integers(0, 2 * shift + 1, (2, b))
    rows = (dy[:, None] + np.arange(h))[:, :, None]
    cols = (dx[:, None] + np.arange(w))[:, None, :]
    return padded[np.arange(b)[:, None, None], rows, cols]


def webcam_numpy(images, rng, chance=0.3):
    """What webcams do to a face, each with `chance` per face, for a uint8 batch (b, h, w, 1): a tilt of
    up to 10 degrees and a zoom of up to 10% (edges repeated), another exposure (gamma 0.6-1.6), a
    focus blur, sensor noise, and JPEG's blocks (quality 25-85)."""

    out = images.copy()
    h, w = images.shape[1:3]
    for i in range(len(out)):
        img = out[i, ..., 0]
        draws = rng.random(5) < chance
        if draws[0]:
            m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), rng.uniform(-10, 10), rng.uniform(0.9, 1.1))
            img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if draws[1]:
            lut = 255.0 * (np.arange(256) / 255.0) ** np.exp(rng.uniform(np.log(0.6), np.log(1.6)))
            img = cv2.LUT(img, lut.round().astype(np.uint8))
        if draws[2]:
            img = cv2.GaussianBlur(img, (5, 5), rng.uniform(0.3, 0.9))
        if draws[3]:
            img = np.clip(img + rng.normal(0, rng.uniform(2, 6), img.shape), 0, 255).astype(np.uint8)
        if draws[4]:
            ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 86))])
            img = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE) if ok else img
        out[i, ..., 0] = img
    return out


def erase_numpy(images, p, rng, area=(0.02, 0.25), aspect=(0.3, 3.3)):
    """random_erasing() in NumPy: one rectangle of noise in each image, with chance p."""

    b, h, w = images.shape[:3]
    target = rng.uniform(area[0], area[1], b) * h * w
    ratio = np.exp(rng.uniform(math.log(aspect[0]), math.log(aspect[1]), b))
    eh = np.clip(np.round(np.sqrt(target * ratio)), 1, h)
    ew = np.clip(np.round(np.sqrt(target / ratio)), 1, w)
    y0 = np.floor(rng.random(b) * (h - eh + 1))
    x0 = np.floor(rng.random(b) * (w - ew + 1))
    rows, cols = np.arange(h)[None, :], np.arange(w)[None, :]
    in_rows = (rows >= y0[:, None]) & (rows < (y0 + eh)[:, None])
    in_cols = (cols >= x0[:, None]) & (cols < (x0 + ew)[:, None])
    mask = in_rows[:, :, None] & in_cols[:, None, :] & (rng.random(b) < p)[:, None, None]
    noise = rng.integers(0, 256, images.shape, dtype=np.uint8)
    return np.where(mask[..., None], noise, images)
