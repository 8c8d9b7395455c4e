"""Build demo, test and benchmark clips from real faces (no camera needed).

    python -m emoji_creator.clip demo.avi      # a 20-second clip to try the app without a camera
    python gui.py --source demo.avi

The demo takes FER2013 test faces when the data set is found (data/, see
data/README.md), else the public-domain face shipped in tests/faces/, given
other mouths (a straight one, a turned-down one, an open one) and moved as a
person before a webcam would: near and far, left and right, tilted, mirrored,
in dim and bright light, and beside a second face.

Each 48x48 face is enlarged and placed with a margin on a 640x480 frame, so
the Haar cascade sees a face at webcam distance; each is held for a number of
frames with a little sensor noise, as a person holding still in front of a
webcam would give.
"""
import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import CLASSES, UserError
from .data import find_data, read_image

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


def arrivals_frames(faces, every=10, slots=4, size=FRAME_SIZE, noise=3.0, seed=0):
    """[("arrivals", BGR frame, [Truth])]: a busy scene, where a new face arrives every `every`
    frames in one of `slots` places (taking the place of the face that was there) while the
    others stay, each face used once: the live loop's costliest kind of clip."""
    rng = np.random.default_rng(seed)
    boxes = layout(size, slots, (70, 110), rng)
    base, shown, out = background(size, rng), {}, []
    for k, (label, face) in enumerate(faces):
        x, y, side, _ = boxes[k % len(boxes)]
        base[y:y + side, x:x + side] = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        shown[k % len(boxes)] = Truth((x, y, side, side), label, k)
        for _ in range(every):
            frame = np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8)
            out.append(("arrivals", cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), list(shown.values())))
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


def expressions(img, box):
    """{name: the shipped picture with another mouth}: its own smile, a straight mouth, the smile
    turned down, an open mouth. Drawn, not acted: something to watch, not a test of the model."""
    x, y, w, h = box
    mx0, mx1, my0, my1 = x + int(w * 0.22), x + int(w * 0.78), y + int(h * 0.62), y + int(h * 0.92)
    region = img[my0:my1, mx0:mx1].astype(np.float32)
    rows = np.linspace(0, 1, region.shape[0])[:, None]
    skin = region[0] * (1 - rows) + region[-1] * rows  # the mouth wiped: skin from above to below it
    feather = np.minimum.outer(np.minimum(rows[:, 0], 1 - rows[:, 0]),
                               np.minimum(np.linspace(0, 1, region.shape[1]), np.linspace(1, 0, region.shape[1])))
    feather = np.clip(feather * 6, 0, 1)  # blends the new mouth into the face at its edges

    def mouth(new):
        out = img.copy()
        out[my0:my1, mx0:mx1] = np.clip(new * feather + region * (1 - feather), 0, 255).astype(np.uint8)
        return out

    cx, cy, mw = region.shape[1] // 2, int(region.shape[0] * 0.45), int(region.shape[1] * 0.3)
    straight = skin.copy()
    cv2.line(straight, (cx - mw, cy), (cx + mw, cy), 85, max(2, h // 40), cv2.LINE_AA)
    opened = skin.copy()
    cv2.ellipse(opened, (cx, cy + 2), (int(mw * 0.6), int(region.shape[0] * 0.36)), 0, 0, 360, 45, -1, cv2.LINE_AA)
    return {"happy": img, "neutral": mouth(straight), "sad": mouth(region[::-1]), "surprise": mouth(opened)}


def shipped_demo_frames(seconds=24, fps=30, seed=0):
    """Frames of the no-data demo, one segment of about 3 s per scene: the shipped face's four mouths,
    drifting, far away, tilted and mirrored, dim and bright, and two faces together."""
    img, box = shipped_face()
    faces = expressions(img, box)
    rng = np.random.default_rng(seed)
    w, h = FRAME_SIZE
    names = ["happy", "neutral", "sad", "surprise"]
    segment = max(1, seconds * fps // 8)

    def place(frame, face, side, cx, cy, angle=0.0, flip=False, light=1.0):
        pic = cv2.resize(face[:, ::-1] if flip else face, (side, side), interpolation=cv2.INTER_CUBIC)
        if angle:
            pic = cv2.warpAffine(pic, cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0), (side, side),
                                 borderMode=cv2.BORDER_REPLICATE)
        x0, y0 = int(cx - side / 2), int(cy - side / 2)
        fx0, fy0, fx1, fy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
        frame[fy0:fy1, fx0:fx1] = np.clip(pic[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0] * light, 0, 255)

    for k in range(8):
        for i in range(segment):
            t = i / segment
            frame = np.full((h, w), 110, np.float32)
            name = names[(k + int(t * 2)) % 4]  # a new mouth halfway through each scene
            if k == 0:
                place(frame, faces[name], 330, w / 2, h / 2)
            elif k == 1:  # drifting left and right
                place(frame, faces[name], 300, w / 2 + 150 * np.sin(2 * np.pi * t), h / 2)
            elif k == 2:  # walking away and back
                place(frame, faces[name], int(330 - 230 * np.sin(np.pi * t)), w / 2, h / 2)
            elif k == 3:  # a tilted head
                place(frame, faces[name], 320, w / 2, h / 2, angle=15 * np.sin(2 * np.pi * t))
            elif k == 4:  # mirrored
                place(frame, faces[name], 320, w / 2, h / 2, flip=True)
            elif k == 5:  # the light dims and comes back
                frame *= 0.45 + 0.55 * abs(np.cos(np.pi * t))
                place(frame, faces[name], 320, w / 2, h / 2, light=0.45 + 0.55 * abs(np.cos(np.pi * t)))
            elif k == 6:  # two people
                place(frame, faces[name], 260, w * 0.27, h / 2)
                place(frame, faces[names[(k + 1 + int(t * 2)) % 4]], 220, w * 0.73, h / 2, flip=True)
            else:  # back near, each mouth in turn
                place(frame, faces[names[int(t * 4) % 4]], 340, w / 2, h / 2)
            frame += rng.normal(0, 3.0, frame.shape)
            yield cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def write_frames(path, frames, fps=30):
    """Write BGR frames (all of the first one's size) as an MJPG .avi; returns how many."""
    frames = iter(frames)
    first = next(frames, None)
    size = FRAME_SIZE if first is None else first.shape[1::-1]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    n = 0
    try:
        for frame in itertools.chain([] if first is None else [first], frames):  # streamed, never all held
            writer.write(frame)
            n += 1
    finally:
        writer.release()
    return n


def main(argv=None):

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
            if len(faces) > 2:
                n = write_clip(args.output, faces, hold=max(1, args.hold))
                what = f"{len(faces)} faces, {where}"
            else:  # no data set: the shipped face, with other mouths and moves
                if shipped_face() is None:
                    raise UserError("no faces to make a clip from: put FER2013 in data/ (see data/README.md)")
                n = write_frames(args.output, shipped_demo_frames())
                what = f"{where} with four mouths, moving"
        except RuntimeError as exc:
            raise UserError(f"{exc}: is the folder there and writable?") from None
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}: {n} frames ({n / 30:.0f} s) of {what}; "
          f"try it with: python gui.py --source {args.output} --loop")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
