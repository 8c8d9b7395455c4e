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
