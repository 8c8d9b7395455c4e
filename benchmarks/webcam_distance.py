"""The face at webcam distance, per face finder: one box per face while the camera zooms in past
the frame and out, tilts, and pans until the face leaves and comes back, at 640x480, 1280x720 and
1920x1080 (emoji_creator.webcam_scenes).

    python benchmarks/webcam_distance.py                 # the report part
    python benchmarks/webcam_distance.py --part tune     # the tuning photos (choose settings here)
    python benchmarks/webcam_distance.py --sizes 480     # one resolution

Each move of each photo at each size is played by a pipeline restarted for it, as useIt.py and
the window run it. Per finder: found (faces filling 25-100% of the frame height, wholly inside
it, with a box whose centre lies on them), extra (further boxes on a face already boxed, per 100
face-frames), on-nothing (boxes on no face), linger (frames a box stays after its face left:
the worst case and the mean), ms a frame per resolution (median).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emoji_creator import CLASSES, DEFAULT_MODEL  # noqa: E402
from emoji_creator.detectors import DETECTORS  # noqa: E402
from emoji_creator.model_file import check_model_file  # noqa: E402


def on_face(box, truth):
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    x, y, w, h = truth.box
    return x <= cx <= x + w and y <= cy <= y + h


class Score:
    def __init__(self):
        self.big = self.big_found = self.face_frames = self.extra = self.nothing = 0
        self.labelled = self.right = self.frames = self.good = 0
        self.linger, self.ms = [], {}
        self.gone = None  # frames since a face left, while a box is still up (None: no face has just left)

    def add(self, frame, truths, found, ms, before):
        """found: [(box, label)] the pipeline gave for this frame."""
        h, w = frame.shape[:2]
        self.ms.setdefault(h, []).append(ms)
        taken, shown = set(), {}
        boxes = [b for b, _ in found]
        for b, label in found:
            on = [t.face for t in truths if on_face(b, t)]
            if not on:
                self.nothing += 1
            elif on[0] in taken:
                self.extra += 1
            else:
                taken.add(on[0])
                shown[on[0]] = label
        right = [CLASSES[shown[t.face]] == t.label if t.face in shown else False for t in truths if t.label]
        self.labelled += len(right)
        self.right += sum(right)
        self.frames += 1
        self.good += all(right) and len(boxes) == len(taken)  # no box on no face, no second box on one
        self.face_frames += len(truths)
        for t in truths:
            x, y, bw, bh = t.box
            if 0.25 * h <= bh <= h and x >= 0 and y >= 0 and x + bw <= w and y + bh <= h:
                self.big += 1
                self.big_found += t.face in taken
        left = {t.face for t in before} - {t.face for t in truths}
        stray = len(boxes) > len(taken)  # a box on no face
        if left:
            self.gone = 0
        if self.gone is not None:
            if stray:
                self.gone += 1
            else:
                self.linger.append(self.gone)
                self.gone = None

    def end(self):
        if self.gone is not None:
            self.linger.append(self.gone)
            self.gone = None

    def row(self):
        linger = self.linger or [0]
        return (f"{self.big_found / max(self.big, 1):7.1%} {self.right / max(self.labelled, 1):7.1%} "
                f"{self.good / max(self.frames, 1):7.1%} {100 * self.extra / max(self.face_frames, 1):7.2f} "
                f"{self.nothing:6d} {max(linger):6d} {np.mean(linger):6.2f}  "
                + "  ".join(f"{np.median(v):5.1f}" for _, v in sorted(self.ms.items())))


def run(frames, finders, model):
    from emoji_creator.live import LivePipeline

    scores = {}
    for name in finders:
        pipeline, score = LivePipeline(model, detector=name), Score()
        before, key = [], None
        for scene, frame, truths, clip in frames:
            if clip != key:  # a new move: a new source
                score.end()
                pipeline.restart()
                before, key = [], clip
            t = time.perf_counter()
            faces = pipeline.process(frame)
            score.add(frame, truths, [(f.box, f.label) for f in faces], 1000 * (time.perf_counter() - t), before)
            before = truths
        score.end()
        scores[name] = score
    return scores


def main(argv=None):
    from emoji_creator.webcam_scenes import SIZES, moves, webcam_frames

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--part", choices=("report", "tune"), default="report")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--detectors", default=",".join(DETECTORS), metavar="NAMES")
    p.add_argument("--sizes", default="480,720,1080", metavar="HEIGHTS", help="frame heights (default all three)")
    args = p.parse_args(argv)
    check_model_file(args.model)
    heights = {int(v) for v in args.sizes.split(",")}
    sizes = [s for s in SIZES if s[1] in heights]
    frames = webcam_frames(args.part, sizes=sizes)
    n = len(moves()[0][1])
    clips = [(scene, frame, truths, i // n) for i, (scene, frame, truths) in enumerate(frames)]
    print(f"webcam-distance scenes ({args.part} part): {len(frames)} frames, {len(frames) // n} moves of {n} "
          f"frames at {', '.join(f'{w}x{h}' for w, h in sizes)}")
    scores = run(clips, args.detectors.split(","), args.model)
    head = f"{'finder':10} {'found':>7} {'right':>7} {'good':>7} {'extra':>7} {'on-nothing':>6} {'linger max':>6} {'mean':>6}  ms at " \
           + ", ".join(str(h) for h in sorted(heights))
    print(head)
    for name, s in scores.items():
        print(f"{name:10} {s.row()}")
    print("found: faces filling 25-100% of the frame height and wholly inside it, with a box; right: the main "
          "face's emoji is what people would say (webcam_scenes.EXPRESSIONS), over the frames it is in; good: "
          "frames with every main face's emoji right and no box on no face or extra; extra: further "
          "boxes on a boxed face per 100 face-frames; on-nothing: boxes on no face; linger: frames a box stays "
          "after its face left (worst, mean)")
    return scores


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
