"""The live pipeline shared by useIt.py, gui.py and the benchmark.

Small pure functions in OpenCV's style (crop_faces, draw_faces), a Tracker
that follows each face, a FrameSource over cameras, videos, images and image
folders, and LivePipeline, which holds everything expensive (detector, model)
loaded once.
"""
import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import CLASSES, IMAGE_SIZE, UserError, native_stderr_quiet
from .data import IMAGE_SUFFIXES, MAX_PIXELS, to_model_input
from .detectors import DEFAULT_DETECTOR, MIN_FACE, make_detector
from .files import is_regular, kind, printable, read_regular, utf8_name

def crop_faces(gray, boxes):
    """(n, 48, 48, 1) model inputs for the boxes: the same to_model_input as training."""
    return np.stack([to_model_input(gray[y:y + h, x:x + w]) for x, y, w, h in boxes]).astype(np.float32)


def signature(crop):
    """What a face crop looks like, blind to lighting: 16x16, zero mean, unit spread.

    Two crops of the same face a frame apart differ by ~0.1-0.3 (noise, a small
    shift); two different faces by ~0.6-1.2 (benchmarks/live_loop.py).
    """
    small = cv2.resize(np.asarray(crop, np.float32).reshape(IMAGE_SIZE, IMAGE_SIZE), (16, 16),
                       interpolation=cv2.INTER_AREA)
    return (small - small.mean()) / (small.std() + 8.0)  # +8: a flat crop stays near zero, not noise blown up


def changed(a, b):
    """Mean absolute difference of two signatures."""
    return float(np.abs(a - b).mean())


@dataclass
class Face:
    box: tuple  # x, y, w, h in frame pixels
    probs: np.ndarray  # smoothed probabilities, CLASSES order
    track: int = 0
    age: int = 0  # frames since this face's track began (0: first seen now)

    @property
    def label(self):
        """The class shown: always the one with the highest (smoothed) probability, so the
        label, its percentage, the leading bar and the log can never disagree."""
        return int(self.probs.argmax())

    @property
    def confidence(self):
        return float(self.probs[self.label])


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / float(aw * ah + bw * bh - inter) if inter else 0.0


@dataclass
class Track:
    box: tuple
    probs: np.ndarray
    look: np.ndarray  # signature() of the last crop seen
    age: int = 0
    missing: int = 0


class Tracker:
    """Follows each face from frame to frame and smooths its probabilities.

    A detection continues a track only when its box overlaps the track's AND
    the face under it still looks the same (signature change below `same`): a
    new face taking the old one's place starts afresh instead of inheriting its
    emotion. A face the detector misses keeps its box for up to `patience`
    frames, but only while the crop under that box still looks like it, so a
    box is never carried onto background or onto another face.
    Probabilities are an exponential moving average (weight `alpha` on the new
    frame), which steadies a held face's label without hiding a real change
    for long: measured flips and lag are in the README.
    """

    def __init__(self, alpha=0.2, patience=6, same=0.45, overlap=0.3):
        self.alpha, self.patience, self.same, self.overlap = alpha, patience, same, overlap
        self.tracks = {}  # id -> Track
        self.next_id = 0

    def reset(self):
        self.tracks.clear()

    def candidates(self, boxes):
        """The boxes to classify this frame: the detections, plus each unmatched track's last box.
        A track is carried only when no detection overlaps it, by IoU or by lying mostly inside
        it (or it inside one): a carried box never doubles a face the detector found."""
        from .detectors import overlap_of_smaller

        carried = [t for t in self.tracks
                   if all(max(iou(b, self.tracks[t].box), overlap_of_smaller(b, self.tracks[t].box)) <= self.overlap
                          for b in map(tuple, boxes))]
        return [tuple(map(int, b)) for b in boxes] + [self.tracks[t].box for t in carried], carried

    def looks_same(self, looks):
        """True when every track's face is still under its box (signatures in self.tracks order)."""
        return all(changed(look, t.look) <= self.same for look, t in zip(looks, self.tracks.values()))

    def update(self, boxes, crops, probs, carried=(), detected=True, looks=None):
        """boxes: the detections then the carried boxes (as candidates() gave), with their
        48x48 crops and raw probabilities; returns the faces to show. detected: whether the
        detector ran this frame (a carried box only counts as missed when it did). looks:
        the crops' signatures, when the caller has them already."""
        n_detected = len(boxes) - len(carried)
        if looks is None:
            looks = [signature(c) for c in crops]
        faces, used = [], set()
        for i, (box, look, p) in enumerate(zip(boxes, looks, probs)):
            if i >= n_detected:  # a carried box: keep it only while the same face is under it
                tid = carried[i - n_detected]
                t = self.tracks[tid]
                if t.missing >= self.patience or changed(look, t.look) > self.same:
                    continue
                t.missing += detected
            else:
                scored = [(iou(box, t.box), tid) for tid, t in self.tracks.items() if tid not in used]
                best = max(scored, default=(0.0, None))
                tid = best[1]
                if best[0] > self.overlap and changed(look, self.tracks[tid].look) <= self.same:
                    t = self.tracks[tid]
                    t.missing = 0
                else:
                    tid, self.next_id = self.next_id, self.next_id + 1
                    t = self.tracks[tid] = Track(box, p, look, age=-1)
                    p = t.probs
            t.probs = self.alpha * p + (1 - self.alpha) * t.probs
            t.box, t.look, t.age = box, look, t.age + 1
            used.add(tid)
            faces.append(Face(box, t.probs, tid, t.age))
        for tid in list(self.tracks):  # tracks with nothing under them this frame end now
            if tid not in used:
                del self.tracks[tid]
        return faces


