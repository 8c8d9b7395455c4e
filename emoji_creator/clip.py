"""Build test and benchmark clips from real FER2013 faces (no camera needed).

Each 48x48 face is enlarged and placed with a margin on a 640x480 frame, so
the Haar cascade sees a face at webcam distance; each is held for a number of
frames with a little sensor noise, as a person holding still in front of a
webcam would give.
"""
from pathlib import Path

import cv2
import numpy as np

from . import CLASSES
from .data import read_image

FRAME_SIZE = (640, 480)


def fer_faces(fer_dir, per_class=2, split="test"):
    """[(class_name, 48x48 uint8)] taken in turn from each class folder, in file-name order."""
    out = []
    for name in CLASSES:
        files = sorted((Path(fer_dir) / split / name).glob("*.png"))[:per_class]
        out += [(name, read_image(f)[..., 0]) for f in files]
    order = [i for k in range(per_class) for i in range(k, len(out), per_class)]  # interleave classes
    return [out[i] for i in order]


def compose(face, face_px=220, offset=(0, 0), size=FRAME_SIZE):
    """One BGR frame: the face enlarged to face_px, centred (plus offset) on a plain background."""
    w, h = size
    frame = np.full((h, w), 96, np.uint8)
    big = cv2.resize(face, (face_px, face_px), interpolation=cv2.INTER_CUBIC)
    x = (w - face_px) // 2 + offset[0]
    y = (h - face_px) // 2 + offset[1]
    frame[y:y + face_px, x:x + face_px] = big
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def write_clip(path, faces, hold=20, noise=3.0, fps=30, seed=0):
    """Write an MJPG .avi holding each face for `hold` frames; returns the number of frames."""
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, FRAME_SIZE)
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    n = 0
    try:
        for _, face in faces:
            base = compose(face).astype(np.float32)
            for _ in range(hold):
                frame = base + rng.normal(0, noise, base.shape).astype(np.float32)
                writer.write(np.clip(frame, 0, 255).astype(np.uint8))
                n += 1
    finally:
        writer.release()
    return n
