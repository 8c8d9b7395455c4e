"""gui.py in a real Tk window under Xvfb, fed a video file: Save, the emoji shown, faults in the window."""
import time

import pytest

import gui


def pump(root, until, timeout=60):
    deadline = time.time() + timeout
    while not until() and time.time() < deadline:
        root.update()
        time.sleep(0.005)
    assert until(), "the window never got there"


@pytest.fixture
def app_for(display, trained_model, tmp_path):
    made = []

    def make(*extra, save_dir=None):
        root, app = gui.build(["--model", str(trained_model), "--save-dir", str(save_dir or tmp_path / "save"),
                               "--max-fps", "0", *extra])
        made.append(root)
        return root, app

    yield make
    for root in made:
        try:
            root.destroy()
        except Exception:
            pass


def test_save_twice_writes_two_pictures_and_emoji_matches(app_for, clip, tmp_path):
    root, app = app_for("--source", str(clip))
    pump(root, lambda: app.faces)
    app.save_button.invoke()
    app.save_button.invoke()  # same second, often the same millisecond
    saved = sorted((tmp_path / "save").glob("*.png"))
    assert len(saved) == 2
    assert app.last_saved.name in app.status.cget("text")
    # The emoji on screen is the one of the top emotion of the (largest) face.
    top = max(app.faces, key=lambda f: f.box[2] * f.box[3])
    name = app.class_names[top.label]
    assert app.name.cget("text") == name
    shown = app.emoji.cget("image")
    shown = shown[0] if isinstance(shown, tuple) else shown
    assert str(shown) == str(app.emoji_photos[name])
    app.quit_button.invoke()


def test_no_camera_opens_window_with_message(app_for):
    root, app = app_for("--source", "7")  # no camera here, or not at index 7
    root.update()
    assert "no camera at index 7" in app.status.cget("text")
    assert "Open file" in app.status.cget("text")
    assert str(app.open_button.cget("state")) != "disabled"


def test_missing_emoji_shows_the_name(app_for, clip, tmp_path):
    import shutil

    from emoji_creator import CLASSES, EMOJI_DIR

    emojis = tmp_path / "emojis"
    shutil.copytree(EMOJI_DIR, emojis)
    for name in CLASSES:
        (emojis / f"{name}.png").unlink()
    root, app = app_for("--source", str(clip), "--emoji-dir", str(emojis))
    assert "missing emoji file(s)" in app.notice.cget("text")
    pump(root, lambda: app.faces)
    name = app.class_names[app.current_label]
    assert app.emoji.cget("text") == name


def test_unwritable_save_dir_is_reported_and_window_keeps_running(app_for, clip, tmp_path):
    import os

    if os.geteuid() == 0:
        target = tmp_path / "a_file"  # root ignores permissions: a file in the way fails for everyone
        target.write_text("not a folder")
        save_dir = target / "save"
    else:
        save_dir = tmp_path / "ro"
        save_dir.mkdir()
        save_dir.chmod(0o500)
    # Played at 30 fps, not flat out: at full speed one root.update() can run the
    # whole 42-frame clip, and a clip that has ended shows no further frames.
    root, app = app_for("--source", str(clip), "--max-fps", "30", save_dir=save_dir)
    pump(root, lambda: app.frame is not None)
    assert app.save() is None
    assert "choose another folder" in app.status.cget("text")
    before = app.frames_shown
    pump(root, lambda: app.frames_shown > before)


def test_window_opens_and_shows_the_feed_before_the_model_is_loaded(display, monkeypatch, clip, trained_model,
                                                                    tmp_path):
    import threading

    from emoji_creator import live

    gate = threading.Event()
    real = live.LivePipeline

    class SlowToLoad(real):
        def __init__(self, *args, **kw):
            gate.wait(60)
            super().__init__(*args, **kw)

    monkeypatch.setattr(live, "LivePipeline", SlowToLoad)
    root, app = gui.build(["--source", str(clip), "--model", str(trained_model), "--save-dir", str(tmp_path),
                           "--max-fps", "0"])
    try:
        root.update()
        assert app.name.cget("text") == "loading…" and "loading" in app.status.cget("text")
        pump(root, lambda: app.frame is not None)  # the first frame is on screen while the model loads
        assert app.pipeline is None and app.frames_shown == 1
        gate.set()
        pump(root, lambda: app.faces)
        assert app.name.cget("text") in app.class_names
    finally:
        gate.set()
        root.destroy()


def test_a_bad_model_is_reported_in_the_window(app_for, clip, tmp_path):
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not a model")
    root, app = app_for("--source", str(clip), "--model", str(bad))
    pump(root, lambda: app.load_error is not None and app.loader is None)
    assert "not a Keras model" in app.status.cget("text")
    assert app.name.cget("text") == "no model"


def test_face_finder_switches_live_in_the_window(app_for, clip):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.faces)
    assert app.detector_var.get() == "haar"
    app.detector_box.set("blazeface")
    app.detector_box.event_generate("<<ComboboxSelected>>")
    root.update()
    assert app.pipeline.detector_name == "blazeface"
    assert "face finder: blazeface" in app.status.cget("text")
    before = app.frames_shown
    pump(root, lambda: app.frames_shown > before + 3 and app.faces)


@pytest.mark.parametrize("key", ["<KeyPress-q>", "<KeyPress-Q>", "<Control-q>", "<Control-w>", "<Escape>"])
def test_every_usual_quit_key_closes_the_window(app_for, clip, key):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.frame is not None)
    root.focus_force()
    root.event_generate(key, when="now")
    assert app.closed and app.source is None


def test_s_and_shift_s_save_and_space_pauses_a_file(app_for, clip, tmp_path):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.faces)
    root.focus_force()
    for key in ("<KeyPress-s>", "<KeyPress-S>"):
        root.event_generate(key, when="now")
    assert len(list((tmp_path / "save").glob("*.png"))) == 2
    root.event_generate("<space>", when="now")
    assert app.paused and "paused" in app.status.cget("text")
    shown = app.frames_shown
    end = time.time() + 0.5
    while time.time() < end:
        root.update()
        time.sleep(0.01)
    assert app.frames_shown == shown  # nothing played while paused
    root.event_generate("<space>", when="now")
    pump(root, lambda: app.frames_shown > shown)


def test_ctrl_c_in_the_terminal_quits_an_idle_window_within_a_second(display, trained_model, faces, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import cv2

    from emoji_creator import ROOT
    from emoji_creator.clip import compose
    from emoji_creator.model import load_live_model

    load_live_model(trained_model, quiet=True)
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), compose(faces[3][1]))
    proc = subprocess.Popen([sys.executable, str(ROOT / "gui.py"), "--source", str(image), "--model",
                             str(trained_model), "--save-dir", str(tmp_path / "save")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, DISPLAY=display))
    time.sleep(8)  # the image is shown and labelled; playback has ended: the window is idle
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    started = time.time()
    out, err = proc.communicate(timeout=10)
    assert time.time() - started < 1.5, "Ctrl-C waited for a window event"
    assert proc.returncode == 0 and "Traceback" not in err
    assert "frames shown" in out


def test_no_camera_state_looks_intended_and_a_bad_model_still_shows(app_for, tmp_path):
    root, app = app_for("--source", "7")
    root.update()
    assert app.name.cget("text") == "no camera"  # not "no face yet"
    min_w, min_h = root.minsize()
    assert min_w > 600 and min_h > 400  # every control stays visible
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not a model")
    root2, app2 = app_for("--source", "7", "--model", str(bad))
    pump(root2, lambda: app2.loader is None)  # polled although there is no source
    assert "not a Keras model" in app2.status.cget("text")
