"""Nothing lost, round two: each fault is injected for real (or as noted), and each ends in one line.

The rule: a script never writes over its own inputs or a previous run's work
unless asked, and never ends in a traceback.
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

import train
import useIt
from conftest import latest_unit, useit_with_file_limit
from emoji_creator import ROOT

TRAIN = ["--epochs", "1", "--batch-size", "16", "--distill", "0"]  # alone: the teacher is tested in test_train.py


def one_error(capsys):
    captured = capsys.readouterr()
    err = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "Traceback" not in captured.err, captured.err
    return err[0]


def run_train(tiny_data, tmp_path, *extra, ckpt="ckpt"):
    return train.main(["--data", str(tiny_data), *TRAIN, "--output", str(tmp_path / "m.h5"),
                       "--report-dir", str(tmp_path / "report"), "--checkpoint-dir", str(tmp_path / ckpt), *extra])


# -- 1. a fresh run over a folder that holds a run ---------------------------------
def test_fresh_run_refuses_a_folder_holding_a_run_and_restart_keeps_it(tiny_data, trained_model, tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(trained_model.parent / "ckpt", ckpt)
    (ckpt / "finished.json").unlink()  # as if killed before its model was saved: an interrupted run
    before = {p.relative_to(ckpt): p.read_bytes() for p in ckpt.rglob("*") if p.is_file() and p.name != ".lock"}
    assert run_train(tiny_data, tmp_path) == 2
    msg = one_error(capsys)
    assert "holds a run at epoch 1" in msg and "--resume" in msg and "--restart" in msg
    after = {p.relative_to(ckpt): p.read_bytes() for p in ckpt.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before
    assert run_train(tiny_data, tmp_path, "--restart") == 0
    kept = list(tmp_path.glob("ckpt.before-*"))
    assert len(kept) == 1 and latest_unit(kept[0]).name == "epoch-0001"
    assert {p.relative_to(kept[0]): p.read_bytes() for p in kept[0].rglob("*")
            if p.is_file() and p.name != ".lock"} == before


def test_a_finished_run_never_blocks_the_next_and_is_not_resumed(tiny_data, trained_model, tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(trained_model.parent / "ckpt", ckpt)  # a finished one-epoch run
    before = {p.relative_to(ckpt): p.read_bytes() for p in ckpt.rglob("*") if p.is_file() and p.name != ".lock"}
    assert run_train(tiny_data, tmp_path, "--resume") == 2
    msg = one_error(capsys)
    assert "finished at epoch 1" in msg and "nothing to resume" in msg
    assert run_train(tiny_data, tmp_path) == 0  # the same options again: a second run
    assert "a new run: the previous run (finished at epoch 1" in capsys.readouterr().out
    kept = list(tmp_path.glob("ckpt.before-*"))
    assert len(kept) == 1 and {p.relative_to(kept[0]): p.read_bytes() for p in kept[0].rglob("*")
                               if p.is_file() and p.name != ".lock"} == before
    assert (ckpt / "finished.json").is_file() and latest_unit(ckpt).name == "epoch-0001"


@pytest.mark.parametrize("extra", [[], ["--restart"], ["--resume"]])
def test_missing_data_moves_nothing_and_says_the_data_is_missing(extra, trained_model, tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(trained_model.parent / "ckpt", ckpt)
    (ckpt / "finished.json").unlink()  # an interrupted run, which --restart would move aside
    listing = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert run_train(tmp_path / "no-data", tmp_path, *extra) == 2
    msg = one_error(capsys)
    assert "data folder" in msg and "not found" in msg and "checkpoint" not in msg
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == listing


# -- 2 and 11. --output, --report-dir, --checkpoint-dir checked before any data loads ----
@pytest.mark.parametrize("case", ["data_csv", "keras_name", "bare_name", "folder", "under_a_file",
                                  "report_is_file", "ckpt_is_file", "inside_data"])
def test_bad_output_paths_are_refused_before_training(case, tiny_data, tmp_path, capsys):
    from test_train import write_csv

    data = tmp_path / "fer2013.csv"
    write_csv(data, tiny_data)
    original = data.read_bytes()
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    args = {"data_csv": ["--output", str(data)], "keras_name": ["--output", str(tmp_path / "m.keras")],
            "bare_name": ["--output", str(tmp_path / "model")], "folder": ["--output", str(tmp_path)],
            "under_a_file": ["--output", str(blocker / "m.h5")],
            "report_is_file": ["--output", str(tmp_path / "m.h5"), "--report-dir", str(blocker)],
            "ckpt_is_file": ["--output", str(tmp_path / "m.h5"), "--checkpoint-dir", str(blocker)],
            "inside_data": ["--output", str(tiny_data / "train" / "m.h5")]}[case]
    source = str(tiny_data) if case == "inside_data" else str(data)
    started = time.time()
    rc = train.main(["--data", source, *TRAIN, "--report-dir", str(tmp_path / "r"),
                     "--checkpoint-dir", str(tmp_path / "c"), *args])
    assert rc == 2
    one_error(capsys)
    assert time.time() - started < 20  # refused up front, not after the epochs
    assert data.read_bytes() == original and blocker.read_text() == "x"
    assert not (tiny_data / "train" / "m.h5").exists()


# -- 3. the live log never replaces an input or an earlier log ------------------------
def test_log_never_writes_over_the_source_or_an_existing_file(clip, trained_model, tmp_path, capsys):
    source = tmp_path / "clip.avi"
    shutil.copy(clip, source)
    original = source.read_bytes()
    assert useIt.main(["--source", str(source), "--no-window", "--model", str(trained_model),
                       "--log", str(source)]) == 2
    assert "also an input" in one_error(capsys) and source.read_bytes() == original
    old_log = tmp_path / "faces.csv"
    old_log.write_text("yesterday's rows\n")
    assert useIt.main(["--source", str(source), "--no-window", "--model", str(trained_model),
                       "--log", str(old_log)]) == 2
    assert "already exists" in one_error(capsys) and old_log.read_text() == "yesterday's rows\n"


# -- 4. two runs on one checkpoint folder -------------------------------------------
def test_a_second_run_on_a_locked_checkpoint_folder_gets_one_line(tiny_data, tmp_path, capsys):
    from emoji_creator.checkpoints import CheckpointDir

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, %r); from emoji_creator.checkpoints import CheckpointDir; "
        "c = CheckpointDir(%r); c.lock(); print('locked', flush=True); time.sleep(60)") % (str(ROOT), str(tmp_path / "ckpt"))],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert run_train(tiny_data, tmp_path) == 2
        assert "another train.py run (pid" in one_error(capsys)
    finally:
        holder.kill()
        holder.wait()
    assert CheckpointDir  # the lock goes with its process: the folder is free again
    assert run_train(tiny_data, tmp_path) == 0


# -- 5. kills at random moments, then --resume: recorded epochs equal trained epochs --------
def test_random_kills_during_training_never_desync_the_checkpoint(tiny_data, tmp_path):
    """SIGKILL at random moments (checkpoint writes included), then --resume, over and over.

    2 rounds in the suite (under half a minute); the issue's 20 with
    EMOJI_CREATOR_KILL_ROUNDS=20 python -m pytest -s -k random_kills (about 5 minutes).
    """
    rounds = int(os.environ.get("EMOJI_CREATOR_KILL_ROUNDS", "2"))
    import keras

    ckpt = tmp_path / "ckpt"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    base = [sys.executable, str(ROOT / "train.py"), "--data", str(tiny_data), "--epochs", "500",
            "--batch-size", "16", "--distill", "0", "--output", str(tmp_path / "m.h5"), "--checkpoint-dir", str(ckpt),
            "--report-dir", str(tmp_path / "report")]
    rng = np.random.default_rng(7)
    kills = 0
    for round_ in range(rounds):
        resume = ["--resume"] if list(ckpt.glob("epoch-*")) else []
        proc = subprocess.Popen(base + resume, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        # Wait for training to be under way (a unit newer than at the start), then kill at a random moment.
        start_units = {d.name for d in ckpt.glob("epoch-*")}
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None and {d.name for d in ckpt.glob("epoch-*")} <= start_units:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        assert b"Traceback" not in err, err.decode()[-1500:]
        kills += 1
    unit = latest_unit(ckpt)
    state = json.loads((unit / "state.json").read_text())
    model = keras.models.load_model(unit / "model.keras")
    steps = int(np.ceil(70 / 16))
    trained = int(model.optimizer.iterations.numpy()) // steps
    assert kills == rounds
    assert state["epochs_done"] == trained == len(state["history"]["loss"])
    best_epoch = state["best"]["epoch"]
    best_unit = ckpt / f"epoch-{best_epoch:04d}"
    assert 1 <= best_epoch <= trained and best_unit.is_dir()  # the best model the state names is there
    assert json.loads((best_unit / "state.json").read_text())["best"]["epoch"] == best_epoch
    print(f"\n{rounds} SIGKILLs: {trained} epochs trained, {state['epochs_done']} recorded")


# -- 6. the CSV log: a full disk, and SIGTERM ----------------------------------------------
def test_log_write_failure_is_one_line_and_sigterm_keeps_the_tail(clip, trained_model, tmp_path):
    from emoji_creator.runtime import load_live_model

    load_live_model(trained_model, quiet=True)  # the compiled cache exists, as after any first start
    log = tmp_path / "faces.csv"
    # A real write failure: the process may write only 300 bytes (RLIMIT_FSIZE), so the log fails mid-run.
    r = useit_with_file_limit(300, "--source", clip, "--no-window", "--model", trained_model, "--log", log)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "writing the log" in r.stderr and "rows written so far are kept" in r.stderr
    # SIGTERM mid-run: the summary line is printed and every row in the log is complete.
    from emoji_creator.clip import write_clip
    from conftest import shipped_faces

    long_clip = tmp_path / "long.avi"
    write_clip(long_clip, shipped_faces(7) * 3, hold=30)  # 630 frames: the log passes 2,000 bytes long before
    log2 = tmp_path / "faces2.csv"
    proc = subprocess.Popen([sys.executable, str(ROOT / "useIt.py"), "--source", str(long_clip), "--no-window",
                             "--model", str(trained_model), "--log", str(log2)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and (not log2.exists() or log2.stat().st_size < 2000):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert "frames per second" in out and "Traceback" not in err
    lines = log2.read_text().splitlines()
    assert len(lines) > 2 and all(len(line.split(",")) == len(lines[0].split(",")) for line in lines)


# -- 7. resume: damaged checkpoints, seeds, changed options ---------------------------------
def test_resume_survives_a_damaged_unit_and_refuses_changed_options(tiny_data, trained_model, tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(trained_model.parent / "ckpt", ckpt)
    args = ["--data", str(tiny_data), "--batch-size", "16", "--resume", "--output", str(tmp_path / "m.h5"),
            "--report-dir", str(tmp_path / "r"), "--checkpoint-dir", str(ckpt)]
    assert train.main(args + ["--epochs", "2"]) == 0
    assert sorted(d.name for d in ckpt.glob("epoch-*")) == ["epoch-0001", "epoch-0002"]
    unit = latest_unit(ckpt)
    data = (unit / "model.keras").read_bytes()
    (unit / "model.keras").write_bytes(data[: len(data) // 3])  # truncated
    rc = train.main(args + ["--epochs", "3"])
    out = capsys.readouterr().out
    assert rc == 0 and "epoch-0002 in" in out and "damaged; resuming from epoch-0001" in out
    assert json.loads((latest_unit(ckpt) / "state.json").read_text())["epochs_done"] == 3
    for extra, word in ((["--batch-size", "32"], "--batch-size 32"), (["--erasing", "0.1"], "--erasing 0.1"),
                        (["--seed", "5"], "--seed 5"), (["--augment", "webcam"], "--augment webcam")):
        rc = train.main(["--data", str(tiny_data), "--epochs", "3", "--resume", "--output", str(tmp_path / "m.h5"),
                         "--report-dir", str(tmp_path / "r"), "--checkpoint-dir", str(ckpt), *extra])
        assert rc == 2 and word in one_error(capsys)
    for d in ckpt.glob("epoch-*"):  # every unit's state truncated
        (d / "state.json").write_text('{"epochs_done": ')
    rc = train.main(["--data", str(tiny_data), "--epochs", "3", "--batch-size", "16", "--resume",
                     "--output", str(tmp_path / "m.h5"), "--report-dir", str(tmp_path / "r"),
                     "--checkpoint-dir", str(ckpt)])
    assert rc == 2 and "--restart" in one_error(capsys)


def test_any_seed_a_fresh_run_takes_can_be_resumed(tiny_data, tmp_path, capsys):
    assert run_train(tiny_data, tmp_path, "--seed", "4294967000") == 0
    assert train.main(["--data", str(tiny_data), "--epochs", "2", "--resume", "--output", str(tmp_path / "m.h5"),
                       "--report-dir", str(tmp_path / "report"), "--checkpoint-dir", str(tmp_path / "ckpt")]) == 0
    with pytest.raises(SystemExit):
        train.parse_args(["--seed", "-1"])


# -- 8. images that crash or mislead ------------------------------------------------
def png_claiming(width, height):
    """A PNG whose header claims width x height (with one tiny, wrong data chunk)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + chunk(b"IEND", b""))