class LivePipeline:
    """Frame in, faces with smoothed emotion probabilities out.

    The face detector and the compiled model are loaded once. The detector
    runs on every `detect_every`-th frame, and at once on any frame where no
    face is tracked or a tracked face no longer looks the same (it moved, or
    another took its place); in between, each face keeps its box. Every
    frame's faces are classified, all in one model call.
    """

    def __init__(self, model_path, detector=DEFAULT_DETECTOR, detect_every=3, smooth=True, min_face=MIN_FACE):
        from .runtime import load_live_model

        self.min_face = min_face
        self.set_detector(detector)  # first: a missing detector is reported before the slow model load
        self.predict, self.class_names = load_live_model(model_path)
        for n in (1, 2):  # warm up for one and two faces now, not on the first frame that has them
            self.predict(np.zeros((n, 48, 48, 1), np.float32))
        self.detect_every = max(1, detect_every)
        self.tracker = Tracker() if smooth else None
        self.frame_index, self.frame_shape = 0, None
        # Loading leaves many long-lived Python objects; a full garbage
        # collection that re-scans them all took 100-200 ms here, inside some
        # unlucky frame. Freezing moves everything loaded so far out of the
        # collector's sight, so the frame loop only pays for its own garbage.
        gc.freeze()

    def set_detector(self, name):
        """Switch the face finder (raises UserError if its model cannot be loaded)."""
        self.detector = make_detector(name, self.min_face)
        self.detector_name = name
        if getattr(self, "tracker", None) is not None:
            self.tracker.reset()

    def process(self, frame):
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        tracker = self.tracker
        self.frame_index += 1
        if gray.shape != self.frame_shape:  # another source or resolution: old boxes mean nothing here
            self.frame_shape = gray.shape
            if tracker is not None:
                tracker.reset()
        if tracker is None:
            boxes = self.detector(frame, gray)[0]
            if len(boxes) == 0:
                return []
            return [Face(tuple(map(int, b)), p) for b, p in zip(boxes, self.predict(crop_faces(gray, boxes)))]
        if tracker.tracks and (self.frame_index - 1) % self.detect_every:
            held = [t.box for t in tracker.tracks.values()]
            crops = crop_faces(gray, held)
            looks = [signature(c) for c in crops]
            if tracker.looks_same(looks):  # every face still where it was: no detector this frame
                return tracker.update(held, crops, self.predict(crops), list(tracker.tracks), detected=False,
                                      looks=looks)
        boxes = self.detector(frame, gray)[0]
        candidates, carried = tracker.candidates(boxes)
        if not candidates:
            return tracker.update([], [], [], [])
        crops = crop_faces(gray, candidates)
        return tracker.update(candidates, crops, self.predict(crops), carried)


