"""The live loop as a user meets it, per face finder, beside the tutorial's loop, in one run.

    python benchmarks/live_loop.py                  # the report part: FER2013 test faces, report photos
    python benchmarks/live_loop.py --part tune      # training faces and the tuning photos (choose here)
    python benchmarks/live_loop.py --variants       # also each finder without smoothing
    python benchmarks/live_loop.py --box-scale      # which box scale suits each finder's crops
    python benchmarks/live_loop.py --costs          # one finder call at 640x480, 1280x720, 1920x1080
    python benchmarks/live_loop.py --outside        # useIt.py and the tutorial's loop from outside, quiet and busy clips
    python benchmarks/live_loop.py --shifts 5       # one pass (each finder's figures from one schedule)

Scenes, each held 12 frames with sensor noise:
- the clip (emoji_creator.clip.scenario_frames): real FER2013 faces as a webcam
  sees them: near, mid and far (50-80 px in 640x480, 60-90 px in 1280x720),
  tilted, dark, bright, partly covered, a group of five, each layout then
  replaced in place by new faces;
- enlarged (clip.enlarged_frames): a face inside its own border pixels repeated
  outwards, drifting on blurred noise, where a finder may box it twice;
- photos, photos-640: real photos of people in rooms, at tables, waving, in
  shirts and ties (benchmarks/photos/, hand-checked boxes), at their own size
  and at 640 wide; their faces count for finding, not for emotion.
Frames are made in memory first, so decoding is timed for no one. Runners
process the frames alternately, frame by frame, so machine drift hits all alike:
(a) tutorial: per frame, reload the Haar cascade, detectMultiScale(1.3, 5)
    on the full frame, model.predict() on each 48x48 crop;
(b) project: LivePipeline (as useIt.py and gui.py run it) with each finder.
Each pipeline plays the frames five times (--shifts), restarted as if 0, 3, 5, 7 and 10 frames
had come first, so a figure does not hang on where scene changes fall against its schedule.
A face counts as found when a box's centre lies on it; a second box on it is
an extra box, a box on no face a false one. 'offline' is the same model (the
app's views) on each FER2013 face's true box: the ceiling for 'right'.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emoji_creator import CASCADE_PATH, CLASSES, DEFAULT_MODEL  # noqa: E402
from emoji_creator.clip import SCENARIOS, fer_faces, scenario_frames  # noqa: E402
from emoji_creator.data import find_data  # noqa: E402
from emoji_creator.detectors import DETECTORS  # noqa: E402
from emoji_creator.model_file import check_model_file# noqa: E402

HOLD = 12
PHOTOS = ROOT / "benchmarks" / "photos"


def tutorial_runner(model_path):
    import cv2

    from emoji_creator import native_stderr_quiet, quiet_libraries

    quiet_libraries()
    with native_stderr_quiet():  # TensorFlow's import-time lines
        import keras

    model = keras.models.load_model(model_path, compile=False)

    def run(frame):
        cascade = cv2.CascadeClassifier(str(CASCADE_PATH))  # reloaded every frame, as the tutorial did
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        boxes = cascade.detectMultiScale(gray, scaleFactor=1.3, minNeighbors=5)
        out = []
        for x, y, w, h in boxes:
            crop = cv2.resize(gray[y:y + h, x:x + w], (48, 48))[None, :, :, None]
            out.append(((x, y, w, h), int(np.argmax(model.predict(crop, verbose=0))), 0))
        return out
    return run


def project_runner(model_path, detector, **kw):
    from emoji_creator.live import LivePipeline

    pipeline = LivePipeline(model_path, detector=detector, **kw)

    def run(frame):
        return [(f.box, f.label, f.age) for f in pipeline.process(frame)]
    run.pipeline = pipeline
    return run


def match(truths, found):
    """({truth index: (label, age)} for the boxes whose centre lies on a true face, the number of
    further boxes on a face already boxed (extra), the number of boxes on no face (false))."""
    hits, extra, false = {}, 0, 0
    for box, label, age in found:
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        on = [i for i, t in enumerate(truths)
              if t.box[0] <= cx <= t.box[0] + t.box[2] and t.box[1] <= cy <= t.box[1] + t.box[3]]
        if not on:
            false += 1
        elif on[0] in hits:
            extra += 1
        else:
            hits[on[0]] = (label, age)
    return hits, extra, false


class Tally:
    def __init__(self, name, top_voted=None):
        """top_voted: per face of the clip, the classes FER+'s annotators voted most (None: no votes)."""
        self.name, self.ms, self.top_voted = name, [], top_voted
        self.faces = self.found = self.right = self.false = self.extra = self.changes = self.held = 0
        self.labelled = self.labelled_found = 0  # faces with an emotion to score (FER2013 faces, not photos)
        self.right_plus = self.found_plus = self.faces_plus = 0  # by the FER+ majority, over the faces it scores
        self.frames = self.frames_found = 0  # frames with a face / with at least one of them found
        self.by_scene = {}  # scenario -> [faces, found, extra boxes, false boxes, frames, good frames]
        self.by_index = np.zeros((HOLD, 2))  # frame index within a hold -> [right, faces]
        self.prev = {}  # face id -> label last frame

    def add(self, scene, index, ms, truths, found):
        self.ms.append(ms)
        hits, extra, false = match(truths, found)
        self.false += false
        self.extra += extra
        self.frames += bool(truths)
        self.frames_found += bool(hits)
        s = self.by_scene.setdefault(scene, [0, 0, 0, 0, 0, 0])
        s[2:5] = s[2] + extra, s[3] + false, s[4] + 1
        good = not extra and not false  # and each face boxed with the right emoji (a photo's: boxed)
        prev, self.prev = self.prev, {}
        for i, t in enumerate(truths):
            self.faces += 1
            s[0] += 1
            labelled = t.label is not None  # a photo's face has no true emotion
            top = self.top_voted[t.face % len(self.top_voted)] if self.top_voted and labelled else None
            self.faces_plus += top is not None
            self.labelled += labelled
            right = False
            good &= i in hits
            if i in hits:
                label = hits[i][0]
                self.found += 1
                self.labelled_found += labelled
                s[1] += 1
                right = CLASSES[label] == t.label
                self.right += right
                good &= t.label is None or (CLASSES[label] in top if top is not None else right)
                if top is not None:
                    self.found_plus += 1
                    self.right_plus += CLASSES[label] in top
                if t.face in prev:
                    self.held += 1
                    self.changes += label != prev[t.face]
                self.prev[t.face] = label
            if labelled:
                self.by_index[min(index, HOLD - 1)] += (right, 1)
        s[5] += good

    def row(self):
        ms = np.asarray(self.ms)
        return {"pipeline": self.name, "frames_found": self.frames_found / self.frames,
                "found": self.found / self.faces, "right_found": self.right / max(self.labelled_found, 1),
                "right_all": self.right / max(self.labelled, 1),
                "plus_found": self.right_plus / max(self.found_plus, 1) if self.top_voted else None,
                "plus_all": self.right_plus / max(self.faces_plus, 1) if self.top_voted else None,
                "changes_per_100": 100 * self.changes / max(self.held, 1),
                "extra_per_100": 100 * self.extra / len(self.ms), "false_boxes": self.false,
                "median_ms": float(np.median(ms)), "p95_ms": float(np.percentile(ms, 95))}


