"""Nothing lost, round three: every output checked against every input, odd files, full disks, signals.

Each fault is injected for real: a tmpfs that fills up, real FIFOs, real
non-UTF-8 file names, real SIGINT and SIGTERM to a real process. The rule
tested is the README's: one line and a non-zero exit, never a traceback, a
crash or a hang, and nothing written over an input or an earlier run's work.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import train
import useIt
from conftest import unavailable
from emoji_creator import ROOT

TRAIN = ["--epochs", "1", "--batch-size", "16"]
ALONE = ["--distill", "0"]  # no teacher unless a test names one (the recipe's own: test_train.py)
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
BAD_NAME = os.fsdecode(b"face-\xff\xfe")  # not valid UTF-8: OpenCV's path calls crashed on it


def one_error(capsys):
    captured = capsys.readouterr()
    err = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "Traceback" not in captured.err, captured.err
    return err[0]


def script(*args, timeout=120, **kw):
    """Run a script as a user would; returns the CompletedProcess (a hang fails the test)."""
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, env=ENV,
                          timeout=timeout, errors="replace", **kw)


def assert_one_line(run, code=2):
    assert run.returncode == code, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == (1 if code == 2 else 0), run.stderr
    return errors[0] if errors else run.stderr


def train_args(tiny_data, tmp_path, alone=True, **paths):
    given = {"output": tmp_path / "m.h5", "report-dir": tmp_path / "report",
             "checkpoint-dir": tmp_path / "ckpt", **paths}
    return ["--data", str(tiny_data), *TRAIN, *(ALONE if alone else [])] + \
        [a for k, v in given.items() for a in (f"--{k}", str(v))]


@pytest.fixture
def tmpfs(tmp_path):
    """A 3 MB file system of its own: writes to it meet a full disk for real."""
    mount = tmp_path / "small_disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode:
        unavailable("cannot mount a tmpfs here (needs root) to fill a disk for real")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(folder, leave=0):
    """Fill folder's disk, leaving about `leave` bytes free."""
    free = shutil.disk_usage(folder).free - leave
    with open(folder / "ballast", "wb") as f:
        while free > 0:
            chunk = min(free, 1 << 20)
            try:
                f.write(b"\0" * chunk)
                f.flush()
            except OSError:
                break
            free -= chunk


def leftovers(*folders):
    return [p for folder in folders if folder.exists() for p in folder.rglob("*")
            if ".partial" in p.name or p.name.endswith(".tmp")]


# -- 1. never write over a shipped file or an earlier run's work ----------------------------

def test_a_first_run_keeps_the_model_it_replaces_and_the_earlier_report(trained_model, tiny_data, tmp_path, capsys):
    out, report = tmp_path / "emotion_model.h5", tmp_path / "reports" / "emotion_model"
    shutil.copy(trained_model, out)
    shipped = out.read_bytes()
    report.mkdir(parents=True)
    (report / "metrics.json").write_text('{"shipped": true}')
    assert train.main(train_args(tiny_data, tmp_path, output=out, **{"report-dir": report})) == 0
    said = capsys.readouterr().out
    kept = [p for p in tmp_path.glob("emotion_model.before-*.h5")]
    assert len(kept) == 1 and kept[0].read_bytes() == shipped, said
    assert kept[0].name in said and "to go back" in said
    assert (report / "metrics.json").read_text() == '{"shipped": true}'  # the earlier report, untouched
    second = report.with_name("emotion_model-2")
    assert (second / "metrics.json").is_file() and str(second) in said
    # --restart too gets a folder of its own for its report.
    assert train.main(train_args(tiny_data, tmp_path, output=out, **{"report-dir": report}) + ["--restart"]) == 0
    assert report.with_name("emotion_model-3").is_dir() and (second / "metrics.json").is_file()
    assert len(list(tmp_path.glob("emotion_model.before-*.h5"))) == 2


@pytest.mark.parametrize("case", ["report_in_class_folder", "ckpt_in_data", "output_is_ckpt", "report_is_ckpt",
                                  "report_in_package", "output_is_votes"])
def test_every_path_written_is_checked_against_every_path_read(case, tiny_data_copy, tmp_path, capsys):
    happy = tiny_data_copy / "train" / "happy"
    before = sorted(p.name for p in happy.iterdir())
    votes = tmp_path / "votes.h5"  # any file given as an input: the output must not replace it
    votes.write_text("x")
    paths = {"report_in_class_folder": {"report-dir": happy}, "ckpt_in_data": {"checkpoint-dir": happy / "c"},
             "output_is_ckpt": {"output": tmp_path / "same.h5", "checkpoint-dir": tmp_path / "same.h5"},
             "report_is_ckpt": {"report-dir": tmp_path / "same", "checkpoint-dir": tmp_path / "same"},
             "report_in_package": {"report-dir": ROOT / "emoji_creator"},
             "output_is_votes": {"output": votes, "votes": votes}}[case]
    started = time.time()
    assert train.main(train_args(tiny_data_copy, tmp_path, **paths)) == 2
    assert one_error(capsys)
    assert time.time() - started < 20  # refused before any training
    assert sorted(p.name for p in happy.iterdir()) == before and votes.read_text() == "x"
    assert not (tmp_path / "ckpt").exists()  # a refused run leaves no empty checkpoint folder (.lock)
    assert not (ROOT / "emoji_creator" / "metrics.json").exists()


