"""MediaPipe's BlazeFace (back-camera model, LiteRT), each box checked by YuNet: the window's default
face finder.

    detector = BlazeFaceDetector()       # boxes, scores = detector(frame_bgr)
"""
from pathlib import Path

import cv2
import numpy as np

from . import ROOT, FinderMissing, native_stderr_quiet
from .boxes import EMPTY, MIN_FACE, iou_matrix, same_face, scale_boxes
from .yunet import YuNetDetector, confirmed

BLAZEFACE_PATH = ROOT / "models" / "face_detection_back.tflite"


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
    # The coarse pass's frame, in input pixels on its longer side (of 256): a face filling a
    # 4:3 frame's height spans 120, inside what the back-camera model finds.
    COARSE_PX = 160

    def __init__(self, path=BLAZEFACE_PATH, min_face=MIN_FACE, min_score=0.7, threads=2, check=True):
        path = Path(path)
        try:
            from ai_edge_litert.interpreter import Interpreter  # here: only where it is needed (LiteRT's start)

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
        with native_stderr_quiet():  # a second interpreter keeps the coarse pass's 256x256 plan
            self.coarse_interpreter = Interpreter(model_path=str(path), num_threads=threads)
            self.coarse_interpreter.allocate_tensors()
        self.coarse_anchors = ssd_anchors(256, 256, self.STRIDES)
        self.coarse_canvas = np.full((256, 256, 3), -1.0, np.float32)
        # (size, YuNet for crops of that size) per check; none without it
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

    def _run(self, interpreter, canvas, anchors):
        """BlazeFace on one prepared input: (boxes as x0, y0, x1, y1 in input pixels, scores)."""
        ih, iw = canvas.shape[:2]
        interpreter.set_tensor(self.input_index, canvas[None])
        interpreter.invoke()
        boxes, scores = decode(interpreter.get_tensor(self.box_index)[0], interpreter.get_tensor(self.score_index)[0],
                               anchors, (ih, iw), self.min_score)
        boxes, scores = weighted_nms(boxes, scores)
        return boxes * [iw, ih, iw, ih], scores

    def _fine(self, rgb):
        """The pass for faces of every size up to a third of the frame, on an input sized to it."""
        h, w = rgb.shape[:2]
        s, ih, iw = self.input_size(h, w)
        if (ih, iw) != self.shape:  # a new frame size: re-plan once, not per frame
            self.interpreter.resize_tensor_input(self.input_index, [1, ih, iw, 3])
            with native_stderr_quiet():
                self.interpreter.allocate_tensors()
            self.anchors = ssd_anchors(ih, iw, self.STRIDES)
            self.canvas = np.full((ih, iw, 3), -1.0, np.float32)
            self.shape = (ih, iw)
        sw, sh = min(iw, max(1, round(w * s))), min(ih, max(1, round(h * s)))
        small = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA) if s < 1 else rgb[:sh, :sw]
        # The model takes -1..1; the padding right and below stays -1 (black).
        self.canvas[:sh, :sw] = small * (2 / 255.0) - 1
        boxes, scores = self._run(self.interpreter, self.canvas, self.anchors)
        return boxes / s, scores

    def _coarse(self, rgb):
        """The pass for close-ups: the whole frame shrunk to COARSE_PX on its longer side in the
        middle of the model's own 256x256 input, black around it. The back-camera model is made
        for faces far away: on a face filling the frame it boxes an eye or a cheek, or nothing;
        shrunk, the same face is one it knows."""
        h, w = rgb.shape[:2]
        s = self.COARSE_PX / max(h, w)
        sw, sh = max(1, round(w * s)), max(1, round(h * s))
        ox, oy = (256 - sw) // 2, (256 - sh) // 2
        self.coarse_canvas.fill(-1.0)
        self.coarse_canvas[oy:oy + sh, ox:ox + sw] = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA) \
            * (2 / 255.0) - 1
        boxes, scores = self._run(self.coarse_interpreter, self.coarse_canvas, self.coarse_anchors)
        return (boxes - [ox, oy, ox, oy]) / s, scores

    def __call__(self, frame, gray=None):
        h, w = frame.shape[:2]
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
        fine, coarse = self._fine(rgb), self._coarse(rgb)
        corners, scores = np.concatenate([fine[0], coarse[0]]), np.concatenate([fine[1], coarse[1]])
        if len(corners) == 0:
            return EMPTY, scores
        xywh = np.column_stack([corners[:, :2], corners[:, 2:] - corners[:, :2]])
        keep = np.minimum(xywh[:, 2], xywh[:, 3]) * self.BOX_SCALE >= 0.8 * self.min_face * min(h, w)
        xywh, scores = xywh[keep], scores[keep]
        # One box per face, the larger first: a close-up's whole-face box from the coarse pass, not a
        # part of it. Each box is checked only when no box of its face has passed: one check a face.
        bgr = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        kept = []
        for i in np.argsort(-xywh[:, 2] * xywh[:, 3], kind="stable"):
            if not any(same_face(xywh[i], xywh[k]) for k in kept) and (not self.checks or self.confirmed(bgr, xywh[i])):
                kept.append(i)
        boxes, scores = (xywh[kept], scores[kept]) if kept else (EMPTY, scores[:0])
        return scale_boxes(boxes, self.BOX_SCALE, frame.shape, self.BOX_SHIFT), scores