BOX_COLOUR = (60, 200, 60)
PANEL_W, ROW_H = 104, 14  # the on-frame probability panel: 7 rows of bar + class initials


def _overlap(a, b):
    """Area shared by two rectangles (x0, y0, x1, y1)."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _place(options, frame_shape, taken):
    """The first option rectangle inside the frame that covers nothing taken; else the least bad."""
    h, w = frame_shape[:2]

    def cost(r):
        outside = (r[0] < 0) + (r[1] < 0) + (r[2] > w) + (r[3] > h)
        return (outside > 0, sum(_overlap(r, t) for t in taken))

    r = min(options, key=cost)  # min() keeps the earliest of equals: the preferred place
    dx = -min(0, r[0]) - max(0, r[2] - w)  # then nudge it into the frame
    dy = -min(0, r[1]) - max(0, r[3] - h)
    return (r[0] + dx, r[1] + dy, r[2] + dx, r[3] + dy)


COMPACT_PX = 100  # a face narrower than this gets a compact label (its class alone) and no bar panel


def layout(faces, frame_shape, class_names=CLASSES):
    """Where each face's label and bar panel go: [(label rect, text, font scale, panel rect or None)],
    rects as (x0, y0, x1, y1). A pure function, so the rules can be tested without pixels.

    Labels and panels go clear of every face box and of each other where the frame has room.
    Neither ever covers another face: a panel that would is left out, and a label that would
    shrinks to its class name inside its own face's box. Faces narrower than COMPACT_PX (far
    faces, groups) get the compact label and no panel from the start.
    """
    boxes = [(x, y, x + w, y + h) for x, y, w, h in (f.box for f in faces)]
    taken, out = list(boxes), []
    for i, (face, (x0, y0, x1, y1)) in enumerate(zip(faces, boxes)):
        others = boxes[:i] + boxes[i + 1:]
        compact = x1 - x0 < COMPACT_PX
        name = class_names[face.label]
        text = name if compact else f"{name} {face.confidence:.0%}"
        scale = 0.45 if compact else 0.6
        lw, lh = label_size(text, scale)
        label = _place([(x0, y0 - lh - 2, x0 + lw, y0 - 2), (x0, y1 + 2, x0 + lw, y1 + lh + 2),
                        (x0 + 2, y0 + 2, x0 + lw + 2, y0 + lh + 2)], frame_shape, taken[:i] + taken[i + 1:])
        if any(_overlap(label, b) for b in others):  # no room outside: the class name inside its own box
            text, scale = name, 0.4
            lw, lh = label_size(text, scale)
            label = (x0 + 1, y0 + 1, min(x1 - 1, x0 + 1 + lw), y0 + 1 + lh)
        taken.append(label)
        panel = None
        if not compact:
            ph = ROW_H * len(class_names) + 6
            panel = _place([(x1 + 6, y0, x1 + 6 + PANEL_W, y0 + ph), (x0 - 6 - PANEL_W, y0, x0 - 6, y0 + ph),
                            (x0, y1 + 6, x0 + PANEL_W, y1 + 6 + ph), (x0, y0 - 6 - ph, x0 + PANEL_W, y0 - 6),
                            (x0, min(y0, label[1]) - 4 - ph, x0 + PANEL_W, min(y0, label[1]) - 4)],  # above the label
                           frame_shape, taken)
            if any(_overlap(panel, t) for t in taken if t != boxes[i]):
                panel = None  # no free room: the label says it, the bars would hide a face or a label
            else:
                taken.append(panel)
        out.append((label, text, scale, panel))
    return out


def label_size(text, scale):
    """(width, height) of a label's filled rectangle for text at this font scale."""
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1 if scale < 0.5 else 2)
    return tw + 6, th + 8