def offline_accuracy(model_path, frames):
    """The model alone (the app's views) on each face-frame's true FER2013 box, cut from the
    frame: what a perfect face finder would give, the ceiling for 'right|found'."""
    import cv2

    from emoji_creator.live import crop_faces
    from emoji_creator.runtime import load_live_model

    predict, _ = load_live_model(model_path)
    right = total = 0
    for _, frame, truths in frames:
        truths = [t for t in truths if t.label is not None]  # photos: no true emotion
        if not truths:
            continue
        crops = crop_faces(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), [t.box for t in truths])
        pred = predict(crops).argmax(1)
        right += sum(CLASSES[p] == t.label for p, t in zip(pred, truths))
        total += len(truths)
    return right / total


def top_voted(fer, per_class, split="test"):
    """Per face of the clip (fer_faces' order), the set of classes with FER+'s top vote, or None
    without a votes file beside the data or when a face is left out (then not scored by FER+)."""
    from emoji_creator.clip import fer_face_files
    from emoji_creator.votes import read_votes, row_of, votes_beside

    votes = votes_beside(fer)
    if votes is None:
        return None
    _, table, _ = read_votes(votes)
    out = []
    for _, f in fer_face_files(fer, per_class=per_class, split=split):
        row = row_of(f.name)
        v = table[row] if row is not None and row < len(table) else None
        # None: a face the votes leave out (top-voted contempt, unknown, not a face): not FER+-scored.
        out.append(None if v is None or not np.isfinite(v).all() else {CLASSES[i] for i in np.flatnonzero(v >= v.max())})
    return out if any(out) else None


