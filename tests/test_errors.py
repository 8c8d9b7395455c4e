"""Clear one-line errors and non-zero exits for what a user can get wrong."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import train
import useIt
from emoji_creator import ROOT, UserError


def last_error(capsys):
    err = [l for l in capsys.readouterr().err.splitlines() if l.startswith("error:")]
    assert len(err) == 1, err
    return err[0]


def test_missing_data_folder(tmp_path, capsys):
    assert train.main(["--data", str(tmp_path / "nope")]) == 2
    msg = last_error(capsys)
    assert "not found" in msg and "data/README.md" in msg


def test_missing_and_empty_class_folder(tiny_data_copy, capsys):
    shutil.rmtree(tiny_data_copy / "train" / "disgust")
    assert train.main(["--data", str(tiny_data_copy)]) == 2
    assert "lacks class folder(s) disgust" in last_error(capsys)
    (tiny_data_copy / "train" / "disgust").mkdir()
    assert train.main(["--data", str(tiny_data_copy)]) == 2
    assert "disgust has no readable images" in last_error(capsys)


def test_corrupt_and_odd_images_are_skipped_or_converted(tiny_data_copy, capsys):
    from PIL import Image

    from emoji_creator.data import load_folder_split

    happy = tiny_data_copy / "train" / "happy"
    good = sorted(happy.glob("*.png"))
    (happy / "broken.png").write_bytes(good[0].read_bytes()[:100])  # truncated
    (happy / "notes.txt").write_text("not an image")
    Image.new("RGB", (96, 80), (200, 10, 10)).save(happy / "colour_big.jpg")
    x, y, skipped = load_folder_split(tiny_data_copy / "train")
    assert skipped == 2
    assert x.shape[1:] == (48, 48, 1) and len(x) == len(y)
    err = capsys.readouterr().err
    assert "skipped 2 unreadable file(s)" in err


def test_csv_missing_column(tmp_path, capsys):
    bad = tmp_path / "fer2013.csv"
    bad.write_text("emotion,pixels\n0," + " ".join(["0"] * 2304) + "\n")
    assert train.main(["--data", str(bad)]) == 2
    assert "lacks column(s) Usage" in last_error(capsys)


def test_join_a_missing_model(tmp_path, capsys):
    assert train.main(["--data", str(tmp_path), "--join", str(tmp_path / "none.h5")]) == 2
    assert "--join" in last_error(capsys)


def test_missing_model_file(clip, tmp_path, capsys):
    assert useIt.main(["--source", str(clip), "--no-window", "--model", str(tmp_path / "none.h5")]) == 2
    assert "python train.py" in last_error(capsys)


def test_not_a_model_and_wrong_shape(tmp_path, capsys):
    import keras

    from emoji_creator.model_file import load_emotion_model

    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"this is not HDF5")
    with pytest.raises(UserError, match="not a Keras model"):
        load_emotion_model(junk)
    wrong = tmp_path / "wrong.h5"
    keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(5)]).save(wrong)
    with pytest.raises(UserError, match=r"needs \(48, 48, 1\) -> \(7,\)"):
        load_emotion_model(wrong)


def test_unopenable_sources(trained_model, tmp_path, capsys):
    assert useIt.main(["--source", str(tmp_path / "missing.mp4"), "--no-window", "--model", str(trained_model)]) == 2
    assert "does not exist" in last_error(capsys)
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(os.urandom(2000))
    assert useIt.main(["--source", str(fake), "--no-window", "--model", str(trained_model)]) == 2
    assert "cannot open" in last_error(capsys)
    assert useIt.main(["--source", "9", "--no-window", "--model", str(trained_model)]) == 2
    assert "no camera at index 9" in last_error(capsys)


def test_no_traceback_as_a_script(trained_model, tmp_path):
    """Run as a user would: one error line, exit 2, no traceback."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    r = subprocess.run([sys.executable, str(ROOT / "useIt.py"), "--source", "5", "--no-window",
                        "--model", str(trained_model)],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "error: no camera at index 5" in r.stderr


def test_saves_never_overwrite_and_leave_no_partial_files(tmp_path, monkeypatch):
    from datetime import datetime

    from emoji_creator import saving

    frame = np.zeros((10, 10, 3), np.uint8)
    now = datetime(2026, 1, 1, 12, 0, 0, 123000)
    a = saving.save_picture(frame, tmp_path / "new", now=now)  # missing folder: created
    b = saving.save_picture(frame, tmp_path / "new", now=now)  # the same millisecond
    assert a != b and a.is_file() and b.is_file()

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(saving.os, "fsync", crash)
    with pytest.raises(UserError, match="free some space"):
        saving.save_picture(frame, tmp_path / "new", now=now)
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == sorted([a.name, b.name])


@pytest.mark.parametrize("command", [["benchmarks/model_speed.py", "NOPE"], ["benchmarks/live_loop.py", "--model", "NOPE"]])
def test_benchmarks_name_a_missing_model_in_one_line(command, tmp_path):
    # The benchmarks and tools share the scripts' rule: a UserError is one line and exit status 2.
    missing = str(tmp_path / "nope.h5")
    run = subprocess.run([sys.executable, str(ROOT / command[0])] + [missing if a == "NOPE" else a for a in command[1:]],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith(f"error: model file {missing} not found")
    assert "Traceback" not in run.stderr


def test_gui_refuses_a_missing_source_and_an_unwritable_save_folder_before_any_window(clip, tmp_path, capsys):
    import gui

    assert gui.main(["--source", str(tmp_path / "nope.mp4")]) == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert gui.main(["--source", str(clip), "--save-dir", str(blocker / "pictures")]) == 2
    assert "cannot be written here: pick another folder" in capsys.readouterr().err


def test_the_summary_counts_pictures_per_folder():
    from pathlib import Path

    import gui

    assert gui.saved_summary([]) == "0 picture(s) saved"
    three = [Path("save/a.png"), Path("save/b.png"), Path("picked/c.png")]
    assert gui.saved_summary(three) == "2 picture(s) saved in save; 1 picture(s) saved in picked"
