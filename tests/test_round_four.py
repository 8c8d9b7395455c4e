"""Nothing lost, round four: never move what a run did not write, never follow a planted link, never
crash on a name. One test per case found (the numbers are the issue's), then property-based tests of
the readers, the option checks, the settings and the state files (Hypothesis, bounded in time).

Each case ends the same way: one line saying what to do and a non-zero exit (or a note in the window),
nothing moved, truncated or lost, no traceback, crash or hang.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gui
import train
import useIt
from conftest import latest_unit, useit_with_file_limit
from emoji_creator import ROOT, UserError
from emoji_creator.checkpoints import CheckpointDir
from emoji_creator.files import check_writes, fresh_folder, read_json
from emoji_creator.sources import FrameSource

TRAIN = ["--epochs", "1", "--batch-size", "16", "--distill", "0"]  # alone: the teacher is tested in test_train.py
BAD_NAME = os.fsdecode(b"caf\xe9-\xff")  # not valid UTF-8: OpenCV's C++ path calls crash on it
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def one_error(capsys):
    captured = capsys.readouterr()
    err = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "Traceback" not in captured.err, captured.err
    return err[0]


def listing(folder):
    return sorted((str(p.relative_to(folder)), p.read_bytes() if p.is_file() and not p.is_symlink() else None)
                  for p in Path(folder).rglob("*"))


def train_args(data, tmp_path, **paths):
    given_paths = {"output": tmp_path / "m.h5", "report-dir": tmp_path / "report",
                   "checkpoint-dir": tmp_path / "ckpt", **paths}
    return ["--data", str(data), *TRAIN] + [a for k, v in given_paths.items() for a in (f"--{k}", str(v))]


# -- 1. a checkpoint folder that holds the data or the project is never moved ------------------------
def test_1_a_checkpoint_folder_holding_the_data_is_refused_and_never_moved(tiny_data, tmp_path, capsys):
    project = tmp_path / "P"
    shutil.copytree(tiny_data, project / "data")
    (project / "notes.txt").write_text("mine")
    before = listing(project)
    for extra in ([], ["--restart"], ["--restart"]):
        args = train_args(project / "data", tmp_path, **{"checkpoint-dir": project}) + extra
        assert train.main(args) == 2
        assert "holds an input of this run" in one_error(capsys)
    assert listing(project) == before and not list(tmp_path.glob("P.before-*"))


def test_1_the_project_as_checkpoint_folder_is_refused_before_anything_moves():
    with pytest.raises(UserError, match="holds an input"):
        check_writes([("--checkpoint-dir", ROOT)], [("the program", ROOT / "emoji_creator")],
                     folders={"--checkpoint-dir"})


def test_1_only_a_folder_of_a_run_s_own_files_is_moved_aside(tmp_path):
    ckpt = CheckpointDir(tmp_path / "ckpt")
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "epoch-0001").mkdir()
    (tmp_path / "ckpt" / "thesis.tex").write_text("not a run's")
    with pytest.raises(UserError, match="holds files no training run wrote"):
        ckpt.move_aside()
    assert (tmp_path / "ckpt" / "thesis.tex").read_text() == "not a run's"
    (tmp_path / "ckpt" / "thesis.tex").unlink()
    assert ckpt.move_aside().name.startswith("ckpt.before-")


# -- 2. a planted .lock link: its target is never truncated -----------------------------------------
def test_2_a_lock_link_is_never_followed(tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / ".lock").symlink_to(victim)
    with pytest.raises(UserError, match="remove it"):
        CheckpointDir(tmp_path / "ckpt").lock()
    assert victim.read_text() == "keep me"


# -- 3. two runs at once never share a report folder ---------------------------------------------------
def test_3_report_folders_are_claimed_atomically(tmp_path):
    got, start = [], threading.Barrier(8)

    def claim():
        start.wait()
        got.append(fresh_folder(tmp_path / "report"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 8  # eight runs started together, eight folders


# -- 4. names OpenCV cannot take: never a segfault ---------------------------------------------------
def test_4_recording_into_a_folder_opencv_cannot_take_is_one_line(clip, trained_model, tmp_path, capsys):
    bad = tmp_path / BAD_NAME
    bad.mkdir()
    assert useIt.main(["--source", str(clip), "--model", str(trained_model), "--no-window",
                       "--record", str(bad / "out.mp4")]) == 2
    assert "not valid UTF-8" in one_error(capsys) and not list(bad.iterdir())
    from emoji_creator.window.session import RecordingSession

    assert "not valid UTF-8" in RecordingSession().start(bad, 30)  # the window: said at Record


def test_4_a_video_named_badly_in_the_save_folder_gets_no_thumbnail_and_no_crash(clip, tmp_path):
    from emoji_creator.window.strip import video_thumbnail

    bad = tmp_path / f"{BAD_NAME}.mp4"
    shutil.copy(clip, bad)
    assert video_thumbnail(bad) is None and video_thumbnail(clip) is not None


# -- 5. a link loop in any path ------------------------------------------------------------------------
def test_5_a_link_loop_is_one_line(tiny_data, trained_model, clip, tmp_path, capsys):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for name in ("output", "report-dir", "checkpoint-dir"):
        target = loop / "m.h5" if name == "output" else loop
        assert train.main(train_args(tiny_data, tmp_path, **{name: target})) == 2
        one_error(capsys)
    assert train.main(train_args(loop, tmp_path)) == 2
    assert "not found" in one_error(capsys)
    for option in ("--log", "--record"):
        assert useIt.main(["--source", str(clip), "--model", str(trained_model), "--no-window", option,
                           str(loop / ("x.csv" if option == "--log" else "x.mp4"))]) == 2
        one_error(capsys)
    from emoji_creator.window.save_folder import SaveFolder

    assert "cannot be followed" in SaveFolder(tmp_path / "save", lambda: []).change(loop)


# -- 6. a holdout that leaves a class with nothing to validate on ------------------------------------
def test_6_a_holdout_rounding_to_no_image_is_refused_before_training(tiny_data, tmp_path, capsys):
    started = time.perf_counter()
    assert train.main(train_args(tiny_data, tmp_path) + ["--holdout", "0.01"]) == 2
    assert "holds out no image of" in one_error(capsys)
    assert not (tmp_path / "m.h5").exists() and not list(tmp_path.glob("report*"))
    assert time.perf_counter() - started < 60  # refused at once, not after the run


# -- 7. files larger than memory are never read whole ---------------------------------------------------
def sparse(path, size=40 << 30):
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.truncate(size)  # 40 GB that take no disk
    return path


def test_7_a_huge_file_is_skipped_saying_so(faces, trained_model, tmp_path, capsys):
    from emoji_creator.clip import compose
    from emoji_creator.files import open_image

    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), compose(faces[0][1]))
    sparse(folder / "b.png")
    assert useIt.main(["--source", str(folder), "--model", str(trained_model), "--no-window"]) == 0
    assert "far too large" in capsys.readouterr().err
    assert open_image(folder / "b.png") is None  # the strip's thumbnails: skipped
    source = FrameSource(folder / "b.png")  # as the source: ends at once, said
    assert source.read() is None and source.ended


# -- 8. settings and long paths never stop the window ---------------------------------------------------
def test_8_deep_settings_and_long_paths_are_noted_not_fatal(tmp_path, monkeypatch, capsys):
    from emoji_creator.window.settings import Settings

    (tmp_path / "s.json").write_text("[" * 30_000)
    settings_ = Settings(tmp_path / "s.json")
    assert settings_.values == {} and "ignored" in settings_.note
    long = tmp_path / ("x" * 300)
    monkeypatch.setenv("EMOJI_CREATOR_CONFIG", str(long))
    assert Settings().values == {}  # no exception: a note at most
    (tmp_path / "r.json").write_text(json.dumps({"save_dir": str(long)}))
    remembered = Settings(tmp_path / "r.json")
    assert gui.remembered_save_dir(remembered) is None and "cannot be written" in remembered.note
    assert gui.main(["--source", str(tmp_path), "--save-dir", str(long)]) == 2
    assert "longer than 255" in one_error(capsys)


# -- 9. a camera index past a C int -------------------------------------------------------------------------
def test_9_a_huge_camera_index_is_one_line(trained_model, capsys):
    with pytest.raises(UserError, match="camera"):
        FrameSource(str(2 ** 31))
    assert useIt.main(["--source", str(2 ** 32), "--model", str(trained_model), "--no-window"]) == 2
    one_error(capsys)


# -- 10. names that are not UTF-8, printed under a UTF-8 locale ------------------------------------------
def test_10_printing_a_name_that_is_not_utf8_never_fails(tmp_path):
    bad = tmp_path / BAD_NAME
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("PYTHONIOENCODING", None)
    run = subprocess.run([sys.executable, str(ROOT / "useIt.py"), "--source", os.fsencode(bad), "--no-window"],
                         capture_output=True, env=env, timeout=120)
    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode == 2 and "Traceback" not in err and err.count("error:") == 1, err


# -- 11. number options have real ranges ----------------------------------------------------------------------
@pytest.mark.parametrize("value", ["1e-300", "-1", "nan", "inf", "0.01", "5000"])
def test_11_a_frame_rate_out_of_range_is_refused(value):
    with pytest.raises(SystemExit):
        gui.parse_args(["--max-fps", value])
    assert gui.parse_args(["--max-fps", "0"]).max_fps == 0 and gui.parse_args(["--max-fps", "0.5"]).max_fps == 0.5


# -- 12. a hand-edited state.json ----------------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["[1, 2]", "7", "[" * 5000, '{"recipe": [1], "epochs_done": "x"}'])
def test_12_a_hand_edited_state_is_one_line_on_resume(state, tiny_data, trained_model, tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(trained_model.parent / "ckpt", ckpt)
    (ckpt / "finished.json").unlink()
    for unit in ckpt.glob("epoch-*"):
        (unit / "state.json").write_text(state)
    assert train.main(train_args(tiny_data, tmp_path) + ["--resume"]) == 2
    assert "--restart" in one_error(capsys)


# -- 13. the message after a model was replaced --------------------------------------------------------------------
def test_13_an_interrupt_after_the_model_was_replaced_says_so(tmp_path, capsys):
    from emoji_creator import Terminated
    from emoji_creator.files import identity, keep_aside

    out = tmp_path / "m.h5"
    out.write_bytes(b"old")
    before = identity(out)
    keep_aside(out)
    out.unlink()
    out.write_bytes(b"new model")
    assert train.interrupted_line(Terminated(), CheckpointDir(tmp_path / "ckpt"), out, before) == 143
    err = capsys.readouterr().err
    assert "new model was saved" in err and "m.before-" in err and "unchanged" not in err


# -- 14. recording onto a full disk ------------------------------------------------------------------------------------
def test_14_recording_onto_a_full_disk_is_said_before_any_frame(tmp_path, monkeypatch):
    from emoji_creator import recording
    from emoji_creator.window.session import RecordingSession

    monkeypatch.setattr(recording.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(1 << 30, 1 << 30, 0))
    problem = RecordingSession().start(tmp_path, 30)
    assert "the disk is full" in problem and not list(tmp_path.iterdir())
    with pytest.raises(UserError, match="the disk is full"):
        recording.VideoFile(tmp_path / "x.avi", 30, (64, 48))


# -- 15 and 16. a name over 255 characters, a report folder that is a link to nothing --------------------------------
def test_15_16_impossible_places_are_refused_before_training(tiny_data, trained_model, clip, tmp_path, capsys):
    long = "y" * 300
    assert train.main(train_args(tiny_data, tmp_path, **{"report-dir": tmp_path / long})) == 2
    assert "longer than 255" in one_error(capsys)
    dangling = tmp_path / "reports"
    dangling.symlink_to(tmp_path / "nowhere")
    started = time.perf_counter()
    assert train.main(train_args(tiny_data, tmp_path, **{"report-dir": dangling})) == 2
    assert "does not exist" in one_error(capsys) and time.perf_counter() - started < 60
    assert not list(tmp_path.glob("m*.h5"))
    assert useIt.main(["--source", str(clip), "--model", str(trained_model), "--no-window",
                       "--log", str(tmp_path / f"{long}.csv")]) == 2
    assert "None" not in one_error(capsys)


# -- 17. a FIFO as --data x.csv, a newline in a name, an empty log, SIGTERM to the window ------------------------------
def test_17_a_fifo_csv_and_a_newline_in_a_name(tmp_path, capsys):
    os.mkfifo(tmp_path / "x.csv")
    assert train.main(["--data", str(tmp_path / "x.csv")]) == 2
    assert "FIFO" in one_error(capsys)
    assert train.main(["--data", str(tmp_path / "two\nlines")]) == 2
    assert "two\\nlines" in one_error(capsys)  # one line, the newline shown


def test_17_a_log_whose_first_write_fails_leaves_no_empty_file(clip, trained_model, tmp_path):
    from emoji_creator.runtime import load_live_model

    load_live_model(trained_model, quiet=True)
    log = tmp_path / "faces.csv"
    run = useit_with_file_limit(0, "--source", clip, "--no-window", "--model", trained_model, "--log", log)
    assert run.returncode == 2 and "Traceback" not in run.stderr and not log.exists(), run.stderr


def test_17_the_window_ends_with_143_on_sigterm(display, trained_model, clip, tmp_path):
    env = dict(os.environ, DISPLAY=display, EMOJI_CREATOR_CONFIG=str(tmp_path / "config"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "gui.py"), "--source", str(clip), "--loop", "--model",
                             str(trained_model), "--save-dir", str(tmp_path / "save"), "--detector", "yunet"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # the window is up and labelling (a loaded machine starts it slowly)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Traceback" not in err, err


# -- property-based: the readers, the option checks, the settings and the state files ----------------------------------
@FAST
@given(st.binary(max_size=300))
def test_read_json_gives_an_object_or_value_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("j") / "x.json"
    path.write_bytes(data)
    try:
        assert isinstance(read_json(path), dict)
    except ValueError:
        pass


@FAST
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
                    max_leaves=20))
def test_settings_take_only_valid_values_from_any_json(tmp_path_factory, value):
    from emoji_creator.window.settings import RULES, Settings

    path = tmp_path_factory.mktemp("s") / "settings.json"
    path.write_text(json.dumps({"finder": value, "mask": value, "save_dir": value, "other": value}))
    values = Settings(path).values
    assert all(key in RULES and RULES[key](v) for key, v in values.items())


@FAST
@given(st.text(max_size=20))
def test_number_options_accept_only_their_ranges(text):
    import argparse

    from emoji_creator import fraction, positive_int

    for check, ok in ((gui.fps_limit, lambda v: v == 0 or 0.1 <= v <= 1000), (fraction, lambda v: 0.01 <= v <= 1),
                      (positive_int, lambda v: v >= 1), (train.seed_value, lambda v: 0 <= v < 2 ** 32)):
        try:
            value = check(text)
        except (argparse.ArgumentTypeError, ValueError):
            continue
        assert ok(value), (check, text, value)


@FAST
@given(st.recursive(st.none() | st.integers() | st.text(max_size=10),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from(
                        ["recipe", "epochs_done", "data", "batch_size", "seed", "teacher", "distill"]), kids, max_size=5),
                    max_leaves=15))
def test_any_state_file_resumes_or_is_one_line(tmp_path_factory, state):
    from emoji_creator.checkpoints import check_resume

    ckpt = tmp_path_factory.mktemp("c")
    (ckpt / "epoch-0001").mkdir()
    (ckpt / "epoch-0001" / "model.keras").write_bytes(b"")
    (ckpt / "epoch-0001" / "state.json").write_text(json.dumps(state))
    args = train.parse_args(["--resume", "--seed", "3", "--batch-size", "8"])
    try:
        check_resume(args, CheckpointDir(ckpt))
    except UserError:
        pass


@FAST
@given(st.binary(max_size=400), st.sampled_from([".png", ".gif", ".jpg", ".webp", ".tif"]))
def test_any_image_file_is_read_or_refused_in_one_line(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("i") / f"x{suffix}"
    path.write_bytes(data)
    try:
        source = FrameSource(path)
        frame = source.read()
    except UserError:
        return
    assert frame is None or (isinstance(frame, np.ndarray) and frame.ndim == 3)


@FAST
@given(st.dictionaries(st.sampled_from(["emotion", "pixels", "Usage"]), st.text(max_size=40), max_size=3))
def test_any_csv_row_is_parsed_or_skipped(row):
    from emoji_creator.data import csv_row

    parsed = csv_row(row, {"Training": "train", "PublicTest": "val", "PrivateTest": "test"})
    assert parsed is None or parsed[1].shape == (48, 48, 1)


def test_the_unit_of_a_fresh_run_is_readable(trained_model):
    assert read_json(latest_unit(trained_model.parent / "ckpt") / "state.json")["epochs_done"] == 1