def test_images_that_lie_or_overflow_are_skipped_or_scaled(tiny_data_copy, tmp_path, capsys):
    from PIL import Image

    from emoji_creator.data import load_folder_split, read_image

    happy = tiny_data_copy / "train" / "happy"
    (happy / "bomb.png").write_bytes(png_claiming(100000, 100000))
    x, y, skipped = load_folder_split(tiny_data_copy / "train")
    assert skipped == 1
    ramp = (np.arange(48 * 48, dtype=np.float64).reshape(48, 48) / (48 * 48 - 1))
    Image.fromarray((ramp * 65535).astype(np.uint16)).save(tmp_path / "deep.png")
    Image.fromarray(ramp.astype(np.float32), mode="F").save(tmp_path / "float.tif")
    for name in ("deep.png", "float.tif"):
        img = read_image(tmp_path / name)
        assert img is not None and 100 < img.mean() < 155 and img.min() < 10 and img.max() > 245, name


def test_an_unreadable_class_folder_is_one_line(tiny_data_copy, monkeypatch, capsys):
    # Simulated: as root (CI) a chmod cannot make a folder unreadable, so iterdir raises as it would.
    from emoji_creator import data as data_mod

    real = Path.iterdir

    def denied(self):
        if self.name == "sad":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(data_mod.Path, "iterdir", denied)
    assert train.main(["--data", str(tiny_data_copy), *TRAIN, "--output", str(tiny_data_copy.parent / "m.h5"),
                       "--checkpoint-dir", str(tiny_data_copy.parent / "c")]) == 2
    assert "cannot read" in one_error(capsys)


