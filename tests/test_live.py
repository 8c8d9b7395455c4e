"""The live pipeline: tracks follow the face they belong to, and every figure shown agrees."""
import csv

import cv2
import numpy as np
import pytest

from emoji_creator import CLASSES
from emoji_creator.clip import compose
from emoji_creator.live import Face, LivePipeline, Tracker, crop_faces
from emoji_creator.overlay import draw_faces


@pytest.fixture(scope="module")
def pipeline(trained_model):
    return LivePipeline(trained_model)


def frames_of(face, n, seed=0, offset=(0, 0)):
    rng = np.random.default_rng(seed)
    base = compose(face, face_px=200, offset=offset).astype(np.float32)
    return [np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8) for _ in range(n)]


def test_a_face_replaced_in_place_starts_a_new_track(pipeline, faces):
    pipeline.tracker.reset()
    (_, a), (_, b) = faces[0], faces[3]
    tracks_a = [f.track for fr in frames_of(a, 6) for f in pipeline.process(fr)]
    shown_b = [pipeline.process(fr) for fr in frames_of(b, 6, seed=1)]
    assert len(set(tracks_a)) == 1, "one held face must keep one track"
    first_b = next(fs for fs in shown_b if fs)
    assert first_b[0].track != tracks_a[0] and first_b[0].age == 0, "the new face inherited the old one's track"
    # Its probabilities are its own from the first frame, not a blend with the previous face.
    alone = pipeline.predict(crop_faces(cv2.cvtColor(frames_of(b, 1, seed=1)[0], cv2.COLOR_BGR2GRAY),
                                        [first_b[0].box]))[0]
    np.testing.assert_allclose(first_b[0].probs, alone, atol=0.05)


def test_a_held_face_keeps_its_track_and_a_vanished_one_leaves_no_box(pipeline, faces):
    pipeline.tracker.reset()
    _, face = faces[2]
    held = [pipeline.process(fr) for fr in frames_of(face, 10, seed=2)]
    assert all(len(fs) == 1 for fs in held[1:])
    assert len({fs[0].track for fs in held if fs}) == 1
    assert [fs[0].age for fs in held[-3:]] == sorted(fs[0].age for fs in held[-3:])
    empty = np.full_like(frames_of(face, 1)[0], 96)  # the person walked away: background only
    assert pipeline.process(empty) == [], "a box was carried onto the background"


def test_tracker_carries_a_missed_face_only_while_it_looks_the_same(faces):
    tracker = Tracker(patience=3)
    probs = np.full((1, 7), 1 / 7, np.float32)
    box = (10, 10, 48, 48)
    a = faces[0][1][None, ..., None].astype(np.float32)
    rng = np.random.default_rng(0)
    b = np.clip(96 + rng.normal(0, 3, a.shape), 0, 255).astype(np.float32)  # background where the face was
    first = tracker.update([box], a, probs)
    # The detector misses it: the box is carried while the same face is under it ...
    cands, carried = tracker.candidates(np.zeros((0, 4), np.int32))
    assert cands == [box] and tracker.update(cands, a + 2, probs, carried)[0].track == first[0].track
    # ... but not once it is gone (background under the box).
    cands, carried = tracker.candidates(np.zeros((0, 4), np.int32))
    assert tracker.update(cands, b, probs, carried) == []
    assert not tracker.tracks


def test_label_percentage_and_highlighted_bar_agree():
    probs = np.array([0.19, 0.01, 0.20, 0.05, 0.24, 0.21, 0.10], np.float32)
    face = Face((100, 100, 120, 120), probs)
    assert face.label == int(probs.argmax()) == CLASSES.index("neutral")
    assert face.confidence == pytest.approx(0.24)
    frame = np.full((480, 640, 3), 255, np.uint8)
    draw_faces(frame, [face])
    # The highlighted (green) bar is the label's row, and it is the longest.
    green = np.all(frame == (60, 200, 60), axis=2)
    panel_x = 100 + 120 + 6
    rows = [green[100 + 4 + i * 14 + 5, panel_x + 4:panel_x + 60].sum() for i in range(7)]
    assert int(np.argmax(rows)) == face.label and sum(r > 0 for r in rows) == 1


def test_two_faces_close_together_do_not_cover_each_other():
    from emoji_creator.overlay import PANEL_W

    faces = [Face((150, 150, 140, 140), np.eye(7)[3]), Face((300, 150, 140, 140), np.eye(7)[0])]
    frame = np.zeros((480, 640, 3), np.uint8)
    draw_faces(frame, faces)
    # Neither face's inside was painted over by the other's label or panel (only its own box edge).
    for f in faces:
        x, y, w, h = f.box
        inside = frame[y + 4:y + h - 4, x + 4:x + w - 4]
        assert inside.max() == 0, f"something was drawn over the face at {f.box}"
    assert PANEL_W < 150


def test_log_row_names_the_class_with_the_highest_probability(clip, trained_model, tmp_path):
    import useIt

    log = tmp_path / "faces.csv"
    assert useIt.main(["--source", str(clip), "--model", str(trained_model), "--no-window", "--log", str(log)]) == 0
    rows = list(csv.DictReader(open(log)))
    assert rows
    for r in rows:
        probs = [float(r[c]) for c in CLASSES]
        assert r["emotion"] == CLASSES[int(np.argmax(probs))]
        assert float(r["confidence"]) == pytest.approx(max(probs), abs=1e-4)


def test_labels_of_a_close_group_never_cover_another_face():
    from emoji_creator.overlay import COMPACT_PX, layout

    # Six faces of 40-110 px side by side, 8 px apart, as a 640-wide group photo gives them.
    faces, x = [], 4
    for i, side in enumerate((44, 52, 60, 110, 48, 56)):
        faces.append(Face((x, 200, side, side), np.eye(7)[i % 7]))
        x += side + 8
    placed = layout(faces, (360, 640, 3))
    boxes = [(fx, fy, fx + w, fy + h) for fx, fy, w, h in (f.box for f in faces)]
    for i, (label, text, scale, panel) in enumerate(placed):
        for j, b in enumerate(boxes):
            if j == i:
                continue
            for r in (label, panel):
                if r is not None:
                    assert max(0, min(r[2], b[2]) - max(r[0], b[0])) * max(0, min(r[3], b[3]) - max(r[1], b[1])) == 0, \
                        f"face {i}'s {'label' if r is label else 'panel'} covers face {j}"
        if faces[i].box[2] < COMPACT_PX:
            assert panel is None and "%" not in text  # far faces: the class name alone
    frame = np.zeros((360, 640, 3), np.uint8)
    draw_faces(frame, faces)  # and it draws
