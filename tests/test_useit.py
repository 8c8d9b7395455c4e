"""useIt.py headless on a clip of real faces: faces are found and the log has the promised columns."""
import csv

import useIt
from emoji_creator import CLASSES


def test_headless_run_logs_faces(clip, trained_model, tmp_path, capsys):
    log = tmp_path / "faces.csv"
    rc = useIt.main(["--source", str(clip), "--model", str(trained_model), "--no-window", "--log", str(log)])
    assert rc == 0
    rows = list(csv.DictReader(open(log)))
    assert rows, "no face found in a clip of faces"
    for col in ("frame", "x", "y", "w", "h", "emotion", "confidence"):
        assert col in rows[0]
    assert {r["emotion"] for r in rows} <= set(CLASSES)
    frames = [int(r["frame"]) for r in rows]
    assert min(frames) >= 0 and frames == sorted(frames)
    assert all(0.0 <= float(r["confidence"]) <= 1.0 for r in rows)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("42 frames, ") and "faces" in last and "frames per second" in last


def test_image_and_folder_sources(faces, trained_model, tmp_path, capsys):
    import cv2

    from emoji_creator.clip import compose

    for i, (_, face) in enumerate(faces[:3]):
        cv2.imwrite(str(tmp_path / f"{i}.png"), compose(face))
    assert useIt.main(["--source", str(tmp_path / "0.png"), "--model", str(trained_model), "--no-window"]) == 0
    assert useIt.main(["--source", str(tmp_path), "--model", str(trained_model), "--no-window"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-2].startswith("1 frames") and out[-1].startswith("3 frames")


def log_rows(log):
    """The log's rows without the frame number: what each face got."""
    with open(log) as f:
        return [tuple(v for k, v in row.items() if k != "frame") for row in csv.DictReader(f)], \
            [int(r["frame"]) for r in csv.DictReader(open(log))]


def test_a_folder_labels_each_photo_as_it_labels_that_photo_alone(faces, trained_model, tmp_path):
    """Faces in the same place, one photo each (the same face in other light, as a burst of photos of one
    person, then other people): no box, track or smoothed label is carried from one photo to the next."""
    import cv2
    import numpy as np

    from emoji_creator.clip import compose

    folder = tmp_path / "photos"
    folder.mkdir()
    first = faces[0][1].astype(np.float32)
    photos = [np.clip(first * k, 0, 255).astype(np.uint8) for k in (1.0, 0.7, 1.25)] + [f for _, f in faces[1:]]
    for i, face in enumerate(photos):
        cv2.imwrite(str(folder / f"{i}.png"), compose(face, face_px=200))
    faces = photos
    common = ["--model", str(trained_model), "--no-window", "--detector", "yunet"]
    assert useIt.main(["--source", str(folder), "--log", str(tmp_path / "all.csv"), *common]) == 0
    together, frames = log_rows(tmp_path / "all.csv")
    alone = []
    for i in range(len(faces)):
        log = tmp_path / f"alone{i}.csv"
        assert useIt.main(["--source", str(folder / f"{i}.png"), "--log", str(log), *common]) == 0
        rows, _ = log_rows(log)
        alone.append(rows)
    assert len(set(frames)) >= len(faces) - 1  # a face in (nearly) every photo
    by_photo = [[row for row, f in zip(together, frames) if f == i] for i in range(len(faces))]
    assert by_photo == alone
