"""OpenCV's YuNet (cv2.FaceDetectorYN): a face finder of its own, and the check BlazeFace's boxes and
Haar's doubtful ones must pass (a face found on the box's own crop).

    detector = YuNetDetector()                     # boxes, scores = detector(frame_bgr)
    checker = YuNetDetector.crop_checker(160, 0.5)
    confirmed(checker, 160, frame, box)            # True when YuNet sees a face centred in the box
"""
from pathlib import Path

import cv2
import numpy as np

from . import ROOT, FinderMissing, native_stderr_quiet
from .boxes import EMPTY, MIN_FACE, merge_nested, scale_boxes
from .files import is_regular

YUNET_PATH = ROOT / "models" / "face_detection_yunet_2023mar.onnx"


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
    # Between full scans LivePipeline asks only around the followed faces (`near`), as it asks Haar:
    # a 160-px crop around each face costs a fraction of the whole frame at 720p and 1080p.
    searches_near = True
    NEAR, NEAR_PX = 0.6, 160

    def __init__(self, path=YUNET_PATH, min_face=MIN_FACE, min_score=0.8):
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
        with native_stderr_quiet():  # a second net, kept at the near search's one input size
            self.near = cv2.FaceDetectorYN.create(str(path), "", (self.NEAR_PX, self.NEAR_PX), min_score, 0.3, 50)

    def _around(self, bgr, box):
        """(boxes, scores) YuNet finds around a followed face: its box grown by NEAR of its side each
        way, scaled to NEAR_PX square (the face then spans about 70 px, whatever its size in the frame)."""
        x, y, bw, bh = box
        side = max(bw, bh) * (1 + 2 * self.NEAR)
        x0, y0 = x + bw / 2 - side / 2, y + bh / 2 - side / 2
        s = self.NEAR_PX / side
        warp = np.float32([[s, 0, -x0 * s], [0, s, -y0 * s]])  # outside the frame comes out black
        crop = cv2.warpAffine(bgr, warp, (self.NEAR_PX, self.NEAR_PX),
                              flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        found = self.near.detect(crop)[1]
        if found is None or len(found) == 0:
            return np.zeros((0, 4)), np.zeros(0, np.float32)
        return found[:, :4].astype(np.float64) / s + (x0, y0, 0, 0), found[:, -1].astype(np.float32)

    @staticmethod
    def crop_checker(px, min_score, path=None):
        """A YuNet for px x px crops: the check of BlazeFace's boxes and of Haar's doubtful ones.
        A missing or damaged file is one UserError line, as for the finders' own models."""
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

    def __call__(self, frame, gray=None, near=None, same=None, regions=()):
        """Boxes and scores of the faces in the frame; with `near` (the followed faces' boxes), only
        around those (and the whole frame too when `regions` says something changed elsewhere)."""
        h, w = frame.shape[:2]
        s = min(1.0, self.MIN_PX / max(1.0, self.min_face * min(h, w)))
        sw, sh = max(1, round(w * s)), max(1, round(h * s))
        if min(sw, sh) < 16:
            return EMPTY, np.zeros(0, np.float32)
        bgr = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        parts = [self._around(bgr, box) for box in near] if near is not None else []
        if near is None or len(regions):
            small = cv2.resize(bgr, (sw, sh), interpolation=cv2.INTER_AREA) if s < 1 else bgr
            if (sw, sh) != self.size:
                self.detector.setInputSize((sw, sh))
                self.size = (sw, sh)
            found = self.detector.detect(small)[1]
            if found is not None and len(found):
                parts.append((found[:, :4].astype(np.float64) / s, found[:, -1].astype(np.float32)))
        if not parts:
            return EMPTY, np.zeros(0, np.float32)
        xywh, scores = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        keep = np.minimum(xywh[:, 2], xywh[:, 3]) >= 0.8 * self.min_face * min(h, w)
        boxes, scores = merge_nested(xywh[keep], scores[keep])
        return scale_boxes(boxes, self.BOX_SCALE, frame.shape, self.BOX_SHIFT), scores