def draw_faces(frame, faces, class_names=CLASSES, draw_boxes=True):
    """Draw each face's box, its label with confidence and a panel of seven probability bars, in place,
    where layout() puts them. draw_boxes=False leaves the boxes out (the window's emoji mask marks
    the faces instead).

    Everything drawn comes from the same face.probs: the label is its top
    class, the percentage that class's probability, the highlighted bar the
    same class. The panel has its own dark backdrop, so it reads on light and
    dark scenes alike.
    """
    for face, (label, text, scale, panel) in zip(faces, layout(faces, frame.shape, class_names)):
        x, y, w, h = face.box
        if draw_boxes:
            cv2.rectangle(frame, (x, y), (x + w, y + h), BOX_COLOUR, 2)
        cv2.rectangle(frame, label[:2], label[2:], BOX_COLOUR, -1)
        cv2.putText(frame, text, (label[0] + 3, label[3] - 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0),
                    1 if scale < 0.5 else 2, cv2.LINE_AA)
        if panel is None:
            continue
        px, py = panel[0], panel[1]
        roi = frame[max(0, py):panel[3], max(0, px):panel[2]]
        roi[:] = (roi * 0.35).astype(frame.dtype)  # a dark, see-through backdrop
        for i, (name, p) in enumerate(zip(class_names, face.probs)):
            by = py + 4 + i * ROW_H
            cv2.rectangle(frame, (px + 4, by), (px + 54, by + 10), (90, 90, 90), -1)
            cv2.rectangle(frame, (px + 4, by), (px + 4 + int(round(50 * float(p))), by + 10),
                          BOX_COLOUR if i == face.label else (215, 215, 215), -1)
            cv2.putText(frame, name[:3], (px + 58, by + 9), cv2.FONT_HERSHEY_SIMPLEX, 0.38,
                        (255, 255, 255), 1, cv2.LINE_AA)
    return frame


class EmojiMask:
    """Draws each face's emoji over that face: the 'emoji mask'.

    sources: {class name: RGBA image array (h, w, 4), RGB order}. The emoji is
    scaled to the face box (a little larger: a head is wider than the box a
    finder draws), centred on it and alpha-blended into the BGR frame, so its
    round edge shows the scene behind. Scaled copies are cached by size:
    a face that holds still costs one blend a frame, not a resize.
    """

    SCALE = 1.15

    def __init__(self, sources):
        self.sources = {name: cv2.cvtColor(np.asarray(im), cv2.COLOR_RGBA2BGRA) for name, im in sources.items()}
        self.cache = {}

    def scaled(self, name, side):
        key = (name, side)
        if key not in self.cache:
            if len(self.cache) >= 16:  # tracked boxes change size a little each frame: keep few
                self.cache.clear()
            src = self.sources[name]
            interp = cv2.INTER_AREA if side < src.shape[0] else cv2.INTER_LINEAR
            bgra = cv2.resize(src, (side, side), interpolation=interp).astype(np.float32)
            self.cache[key] = (bgra[..., :3], bgra[..., 3:] / 255.0)
        return self.cache[key]

    def draw(self, frame, faces, class_names=CLASSES):
        """Blend the emoji of each face's label over it, in place; returns frame."""
        h, w = frame.shape[:2]
        for face in faces:
            name = class_names[face.label]
            if name not in self.sources:
                continue  # a missing emoji file: that face keeps its box and label only
            x, y, bw, bh = face.box
            side = max(1, int(round(max(bw, bh) * self.SCALE)))
            x0, y0 = int(round(x + bw / 2 - side / 2)), int(round(y + bh / 2 - side / 2))
            fx0, fy0, fx1, fy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
            if fx1 <= fx0 or fy1 <= fy0:
                continue
            colour, alpha = self.scaled(name, side)
            sy, sx = slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0)
            roi = frame[fy0:fy1, fx0:fx1]
            a = alpha[sy, sx]
            roi[:] = (colour[sy, sx] * a + roi * (1.0 - a)).astype(frame.dtype)
        return frame