@pytest.mark.parametrize("shape", [(9, 4800), (4800, 9)])
def test_sliver_and_huge_live_sources(shape, trained_model, tmp_path, capsys):
    import cv2

    sliver = tmp_path / "sliver.png"
    cv2.imwrite(str(sliver), np.full(shape + (3,), 120, np.uint8))
    assert useIt.main(["--source", str(sliver), "--no-window", "--model", str(trained_model)]) == 0
    assert capsys.readouterr().out.strip().startswith("1 frames, 0 faces")
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_claiming(30000, 30000))
    started = time.time()
    assert useIt.main(["--source", str(huge), "--no-window", "--model", str(trained_model)]) == 0
    assert "too large" in capsys.readouterr().err and time.time() - started < 10


# -- 9. CSV files that are not quite fer2013.csv -----------------------------------------
def test_odd_csv_files_are_skipped_rows_or_one_line(tiny_data, tmp_path, capsys):
    from emoji_creator import UserError
    from emoji_creator.data import load_csv
    from test_train import write_csv

    good = tmp_path / "fer2013.csv"
    write_csv(good, tiny_data)
    text = good.read_text()
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text(text, encoding="utf-16")
    with pytest.raises(UserError, match="UTF-16"):
        load_csv(utf16)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert len(load_csv(bom)["train"][0]) == len(load_csv(good)["train"][0])
    px = " ".join(["0"] * 2304)
    extra = tmp_path / "extra.csv"
    extra.write_bytes(text.encode() + f"-1,{px},Training\n".encode() + f"3,{'nan ' * 2304},Training\n".encode()
                      + b"3," + b"1" * 200_000 + b",Training\n" + "3,{},Training caf\xe9\n".format(px).encode("latin-1"))
    n = len(load_csv(extra)["train"][0])
    assert n == len(load_csv(good)["train"][0])  # every odd row skipped
    assert "skipped 4 bad row(s)" in capsys.readouterr().err
    no_private = tmp_path / "noprivate.csv"
    no_private.write_text("\n".join(l for l in text.splitlines() if not l.endswith("PrivateTest")) + "\n")
    with pytest.raises(UserError, match="PrivateTest"):
        load_csv(no_private)


