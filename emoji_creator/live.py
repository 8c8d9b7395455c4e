"""The live pipeline shared by useIt.py, gui.py and the benchmark: frame in, faces with smoothed
emotion probabilities out.

    pipeline = LivePipeline("emotion_model.h5", detector="haar")
    faces = pipeline.process(frame_bgr)      # [Face(box, probs, track, age)]

Small pure functions in OpenCV's style (crop_faces, signature), a Tracker that
follows each face, and LivePipeline, which holds everything expensive
(detector, model) loaded once. Where frames come from: sources.py; how faces
are drawn on them: overlay.py.
"""
import gc
from dataclasses import dataclass

import cv2
import numpy as np

from . import IMAGE_SIZE
from .boxes import iou, overlap_of_smaller
from .data import to_model_input
from .detectors import DEFAULT_DETECTOR, MIN_FACE, make_detector
from .runtime import load_live_model


def crop_faces(gray, boxes):
    """(n, 48, 48, 1) model inputs for the boxes: the same to_model_input as training."""
    return np.stack([to_model_input(gray[y:y + h, x:x + w]) for x, y, w, h in boxes]).astype(np.float32)


def signature(crop):
    """What a face crop looks like, blind to lighting: 16x16, zero mean, unit spread.

    Two crops of the same face a frame apart differ far less (noise, a small
    shift) than two different faces (Tracker's `same` sits between the two).
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


@dataclass
class Track:
    box: tuple
    probs: np.ndarray
    sig: np.ndarray  # signature() of the last crop seen
    seen: np.ndarray = None  # signature() of the crop when the detector last found this face
    classified: np.ndarray = None  # signature() of the crop the model last looked at
    age: int = 0
    missing: int = 0  # detecting frames since the detector last found this face


class Tracker:
    """Follows each face from frame to frame and smooths its probabilities.

    A detection continues a track only when its box overlaps the track's AND
    the face under it still looks the same (signature change below `same`): a
    new face taking the old one's place starts afresh instead of inheriting its
    emotion. A face the detector misses keeps its box for fewer than `patience`
    more detecting frames, and only while the crop under that box still looks as
    it did when the detector last found it: a face that slides out of the frame
    or is covered loses its box within `patience` frames, and a carried box keeps
    its label as it was (a label learnt from hair or a wall would drift).
    Probabilities are an exponential moving average (weight `alpha` on the new
    frame), which steadies a held face's label without hiding a real change
    for long: measured flips and lag are in docs/history.md.
    """

    def __init__(self, alpha=0.2, patience=2, same=0.45, overlap=0.3):
        self.alpha, self.patience, self.same, self.overlap = alpha, patience, same, overlap
        self.tracks = {}  # id -> Track
        self.next_id = 0

    def reset(self):
        self.tracks.clear()

    def candidates(self, boxes):
        """The boxes to classify this frame: the detections, plus each unmatched track's last box.
        A track is carried only when no detection overlaps it, by IoU or by lying mostly inside
        it (or it inside one): a carried box never doubles a face the detector found."""
        carried = [t for t in self.tracks
                   if all(max(iou(b, self.tracks[t].box), overlap_of_smaller(b, self.tracks[t].box)) <= self.overlap
                          for b in map(tuple, boxes))]
        return [tuple(map(int, b)) for b in boxes] + [self.tracks[t].box for t in carried], carried

    def still_same(self, sigs):
        """Per track (self.tracks order), whether its face is still under its box, given the
        signatures of the crops under the boxes now."""
        return [changed(sig, t.sig) <= self.same for sig, t in zip(sigs, self.tracks.values())]

    def all_still_same(self, sigs):
        """True when every track's face is still under its box (signatures in self.tracks order)."""
        return all(self.still_same(sigs))

    def update(self, boxes, crops, probs, carried=(), detected=True, sigs=None):
        """boxes: the detections then the carried boxes (as candidates() gave), with their
        48x48 crops and raw probabilities; returns the faces to show. detected: whether the
        detector ran this frame (a carried box only counts as missed when it did). sigs:
        the crops' signatures, when the caller has them already."""
        n_detected = len(boxes) - len(carried)
        if sigs is None:
            sigs = [signature(c) for c in crops]
        faces, used = [], set()
        for i, (box, sig, p) in enumerate(zip(boxes, sigs, probs)):
            if i >= n_detected:  # a carried box: keep it only while the same face is under it
                tid = carried[i - n_detected]
                t = self.tracks[tid]
                if t.missing + detected >= self.patience or changed(sig, t.seen if detected else t.sig) > self.same:
                    continue
                if detected:  # the detector looked and missed it: box and label as last seen, none
                    t.missing += 1  # learnt from what may be left under the box (hair, a wall)
                    faces.append(Face(t.box, t.probs, tid, t.age))
                    used.add(tid)
                    continue
            else:
                scored = [(iou(box, t.box), tid) for tid, t in self.tracks.items() if tid not in used]
                best = max(scored, default=(0.0, None))
                tid = best[1]
                if best[0] > self.overlap and changed(sig, self.tracks[tid].sig) <= self.same:
                    t = self.tracks[tid]
                    t.missing, t.seen, t.classified = 0, sig, sig
                else:
                    tid, self.next_id = self.next_id, self.next_id + 1
                    t = self.tracks[tid] = Track(box, p, sig, sig, sig, age=-1)
                    p = t.probs
            t.probs = self.alpha * p + (1 - self.alpha) * t.probs
            t.box, t.sig, t.age = box, sig, t.age + 1
            used.add(tid)
            faces.append(Face(box, t.probs, tid, t.age))
        for tid in list(self.tracks):  # tracks with nothing under them this frame end now
            if tid not in used:
                del self.tracks[tid]
        return faces


