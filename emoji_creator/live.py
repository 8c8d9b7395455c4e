"""The live pipeline shared by useIt.py, gui.py and the benchmark.

Small pure functions in OpenCV's style (detect, classify, draw_faces), a
FrameSource over cameras, videos, images and image folders, and LivePipeline,
which holds everything expensive (cascade, model) loaded once.
"""
import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import CASCADE_PATH, CLASSES, UserError
from .data import IMAGE_SUFFIXES, to_model_input

# Detection runs on a frame scaled to this width: faces at webcam distance
# stay well above the cascade's 24-pixel window, and the cost falls ~5x.
# Measured on FER2013 faces (benchmarks/live_loop.py): 240 px with
# scaleFactor 1.2 and minNeighbors 4 found more faces than the tutorial's
# full-frame (1.3, 5), with no false boxes, at a third of the cost.
DETECT_WIDTH = 240
# The smallest face worth a label, as a fraction of the frame's shorter side.
MIN_FACE_FRACTION = 0.12


def load_cascade(path=CASCADE_PATH):
    path = Path(path)
    cascade = cv2.CascadeClassifier(str(path)) if path.is_file() else None
    if cascade is None or cascade.empty():
        raise UserError(f"face detector {path} is missing or unreadable: restore "
                        f"haarcascade_frontalface_default.xml from git (it ships with OpenCV 4.x)")
    return cascade


def detect(gray, cascade, detect_width=DETECT_WIDTH, min_fraction=MIN_FACE_FRACTION):
    """Face boxes (x, y, w, h) in full-frame pixels, found on a downscaled copy."""
    h, w = gray.shape[:2]
    scale = min(1.0, detect_width / w)
    small = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else gray
    side = max(24, int(min(small.shape[:2]) * min_fraction))
    boxes = cascade.detectMultiScale(small, scaleFactor=1.2, minNeighbors=4, minSize=(side, side))
    if len(boxes) == 0:
        return np.zeros((0, 4), dtype=np.int32)
    return np.round(np.asarray(boxes, dtype=np.float64) / scale).astype(np.int32)


def crop_faces(gray, boxes):
    """(n, 48, 48, 1) model inputs for the boxes: the same to_model_input as training."""
    return np.stack([to_model_input(gray[y:y + h, x:x + w]) for x, y, w, h in boxes]).astype(np.float32)


@dataclass
class Face:
    box: tuple  # x, y, w, h in frame pixels
    probs: np.ndarray  # smoothed probabilities, CLASSES order
    track: int = 0
    shown: int = -1  # the label on screen; -1: simply the top class

    @property
    def label(self):
        return self.shown if self.shown >= 0 else int(self.probs.argmax())

    @property
    def confidence(self):
        return float(self.probs.max())


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / float(aw * ah + bw * bh - inter) if inter else 0.0


class Smoother:
    """Per-face exponential moving average of probabilities, so a still face keeps its label.

    Faces are matched to the previous frame's by box overlap; a face missing
    for `patience` frames is forgotten. On top of the average, hysteresis: the
    label shown changes only when another class leads it by `margin`, so two
    near-equal classes cannot make it flicker.
    """

    def __init__(self, alpha=0.3, patience=5, margin=0.1):
        self.alpha, self.patience, self.margin = alpha, patience, margin
        self.tracks = {}  # id -> [box, probs, frames_missing, label shown]
        self.next_id = 0

    def update(self, boxes, probs):
        faces, used = [], set()
        for box, p in zip(map(tuple, boxes), probs):
            overlap, best = max(((iou(box, self.tracks[t][0]), t) for t in self.tracks if t not in used),
                                key=lambda pair: pair[0], default=(0.0, None))
            if overlap > 0.3:
                p = self.alpha * p + (1 - self.alpha) * self.tracks[best][1]
                tid, shown = best, self.tracks[best][3]
                top = int(p.argmax())
                if p[top] - p[shown] > self.margin:
                    shown = top
            else:
                tid, self.next_id, shown = self.next_id, self.next_id + 1, int(p.argmax())
            self.tracks[tid] = [box, p, 0, shown]
            used.add(tid)
            faces.append(Face(box, p, tid, shown))
        for t in list(self.tracks):
            if t not in used:
                self.tracks[t][2] += 1
                if self.tracks[t][2] > self.patience:
                    del self.tracks[t]
        return faces


