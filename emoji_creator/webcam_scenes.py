"""Webcam-distance scenes: real photos seen by a virtual camera that zooms in on a face until it
fills (and overflows) the frame, zooms out, tilts, and pans until the face leaves and comes back.

    from emoji_creator.webcam_scenes import webcam_frames
    frames = webcam_frames("report", sizes=((640, 480),))   # [(scene, BGR frame, [Truth])]

The photos are benchmarks/photos/ (their boxes.json gives the true face boxes and each photo's
part, tune or report) and, in the report part, Grace Hopper's portrait that matplotlib ships
(public domain). Each frame is the camera's window on the photo, warped to the frame size with
sensor noise. A face is in a frame's truths while at least a quarter of its box is inside the
frame; Truth.face stays the same for one face of one photo, so a benchmark can see it leave.
"""
import json
from pathlib import Path

import cv2
import numpy as np

from .clip import Truth

PHOTOS = Path(__file__).resolve().parent.parent / "benchmarks" / "photos"
SIZES = ((640, 480), (1280, 720), (1920, 1080))
VISIBLE = 0.25  # the share of a face's box inside the frame for it to count as there
# Grace Hopper (matplotlib's sample_data/grace_hopper.jpg): YuNet's box, checked by eye.
HOPPER_BOX = (183, 120, 170, 212)
# What most people would say the main (largest) face shows, by eye; a photo left out has no clear
# answer (Obama mid-speech in obama2.jpg).
EXPRESSIONS = {"alex_lacamoire1.jpg": "happy", "biden2.jpg": "happy", "rose_leslie.jpg": "neutral",
               "johnsnow_test1.jpg": "neutral", "obama3.jpg": "neutral", "obama-1080p.jpg": "happy",
               "two_people.jpg": "neutral", "obama_and_biden.jpg": "happy", "grace_hopper.jpg": "neutral"}


def photos(part):
    """[(BGR image, [face boxes], the main face's expression or None)]: the part's photos whose main
    face is large enough to zoom in on (at least 120 px tall), the largest face first."""
    table = json.loads((PHOTOS / "boxes.json").read_text())
    out = []
    for name, info in table.items():
        faces = sorted(info["faces"], key=lambda b: -b[3])
        if info["part"] == part and faces[0][3] >= 120:
            out.append((cv2.imread(str(PHOTOS / name)), [tuple(b) for b in faces], EXPRESSIONS.get(name)))
    if part == "report":
        try:
            from matplotlib import cbook  # here: matplotlib's import is slow, and only this photo needs it
            out.append((cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))), [HOPPER_BOX],
                        EXPRESSIONS["grace_hopper.jpg"]))
        except (ImportError, OSError, ValueError):
            pass  # the light install has no matplotlib: the scenes go without this photo
    return out


def moves(n=36):
    """The camera's path, per frame (face height as a share of the frame height, shift of the
    window's centre from the face's in face heights (x, y), tilt in degrees[, the covering hand's
    edge]), in five moves: zoom in past the frame and back out, tilt, leave to the side and come
    back, lean in and out, a hand over the face."""
    t = np.linspace(0, 1, n)
    zoom = [(0.25 * (1.4 / 0.25) ** (1 - abs(2 * s - 1)), 0.1 * np.sin(7 * s), 0.05, 0.0) for s in t]
    tilt = [(0.5, 0.0, 0.0, 20 * np.sin(2 * np.pi * s)) for s in t]
    # Out at the right edge and held out for a third of the move, then back in.
    leave = [(0.45, min(2.6, 6 * s) if s < 0.5 else max(0.0, 2.6 - 6 * (s - 0.6)), 0.0, 0.0) for s in t]
    lean = [(0.6 + 0.45 * np.sin(np.pi * s) ** 2, -0.15 * np.sin(np.pi * s), 0.1, 0.0) for s in t]
    # A hand or a sheet of paper slides over the face from the left, stays, and goes: its right
    # edge as a share of the frame width (the fifth value).
    cover = [(0.5, 0.0, 0.0, 0.0, min(1.0, 3 * s) if s < 0.6 else max(0.0, 1.0 - 4 * (s - 0.6))) for s in t]
    return [("zoom", zoom), ("tilt", tilt), ("leave", leave), ("lean", lean), ("cover", cover)]


def view(image, face, size, fill, shift, tilt):
    """The camera's matrix (photo -> frame): `face` at `fill` of the frame height, its centre
    `shift` face heights from the frame's centre, the frame turned by `tilt` degrees."""
    w, h = size
    x, y, fw, fh = face
    s = fill * h / fh  # frame pixels per photo pixel
    cx, cy = x + fw / 2, y + fh / 2
    m = cv2.getRotationMatrix2D((cx, cy), tilt, s)  # turns and scales about the face's centre
    m[:, 2] += (w / 2 + shift[0] * fill * h - cx, h / 2 + shift[1] * fill * h - cy)
    return m


def moved_box(m, box, size):
    """(box in the frame, share of it inside the frame): the bounding box of the moved corners."""
    x, y, w, h = box
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64) @ m.T
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    inside = max(0.0, min(x1, size[0]) - max(x0, 0)) * max(0.0, min(y1, size[1]) - max(y0, 0))
    return (int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0))), inside / ((x1 - x0) * (y1 - y0))


def webcam_frames(part, sizes=SIZES, n=36, noise=3.0, seed=0, only=None, first=None):
    """[(scene, BGR frame, [Truth])]: every photo of `part` (or its `first` few), every move (or
    those named in `only`), at every size; scene is "webcam-<height>". A Truth's label is
    the expression of the photo's main face (EXPRESSIONS), None for the others, and its box may
    reach past the frame (a face larger than the frame)."""
    rng = np.random.default_rng(seed)
    out = []
    for p, (image, faces, expression) in enumerate(photos(part)[:first]):
        for size in sizes:
            # A few fields of sensor noise, taken in turn: drawing a fresh one for every 1080p frame
            # would cost more than the scene.
            grain = [rng.normal(0, noise, (size[1], size[0], 3)).astype(np.float32) for _ in range(3)]
            # The covering hand: skin-coloured, softly shaded, with a dark edge.
            hand = cv2.GaussianBlur(rng.uniform(0, 1, (size[1], size[0])).astype(np.float32), (0, 0), size[1] / 20)
            hand = ((hand - hand.mean()) / (hand.std() + 1e-6) * 12)[..., None] + np.float32([120, 150, 200])
            hand[:, -max(2, size[0] // 160):] *= 0.5
            hand = np.clip(hand, 0, 255).astype(np.uint8)
            for name, path in moves(n):
                if only is not None and name not in only:
                    continue
                for fill, sx, sy, tilt, *cover in path:
                    m = view(image, faces[0], size, fill, (sx, sy), tilt)
                    frame = cv2.warpAffine(image, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                    edge = int(round(cover[0] * size[0])) if cover else 0
                    frame[:, :edge] = hand[:, size[0] - edge:] if edge else frame[:, :0]
                    frame = np.clip(frame + grain[len(out) % 3], 0, 255).astype(np.uint8)
                    truths = []
                    for k, box in enumerate(faces):
                        moved, inside = moved_box(m, box, size)
                        x, _, bw, _ = moved
                        inside *= 1 - np.clip((edge - max(x, 0)) / max(1, min(x + bw, size[0]) - max(x, 0)), 0, 1)
                        if inside >= VISIBLE:
                            truths.append(Truth(moved, None if k else expression, -1000 * (p + 1) - k))
                    out.append((f"webcam-{size[1]}", frame, truths))
    return out
