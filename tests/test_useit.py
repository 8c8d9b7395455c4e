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