class LivePipeline:
    """Frame in, faces with smoothed emotion probabilities out.

    The cascade and the compiled model are loaded once. Detection runs on every
    `detect_every`-th frame and the boxes are carried in between; every frame's
    faces are classified, all in one model call.
    """

    def __init__(self, model_path, cascade_path=CASCADE_PATH, detect_every=2, smooth=True):
        from .model import load_emotion_model, make_predictor

        self.cascade = load_cascade(cascade_path)
        self.model, self.class_names = load_emotion_model(model_path)
        self.predict = make_predictor(self.model)
        for n in (1, 2):  # warm up for one and two faces now, not on the first frame that has them
            self.predict(np.zeros((n, 48, 48, 1), np.float32))
        self.detect_every = max(1, detect_every)
        self.smoother = Smoother() if smooth else None
        self.frame_index = 0
        self.boxes = np.zeros((0, 4), dtype=np.int32)
        # TensorFlow leaves ~330k long-lived Python objects; a full garbage
        # collection that re-scans them all took 100-200 ms here, inside some
        # unlucky frame. Freezing moves everything loaded so far out of the
        # collector's sight, so the frame loop only pays for its own garbage.
        gc.freeze()

    def process(self, frame):
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        if self.frame_index % self.detect_every == 0:
            self.boxes = detect(gray, self.cascade)
        self.frame_index += 1
        if len(self.boxes) == 0:
            probs = np.zeros((0, len(CLASSES)), np.float32)
        else:
            probs = self.predict(crop_faces(gray, self.boxes))
        if self.smoother is None:
            return [Face(tuple(b), p) for b, p in zip(self.boxes, probs)]
        return self.smoother.update(self.boxes, probs)


BOX_COLOUR = (60, 200, 60)


def draw_faces(frame, faces, class_names=CLASSES):
    """Draw each face's box, label with confidence, and seven small probability bars, in place."""
    for face in faces:
        x, y, w, h = face.box
        cv2.rectangle(frame, (x, y), (x + w, y + h), BOX_COLOUR, 2)
        text = f"{class_names[face.label]} {face.confidence:.0%}"
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 2)
        ty = y - 8 if y - th - 12 > 0 else y + h + th + 8
        cv2.rectangle(frame, (x, ty - th - 4), (x + tw + 6, ty + 4), BOX_COLOUR, -1)
        cv2.putText(frame, text, (x + 3, ty), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2, cv2.LINE_AA)
        # Bars beside the box (inside the frame when the face is at the right edge).
        bx = x + w + 6 if x + w + 110 < frame.shape[1] else max(0, x - 110)
        for i, (name, p) in enumerate(zip(class_names, face.probs)):
            by = y + i * 14
            cv2.rectangle(frame, (bx, by), (bx + 50, by + 10), (40, 40, 40), -1)
            cv2.rectangle(frame, (bx, by), (bx + int(50 * float(p)), by + 10),
                          BOX_COLOUR if i == face.label else (200, 200, 200), -1)
            cv2.putText(frame, name[:3], (bx + 54, by + 9), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                        (255, 255, 255), 1, cv2.LINE_AA)
    return frame


class FrameSource:
    """Frames from a camera index, a video file, an image file or a folder of images.

    read() returns a BGR frame or None. None with `ended` set means a file
    source is finished. None without it means the camera gave nothing this
    time; it never blocks, so a GUI tick stays short. A camera that gives
    nothing for `camera_grace` seconds raises UserError, so a finished video
    and a failed camera are told apart.
    """

    def __init__(self, spec, camera_grace=2.0):
        self.spec = str(spec)
        self.camera_grace = camera_grace
        self.cap, self.images, self.is_camera = None, None, False
        self.ended, self.stalled_since, self.position = False, None, 0
        path = Path(self.spec)
        if self.spec.isdigit() and not path.exists():
            self.is_camera = True
            self.cap = cv2.VideoCapture(int(self.spec))
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"no camera at index {self.spec}: connect one, or pass "
                                f"--source with a video file, an image or a folder of images")
        elif path.is_dir():
            self.images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self.images:
                raise UserError(f"{path} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        elif not path.is_file():
            raise UserError(f"source {path} does not exist: pass a camera index, a video, an image or a folder")
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            self.images = [path]
        else:
            self.cap = cv2.VideoCapture(str(path))
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"cannot open {path} as a video: is it a video file OpenCV can read?")

    @property
    def name(self):
        return f"camera {self.spec}" if self.is_camera else Path(self.spec).name

    def read(self):
        if self.ended:
            return None
        if self.images is not None:
            while self.position < len(self.images):
                path = self.images[self.position]
                self.position += 1
                frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if frame is not None:
                    return frame
                print(f"warning: skipped {path.name}: not a readable image", file=sys.stderr)
            self.ended = True
            return None
        ok, frame = self.cap.read()
        if ok and frame is not None:
            self.position += 1
            self.stalled_since = None
            return frame
        if not self.is_camera:
            self.ended = True
            return None
        now = time.monotonic()
        self.stalled_since = self.stalled_since or now
        if now - self.stalled_since > self.camera_grace:
            raise UserError(f"{self.name} stopped delivering frames: check its cable or whether another "
                            f"program took it, then start again")
        return None

    def release(self):
        if self.cap is not None:
            self.cap.release()
            self.cap = None
