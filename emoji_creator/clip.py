"""Build demo, test and benchmark clips from real faces (no camera needed).

    python -m emoji_creator.clip demo.avi      # a 20-second clip to try the app without a camera
    python gui.py --source demo.avi

The demo takes FER2013 test faces when the data set is found (data/, see
data/README.md), else the public-domain face shipped in tests/faces/.

Each 48x48 face is enlarged and placed with a margin on a 640x480 frame, so
the Haar cascade sees a face at webcam distance; each is held for a number of
frames with a little sensor noise, as a person holding still in front of a
webcam would give.
"""
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import CLASSES
from .data import read_image

FRAME_SIZE = (640, 480)
SHIPPED_FACE = Path(__file__).resolve().parent.parent / "tests" / "faces" / "astronaut.png"
SHIPPED_FACE_BOX = (39, 39, 65, 65)  # x, y, w, h of the face in it


def fer_face_files(fer_dir, per_class=2, split="test"):
    """[(class_name, file)] taken in turn from each class folder, in file-name order."""
    out = []
    for name in CLASSES:
        out += [(name, f) for f in sorted((Path(fer_dir) / split / name).glob("*.png"))[:per_class]]
    order = [i for k in range(per_class) for i in range(k, len(out), per_class)]  # interleave classes
    return [out[i] for i in order]


def fer_faces(fer_dir, per_class=2, split="test"):
    """[(class_name, 48x48 uint8)] of fer_face_files, in its order."""
    return [(name, read_image(f)[..., 0]) for name, f in fer_face_files(fer_dir, per_class, split)]


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


# -- The harder clip: faces as a webcam sees them ------------------------------
# Each scenario is (name, frame size, faces per frame, face size range in px, transform).
# A segment holds one layout for `hold` frames; the next segment puts new faces
# in the same places, so every segment boundary is "one face replaced by another".
SCENARIOS = (
    ("near", (640, 480), 1, (200, 240), None),
    ("mid", (640, 480), 1, (110, 150), None),
    ("far", (640, 480), 1, (50, 80), None),
    ("far-hd", (1280, 720), 1, (60, 90), None),
    ("tilted", (640, 480), 1, (120, 200), "tilt"),
    ("dark", (640, 480), 1, (120, 200), "dark"),
    ("bright", (640, 480), 1, (120, 200), "bright"),
    ("covered", (640, 480), 1, (120, 200), "cover"),
    ("group", (1280, 720), 5, (70, 130), None),
)


@dataclass
class Truth:
    box: tuple  # x, y, w, h of the FER2013 crop in the frame
    label: str
    face: int  # index of the face in the clip's face list: the same face keeps it while held


