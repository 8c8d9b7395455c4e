"""Face finders behind one interface: frame in, face boxes in frame pixels and scores out.

    detector = make_detector("haar")        # useIt.py's default: OpenCV's frontal-face cascade
    detector = make_detector("blazeface")   # MediaPipe's BlazeFace (LiteRT), checked by YuNet
    detector = make_detector("yunet")       # OpenCV's YuNet (cv2.FaceDetectorYN): gui.py's default

Haar's cascade lives here; BlazeFace in blazeface.py, YuNet (and the YuNet check the other two ask) in
yunet.py, the box geometry they share in boxes.py.
    boxes, scores = detector(frame_bgr, gray)

Each is loaded once and checked (a missing or corrupt model file is one
UserError line). Each looks for faces down to `min_face` of the frame's shorter
side (default 8%: a face at ~2 m from a 640x480 webcam is ~60 px), returns boxes
placed on the tight crop FER2013 faces were cut with, so the classifier sees
what it was trained on (benchmarks/live_loop.py --box-scale), and returns one
box per face: a box lying mostly inside another is merged into it (merge_nested).
"""
from pathlib import Path

import cv2
import numpy as np

from . import CASCADE_PATH, FinderMissing, UserError
from .blazeface import BlazeFaceDetector
from .boxes import EMPTY, MIN_FACE, NESTED, merge_nested, overlap_of_smaller, scale_boxes
from .yunet import YuNetDetector, confirmed

DETECTORS = ("haar", "blazeface", "yunet")
DEFAULT_DETECTOR = "haar"  # useIt.py's: the product is specified as a Haar-cascade box
# gui.py's: the finder with the most frames whose every face has the right emoji and no box is on no
# face, over the far, group and wall scenes (benchmarks/live_loop.py --part tune) and the webcam-distance
# ones (benchmarks/webcam_distance.py --part tune) together (README: Results).
WINDOW_DETECTOR = "yunet"