# -- 10. a class-name attribute that is not seven names -------------------------------
@pytest.mark.parametrize("value", ['"angry"', '[1, 2, 3, 4, 5, 6, 7]', '["a", "b"]', "not json"])
def test_odd_class_names_in_a_model_fall_back_to_the_classes(value, trained_model, tmp_path):
    import h5py

    from emoji_creator import CLASSES
    from emoji_creator.model_file import LABELS_ATTR, read_class_names

    m = tmp_path / "m.h5"
    shutil.copy(trained_model, m)
    with h5py.File(m, "a") as f:
        f.attrs[LABELS_ATTR] = value
    assert read_class_names(m) == CLASSES


# -- 11. arguments ---------------------------------------------------------------
@pytest.mark.parametrize("argv", [["--source", "²"], ["--max-frames", "0"], ["--max-frames", "-3"],
                                  ["--min-face", "nan"], ["--source", "rtsp://127.0.0.1:1/x"]])
def test_odd_arguments_are_one_line(argv, trained_model, capsys):
    try:
        rc = useIt.main([*argv, "--no-window", "--model", str(trained_model)])
    except SystemExit as exc:  # argparse: usage and one error line
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "rtsp:/127" not in err


def test_gui_max_fps_must_be_a_rate():
    import gui

    for bad in ("nan", "-1", "1e-300x"):
        with pytest.raises(SystemExit):
            gui.parse_args(["--max-fps", bad])


