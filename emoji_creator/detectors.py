"""Face finders behind one interface: frame in, face boxes in frame pixels and scores out.

    detector = make_detector("haar")        # useIt.py's default: OpenCV's frontal-face cascade
    detector = make_detector("blazeface")   # MediaPipe's BlazeFace (LiteRT), checked by YuNet: gui.py's default
    detector = make_detector("yunet")       # OpenCV's YuNet (cv2.FaceDetectorYN)
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

from . import CASCADE_PATH, ROOT, UserError, native_stderr_quiet

DETECTORS = ("haar", "blazeface", "yunet")
DEFAULT_DETECTOR = "haar"  # useIt.py's: the product is specified as a Haar-cascade box
# gui.py's: of the finders that put no box on no face in benchmarks/live_loop.py (README: Results),
# the one whose emoji is right most often, within the live loop's 10 ms a frame.
WINDOW_DETECTOR = "blazeface"
MIN_FACE = 0.08  # smallest face given a label, as a fraction of the frame's shorter side
BLAZEFACE_PATH = ROOT / "models" / "face_detection_back.tflite"
YUNET_PATH = ROOT / "models" / "face_detection_yunet_2023mar.onnx"
# Two boxes whose overlap covers this share of the smaller one are one face: IoU alone keeps a
# small box inside a large one (IoU 0.25 for a box of a quarter the area), a second label on one face.
NESTED = 0.6

EMPTY = np.zeros((0, 4), np.int32)


class FinderMissing(UserError):
    """A face finder's model file (or its check's) is missing or damaged: the window says
    "no face finder" rather than "no model"."""


def scale_boxes(boxes, factor, frame_shape, shift=0.0):
    """Square boxes (x, y, w, h): each box grown or shrunk about its centre by `factor`,
    moved down by `shift` of its height (up when negative), clipped to the frame."""
    if len(boxes) == 0:
        return EMPTY
    b = np.asarray(boxes, np.float64)
    cx, cy = b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2 + shift * b[:, 3]
    side = np.maximum(b[:, 2], b[:, 3]) * factor
    h, w = frame_shape[:2]
    x0, y0 = np.clip(cx - side / 2, 0, w - 1), np.clip(cy - side / 2, 0, h - 1)
    x1, y1 = np.clip(cx + side / 2, 1, w), np.clip(cy + side / 2, 1, h)
    return np.round(np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)).astype(np.int32)


def merge_nested(boxes, scores, nested=NESTED):
    """One box per face: of boxes (x, y, w, h) whose intersection covers `nested` of the smaller
    one, only the best is kept (the higher score; for equal scores, as Haar's are, the larger).
    Returns (boxes, scores), best first."""
    if len(boxes) < 2:
        return boxes, scores
    b = np.asarray(boxes, np.float64)
    area = b[:, 2] * b[:, 3]
    order = np.lexsort((-area, -np.asarray(scores, np.float64)))  # score first, then area
    kept = []
    for i in order:
        if all(overlap_of_smaller(b[i], b[k]) < nested for k in kept):
            kept.append(i)
    kept = np.asarray(kept)
    return np.asarray(boxes)[kept], np.asarray(scores)[kept]


def overlap_of_smaller(a, b):
    """Intersection of boxes a and b (x, y, w, h) over the area of the smaller one: 1 when one
    lies inside the other, whatever their sizes."""
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3])
    return iw * ih / smaller if smaller > 0 else 0.0


class HaarDetector:
    """OpenCV's Haar cascade, run on a copy scaled so the smallest wanted face fills its window,
    with a check of each box that keeps the cascade off hands, necks, shirts and ties.

    The scale comes from the smallest face a user should get a label for, not a
    fixed width: a face of `min_face` x the shorter side lands at WINDOW pixels,
    just above the cascade's 24-px window, whatever the camera's resolution.
    Frames whose faces would already be that small are not enlarged.

    Called with `near` (the boxes of faces already followed), it searches only
    around them, at sizes close to theirs: the live loop's cheap look between
    full scans (LivePipeline.full_every). `same` says, per followed face, that it
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

    def __call__(self, frame, gray=None, near=None, same=None):
        if gray is None:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        h, w = gray.shape[:2]
        s, side = self.scale(gray.shape)
        if min(round(w * s), round(h * s)) < 24:  # a sliver of a frame (e.g. 4800x9) has no room for a face
            return EMPTY, np.zeros(0, np.float32)
        regions = [(0, 0, w, h, side, 0)] if near is None else [self._around(b, gray.shape, s, side) for b in near]
        found, weights, known = [], [], []
        for k, (x0, y0, x1, y1, smallest, largest) in enumerate(regions):
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
                known.append(near is not None and same is not None and same[k]
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


def confirmed(checker, px, frame, box):
    """True when `checker` (YuNetDetector.crop_checker(px, ...)), on the box's own crop grown
    by half its side each way and scaled to px x px, finds a face whose centre lies in the box.
    frame: BGR or grey."""
    x, y, w, h = box
    m = 0.5 * max(w, h)
    side = max(w, h) + 2 * m
    x0, y0 = int(round(x + w / 2 - side / 2)), int(round(y + h / 2 - side / 2))
    s = px / side
    # The crop as an affine warp: parts outside the frame come out black, no copy of the frame.
    warp = np.float32([[s, 0, -x0 * s], [0, s, -y0 * s]])
    crop = cv2.warpAffine(frame, warp, (px, px), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    if crop.ndim == 2:  # a grey frame: YuNet takes three channels
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    _, found = checker.detect(crop)
    if found is None:
        return False
    cx, cy = found[:, 0] + found[:, 2] / 2, found[:, 1] + found[:, 3] / 2
    bx0, by0 = (x - x0) * s, (y - y0) * s
    return bool(np.any((cx >= bx0) & (cx <= bx0 + w * s) & (cy >= by0) & (cy <= by0 + h * s)))


def ssd_anchors(height, width, strides, per_cell=2):
    """MediaPipe's SSD anchor centres (x, y), 0..1, for BlazeFace on a height x width input.

    (mediapipe/calculators/tflite/ssd_anchors_calculator.cc with fixed anchor
    size and interpolated aspect ratio 1: layers of one stride share a grid,
    `per_cell` anchors per layer and cell, rows first.) The network is all
    convolutions, so a non-square input simply has a wider grid.
    """
    anchors, i = [], 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        rows, cols = height // strides[i], width // strides[i]
        xs, ys = np.meshgrid((np.arange(cols) + 0.5) / cols, (np.arange(rows) + 0.5) / rows)
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        anchors.append(np.repeat(grid, per_cell * (j - i), axis=0))
        i = j
    return np.concatenate(anchors).astype(np.float32)


def decode(raw_boxes, raw_scores, anchors, input_hw, min_score=0.5):
    """BlazeFace's raw outputs -> (boxes as x0, y0, x1, y1 in 0..1 of the model input, scores).

    raw_boxes (n, 16): centre offset, width, height in input pixels, then six
    key points; raw_scores (n,) logits, clipped as MediaPipe does before the sigmoid.
    """
    h, w = input_hw
    raw_boxes = np.asarray(raw_boxes, np.float32).reshape(len(anchors), -1)
    scores = 1 / (1 + np.exp(-np.clip(np.asarray(raw_scores, np.float32).ravel(), -80, 80)))
    keep = scores >= min_score
    r, a = raw_boxes[keep, :4] / [w, h, w, h], anchors[keep]
    cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
    half_w, half_h = r[:, 2] / 2, r[:, 3] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    valid = (half_w > 0) & (half_h > 0)
    return boxes[valid], scores[keep][valid]


def iou_matrix(a, b):
    """Pairwise intersection over union of corner boxes (x0, y0, x1, y1)."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda z: (z[:, 2] - z[:, 0]) * (z[:, 3] - z[:, 1])  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, 1e-12)


def weighted_nms(boxes, scores, threshold=0.3):
    """MediaPipe's weighted non-maximum suppression: each kept box is the score-weighted
    mean of the boxes it suppresses (steadier than plain NMS from frame to frame)."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    out_boxes, out_scores = [], []
    left = np.ones(len(boxes), bool)
    for i in range(len(boxes)):
        if not left[i]:
            continue
        group = left & (iou_matrix(boxes[i:i + 1], boxes)[0] > threshold)
        group[i] = True
        w = scores[group][:, None]
        out_boxes.append((boxes[group] * w).sum(0) / w.sum())
        out_scores.append(scores[i])
        left &= ~group
    if not out_boxes:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    return np.asarray(out_boxes, np.float32), np.asarray(out_scores, np.float32)


class BlazeFaceDetector:
    """MediaPipe's BlazeFace, back-camera model, run with LiteRT on an input sized to the frame.

    The back-camera model is the one made for faces at a distance: on a group
    frame the short-range (128 px) one, made for selfies, found none. Its
    network is all convolutions, so instead of letterboxing every frame into
    its 256x256 input (a 58-px face in a 1280x720 frame would shrink to 12 px,
    under what it finds), the frame is scaled so the smallest wanted face
    spans MIN_PX input pixels, padded to a multiple of 32, and the anchors
    follow the input's shape: 640x480 runs at 544x416, 1280x720 (and larger) at 736x416.
    """

    name = "blazeface"
    STRIDES = (16, 32, 32, 32)
    # Input pixels for the smallest wanted face (benchmarks/live_loop.py); min_score 0.7: the
    # lowest that put no box on no face in its tuning photos (it still boxes textured walls).
    MIN_PX = 32
    # Crop = BlazeFace's box moved up by 5% of its height, same size: the best of the
    # --box-scale grid on training faces, by FER+ and by FER2013 label alike.
    BOX_SCALE = 1.0
    BOX_SHIFT = -0.05  # of the box's height
    # A second opinion on each box: YuNet on the box's own crop (grown by half its side each way,
    # scaled to each of CHECK_PXS a side) must find a face centred in the box. BlazeFace alone boxed textured walls
    # (blurred noise), some at scores over 0.9, so no threshold of its own tells them from faces.
    # The crop is looked at twice, at both sizes: a wall's noise now and then reached
    # YuNet's score at one size (any score up to 0.6 on the tuning part, 0.65 on the report part's
    # five schedule shifts), never at both. 160 and 120 px at 0.5: the most faces kept on
    # benchmarks/live_loop.py --part tune with no box on no face (docs/history.md).
    CHECK_PXS, CHECK_SCORE = (160, 120), 0.5

    def __init__(self, path=BLAZEFACE_PATH, min_face=MIN_FACE, min_score=0.7, threads=2, check=True):
        path = Path(path)
        try:
            from ai_edge_litert.interpreter import Interpreter

            with native_stderr_quiet():  # LiteRT announces its XNNPACK delegate on stderr
                self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
                self.interpreter.allocate_tensors()
            inp, outs = self.interpreter.get_input_details(), self.interpreter.get_output_details()
            assert tuple(inp[0]["shape"]) == (1, 256, 256, 3) and len(outs) == 2
        except Exception:  # missing file, not a model, or not this model
            raise FinderMissing(f"face detector {path} is missing or not BlazeFace's back-camera model: "
                            f"restore models/face_detection_back.tflite from git, or use --detector haar") from None
        self.input_index = inp[0]["index"]
        by_size = sorted(outs, key=lambda d: d["shape"][-1])  # (1, n, 1) scores, (1, n, 16) boxes
        self.score_index, self.box_index = by_size[0]["index"], by_size[1]["index"]
        self.min_face, self.min_score = min_face, min_score
        self.shape, self.anchors, self.canvas = None, None, None
        # (size, YuNet for crops of that size) per look; none without the check
        self.checks = [(px, YuNetDetector.crop_checker(px, self.CHECK_SCORE)) for px in self.CHECK_PXS] if check else []

    def confirmed(self, frame, box):
        """True when YuNet, on the box's own crop at each of CHECK_PXS, finds a face whose centre
        lies in the box."""
        return all(confirmed(checker, px, frame, box) for px, checker in self.checks)

    def input_size(self, h, w):
        """(scale, input height, input width) for a frame of h x w."""
        s = min(1.0, self.MIN_PX / max(1.0, self.min_face * min(h, w)))
        pad = lambda n: max(64, -(-round(n * s) // 32) * 32)  # noqa: E731  (64: room for the coarsest grid)
        return s, pad(h), pad(w)

    def __call__(self, frame, gray=None):
        h, w = frame.shape[:2]
        s, ih, iw = self.input_size(h, w)
        if (ih, iw) != self.shape:  # a new frame size: re-plan once, not per frame
            self.interpreter.resize_tensor_input(self.input_index, [1, ih, iw, 3])
            with native_stderr_quiet():
                self.interpreter.allocate_tensors()
            self.anchors = ssd_anchors(ih, iw, self.STRIDES)
            self.canvas = np.full((ih, iw, 3), -1.0, np.float32)
            self.shape = (ih, iw)
        sw, sh = min(iw, max(1, round(w * s))), min(ih, max(1, round(h * s)))
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
        small = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA) if s < 1 else rgb[:sh, :sw]
        # The model takes -1..1; the padding right and below stays -1 (black).
        self.canvas[:sh, :sw] = small * (2 / 255.0) - 1
        self.interpreter.set_tensor(self.input_index, self.canvas[None])
        self.interpreter.invoke()
        boxes, scores = decode(self.interpreter.get_tensor(self.box_index)[0],
                               self.interpreter.get_tensor(self.score_index)[0], self.anchors, self.shape,
                               self.min_score)
        boxes, scores = weighted_nms(boxes, scores)
        if len(boxes) == 0:
            return EMPTY, scores
        corners = boxes * [iw, ih, iw, ih] / s  # model input 0..1 -> frame pixels
        xywh = np.column_stack([corners[:, :2], corners[:, 2:] - corners[:, :2]])
        keep = np.minimum(xywh[:, 2], xywh[:, 3]) * self.BOX_SCALE >= 0.8 * self.min_face * min(h, w)
        if self.checks:
            bgr = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
            keep &= np.array([k and self.confirmed(bgr, b) for k, b in zip(keep, xywh)], bool)
        boxes, scores = merge_nested(xywh[keep], scores[keep])
        return scale_boxes(boxes, self.BOX_SCALE, frame.shape, self.BOX_SHIFT), scores


class YuNetDetector:
    """OpenCV's YuNet (cv2.FaceDetectorYN, in the pinned opencv-python), on a copy of the frame
    scaled so the smallest wanted face spans MIN_PX pixels (it finds faces from about 10 px).

    YuNet's box runs from forehead to chin, taller than wide; the crop is a square on it
    (scale_boxes takes the longer side) shrunk by BOX_SCALE, as FER2013's faces are cut tight.
    """

    name = "yunet"
    # min_score 0.8: the lowest score that put no box on no face in benchmarks/live_loop.py --part tune.
    MIN_PX = 40  # FER2013-cut faces (no forehead, no chin) need more pixels than whole ones
    # The best of the --box-scale grid on training faces, by FER+ and by FER2013 label alike.
    BOX_SCALE, BOX_SHIFT = 0.9, -0.05

    def __init__(self, path=YUNET_PATH, min_face=MIN_FACE, min_score=0.8):
        from .files import is_regular

        path = Path(path)
        self.detector = None
        if is_regular(path):
            try:
                with native_stderr_quiet():  # OpenCV's ONNX importer prints its own errors
                    self.detector = cv2.FaceDetectorYN.create(str(path), "", (64, 64), min_score, 0.3, 5000)
                    self.detector.detect(np.zeros((64, 64, 3), np.uint8))  # a damaged net fails here, once
            except (cv2.error, SystemError):
                self.detector = None
        if self.detector is None:
            raise FinderMissing(f"face detector {path} is missing or not YuNet's ONNX model: restore "
                            f"models/face_detection_yunet_2023mar.onnx from git, or use --detector haar")
        self.min_face, self.size = min_face, (64, 64)

    @staticmethod
    def crop_checker(px, min_score, path=None):
        """A YuNet for px x px crops: the check of BlazeFace's boxes and of Haar's doubtful ones.
        A missing or damaged file is one UserError line, as for the finders' own models."""
        from .files import is_regular

        path = Path(YUNET_PATH if path is None else path)
        checker = None
        if is_regular(path):
            try:
                with native_stderr_quiet():
                    checker = cv2.FaceDetectorYN.create(str(path), "", (px, px), min_score, 0.3, 50)
                    checker.detect(np.zeros((px, px, 3), np.uint8))  # a damaged net fails here, once
            except (cv2.error, SystemError):
                checker = None
        if checker is None:
            raise FinderMissing(f"face check {path} is missing or not YuNet's ONNX model (haar and blazeface check "
                            f"their boxes with it): restore models/face_detection_yunet_2023mar.onnx from git")
        return checker

    def __call__(self, frame, gray=None):
        h, w = frame.shape[:2]
        s = min(1.0, self.MIN_PX / max(1.0, self.min_face * min(h, w)))
        sw, sh = max(1, round(w * s)), max(1, round(h * s))
        if min(sw, sh) < 16:
            return EMPTY, np.zeros(0, np.float32)
        bgr = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        small = cv2.resize(bgr, (sw, sh), interpolation=cv2.INTER_AREA) if s < 1 else bgr
        if (sw, sh) != self.size:
            self.detector.setInputSize((sw, sh))
            self.size = (sw, sh)
        _, found = self.detector.detect(small)
        if found is None or len(found) == 0:
            return EMPTY, np.zeros(0, np.float32)
        xywh, scores = found[:, :4].astype(np.float64) / s, found[:, -1].astype(np.float32)
        keep = np.minimum(xywh[:, 2], xywh[:, 3]) >= 0.8 * self.min_face * min(h, w)
        boxes, scores = merge_nested(xywh[keep], scores[keep])
        return scale_boxes(boxes, self.BOX_SCALE, frame.shape, self.BOX_SHIFT), scores


def make_detector(name=DEFAULT_DETECTOR, min_face=MIN_FACE):
    """A detector by name ('haar', 'blazeface' or 'yunet'), loaded and checked."""
    if name == "haar":
        return HaarDetector(min_face=min_face)
    if name == "blazeface":
        return BlazeFaceDetector(min_face=min_face)
    if name == "yunet":
        return YuNetDetector(min_face=min_face)
    raise UserError(f"unknown face detector {name!r}: choose one of {', '.join(DETECTORS)}")
