"""The live loop against the tutorial's loop, on one recorded clip, in one run, alternating.

    python benchmarks/live_loop.py                 # builds the clip from ../shared/fer2013
    python benchmarks/live_loop.py --variants      # also each speed-up alone

(a) tutorial: per frame, load the Haar cascade again, detectMultiScale(1.3, 5)
    on the full frame, model.predict() on each 48x48 crop;
(b) project: LivePipeline, as useIt.py and gui.py use it.
Both use the same model. The clip (640x480, real FER2013 faces enlarged with a
margin, each held 20 frames with sensor noise) is decoded into memory first,
so decoding is timed for neither.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emoji_creator import CASCADE_PATH, DEFAULT_MODEL  # noqa: E402
from emoji_creator.clip import FRAME_SIZE, fer_faces, write_clip  # noqa: E402

HOLD = 20
FACE_PX = 220  # compose()'s default


def tutorial_step(frame, model):
    import cv2

    cascade = cv2.CascadeClassifier(str(CASCADE_PATH))  # reloaded every frame, as the tutorial did
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    boxes = cascade.detectMultiScale(gray, scaleFactor=1.3, minNeighbors=5)
    labels = []
    for x, y, w, h in boxes:
        crop = np.expand_dims(np.expand_dims(cv2.resize(gray[y:y + h, x:x + w], (48, 48)), -1), 0)
        labels.append(int(np.argmax(model.predict(crop, verbose=0))))
    return [tuple(b) for b in boxes], labels


class Project:
    def __init__(self, model, **kw):
        from emoji_creator.live import LivePipeline

        self.pipeline = LivePipeline(model, **kw)

    def __call__(self, frame):
        faces = self.pipeline.process(frame)
        return [f.box for f in faces], [f.label for f in faces]


def true_face():
    w, h = FRAME_SIZE
    return ((w - FACE_PX) // 2, (h - FACE_PX) // 2, FACE_PX, FACE_PX)


def false_boxes(boxes):
    """Boxes whose centre is off the face, plus any second box on it."""
    fx, fy, fw, fh = true_face()
    on = [b for b in boxes if fx <= b[0] + b[2] / 2 <= fx + fw and fy <= b[1] + b[3] / 2 <= fy + fh]
    return len(boxes) - len(on) + max(0, len(on) - 1)


class Tally:
    def __init__(self, name):
        self.name, self.ms, self.found, self.false, self.changes, self.held = name, [], 0, 0, 0, 0
        self.prev = None

    def add(self, i, ms, boxes, labels):
        self.ms.append(ms)
        self.found += bool(boxes)
        self.false += false_boxes(boxes)
        # Label changes while one face is held: consecutive frames of a segment, both with a face.
        label = labels[0] if len(labels) == 1 else None
        if i % HOLD:
            if label is not None and self.prev is not None:
                self.held += 1
                self.changes += label != self.prev
        self.prev = label

    def row(self):
        ms = np.asarray(self.ms)
        return {"pipeline": self.name, "median_ms": np.median(ms), "p95_ms": np.percentile(ms, 95),
                "fps": 1000 / ms.mean(), "frames_with_face": self.found, "false_boxes": self.false,
                "label_changes_per_100": 100 * self.changes / max(self.held, 1)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fer", type=Path, default=ROOT.parent / "shared" / "fer2013")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--faces-per-class", type=int, default=5, help="7 classes x this x 20 frames (default 700)")
    p.add_argument("--variants", action="store_true", help="also time each speed-up on its own")
    args = p.parse_args(argv)

    import cv2
    import keras

    from emoji_creator.live import FrameSource

    clip = ROOT / "benchmarks" / "clip.avi"
    n = write_clip(clip, fer_faces(args.fer, per_class=args.faces_per_class), hold=HOLD)
    src = FrameSource(clip)
    frames = []
    while (f := src.read()) is not None:
        frames.append(f)
    src.release()
    print(f"clip: {n} frames of {FRAME_SIZE[0]}x{FRAME_SIZE[1]}, {n // HOLD} real faces held {HOLD} frames each; "
          f"OpenCV {cv2.__version__}, Keras {keras.__version__}")

    model = keras.models.load_model(args.model, compile=False)
    runners = {"tutorial": lambda fr: tutorial_step(fr, model), "project": Project(args.model)}
    if args.variants:
        runners["project, detect every frame"] = Project(args.model, detect_every=1)
        runners["project, no smoothing"] = Project(args.model, smooth=False)
    tallies = {k: Tally(k) for k in runners}
    for fr in frames[:5]:  # warm-up: first calls trace and allocate
        for run in runners.values():
            run(fr.copy())
    for i, fr in enumerate(frames):
        for name, run in runners.items():  # alternating, frame by frame
            t = time.perf_counter()
            boxes, labels = run(fr)
            tallies[name].add(i, (time.perf_counter() - t) * 1000, boxes, labels)

    rows = [t.row() for t in tallies.values()]
    head = f"{'pipeline':30} {'median ms':>9} {'p95 ms':>7} {'fps':>7} {'faces':>6} {'false':>6} {'changes/100':>11}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['pipeline']:30} {r['median_ms']:9.1f} {r['p95_ms']:7.1f} {r['fps']:7.1f} "
              f"{r['frames_with_face']:6d} {r['false_boxes']:6d} {r['label_changes_per_100']:11.1f}")
    print(f"project / tutorial frames per second: {rows[1]['fps'] / rows[0]['fps']:.1f}x")
    return rows


if __name__ == "__main__":
    main()