# -- 12. leftovers and messages -------------------------------------------------------
def test_saves_clean_leftovers_use_the_umask_and_say_why_they_failed(tmp_path, monkeypatch):
    import errno

    from emoji_creator import UserError
    from emoji_creator import saving

    folder = tmp_path / "save"
    folder.mkdir()
    stale = folder / ".saving-abc.png"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = folder / ".saving-now.png"
    fresh.write_bytes(b"being written")
    assert saving.clean_leftovers(folder) == 1 and not stale.exists() and fresh.exists()
    old = os.umask(0o022)
    try:
        path = saving.save_picture(np.zeros((10, 10, 3), np.uint8), folder)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    for code, words in ((errno.ENOSPC, "disk is full"), (errno.EACCES, "not writable"), (errno.EPERM, "not writable")):
        def fail(*a, code=code, **k):
            raise OSError(code, os.strerror(code))
        monkeypatch.setattr(saving.tempfile, "mkstemp", fail)  # simulated: the OS's answer, by errno
        with pytest.raises(UserError, match=words):
            saving.save_picture(np.zeros((10, 10, 3), np.uint8), folder)


def test_a_killed_model_save_leaves_no_report_of_a_model_never_saved(tiny_data, tmp_path, monkeypatch, capsys):
    from emoji_creator import model_file as model_mod

    def killed(model, path, class_names=None):
        raise KeyboardInterrupt  # the kill arrives during the final save
    monkeypatch.setattr("emoji_creator.evaluation.save_model", killed)
    assert run_train(tiny_data, tmp_path) == 130
    assert not (tmp_path / "report" / "metrics.json").exists() and not (tmp_path / "m.h5").exists()
    assert model_mod  # the real save writes a unique temporary name and cleans stale ones (test below)


def test_stale_partial_model_files_are_cleaned(trained_model, tmp_path):
    import keras

    from emoji_creator.model_file import save_model

    stale = tmp_path / ".m.partial-old.h5"
    stale.write_bytes(b"killed mid-save")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    save_model(keras.models.load_model(trained_model, compile=False), tmp_path / "m.h5")
    assert not stale.exists() and (tmp_path / "m.h5").is_file()
    assert not list(tmp_path.glob(".m.partial*"))