def test_the_log_is_never_the_models_compiled_cache(clip, trained_model, tmp_path, capsys):
    model = tmp_path / "m.h5"
    shutil.copy(trained_model, model)
    cache = tmp_path / "m.h5.litert"
    assert useIt.main(["--source", str(clip), "--no-window", "--model", str(model), "--log", str(cache)]) == 2
    assert "compiled cache" in one_error(capsys) and not cache.exists()


# -- 2. a one-line message, never a traceback, a crash or a hang ---------------------------

def test_file_names_that_are_not_utf8(clip, trained_model, tmp_path):
    from emoji_creator.clip import SHIPPED_FACE

    folder = tmp_path / "faces"
    folder.mkdir()
    image = folder / (BAD_NAME + ".png")
    shutil.copy(SHIPPED_FACE, image)
    video = tmp_path / (BAD_NAME + ".avi")
    shutil.copy(clip, video)
    for source in (folder, image):  # images are read through Python's own file calls: they work
        run = script(ROOT / "useIt.py", "--source", source, "--no-window", "--model", trained_model)
        assert run.returncode == 0 and run.stdout.startswith("1 frames, 1 faces"), run.stderr
    run = script(ROOT / "useIt.py", "--source", video, "--no-window", "--model", trained_model)
    assert "rename the file" in assert_one_line(run)  # never a segmentation fault (exit 139)


