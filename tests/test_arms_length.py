"""The face at arm's length: one box per face however close, a box that goes with its face, and
labels sized for the eye on 4K frames and small GIFs alike."""
import numpy as np
import pytest

from emoji_creator.boxes import merge_nested, same_face
from emoji_creator.detectors import DETECTORS
from emoji_creator.live import Face, LivePipeline
from emoji_creator.overlay import draw_faces, layout
from emoji_creator.webcam_scenes import webcam_frames


def on(box, truth):
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    x, y, w, h = truth.box
    return x <= cx <= x + w and y <= cy <= y + h


@pytest.fixture(scope="module")
def closeups():
    """One tuning photo zoomed in past the frame and out, and leaving, and covered by a hand."""
    frames = webcam_frames("tune", sizes=((640, 480),), n=20, first=1, only=("zoom", "leave", "cover"))
    return [frames[i:i + 20] for i in range(0, len(frames), 20)]


@pytest.mark.parametrize("name", DETECTORS)
def test_a_face_growing_past_the_frame_keeps_one_box_and_one_leaving_loses_it_within_3_frames(
        name, closeups, trained_model):
    pipeline = LivePipeline(trained_model, detector=name)
    grown = 0
    for _, frame, truths in closeups[0]:  # zooming in until the face is larger than the frame, and out
        boxes = [f.box for f in pipeline.process(frame)]
        assert len(boxes) <= 1, f"{name}: {len(boxes)} boxes on one face"
        assert all(any(on(b, t) for t in truths) for b in boxes), f"{name}: a box on no face"
        grown += bool(boxes) and truths[0].box[3] > frame.shape[0]
    assert grown, f"{name} lost the face once it filled the frame"
    for move in closeups[1:]:  # the face slides out of the frame; a hand covers it
        pipeline.restart()
        gone, labels = None, set()
        for i, (_, frame, truths) in enumerate(move):
            faces = pipeline.process(frame)
            if gone is None and not truths:
                gone, last = i, {f.track: f.label for f in faces}
            if gone is not None and not truths:
                stray = [f for f in faces if not any(on(f.box, t) for t in truths)]
                assert not stray or i - gone < 3, f"{name}: a box {i - gone + 1} frames after its face went"
                # What is left under a box never relabels it: a lingering box keeps the face's label.
                labels |= {f.label != last.get(f.track, f.label) for f in stray}
        assert gone is not None and labels <= {False}


def test_part_of_a_close_up_face_is_the_same_face_and_two_neighbours_are_not():
    face, eye = (40, 0, 460, 460), (290, 10, 150, 150)  # an eye's box overlapping the face's edge
    assert same_face(face, eye)
    boxes, _ = merge_nested(np.array([eye, face]), np.array([0.8, 0.9]))
    assert boxes.tolist() == [list(face)]
    assert not same_face((100, 100, 80, 80), (175, 110, 80, 80))  # two heads side by side, touching


def text_height_on_screen(frame_shape, face, view_w):
    (label, _, _, _), = layout([face], frame_shape, view_w=view_w)
    return (label[3] - label[1]) * view_w / frame_shape[1]


@pytest.mark.parametrize("side", [300, 900])
def test_a_label_on_a_4k_frame_is_readable_in_a_1200_px_window(side):
    face = Face((1500, 800, side, side), np.eye(7)[3])
    assert text_height_on_screen((2160, 3840, 3), face, 1200) >= 11
    # A saved 4K picture, with no window to go by, is sized as it is looked at: readable too.
    (label, _, _, _), = layout([face], (2160, 3840, 3))
    assert (label[3] - label[1]) * 1280 / 3840 >= 11
    draw_faces(np.zeros((2160, 3840, 3), np.uint8), [face], view_w=1200)


def test_labels_of_small_neighbouring_faces_in_a_320x240_gif_do_not_cover_each_other():
    faces = [Face((10 + 52 * i, 90, 44, 44), np.eye(7)[i]) for i in range(6)]
    frame = np.zeros((240, 320, 3), np.uint8)
    placed = layout(faces, frame.shape)
    boxes = [(x, y, x + w, y + h) for x, y, w, h in (f.box for f in faces)]
    for i, (label, text, _, panel) in enumerate(placed):
        assert panel is None and "%" not in text  # small on screen: the compact label
        for j, b in enumerate(boxes):
            if j != i:
                assert max(0, min(label[2], b[2]) - max(label[0], b[0])) * \
                    max(0, min(label[3], b[3]) - max(label[1], b[1])) == 0, f"face {i}'s label covers face {j}"
    draw_faces(frame, faces)  # and it draws


def test_one_rule_for_full_and_compact_labels():
    """Faces of one size in the same room get the same kind of label: the full one when large on
    screen, the compact one when small, whatever the frame's own size."""
    big = [Face((40 + 300 * i, 100, 160, 160), np.eye(7)[3]) for i in range(3)]
    kinds = {panel is not None and "%" in text for _, text, _, panel in layout(big, (480, 1000, 3))}
    assert kinds == {True}
    small = [Face((20 + 120 * i, 100, 60, 60), np.eye(7)[3]) for i in range(3)]
    assert {panel is None and "%" not in text for _, text, _, panel in layout(small, (480, 640, 3))} == {True}