def image_size(path):
    """(width, height) from an image file's header (a path or its bytes), without decoding it;
    None if unknown."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(path) if isinstance(path, bytes) else path) as im:
            return im.size
    except Image.DecompressionBombError:  # PIL refuses to even open it: far over any limit
        return (100_000, 100_000)
    except Exception:  # not an image PIL knows: cv2 decides
        return None


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
        self.frame_count = 0  # a video's own count of its frames, when it tells
        path = Path(self.spec)
        self.path = None  # the file or folder read, if any: never to be written over
        if "://" in self.spec:  # a stream URL: OpenCV opens it or says it cannot
            with native_stderr_quiet():  # FFmpeg's own "[tcp @ ...] Connection refused"
                self.cap = cv2.VideoCapture(self.spec)
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"cannot open the stream {self.spec}: check the address and that it is "
                                f"reachable, or pass a camera index or a file")
            return
        self.path = path
        if self.spec.isascii() and self.spec.isdecimal() and not path.exists():
            self.path = None
            self.is_camera = True
            self.cap = cv2.VideoCapture(int(self.spec))
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"no camera at index {self.spec}: connect one, or pass "
                                f"--source with a video file, an image or a folder of images")
        elif path.is_dir():
            # Regular files only: a FIFO named b.png would block the read for ever.
            self.images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and is_regular(p))
            if not self.images:
                raise UserError(f"{printable(path)} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        elif kind(path) == "missing":
            raise UserError(f"source {printable(path)} does not exist: pass a camera index, a video, an image "
                            f"or a folder")
        elif not is_regular(path):
            raise UserError(f"source {printable(path)} is a {kind(path)}, not a regular file: pass a video, an "
                            f"image or a folder of images")
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            self.images = [path]
        elif not utf8_name(path):  # OpenCV's C++ file calls crash on such names
            raise UserError(f"cannot open {printable(path)}: its name is not valid UTF-8, which OpenCV's video "
                            f"reader cannot take; rename the file")
        else:
            with native_stderr_quiet():  # OpenCV's own AVI parser prints to stderr ("Unexpected element")
                self.cap = cv2.VideoCapture(str(path))
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"cannot open {printable(path)} as a video: is it a video file OpenCV can read?")
            self.frame_count = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)

    @property
    def name(self):
        return f"camera {self.spec}" if self.is_camera else printable(Path(self.spec).name)

    def read(self):
        if self.ended:
            return None
        if self.images is not None:
            while self.position < len(self.images):
                path = self.images[self.position]
                self.position += 1
                try:  # by Python's own file calls: any name, and never a FIFO
                    data = read_regular(path)
                except OSError:
                    print(f"warning: skipped {printable(path.name)}: not a readable regular file", file=sys.stderr)
                    continue
                size = image_size(data)
                if size and size[0] * size[1] > MAX_PIXELS:  # decoding 30000x30000 took 23 s and 6 GB
                    print(f"warning: skipped {printable(path.name)}: it is too large to show (over 8000x8000 "
                          f"pixels); scale it down", file=sys.stderr)
                    continue
                frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
                if frame is not None:
                    return frame
                print(f"warning: skipped {printable(path.name)}: not a readable image", file=sys.stderr)
            self.ended = True
            return None
        if self.is_camera:
            ok, frame = self.cap.read()
        else:
            with native_stderr_quiet():  # a damaged frame's decoder lines; we say what happened below
                ok, frame = self.cap.read()
        if ok and frame is not None:
            self.position += 1
            self.stalled_since = None
            return frame
        if not self.is_camera:
            self.ended = True
            if self.position == 0 and self.path is not None:
                raise UserError(f"{self.name} has no frame OpenCV can decode: is it a damaged or empty video?")
            if self.frame_count and self.position < self.frame_count:
                print(f"warning: {self.name} ended at frame {self.position} of its {self.frame_count}: the rest "
                      f"could not be decoded (a damaged file?)", file=sys.stderr)
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