class HaarDetector:
    """OpenCV's Haar cascade, run on a copy scaled so the smallest wanted face fills its window,
    with a check of each box that keeps the cascade off hands, necks, shirts and ties.

    The scale comes from the smallest face a user should get a label for, not a
    fixed width: a face of `min_face` x the shorter side lands at WINDOW pixels,
    just above the cascade's 24-px window, whatever the camera's resolution.
    Frames whose faces would already be that small are not enlarged.

    Called with `near` (the boxes of faces already followed), it searches only
    around them, at sizes close to theirs: the live loop's cheap look between
    full scans (LivePipeline.full_every); `regions` (x0, y0, x1, y1) are searched
    too, for faces of every size (where the scene changed). `same` says, per followed face, that it
    still looks as it did: a box found where such a face was is not checked again.
    """

    name = "haar"
    searches_near = True  # LivePipeline may pass `near`
    # px the smallest wanted face gets on the scaled copy (the cascade's own window is 24),
    # the step between searched sizes (4 neighbours): chosen on benchmarks/live_loop.py --part
    # tune, where they find more faces than the tutorial's call (1.3, 5) at about its cost.
    WINDOW, STEP, NEIGHBOURS = 48, 1.15, 4
    # The cascade's own box: the best FER+ agreement of benchmarks/live_loop.py --box-scale's
    # grid on training faces (x0.9 .. x1.2, shifts -0.1 .. 0; docs/history.md has the figures).
    BOX_SCALE, BOX_SHIFT = 1.0, 0.0
    # The check (chosen on benchmarks/live_loop.py --part tune): a box stays when the cascade
    # was sure of it (level weight >= SURE) or an eye shows in its upper part, and a second
    # cascade (frontalface_alt2, trained apart from this one) also finds a face on its crop.
    # A box with only one eye and no sureness also needs YuNet to see a face on its crop, as
    # BlazeFace's boxes do: a blurred-noise wall beside a face showed one "eye" and passed both
    # cascades. The boxes still come from the cascade alone; YuNet only turns some down.
    SURE, AGREE = 5.0, 3  # level weight that needs no eye; neighbours the second cascade needs
    THIRD_PX, THIRD_SCORE = 160, 0.5  # YuNet's crop for a doubtful box, and the score it must reach
    CHECKS = ("haarcascade_eye.xml", "haarcascade_frontalface_alt2.xml")
    NEAR = 0.5  # a local search looks this share of a face's side beyond its box, each way

    def __init__(self, path=CASCADE_PATH, min_face=MIN_FACE, check=True):
        self.cascade = self._load(Path(path))
        self.eye = self.second = self.third = None
        if check:
            self.eye, self.second = (self._load(Path(cv2.data.haarcascades) / name) for name in self.CHECKS)
            self.third = YuNetDetector.crop_checker(self.THIRD_PX, self.THIRD_SCORE)
        self.min_face = min_face

    @staticmethod
    def _load(path):
        try:
            cascade = cv2.CascadeClassifier(str(path)) if path.is_file() else None
        except (cv2.error, SystemError):  # a file that is XML but not a cascade
            cascade = None
        if cascade is None or cascade.empty():
            raise FinderMissing(f"face detector {path} is missing or unreadable: restore "
                            f"haarcascade_frontalface_default.xml from git (it ships with OpenCV 4.x), "
                            f"or reinstall opencv-python (pip install -r requirements.txt)")
        return cascade

    def scale(self, shape):
        """(scale of the searched copy, smallest face side on it) for a frame of this shape."""
        smallest = max(1.0, self.min_face * min(shape[:2]))
        s = min(1.0, self.WINDOW / smallest)
        return s, max(24, int(round(smallest * s)))

    def __call__(self, frame, gray=None, near=None, same=None, regions=()):
        if gray is None:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        h, w = gray.shape[:2]
        s, side = self.scale(gray.shape)
        if min(round(w * s), round(h * s)) < 24:  # a sliver of a frame (e.g. 4800x9) has no room for a face
            return EMPTY, np.zeros(0, np.float32)
        searched = [(0, 0, w, h, side, 0)] if near is None else [self._around(b, gray.shape, s, side) for b in near]
        searched += [(max(0, x0), max(0, y0), min(w, x1), min(h, y1), side, 0) for x0, y0, x1, y1 in regions]
        found, weights, known = [], [], []
        for k, (x0, y0, x1, y1, smallest, largest) in enumerate(searched):
            part = gray[y0:y1, x0:x1]
            small = cv2.resize(part, (max(1, round((x1 - x0) * s)), max(1, round((y1 - y0) * s))),
                               interpolation=cv2.INTER_AREA) if s < 1 else part
            if min(small.shape[:2]) < smallest:
                continue
            boxes, _, level_weights = self.cascade.detectMultiScale3(
                small, scaleFactor=self.STEP, minNeighbors=self.NEIGHBOURS, minSize=(smallest, smallest),
                maxSize=(largest, largest) if largest else (0, 0), outputRejectLevels=True)
            for box, weight in zip(np.asarray(boxes, np.float64).reshape(-1, 4), np.ravel(level_weights)):
                found.append(box / s + (x0, y0, 0, 0))
                weights.append(weight)
                # The followed face found again where it was, still looking the same: checked when it
                # first appeared. Whatever took its place (a new face, a wall) is checked afresh.
                known.append(near is not None and same is not None and k < len(near) and same[k]
                             and overlap_of_smaller(found[-1], near[k]) >= NESTED)
        kept = [b for b, wt, old in zip(found, weights, known) if old or self.looks_like_a_face(gray, b, wt)]
        if not kept:
            return EMPTY, np.zeros(0, np.float32)
        boxes, scores = merge_nested(np.asarray(kept), np.ones(len(kept), np.float32))
        return scale_boxes(boxes, self.BOX_SCALE, gray.shape, self.BOX_SHIFT), scores

    def _around(self, box, shape, s, side):
        """The region searched for a followed face: its box grown by NEAR each way, faces 0.7-1.4x its size."""
        x, y, bw, bh = box
        m = self.NEAR * max(bw, bh)
        x0, y0 = int(max(0, x - m)), int(max(0, y - m))
        x1, y1 = int(min(shape[1], x + bw + m)), int(min(shape[0], y + bh + m))
        return x0, y0, x1, y1, max(side, int(0.7 * max(bw, bh) * s)), int(1.4 * max(bw, bh) * s) + 1

    def looks_like_a_face(self, gray, box, weight):
        """The check: (sure, or an eye in the upper 60%) and the second cascade agrees; with only
        one eye, YuNet must agree too."""
        if self.eye is None:
            return True
        eyes = 2 if weight >= self.SURE else len(self.eye.detectMultiScale(
            _patch(gray, box, 96, 0.0, 0.6), 1.1, 2, minSize=(12, 12), maxSize=(48, 48)))
        if not eyes:
            return False
        if not len(self.second.detectMultiScale(_patch(gray, box, 48, 0.3), 1.05, self.AGREE, minSize=(33, 33),
                                                maxSize=(67, 67))):
            return False
        return eyes >= 2 or confirmed(self.third, self.THIRD_PX, gray, box)


def _patch(gray, box, px, margin, height=1.0):
    """The box's crop (grown by `margin` of its side each way, the top `height` of it) scaled to
    `px` pixels for the box's width."""
    x, y, w, h = (int(v) for v in box)
    m = int(w * margin)
    H, W = gray.shape[:2]
    crop = gray[max(0, y - m):min(H, y + int(h * height) + m), max(0, x - m):min(W, x + w + m)]
    if crop.size == 0:
        return np.zeros((1, 1), np.uint8)
    f = px / max(1, w)
    return cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_LINEAR if f > 1 else cv2.INTER_AREA)


def make_detector(name=DEFAULT_DETECTOR, min_face=MIN_FACE):
    """A detector by name ('haar', 'blazeface' or 'yunet'), loaded and checked."""
    if name == "haar":
        return HaarDetector(min_face=min_face)
    if name == "blazeface":
        return BlazeFaceDetector(min_face=min_face)
    if name == "yunet":
        return YuNetDetector(min_face=min_face)
    raise UserError(f"unknown face detector {name!r}: choose one of {', '.join(DETECTORS)}")