# Largest signature change (changed()) of a face that has not moved: sensor noise gives 0.01-0.02,
# a shift of one pixel on a 90-px face 0.13. A face this still needs neither the finder nor the model
# again: its box and its answer stand.
STILL = 0.08
# A still scene skips at most this many regular full scans in a row.
STILL_SCANS = 3


# Largest change of a 40x30 average of the frame (grey levels) that still counts as the same scene:
# sensor noise moves it by 1-2, a face coming in by tens.
SCENE_SAME = 6
# A change away from the followed faces brings a full scan at most this often (frames): every
# detecting frame (3) found a little more on benchmarks/live_loop.py --part tune, but a person
# moving below their face would then cost a full scan every 3 frames; 6 bounds it at half the rate.
ELSEWHERE_GAP = 6


def scene_average(gray):
    """A 40x30 average of the frame: what changed in the scene, blind to sensor noise."""
    return cv2.resize(gray, (40, 30), interpolation=cv2.INTER_AREA).astype(np.int16)


def changed_elsewhere(average, before, boxes, shape, margin=0.5):
    """True when the scene changed (a 40x30 cell by more than SCENE_SAME) away from the boxes,
    each grown by `margin` of its side: something new came in where no face is followed."""
    return before is None or bool(_changed_cells(average, before, boxes, shape, margin).any())


def changed_region(average, before, boxes, shape, margin=0.5):
    """The rectangle (x0, y0, x1, y1, frame pixels) around what changed away from the boxes, grown by
    two cells each way, or None when nothing did or it is half the frame or more (search it all)."""
    if before is None:
        return None
    cells = _changed_cells(average, before, boxes, shape, margin)
    if not cells.any():
        return None
    rows, cols = np.flatnonzero(cells.any(axis=1)), np.flatnonzero(cells.any(axis=0))
    r0, r1, c0, c1 = max(0, rows[0] - 2), min(30, rows[-1] + 3), max(0, cols[0] - 2), min(40, cols[-1] + 3)
    if (r1 - r0) * (c1 - c0) >= 600:
        return None
    h, w = shape[:2]
    return int(c0 * w / 40), int(r0 * h / 30), int(np.ceil(c1 * w / 40)), int(np.ceil(r1 * h / 30))


