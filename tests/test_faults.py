"""Faults injected for real: a training run interrupted and resumed, a camera that stops mid-stream."""
import os
import signal
import subprocess
import sys
import time

import numpy as np

import useIt
from emoji_creator import ROOT
from emoji_creator import sources


def test_interrupted_training_keeps_old_model_and_resumes(tiny_data, tmp_path):
    out = tmp_path / "emotion_model.h5"
    out.write_bytes(b"the previous model")
    ckpt = tmp_path / "ckpt"
    cmd = [sys.executable, str(ROOT / "train.py"), "--data", str(tiny_data), "--epochs", "200",
           "--batch-size", "16", "--distill", "0", "--output", str(out), "--checkpoint-dir", str(ckpt),
           "--report-dir", str(tmp_path / "report")]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 240
    while not list(ckpt.glob("epoch-*")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-1500:]
    assert "--resume" in err and "Traceback" not in err
    assert out.read_bytes() == b"the previous model"
    assert list(ckpt.glob("epoch-*/model.keras")) and list(ckpt.glob("epoch-*/state.json"))

    import json

    from conftest import latest_unit

    done = json.loads((latest_unit(ckpt) / "state.json").read_text())["epochs_done"]
    # Resume, asking for just one more epoch than were done.
    cmd[cmd.index("200")] = str(done + 1)
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"resuming from epoch {done}" in r.stdout
    assert json.loads((latest_unit(ckpt) / "state.json").read_text())["epochs_done"] == done + 1
    assert out.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"  # replaced by a real model only at the end


class StallingCamera:
    """A cv2.VideoCapture stand-in for a webcam that delivers `good` frames, then nothing."""

    def __init__(self, index, good=5):
        self.left = good

    def isOpened(self):
        return True

    def read(self):
        if self.left > 0:
            self.left -= 1
            return True, np.full((480, 640, 3), 100, np.uint8)
        return False, None

    def get(self, prop):
        return 30.0

    def release(self):
        pass


def test_camera_stopping_mid_stream_ends_with_a_message(monkeypatch, trained_model, capsys):
    monkeypatch.setattr(sources.cv2, "VideoCapture", StallingCamera)
    monkeypatch.setattr(sources.FrameSource.__init__, "__defaults__", (0.3,))  # a short grace period
    rc = useIt.main(["--source", "0", "--no-window", "--model", str(trained_model)])
    assert rc == 2
    captured = capsys.readouterr()
    assert "camera 0 stopped delivering frames" in captured.err
    assert captured.out.strip().startswith("5 frames")


def test_camera_stopping_keeps_the_window_usable(monkeypatch, display, trained_model, tmp_path):
    import gui

    monkeypatch.setattr(sources.cv2, "VideoCapture", StallingCamera)
    monkeypatch.setattr(sources.FrameSource.__init__, "__defaults__", (0.3,))
    root, app = gui.build(["--source", "0", "--model", str(trained_model), "--save-dir", str(tmp_path)])
    try:
        deadline = time.time() + 30
        while app.player.source is not None and time.time() < deadline:
            root.update()
            time.sleep(0.01)
        assert "stopped delivering frames" in app.status_line.label.cget("text")
        assert app.stats.frames_shown == 5
        assert app.shutter.save() is not None  # the last frame can still be saved
    finally:
        root.destroy()