def background(size, rng):
    """A plain room: a smooth gradient, a few soft blobs and sensor noise, so false boxes can show."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bg = 70 + 60 * xx / w + 30 * yy / h
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(30, 200)
        bg += rng.uniform(-40, 40) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    return np.clip(bg, 0, 255)


def transform(face, kind, rng):
    """One FER2013 face (uint8) altered as a webcam might show it."""
    f = face.astype(np.float32)
    if kind == "tilt":
        angle = rng.choice([-1, 1]) * rng.uniform(12, 20)
        m = cv2.getRotationMatrix2D((face.shape[1] / 2, face.shape[0] / 2), angle, 1.0)
        f = cv2.warpAffine(f, m, face.shape[::-1], borderMode=cv2.BORDER_REPLICATE)
    elif kind == "dark":
        f = 255 * (f / 255) ** 1.8 * 0.55
    elif kind == "bright":
        f = 255 - (255 - f) * 0.45
    elif kind == "cover":  # a hand or a mug over one lower corner
        s = face.shape[0]
        x0 = 0 if rng.random() < 0.5 else s // 2 + s // 8
        f[int(s * 0.62):, x0:x0 + s * 3 // 8] = rng.uniform(150, 200)
    return np.clip(f, 0, 255).astype(np.uint8)


def layout(size, n, px_range, rng):
    """n non-overlapping square boxes with sides in px_range, inside the frame."""
    w, h = size
    boxes = []
    for _ in range(1000):
        if len(boxes) == n:
            break
        s = int(rng.uniform(*px_range))
        if n == 1:
            x, y = (w - s) // 2 + int(rng.uniform(-0.15, 0.15) * (w - s)), (h - s) // 2 + int(rng.uniform(-0.1, 0.1) * (h - s))
        else:
            x, y = int(rng.uniform(0, w - s)), int(rng.uniform(h * 0.15, h - s))
        if all(x + s + 20 < bx or bx + bs + 20 < x or y + s + 20 < by or by + bs + 20 < y for bx, by, bs, _ in boxes):
            boxes.append((x, y, s, s))
    return boxes


def scenario_frames(faces, segments_per_scenario=6, hold=12, noise=3.0, seed=0, scenarios=SCENARIOS):
    """[(scenario name, BGR frame, [Truth])] for the harder benchmark clip.

    faces: [(class_name, 48x48 uint8)] (fer_faces); they are used in turn, each
    once. Every scenario plays `segments_per_scenario` layouts of `hold` frames.
    """
    rng = np.random.default_rng(seed)
    out, k = [], 0
    for name, size, per_frame, px_range, kind in scenarios:
        boxes = layout(size, per_frame, px_range, rng)
        bg = background(size, rng)
        for _ in range(segments_per_scenario):
            base, truths = bg.copy(), []
            for x, y, s, _ in boxes:
                label, face = faces[k % len(faces)]
                big = cv2.resize(transform(face, kind, rng), (s, s), interpolation=cv2.INTER_CUBIC)
                base[y:y + s, x:x + s] = big
                truths.append(Truth((x, y, s, s), label, k))
                k += 1
            for _ in range(hold):
                frame = np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8)
                out.append((name, cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), truths))
    return out


def enlarged_frames(faces, hold=12, size=FRAME_SIZE, noise=3.0, seed=0, start=0):
    """[("enlarged", BGR frame, [Truth])]: each face padded by repeating its border pixels
    outwards (half its side each way), enlarged to 90-180 px for the face, on blurred noise,
    drifting a few pixels a frame: a scene where a finder sees a face inside a larger face-like
    patch and may box both. Truth.face counts on from `start` (the faces' index in `faces`)."""
    rng = np.random.default_rng(seed)
    w, h = size
    out = []
    for k, (label, face) in enumerate(faces):
        bg = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 10)
        bg = (bg - bg.mean()) * (25 / (bg.std() + 1e-6)) + 110  # a textured wall, not a plain one
        side = face.shape[0]
        padded = cv2.copyMakeBorder(face, side // 2, side // 2, side // 2, side // 2, cv2.BORDER_REPLICATE)
        px = int(rng.uniform(90, 180))
        big = cv2.resize(padded, (2 * px, 2 * px), interpolation=cv2.INTER_CUBIC).astype(np.float32)
        x, y = rng.uniform(0, w - 2 * px), rng.uniform(0, h - 2 * px)
        vx, vy = rng.uniform(-3, 3, 2)
        for _ in range(hold):
            x, y = float(np.clip(x + vx, 0, w - 2 * px)), float(np.clip(y + vy, 0, h - 2 * px))
            ix, iy = int(x), int(y)
            frame = bg.copy()
            frame[iy:iy + 2 * px, ix:ix + 2 * px] = big
            frame = np.clip(frame + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
            out.append(("enlarged", cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR),
                        [Truth((ix + px // 2, iy + px // 2, px, px), label, start + k)]))
    return out


def shipped_face():
    """(the 144x144 grayscale picture in tests/faces/, the face's box in it as tight as a FER2013
    crop): the public-domain face used where FER2013 is not at hand; None if it is missing."""
    img = cv2.imread(str(SHIPPED_FACE), cv2.IMREAD_GRAYSCALE) if SHIPPED_FACE.is_file() else None
    return (img, SHIPPED_FACE_BOX) if img is not None else None


def tight(img, box, dx=0, dy=0):
    """The 48x48 face cut from img at box, moved by (dx, dy) pixels."""
    x, y, w, h = box
    return cv2.resize(img[y + dy:y + dy + h, x + dx:x + dx + w], (48, 48), interpolation=cv2.INTER_AREA)


def demo_faces(per_class=3):
    """[(class, 48x48 face)]: FER2013 test faces if the data set is found, else the shipped face."""
    from . import UserError
    from .data import find_data

    try:
        found = find_data()
        if found.is_dir():
            return fer_faces(found, per_class=per_class), f"FER2013 test faces from {found}"
    except UserError:
        pass
    shipped = shipped_face()
    if shipped is None:
        raise UserError("no faces to make a clip from: put FER2013 in data/ (see data/README.md)")
    face = tight(*shipped)
    return [("happy", face), ("happy", face[:, ::-1].copy())], "the shipped face (tests/faces/astronaut.png)"


def main(argv=None):
    import argparse
    import sys

    from . import UserError

    p = argparse.ArgumentParser(description="Make a demo video of real faces, for trying the app without a camera.")
    p.add_argument("output", type=Path, help="the video to write (.avi); an existing file is never replaced")
    p.add_argument("--hold", type=int, default=30, help="frames each face is held (default: 30, a second)")
    args = p.parse_args(argv)
    try:
        if args.output.exists():
            raise UserError(f"{args.output} already exists: pick a new name (nothing is overwritten)")
        if args.output.suffix.lower() != ".avi":
            raise UserError(f"{args.output}: the demo is written as MJPG video, so give it an .avi name")
        faces, where = demo_faces()
        try:
            n = write_clip(args.output, faces, hold=max(1, args.hold))
        except RuntimeError as exc:
            raise UserError(f"{exc}: is the folder there and writable?") from None
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}: {n} frames ({n / 30:.0f} s) of {len(faces)} faces, {where}; "
          f"try it with: python gui.py --source {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