def load_frames(fer, per_class, split="test", photos=None, enlarged=48):
    """[(scene, BGR frame, [Truth])]: the scenario clip and `enlarged` faces with repeated
    borders (FER2013 faces of `split`), then the photos of part `photos` (None: none)."""
    from emoji_creator.clip import enlarged_frames

    faces = fer_faces(fer, per_class=per_class, split=split)
    frames = scenario_frames(faces, segments_per_scenario=max(1, len(faces) // (len(SCENARIOS) + 4)), hold=HOLD)
    frames += enlarged_frames(faces[:enlarged], hold=HOLD)
    return frames + (photo_frames(photos) if photos else [])


def photo_frames(part, hold=HOLD, noise=3.0, seed=0):
    """[(scene, BGR frame, [Truth])]: each photo of `part` in benchmarks/photos/ (README there)
    at its own size ("photos") and at 640 wide ("photos-640"), held `hold` frames with sensor
    noise as a camera pointed at it would give. Its faces have no true emotion (label None)."""
    import json

    import cv2

    from emoji_creator.clip import Truth

    rng = np.random.default_rng(seed)
    table = json.loads((PHOTOS / "boxes.json").read_text())
    out, k = [], 0
    for scene, width in (("photos", None), ("photos-640", 640)):
        for name, info in table.items():
            if info["part"] != part:
                continue
            image = cv2.imread(str(PHOTOS / name))
            s = 1.0 if width is None else width / image.shape[1]
            if s != 1.0:
                image = cv2.resize(image, (width, round(image.shape[0] * s)),
                                   interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
            truths = [Truth(tuple(round(v * s) for v in box), None, -1 - (k := k + 1)) for box in info["faces"]]
            for _ in range(hold):
                noisy = np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)
                out.append((scene, noisy, truths))
    return out


def detector_costs(faces, rounds=30):
    """Median ms of one detector call on a frame with a face at 640x480, 1280x720 and 1920x1080,
    beside the tutorial's full-frame call and the 240-px copy this project used before."""
    import cv2

    from emoji_creator.clip import background
    from emoji_creator.detectors import make_detector

    cascade = cv2.CascadeClassifier(str(CASCADE_PATH))

    def before(frame):  # the previous project default: a 240-px-wide copy, faces from 12% of the frame
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        s = 240 / gray.shape[1]
        small = cv2.resize(gray, (240, round(gray.shape[0] * s)), interpolation=cv2.INTER_AREA)
        side = max(24, int(min(small.shape) * 0.12))
        return cascade.detectMultiScale(small, scaleFactor=1.2, minNeighbors=4, minSize=(side, side))

    runners = {"tutorial: full frame (1.3, 5)": lambda f: cascade.detectMultiScale(
        cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), scaleFactor=1.3, minNeighbors=5),
        "before: 240-px copy": before}
    runners.update({f"haar (min face {d.min_face:.0%})": d for d in [make_detector("haar")]})
    runners.update({f"blazeface (min face {d.min_face:.0%})": d for d in [make_detector("blazeface")]})
    runners.update({f"yunet (min face {d.min_face:.0%})": d for d in [make_detector("yunet")]})
    rng = np.random.default_rng(1)
    sizes = ((640, 480), (1280, 720), (1920, 1080))
    frames = []
    for w, h in sizes:
        frame = background((w, h), rng)
        s = int(h * 0.2)
        frame[h // 3:h // 3 + s, w // 2:w // 2 + s] = cv2.resize(faces[3][1], (s, s))
        frames.append(cv2.cvtColor(frame.astype(np.uint8), cv2.COLOR_GRAY2BGR))
    print("one detector call, median ms (a frame with one face of 20% of its height)")
    print(f"{'detector':34} " + " ".join(f"{f'{w}x{h}':>10}" for w, h in sizes))
    for name, run in runners.items():
        cells = []
        for frame in frames:
            run(frame)
            ts = []
            for _ in range(rounds):
                t = time.perf_counter()
                run(frame)
                ts.append((time.perf_counter() - t) * 1000)
            cells.append(f"{np.median(ts):10.1f}")
        print(f"{name:34} " + " ".join(cells))


def box_scale_sweep(model_path, frames, plus=None):
    """Right emotion among found faces (no smoothing, one frame per layout) for each detector
    with its boxes scaled and shifted, against the true boxes: which crop suits the classifier."""
    from emoji_creator import detectors

    frames = frames[::HOLD]
    print(f"box scale and shift: right emotion among found faces, {sum(len(t) for _, _, t in frames)} faces, "
          f"one frame each; true boxes: {offline_accuracy(model_path, frames):.1%}")
    for cls in (detectors.HaarDetector, detectors.BlazeFaceDetector, detectors.YuNetDetector):
        base = cls.BOX_SCALE, cls.BOX_SHIFT
        for shift in (-0.1, -0.05, 0.0):
            cells = []
            for scale in (0.9, 1.0, 1.1, 1.2):
                cls.BOX_SCALE, cls.BOX_SHIFT = scale, shift
                run = project_runner(model_path, cls.name, smooth=False)
                t = Tally(cls.name, plus)
                for scene, frame, truths in frames:
                    t.add(scene, 0, 0.0, truths, run(frame))
                cells.append(f"x{scale:.1f}: " + (f"FER+ {t.right_plus / max(t.found_plus, 1):.1%} / " if plus else "")
                             + f"{t.right / max(t.found, 1):.1%}")
            print(f"  {cls.name:10} shift {shift:+.2f}  " + "  ".join(cells))
        cls.BOX_SCALE, cls.BOX_SHIFT = base
        print(f"  {cls.name:10} shipped: x{base[0]:.1f}, shift {base[1]:+.2f}")


def tutorial_loop(source, model_path, max_frames):
    """The tutorial's webcam loop, reading a video: per frame the cascade reloaded, the full
    frame searched (1.3, 5), model.predict() on each face, a box and a label drawn."""
    import cv2

    run = tutorial_runner(model_path)
    video = cv2.VideoCapture(str(source))
    n = 0
    while n < max_frames:
        ok, frame = video.read()
        if not ok:
            break
        for (x, y, w, h), label, _ in run(frame):
            cv2.rectangle(frame, (x, y - 50), (x + w, y + h + 10), (255, 0, 0), 2)
            cv2.putText(frame, CLASSES[label], (x + 20, y - 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
        n += 1
    video.release()
    return n


def from_outside(fer, model_path, frames=240, rounds=2):
    """ms a frame of `useIt.py --no-window` (each finder) and of the tutorial's loop on two 640x480
    clips, timed from outside: the quiet one (the clip's layouts, each held 12 frames) and the busy
    one (clip.arrivals_frames: a new face every ten frames among three that stay). Each program runs
    twice per clip, on the first 40 frames and on `frames`; the difference per frame leaves start-up
    out. The best of `rounds` is kept."""
    import subprocess
    import tempfile

    import cv2

    from emoji_creator.clip import arrivals_frames

    faces = fer_faces(fer, per_class=8, split="test")
    scenes = [s for s in SCENARIOS if s[1] == (640, 480)]
    clips = {"quiet": [f for _, f, _ in scenario_frames(faces, segments_per_scenario=4, hold=HOLD, scenarios=scenes)],
             "busy": [f for _, f, _ in arrivals_frames(faces)]}
    programs = {"tutorial's loop": [sys.executable, __file__, "--tutorial-loop"]}
    for det in DETECTORS:
        programs[f"useIt.py --detector {det}"] = [sys.executable, str(ROOT / "useIt.py"), "--no-window",
                                                  "--detector", det, "--model", str(model_path)]
    cost = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, clip in clips.items():
            clip = clip[:frames]
            path = Path(tmp) / f"{kind}.avi"
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
            for f in clip:
                writer.write(f)
            writer.release()

            def seconds(cmd, n):
                extra = ["--model", str(model_path)] if "--tutorial-loop" in cmd else []
                t = time.perf_counter()
                subprocess.run(cmd + ["--source", str(path), "--max-frames", str(n)] + extra, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                return time.perf_counter() - t

            print(f"from outside, the {kind} clip: ms a frame on {len(clip)} 640x480 frames (start-up left out), "
                  f"best of {rounds}")
            for name, cmd in programs.items():
                cost[kind, name] = min(1000 * (seconds(cmd, len(clip)) - seconds(cmd, 40)) / (len(clip) - 40)
                                       for _ in range(rounds))
            base = cost[kind, "tutorial's loop"]
            for name in programs:
                ms = cost[kind, name]
                print(f"  {name:34} {ms:6.1f} ms   {base / ms:5.1f}x cheaper than the tutorial's loop")
    return cost


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fer", type=Path, help="FER2013 folder (default: data/, then ../shared/fer2013)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--faces-per-class", type=int, default=16, help="FER2013 test faces taken per class (default 16)")
    p.add_argument("--variants", action="store_true", help="also each detector without smoothing")
    p.add_argument("--no-tutorial", action="store_true", help="leave out the (slow) tutorial loop")
    p.add_argument("--detectors", default=",".join(DETECTORS), metavar="NAMES",
                   help=f"the finders to run, comma-separated (default: {','.join(DETECTORS)})")
    p.add_argument("--box-scale", action="store_true", help="sweep the box scale of each detector and stop")
    p.add_argument("--costs", action="store_true", help="only time one call of each detector at three resolutions")
    p.add_argument("--outside", action="store_true",
                   help="only time useIt.py and the tutorial's loop from outside, on a quiet and a busy 640x480 clip")
    p.add_argument("--tutorial-loop", action="store_true", help=argparse.SUPPRESS)  # --outside runs it
    p.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--max-frames", type=int, default=10 ** 9, help=argparse.SUPPRESS)
    p.add_argument("--shifts", default="0,3,5,7,10", metavar="N,N,...",
                   help="frames the pipelines have counted when the clip starts, one pass each, summed "
                        "(default 0,3,5,7,10): where scene changes fall against the pipelines' schedules")
    p.add_argument("--part", choices=("report", "tune"), default="report",
                   help="report (default): FER2013 test faces and the report photos; tune: training faces and "
                        "the tuning photos, where settings are chosen")
    args = p.parse_args(argv)
    check_model_file(args.model)  # before minutes of work, not at the first loop that needs it

    if args.tutorial_loop:
        tutorial_loop(args.source, args.model, args.max_frames)
        return None
    import cv2

    fer = args.fer or find_data()
    if args.outside:
        from_outside(fer, args.model)
        return None
    # Choices (the box placement, the Haar check) are made on training faces and the tuning
    # photos, so the figures of the report part never chose anything.
    split = "train" if args.box_scale or args.part == "tune" else "test"
    frames = load_frames(fer, args.faces_per_class, split, photos=None if args.box_scale else args.part)
    sizes = sorted({f.shape[1::-1] for _, f, _ in frames})
    n_faces = sum(len(t) for _, _, t in frames)
    print(f"scenes: {len(frames)} frames ({', '.join(f'{w}x{h}' for w, h in sizes)}), {n_faces} face-frames; "
          f"{len({x.face for _, _, t in frames for x in t if x.label})} real FER2013 {split} faces and "
          f"{len({x.face for _, _, t in frames for x in t if not x.label})} faces in photos ({args.part} part), "
          f"each scene held {HOLD} frames; OpenCV {cv2.__version__}")
    if args.box_scale:
        box_scale_sweep(args.model, frames, top_voted(fer, args.faces_per_class, split))
        return None
    if args.costs:
        detector_costs(fer_faces(fer, per_class=1))
        return None

    runners = {} if args.no_tutorial else {"tutorial (Haar 1.3, 5)": tutorial_runner(args.model)}
    for det in args.detectors.split(","):
        runners[f"project, {det}"] = project_runner(args.model, det)
        if args.variants:
            runners[f"project, {det}, no smoothing"] = project_runner(args.model, det, smooth=False, detect_every=1)
    plus = top_voted(fer, args.faces_per_class, split)
    tallies = {k: Tally(k, plus) for k in runners}
    for _, frame, _ in frames[:5]:  # warm-up: first calls allocate
        for run in runners.values():
            run(frame.copy())
    shifts = [int(v) for v in args.shifts.split(",")]
    for k, shift in enumerate(shifts):
        # The tutorial's loop keeps nothing from frame to frame: one pass says all it has to say.
        passing = {name: run for name, run in runners.items() if k == 0 or hasattr(run, "pipeline")}
        for name, run in passing.items():
            tallies[name].prev = {}
            if hasattr(run, "pipeline"):
                run.pipeline.restart(frames_before=shift)
        for i, (scene, frame, truths) in enumerate(frames):
            for name, run in passing.items():  # alternating, frame by frame
                t = time.perf_counter()
                found = run(frame)
                tallies[name].add(scene, i % HOLD, (time.perf_counter() - t) * 1000, truths, found)
    if len(shifts) > 1:
        print(f"{len(shifts)} passes of each pipeline, restarted as if {args.shifts} frames had come before the "
              f"clip, figures summed (the tutorial's loop, which keeps nothing between frames: one pass)")

    offline = offline_accuracy(args.model, frames)
    rows = [t.row() for t in tallies.values()]
    # Right emoji twice: by FER+'s majority of ten annotators (when its votes lie beside the data),
    # the truth the app is judged by, and by FER2013's single label.
    head = (f"{'pipeline':24} {'faces':>6} " + (f"{'FER+ right':>10} " if plus else "")
            + f"{'FER2013 right':>13} {'flips/100':>9} {'extra/100':>9} {'false':>5} {'median ms':>9} {'p95 ms':>6}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['pipeline']:24} {r['found']:6.1%} " + (f"{r['plus_all']:10.1%} " if plus else "")
              + f"{r['right_all']:13.1%} {r['changes_per_100']:9.2f} {r['extra_per_100']:9.2f} {r['false_boxes']:5d} "
              f"{r['median_ms']:9.1f} {r['p95_ms']:6.1f}")
    print("faces: share of all faces in all frames with a box on them; right: the emoji shown is right, over all "
          "FER2013 faces (FER+: one of the classes ten annotators voted most); extra/100: further boxes on a face "
          "already boxed, per 100 frames; false: boxes on no face")
    print(f"offline: the same model on the true face boxes (a perfect face finder): {offline:.1%}")
    print()
    scenes = list(dict.fromkeys(s for s, _, _ in frames))
    print("per scene: faces found, extra boxes / boxes on no face; good frames (every face boxed, its emoji right "
          "by FER+ where it has votes, no box on no face or a second on one)")
    print(f"{'pipeline':24} " + " ".join(f"{s:>14}" for s in scenes))
    for t in tallies.values():
        print(f"{t.name:24} " + " ".join(
            f"{t.by_scene[s][1] / t.by_scene[s][0]:5.0%} {t.by_scene[s][2]:3d}/{t.by_scene[s][3]:<3d}  "
            for s in scenes))
    for t in tallies.values():
        print(f"{t.name:24} good " + " ".join(f"{t.by_scene[s][5] / t.by_scene[s][4]:14.1%}" for s in scenes)
              + f"   all scenes {sum(v[5] for v in t.by_scene.values()) / sum(v[4] for v in t.by_scene.values()):.1%}")
    print()
    print("right emotion over all faces, by frame of the hold (0 = the frame a new face appears)")
    idx = [0, 1, 2, 3, 5, 8, HOLD - 1]
    print(f"{'pipeline':24} " + " ".join(f"{k:>6}" for k in idx))
    for t in tallies.values():
        print(f"{t.name:24} " + " ".join(f"{t.by_index[k, 0] / t.by_index[k, 1]:6.1%}" for k in idx))
    print()
    detector_costs(fer_faces(fer, per_class=1))
    return rows


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