def test_fifos_are_never_opened(trained_model, tmp_path):
    from emoji_creator.clip import SHIPPED_FACE

    folder = tmp_path / "faces"
    folder.mkdir()
    shutil.copy(SHIPPED_FACE, folder / "a.png")
    os.mkfifo(folder / "b.png")  # a FIFO waits for a writer: opening it would hang the run
    run = script(ROOT / "useIt.py", "--source", folder, "--no-window", "--model", trained_model, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("1 frames"), run.stderr
    run = script(ROOT / "useIt.py", "--source", folder / "b.png", "--no-window", "--model", trained_model)
    assert "FIFO" in assert_one_line(run)
    model = tmp_path / "m.h5"
    shutil.copy(trained_model, model)
    os.mkfifo(tmp_path / "m.h5.litert")  # the compiled cache's place: compiled in memory instead
    run = script(ROOT / "useIt.py", "--source", folder / "a.png", "--no-window", "--model", model, timeout=90)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr


def test_a_folder_as_the_model_and_a_device_as_the_log_are_named_so(trained_model, tmp_path, capsys):
    from emoji_creator.clip import SHIPPED_FACE

    for option, given in (("--model", tmp_path), ("--log", Path("/dev/null"))):
        args = ["--source", str(SHIPPED_FACE), "--no-window", "--model", str(trained_model), option, str(given)]
        assert useIt.main(args) == 2
        line = one_error(capsys)
        assert ("is a folder" if option == "--model" else "is a device") in line and "already exists" not in line


def test_the_window_starts_past_a_fifo_and_a_bomb_in_the_save_folder(display, tmp_path):
    import struct
    import zlib

    import tkinter as tk

    from emoji_creator.window.app import App

    save = tmp_path / "save"
    save.mkdir()
    os.mkfifo(save / "x.png")
    # A PNG whose header claims 100000x100000 pixels: PIL refuses to decode it, the strip skips it.
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    (save / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk
                                    + struct.pack(">I", zlib.crc32(chunk)))
    root = tk.Tk()
    try:
        started = time.time()
        app = App(root, None, source=str(tmp_path / "none.png"), save_dir=save)
        root.update()
        assert time.time() - started < 10 and app.strip.thumbs == []
    finally:
        root.destroy()


def test_full_disks_end_in_one_line_and_leave_no_partial_file(tiny_data, trained_model, tmpfs, tmp_path, capsys):
    from emoji_creator.files import write_failed

    # The checkpoint write: the folder's disk is full.
    fill(tmpfs, leave=64 << 10)
    assert train.main(train_args(tiny_data, tmp_path, **{"checkpoint-dir": tmpfs / "ckpt"})) == 2
    assert "the disk is full" in one_error(capsys) and not (tmp_path / "m.h5").exists()
    assert not leftovers(tmpfs)
    # The final save: the checkpoint fits elsewhere, the model's own disk is full.
    assert train.main(train_args(tiny_data, tmp_path, output=tmpfs / "m.h5",
                                 **{"checkpoint-dir": tmp_path / "ckpt2"})) == 2
    line = one_error(capsys)
    assert "the disk is full" in line and "--resume" in line and not leftovers(tmpfs)
    # tools/join.py
    run = script(ROOT / "tools" / "join.py", trained_model, trained_model, "--output", tmpfs / "j.h5")
    assert "the disk is full" in assert_one_line(run) and not leftovers(tmpfs) and not (tmpfs / "j.h5").exists()
    assert write_failed(OSError(28, "No space left on device"), "x").startswith("could not write x")


def test_an_absurd_batch_size_is_one_line(tiny_data, tmp_path, capsys):
    assert train.main(train_args(tiny_data, tmp_path) + ["--batch-size", "100000000000000000000"]) == 2
    assert "--batch-size" in one_error(capsys)


def test_a_signal_in_the_first_seconds_is_one_line(tiny_data, trained_model, tmp_path):
    # Ctrl-C to train.py and SIGTERM to useIt.py while they import TensorFlow and OpenCV.
    for sig, cmd in ((signal.SIGINT, [ROOT / "train.py", *train_args(tiny_data, tmp_path)]),
                     (signal.SIGTERM, [ROOT / "useIt.py", "--source", tmp_path, "--no-window", "--model",
                                       trained_model])):
        proc = subprocess.Popen([sys.executable, *map(str, cmd)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=ENV)
        time.sleep(1.5)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (130, 143, 2, 0), err  # 2/0: it got past start-up and ended on its own
        assert "Traceback" not in err, err
        if proc.returncode in (130, 143):
            assert err.strip().splitlines()[-1].startswith(("interrupted", "stopped"))


def test_sigterm_mid_training_says_so_and_leaves_no_partial_file(tiny_data, tmp_path):
    ckpt = tmp_path / "ckpt"
    cmd = [sys.executable, str(ROOT / "train.py"), *train_args(tiny_data, tmp_path)]
    cmd[cmd.index("1")] = "200"  # --epochs 200: still training when the signal comes
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.time() + 240
    while not list(ckpt.glob("epoch-*")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-1500:]
    assert "stopped (SIGTERM)" in err and "--resume" in err and "Traceback" not in err
    assert not leftovers(tmp_path) and not (tmp_path / "m.h5").exists()


# -- 3. say what happened -------------------------------------------------------------------

def write_video(path, frames, damage=None):
    import cv2
    import numpy as np

    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for i in range(frames):
        out.write(np.full((120, 160, 3), (i * 4) % 255, np.uint8))
    out.release()
    if damage:
        data = bytearray(path.read_bytes())
        start, end = (int(len(data) * f) for f in damage)
        data[start:end] = b"\x11" * (end - start)
        path.write_bytes(bytes(data))


def test_damaged_and_empty_videos_say_so(trained_model, tmp_path):
    damaged, empty = tmp_path / "damaged.avi", tmp_path / "empty.avi"
    write_video(damaged, 60, damage=(0.85, 0.9))
    write_video(empty, 0)
    run = script(ROOT / "useIt.py", "--source", damaged, "--no-window", "--model", trained_model)
    assert run.returncode == 0 and "could not be decoded" in run.stderr, run.stderr
    assert "@ 0x" not in run.stderr and "Unexpected element" not in run.stderr  # no FFmpeg/OpenCV noise
    run = script(ROOT / "useIt.py", "--source", empty, "--no-window", "--model", trained_model)
    assert_one_line(run)


def test_resume_refuses_data_that_changed(tiny_data_copy, tmp_path, capsys):
    args = train_args(tiny_data_copy, tmp_path)
    assert train.main(args) == 0  # one epoch, checkpointed
    args[args.index("1")] = "3"
    happy = tiny_data_copy / "train" / "happy"
    first = sorted(happy.iterdir())[0]
    shutil.copy(first, happy / ("extra-" + first.name))  # one more image since the run started
    assert train.main(args + ["--resume"]) == 2
    assert "--restart" in one_error(capsys)


def test_wording_of_odd_paths(tiny_data_copy, trained_model, tmp_path, capsys):
    # A folder as --teacher or --init: said to be a folder, not "not found".
    for option in ("--teacher", "--init"):
        assert train.main(train_args(tiny_data_copy, tmp_path) + [option, str(tmp_path)]) == 2
        assert "folder" in one_error(capsys)
    # A class folder named with a capital gets a hint about the case.
    (tiny_data_copy / "train" / "happy").rename(tiny_data_copy / "train" / "Happy")
    assert train.main(train_args(tiny_data_copy, tmp_path)) == 2
    assert "rename Happy to happy" in one_error(capsys)


def test_a_teacher_of_the_wrong_shape_is_told_to_pass_another(tiny_data, tmp_path, capsys):
    import keras

    odd = keras.Sequential([keras.Input((48, 48, 1)), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")])
    path = tmp_path / "odd.h5"
    odd.save(path)
    assert train.main(train_args(tiny_data, tmp_path, alone=False) + ["--teacher", str(path)]) == 2
    line = one_error(capsys)
    assert "pass another model" in line and "retrain" not in line
