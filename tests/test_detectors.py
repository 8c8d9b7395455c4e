"""The face finders: each finds real faces near and far, BlazeFace's decoding, loading failures."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from emoji_creator import UserError
from emoji_creator.clip import SCENARIOS, compose, scenario_frames
from emoji_creator.blazeface import BlazeFaceDetector, decode, ssd_anchors, weighted_nms
from emoji_creator.detectors import DETECTORS, HaarDetector, make_detector


def near_face(truth, boxes):
    """The detected box on this true face: its centre on the face, its size within 0.6-1.6x."""
    x, y, w, h = truth
    for bx, by, bw, bh in boxes:
        if x <= bx + bw / 2 <= x + w and y <= by + bh / 2 <= y + h and 0.6 <= bw / w <= 1.6:
            return True
    return False


@pytest.mark.parametrize("name", DETECTORS)
def test_each_detector_finds_real_faces_with_a_box_on_the_face(name, faces):
    detector = make_detector(name)
    found = 0
    for _, face in faces:
        frame = compose(face, face_px=200)  # centred on a 640x480 frame
        boxes, scores = detector(frame, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        assert len(boxes) == len(scores) and len(boxes) <= 1  # one face, never a second box
        found += near_face((220, 140, 200, 200), boxes)
    assert found >= len(faces) - 2, f"{name} found {found} of {len(faces)} faces"


@pytest.mark.parametrize("name", DETECTORS)
def test_far_faces_in_hd_frames_are_found(name, faces):
    # Faces of ~9-12% of the frame's height, at 1280x720: a group at a table.
    group = [s for s in SCENARIOS if s[0] == "group"]
    frames = scenario_frames(faces * 2, segments_per_scenario=2, hold=1, scenarios=group)
    detector = make_detector(name)
    found = total = 0
    for _, frame, truths in frames:
        boxes, _ = detector(frame)
        found += sum(near_face(t.box, boxes) for t in truths)
        total += len(truths)
    assert found >= total * 0.5, f"{name} found {found} of {total} far faces"


def test_no_box_on_a_plain_room():
    from emoji_creator.clip import background

    frame = cv2.cvtColor(background((1280, 720), np.random.default_rng(3)).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    for name in DETECTORS:
        assert len(make_detector(name)(frame)[0]) == 0


@pytest.mark.parametrize("shape", [(9, 4800), (4800, 9), (1, 1), (30, 30)])
def test_slivers_and_tiny_frames_give_no_box_and_no_crash(shape):
    frame = np.full(shape + (3,), 128, np.uint8)
    for name in DETECTORS:
        boxes, _ = make_detector(name)(frame)
        assert boxes.shape[1:] == (4,)


def test_anchors_follow_the_input_shape():
    # 256x256: 16x16 cells x 2 + 8x8 cells x 6 = MediaPipe's 896.
    a = ssd_anchors(256, 256, BlazeFaceDetector.STRIDES)
    assert a.shape == (896, 2)
    np.testing.assert_allclose(a[0], [0.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(a[1], a[0])  # two anchors per cell on the first grid
    np.testing.assert_allclose(a[512], [0.5 / 8, 0.5 / 8])
    assert ssd_anchors(256, 448, BlazeFaceDetector.STRIDES).shape == (16 * 28 * 2 + 8 * 14 * 6, 2)


def test_decode_a_known_output():
    anchors = ssd_anchors(256, 256, BlazeFaceDetector.STRIDES)
    raw_boxes = np.zeros((896, 16), np.float32)
    raw_scores = np.full(896, -10.0, np.float32)
    # Anchor 600 sits on the 8x8 grid; its box: centre moved (+12.8, -25.6) px, 51.2 x 76.8 px.
    raw_boxes[600, :4] = [12.8, -25.6, 51.2, 76.8]
    raw_scores[600] = 3.0
    boxes, scores = decode(raw_boxes, raw_scores, anchors, (256, 256))
    assert len(boxes) == 1
    cx, cy = anchors[600] + [0.05, -0.1]
    np.testing.assert_allclose(boxes[0], [cx - 0.1, cy - 0.15, cx + 0.1, cy + 0.15], atol=1e-6)
    np.testing.assert_allclose(scores, [1 / (1 + np.exp(-3.0))], rtol=1e-6)
    # Non-square input: x is scaled by the width, y by the height.
    wide = ssd_anchors(256, 512, BlazeFaceDetector.STRIDES)
    raw = np.zeros((len(wide), 16), np.float32)
    raw[0, :4] = [51.2, 25.6, 102.4, 51.2]
    boxes, _ = decode(raw, np.r_[5.0, np.full(len(wide) - 1, -9.0)], wide, (256, 512))
    np.testing.assert_allclose(boxes[0], [wide[0, 0] + 0.1 - 0.1, wide[0, 1] + 0.1 - 0.1,
                                          wide[0, 0] + 0.1 + 0.1, wide[0, 1] + 0.1 + 0.1], atol=1e-6)


def test_weighted_nms_merges_one_face_and_keeps_two():
    boxes = np.array([[0.10, 0.10, 0.30, 0.30], [0.12, 0.10, 0.32, 0.30], [0.60, 0.60, 0.80, 0.80]], np.float32)
    scores = np.array([0.9, 0.6, 0.7], np.float32)
    out, kept = weighted_nms(boxes, scores)
    assert len(out) == 2
    np.testing.assert_allclose(kept, [0.9, 0.7])
    np.testing.assert_allclose(out[0], (boxes[0] * 0.9 + boxes[1] * 0.6) / 1.5, atol=1e-6)
    np.testing.assert_allclose(out[1], boxes[2])
    assert weighted_nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))[0].shape == (0, 4)


def test_missing_or_corrupt_detector_model_is_one_clear_line(tmp_path):
    with pytest.raises(UserError, match="missing or not BlazeFace"):
        BlazeFaceDetector(path=tmp_path / "nope.tflite")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model at all" * 100)
    with pytest.raises(UserError, match="--detector haar"):
        BlazeFaceDetector(path=bad)
    (tmp_path / "bad.xml").write_text("<opencv_storage>nonsense</opencv_storage>")
    with pytest.raises(UserError, match="missing or unreadable"):
        HaarDetector(path=tmp_path / "bad.xml")
    with pytest.raises(UserError, match="unknown face detector"):
        make_detector("yolo")


def test_useit_reports_a_missing_detector_model(monkeypatch, clip, trained_model, capsys, tmp_path):
    import useIt
    from emoji_creator import detectors

    monkeypatch.setattr(detectors.BlazeFaceDetector.__init__, "__defaults__",
                        (tmp_path / "gone.tflite",) + detectors.BlazeFaceDetector.__init__.__defaults__[1:])
    assert useIt.main(["--source", str(clip), "--model", str(trained_model), "--no-window",
                       "--detector", "blazeface"]) == 2
    err = capsys.readouterr().err
    assert "error: face detector" in err and "Traceback" not in err


def test_a_box_inside_another_is_merged_into_one():
    from emoji_creator.boxes import merge_nested

    boxes = np.array([[100, 100, 120, 120], [130, 140, 50, 50], [400, 100, 80, 80]])  # IoU of the first two: 0.17
    kept, scores = merge_nested(boxes, np.ones(3))
    assert sorted(map(tuple, kept)) == [(100, 100, 120, 120), (400, 100, 80, 80)]
    kept, _ = merge_nested(boxes[:2], np.array([0.5, 0.9]))  # the better-scored one wins, whatever its size
    assert [tuple(b) for b in kept] == [(130, 140, 50, 50)]


def test_a_carried_box_never_doubles_a_detection():
    from emoji_creator.live import Tracker, signature

    tracker = Tracker()
    crop = np.random.default_rng(0).uniform(0, 255, (48, 48, 1)).astype(np.float32)
    tracker.update([(100, 100, 120, 120)], [crop], [np.full(7, 1 / 7)])
    # The next detection lies inside the track's box (IoU 0.17, below the tracker's 0.3): one face.
    boxes, carried = tracker.candidates(np.array([[130, 140, 50, 50]]))
    assert carried == [] and boxes == [(130, 140, 50, 50)]
    assert signature(crop).shape == (16, 16)


def test_yunet_finds_the_test_face_near_its_box():
    from emoji_creator.clip import SHIPPED_FACE, SHIPPED_FACE_BOX

    img = cv2.imread(str(SHIPPED_FACE))
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[100:100 + img.shape[0], 100:100 + img.shape[1]] = img
    x, y, w, h = SHIPPED_FACE_BOX
    boxes, scores = make_detector("yunet", min_face=0.05)(frame)
    assert len(boxes) == 1 and scores[0] > 0.6
    assert near_face((100 + x, 100 + y, w, h), boxes)


def test_a_missing_or_corrupt_yunet_file_is_one_line(tmp_path, clip, trained_model, monkeypatch, capsys):
    import useIt
    from emoji_creator import detectors, yunet

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x01not an onnx model" * 100)
    for path in (tmp_path / "gone.onnx", bad, tmp_path):
        with pytest.raises(UserError, match="--detector haar"):
            detectors.YuNetDetector(path=path)
    monkeypatch.setattr(yunet, "YUNET_PATH", bad)
    monkeypatch.setattr(detectors.YuNetDetector.__init__, "__defaults__",
                        (bad,) + detectors.YuNetDetector.__init__.__defaults__[1:])
    assert useIt.main(["--source", str(clip), "--model", str(trained_model), "--no-window",
                       "--detector", "yunet"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "Traceback" not in err and "yunet" in err.lower()


PHOTOS = Path(__file__).resolve().parent.parent / "benchmarks" / "photos"


@pytest.mark.parametrize("photo", ["johnsnow_test1.jpg", "kit_with_rose.jpg"])
def test_haar_check_drops_boxes_on_no_face_and_keeps_the_faces(photo):
    # Two tuning photos of benchmarks/photos/ (README there): without the check, the cascade
    # puts boxes on clothes and background beside the faces at the photo's own size.
    frame = cv2.imread(str(PHOTOS / photo))
    faces = json.loads((PHOTOS / "boxes.json").read_text())[photo]["faces"]
    unchecked = HaarDetector(check=False)(frame)[0]
    checked = HaarDetector()(frame)[0]
    assert len(unchecked) > len(faces), "the photo no longer shows what the check is for"
    assert len(checked) == len(faces) and all(near_face(f, checked) for f in faces)


def test_haar_searches_only_near_followed_faces_between_full_scans(trained_model, faces, monkeypatch):
    from emoji_creator.live import LivePipeline

    pipeline = LivePipeline(trained_model, detect_every=1, full_every=4)
    calls = []
    search = pipeline.detector.__call__

    def spy(frame, gray=None, near=None, same=None, regions=()):
        calls.append(near is not None)
        return search(frame, gray, near, same, regions)

    monkeypatch.setattr(pipeline, "detector", spy)
    spy.searches_near = True
    face = next(f for _, f in faces if len(search(compose(f, face_px=200))[0]) == 1)
    calls.clear()
    # The face moves a little each frame (a still one would need no search: next test).
    shown = [len(pipeline.process(compose(face, face_px=200, offset=(4 * i, 0)))) for i in range(8)]
    assert shown == [1] * 8, "the face was lost between full scans"
    assert calls == [False, True, True, True, False, True, True, True]


def test_a_still_scene_is_not_searched_again_until_something_moves(trained_model, faces, monkeypatch):
    from emoji_creator.live import STILL_SCANS, LivePipeline

    pipeline = LivePipeline(trained_model, detect_every=1, full_every=4)
    calls = []
    search = pipeline.detector.__call__
    monkeypatch.setattr(pipeline, "detector", lambda *a, **k: calls.append(1) or search(*a, **k))
    pipeline.detector.searches_near = True
    frame = next(f for f in (compose(face, face_px=200) for _, face in faces) if len(search(f)[0]) == 1)
    still = 4 * STILL_SCANS
    assert [len(pipeline.process(frame)) for _ in range(still)] == [1] * still
    assert len(calls) == 1  # the first frame's full scan, and none while nothing moves
    assert len(pipeline.process(frame)) == 1 and len(calls) == 2  # a full scan every STILL_SCANS regular ones


def textured_walls(n):
    """n 640x480 frames of blurred noise, the enlarged scene's wall (clip.enlarged_frames)."""
    walls = []
    for seed in range(n):
        rng = np.random.default_rng(seed)
        bg = cv2.GaussianBlur(rng.uniform(0, 255, (480, 640)).astype(np.float32), (0, 0), 10)
        bg = (bg - bg.mean()) * (25 / (bg.std() + 1e-6)) + 110
        walls.append(cv2.cvtColor(np.clip(bg, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR))
    return walls


def test_blazeface_s_check_drops_boxes_on_a_textured_wall(faces):
    """Blurred noise, the enlarged scene's wall: BlazeFace alone boxes it; YuNet's second opinion does not."""
    raw, checked = BlazeFaceDetector(check=False), BlazeFaceDetector()
    walls = textured_walls(10)
    assert sum(len(raw(w)[0]) for w in walls) >= 3, "the wall no longer shows what the check is for"
    assert sum(len(checked(w)[0]) for w in walls) == 0
    kept = sum(near_face((220, 140, 200, 200), checked(compose(face, face_px=200))[0]) for _, face in faces)
    assert kept >= len(faces) - 2  # and the faces stay


def test_a_box_where_a_followed_face_was_is_checked_again_unless_it_still_looks_the_same():
    """Between full scans Haar searches around the faces it follows and trusts a box found where
    one was; that trust holds only while the face still looks the same (the pipeline says so)."""
    # A man in a fur collar: the cascade also boxes the fur on his shoulder, which the check turns down.
    photo = cv2.imread(str(Path(__file__).resolve().parent.parent / "benchmarks" / "photos" / "johnsnow_test1.jpg"))
    raw, checked = HaarDetector(check=False), HaarDetector()
    kept = [tuple(b) for b in checked(photo)[0]]
    turned_down = [b for b in raw(photo)[0] if not any(near_face(b, [k]) for k in kept)
                   and near_face(b, raw(photo, near=[b])[0])]
    assert turned_down, "the photo no longer shows a box the check turns down"
    box = turned_down[0]
    assert near_face(box, checked(photo, near=[box], same=[True])[0])
    assert not near_face(box, checked(photo, near=[box], same=[False])[0])


def test_a_new_face_away_from_the_followed_one_is_boxed_before_the_next_full_scan(trained_model, faces):
    """A change in the scene where no face is followed (someone steps in) brings a full scan on
    the next detecting frame, not `full_every` frames later."""
    from emoji_creator.live import LivePipeline

    found = [f for _, f in faces if len(HaarDetector()(compose(f, face_px=150, offset=(-150, 0)))[0]) == 1
             and len(HaarDetector()(compose(f, face_px=150, offset=(150, 0)))[0]) == 1]
    assert len(found) >= 2, "need two faces Haar finds in either place"
    one = compose(found[0], face_px=150, offset=(-150, 0))
    two = one.copy()
    right = compose(found[1], face_px=150, offset=(150, 0))
    two[:, 320:] = right[:, 320:]
    pipeline = LivePipeline(trained_model, detect_every=3, full_every=1000)
    assert [len(pipeline.process(one)) for _ in range(6)] == [1] * 6
    shown = [len(pipeline.process(two)) for _ in range(6)]
    assert 2 in shown[:3], shown  # on the next detecting frame
    assert shown[-1] == 2


def test_haar_s_doubtful_boxes_need_yunet_so_a_textured_wall_gets_none(faces, monkeypatch):
    """Blurred noise: a few of Haar's boxes on it show one "eye" and pass the second cascade;
    YuNet, asked about such doubtful boxes, turns them down, and the faces stay."""
    from emoji_creator import detectors

    haar, walls = HaarDetector(), textured_walls(30)
    shown = [compose(face, face_px=200) for _, face in faces]

    def found(frames):
        return [len(haar(f)[0]) for f in frames], sum(near_face((220, 140, 200, 200), haar(f)[0]) for f in shown)

    with monkeypatch.context() as m:
        m.setattr(detectors, "confirmed", lambda *args: True)  # the two cascades alone
        on_walls, faces_kept = found(walls)
    assert sum(on_walls) >= 1, "the wall no longer shows what YuNet is for"
    assert found(walls) == ([0] * len(walls), faces_kept)


def test_haar_and_blazeface_need_yunet_s_file_for_their_check(tmp_path, monkeypatch):
    from emoji_creator import yunet

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x01not an onnx model" * 100)
    for path in (tmp_path / "gone.onnx", bad, tmp_path):
        monkeypatch.setattr(yunet, "YUNET_PATH", path)
        for name in ("haar", "blazeface"):
            with pytest.raises(UserError, match="restore models/face_detection_yunet_2023mar.onnx"):
                make_detector(name)