def _changed_cells(average, before, boxes, shape, margin):
    h, w = shape[:2]
    diff = np.abs(average - before) > SCENE_SAME
    for x, y, bw, bh in boxes:
        m = margin * max(bw, bh)
        c0, c1 = int(max(0, (x - m) * 40 / w)), int(np.ceil(min(w, x + bw + m) * 40 / w))
        r0, r1 = int(max(0, (y - m) * 30 / h)), int(np.ceil(min(h, y + bh + m) * 30 / h))
        diff[r0:r1, c0:c1] = False
    return diff


class LivePipeline:
    """Frame in, faces with smoothed emotion probabilities out.

    The face detector and the compiled model are loaded once. The detector
    runs on every `detect_every`-th frame, and at once on any frame where no
    face is tracked or a tracked face no longer looks the same (it moved, or
    another took its place); in between, each face keeps its box. A finder
    that can search near the followed faces (Haar) scans the whole frame only
    every `full_every`-th frame, when no face is followed, or when the scene
    changed away from the followed faces since the last full scan (at most every
    ELSEWHERE_GAP frames): a new face far from the others gets its box within
    a few frames; a finder that searches near (Haar, YuNet) then looks only where
    the scene changed. With no face followed, a scene that has not changed since
    a search found nothing is not searched again for `detect_every` frames; with
    every followed face STILL and nothing changed elsewhere, a detecting frame
    searches nothing (up to STILL_SCANS regular full scans in a row). Each frame's
    faces that moved are classified, all in one model call; a still face keeps its answer.
    """

    def __init__(self, model_path, detector=DEFAULT_DETECTOR, detect_every=3, smooth=True, min_face=MIN_FACE,
                 full_every=12):

        self.min_face = min_face
        self.set_detector(detector)  # first: a missing detector is reported before the slow model load
        self.predict, self.class_names = load_live_model(model_path)
        for n in (1, 2):  # warm up for one and two faces now, not on the first frame that has them
            self.predict(np.zeros((n, 48, 48, 1), np.float32))
        self.detect_every, self.full_every = max(1, detect_every), max(1, full_every)
        self.tracker = Tracker() if smooth else None
        self.frame_index, self.frame_shape = 0, None
        self.empty_scene = None  # (40x30 average, frame index) of the last frame searched in vain
        self.full_scan = (None, -10 ** 9)  # (40x30 average, frame index) of the last full scan
        # Loading leaves many long-lived Python objects; a full garbage
        # collection that re-scans them all is slow, and it lands inside some
        # unlucky frame. Freezing moves everything loaded so far out of the
        # collector's sight, so the frame loop only pays for its own garbage.
        gc.freeze()

    def restart(self, frames_before=0):
        """Forget every face and scene, as on a new source, as if `frames_before` frames had been
        seen: where the regular full scans fall (benchmarks/live_loop.py --shifts)."""
        if self.tracker is not None:
            self.tracker.reset()
        self.frame_index, self.empty_scene, self.full_scan = frames_before, None, (None, -10 ** 9)

    def _nothing_new(self, gray, sigs):
        """True on a detecting frame that need not search: every followed face as still as when the
        detector last found it, and the scene unchanged away from them since it was last searched
        (for at most STILL_SCANS regular full scans: a face the finder missed gets other tries)."""
        if self.frame_index - self.full_scan[1] >= STILL_SCANS * self.full_every:
            return False
        if any(changed(sig, t.seen) > STILL for sig, t in zip(sigs, self.tracker.tracks.values())):
            return False
        boxes = [t.box for t in self.tracker.tracks.values()]
        return not changed_elsewhere(scene_average(gray), self.full_scan[0], boxes, gray.shape)

    def _classify(self, crops, sigs):
        """The followed faces' answers for their crops (tracker order): the model's for a face that
        changed since it last looked, the face's own (unchanged) answer for a still one."""
        tracks = list(self.tracker.tracks.values())
        moved = [i for i, (sig, t) in enumerate(zip(sigs, tracks))
                 if t.classified is None or changed(sig, t.classified) > STILL]
        probs = [t.probs for t in tracks]
        if moved:
            for i, p in zip(moved, self.predict(crops[moved])):
                probs[i] = p
                tracks[i].classified = sigs[i]
        return probs

    def set_detector(self, name):
        """Switch the face finder (raises UserError if its model cannot be loaded)."""
        self.detector = make_detector(name, self.min_face)
        self.detector_name = name
        self.empty_scene = None  # a scene one finder found empty may not be empty for another
        if getattr(self, "tracker", None) is not None:
            self.tracker.reset()

    def process(self, frame):
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        tracker = self.tracker
        self.frame_index += 1
        if gray.shape != self.frame_shape:  # another source or resolution: old boxes mean nothing here
            self.frame_shape, self.empty_scene = gray.shape, None
            if tracker is not None:
                tracker.reset()
        if tracker is None:
            boxes = self.detector(frame, gray)[0]
            if len(boxes) == 0:
                return []
            return [Face(tuple(map(int, b)), p) for b, p in zip(boxes, self.predict(crop_faces(gray, boxes)))]
        if tracker.tracks:
            held = [t.box for t in tracker.tracks.values()]
            crops = crop_faces(gray, held)
            sigs = [signature(c) for c in crops]
            # Every face still where it was: no detector this frame. On a detecting frame, only when
            # no face has moved since the detector last saw it and nothing changed elsewhere (a
            # still scene costs no search, however often it would be due).
            if tracker.all_still_same(sigs) and ((self.frame_index - 1) % self.detect_every or self._nothing_new(gray, sigs)):
                return tracker.update(held, crops, self._classify(crops, sigs), list(tracker.tracks), detected=False,
                                      sigs=sigs)
        scene = None
        if not tracker.tracks:
            # No face followed: a scene unchanged since a search found nothing is not searched
            # again for detect_every frames (a still, empty room costs a third).
            scene = scene_average(gray)
            if (self.empty_scene is not None and self.frame_index - self.empty_scene[1] < self.detect_every
                    and np.abs(scene - self.empty_scene[0]).max() <= SCENE_SAME):
                return []
        near, average, region = None, scene, None  # the frame's 40x30 average, once computed
        if tracker.tracks and getattr(self.detector, "searches_near", False) and (self.frame_index - 1) % self.full_every:
            near = [t.box for t in tracker.tracks.values()]
            # Something new where no face is followed (someone stepping in, a face turning to the
            # camera): search where the scene changed now (all of it when much changed), rather
            # than wait for the next regular full scan.
            if self.frame_index - self.full_scan[1] >= ELSEWHERE_GAP:
                average = scene_average(gray)
                if changed_elsewhere(average, self.full_scan[0], near, gray.shape):
                    region = changed_region(average, self.full_scan[0], near, gray.shape)
                    near = None if region is None else near
        if near is not None:
            # Between full scans, a finder that can look only around the faces it follows does so;
            # it need not check again a face that still looks as it did (near is `held`: their
            # crops' signatures are taken once a frame, above).
            same = tracker.still_same(sigs)
            boxes = self.detector(frame, gray, near=near, same=same, regions=[region] if region else ())[0]
            if region is not None:  # what changed has been searched: the scene as it is now is the reference
                self.full_scan = (average, self.full_scan[1])
        else:
            boxes = self.detector(frame, gray)[0]
            self.full_scan = (scene_average(gray) if average is None else average, self.frame_index)
        candidates, carried = tracker.candidates(boxes)
        self.empty_scene = (scene, self.frame_index) if scene is not None and not candidates else None
        if not candidates:
            return tracker.update([], [], [], [])
        crops = crop_faces(gray, candidates)
        return tracker.update(candidates, crops, self.predict(crops), carried)
