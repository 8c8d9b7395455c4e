"""gui.py in a real Tk window under Xvfb, fed a video file: Save, the emoji shown, faults in the window."""
import time

import pytest

import gui
from emoji_creator.detectors import WINDOW_DETECTOR
from gui_helpers import inside, pump, saturated, settle


def test_save_twice_writes_two_pictures_and_emoji_matches(app_for, clip, tmp_path):
    root, app = app_for("--source", str(clip))
    pump(root, lambda: app.flow.faces)
    app.controls.save_button.invoke()
    app.controls.save_button.invoke()  # same second, often the same millisecond
    saved = sorted((tmp_path / "save").glob("*.png"))
    assert len(saved) == 2
    assert app.shutter.last_saved.name in app.status_line.label.cget("text")
    # The emoji on screen is the one of the top emotion of the (largest) face.
    top = max(app.flow.faces, key=lambda f: f.box[2] * f.box[3])
    name = app.flow.class_names[top.label]
    assert app.emotion.name.cget("text") == name
    shown = app.emotion.emoji.cget("image")
    shown = shown[0] if isinstance(shown, tuple) else shown
    assert str(shown) == str(app.emotion.photos[name])
    app.controls.quit_button.invoke()


def test_no_camera_opens_window_with_message(app_for):
    root, app = app_for("--source", "7")  # no camera here, or not at index 7
    root.update()
    assert "no camera at index 7" in app.status_line.label.cget("text")
    assert "Open file" in app.status_line.label.cget("text")
    assert str(app.controls.open_button.cget("state")) != "disabled"


def test_missing_emoji_shows_the_name(app_for, clip, tmp_path):
    import shutil

    from emoji_creator import CLASSES, EMOJI_DIR

    emojis = tmp_path / "emojis"
    shutil.copytree(EMOJI_DIR, emojis)
    for name in CLASSES:
        (emojis / f"{name}.png").unlink()
    root, app = app_for("--source", str(clip), "--emoji-dir", str(emojis))
    assert "missing emoji file(s)" in app.controls.notice.cget("text")
    pump(root, lambda: app.flow.faces)
    name = app.flow.class_names[app.emotion.current_label]
    assert app.emotion.emoji.cget("text") == name


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
    pump(root, lambda: app.flow.frame is not None)
    assert app.shutter.save() is None
    assert "choose another folder" in app.status_line.label.cget("text") and "--save-dir" not in app.status_line.label.cget("text")
    before = app.stats.frames_shown
    pump(root, lambda: app.stats.frames_shown > before)


def test_window_opens_and_shows_the_feed_before_the_model_is_loaded(display, monkeypatch, clip, trained_model,
                                                                    tmp_path):
    import threading

    gate = threading.Event()
    real = gui.LivePipeline

    class SlowToLoad(real):
        def __init__(self, *args, **kw):
            gate.wait(60)
            super().__init__(*args, **kw)

    monkeypatch.setattr(gui, "LivePipeline", SlowToLoad)
    root, app = gui.build(["--source", str(clip), "--model", str(trained_model), "--save-dir", str(tmp_path),
                           "--max-fps", "0"])
    try:
        root.update()
        assert app.emotion.name.cget("text") == "loading…" and "loading" in app.status_line.label.cget("text")
        pump(root, lambda: app.flow.frame is not None)  # the first frame is on screen while the model loads
        assert app.flow.pipeline is None and app.stats.frames_shown == 1
        gate.set()
        pump(root, lambda: app.flow.faces)
        assert app.emotion.name.cget("text") in app.flow.class_names
    finally:
        gate.set()
        root.destroy()


def test_a_bad_model_is_reported_in_the_window(app_for, clip, tmp_path):
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not a model")
    root, app = app_for("--source", str(clip), "--model", str(bad))
    pump(root, lambda: app.flow.load_error is not None and app.loader.loading is False)
    assert "not a Keras model" in app.status_line.label.cget("text")
    assert app.emotion.name.cget("text") == "no model"


def test_a_missing_face_check_is_reported_in_the_window(app_for, clip, tmp_path, monkeypatch):
    from emoji_creator import yunet

    monkeypatch.setattr(yunet, "YUNET_PATH", tmp_path / "gone.onnx")
    root, app = app_for("--source", str(clip), "--detector", "blazeface")
    pump(root, lambda: app.flow.load_error is not None and app.loader.loading is False)
    assert "restore models/face_detection_yunet_2023mar.onnx" in app.status_line.label.cget("text")
    assert app.emotion.name.cget("text") == "no face finder"


def test_face_finder_switches_live_in_the_window(display, trained_model, clip, tmp_path):
    root, app = gui.build(["--model", str(trained_model), "--save-dir", str(tmp_path / "save"), "--source", str(clip),
                           "--max-fps", "30"])  # the window's own default finder
    pump(root, lambda: app.flow.faces)
    assert app.controls.detector.get() == WINDOW_DETECTOR
    other = "yunet" if WINDOW_DETECTOR != "yunet" else "blazeface"
    app.controls.detector_box.set(other)
    app.controls.detector_box.event_generate("<<ComboboxSelected>>")
    root.update()
    assert app.flow.pipeline.detector_name == other
    assert f"face finder: {other}" in app.status_line.label.cget("text")
    before = app.stats.frames_shown
    pump(root, lambda: app.stats.frames_shown > before + 3 and app.flow.faces)
    app.close()



def test_a_slow_pipeline_never_holds_the_window(app_for, clip):
    """The face finder and the model run off the Tk thread: a frame that takes 0.3 s to label
    leaves every tick short, and the frames still arrive labelled."""
    root, app = app_for("--source", str(clip))
    pump(root, lambda: app.flow.faces)
    real = app.flow.pipeline.process

    def slow(frame):
        time.sleep(0.3)
        return real(frame)

    app.flow.pipeline.process = slow
    app.stats.tick_ms.clear()
    app.stats.longest_tick_ms = 0.0
    shown = app.stats.frames_shown
    # Labelled frames still arrive: some frame after the first three shows faces (the clip changes face
    # every 6 frames, so the one on screen at a given moment may be between two).
    pump(root, lambda: app.stats.frames_shown >= shown + 3 and app.flow.faces)
    assert app.stats.longest_tick_ms < 150, f"a tick took {app.stats.longest_tick_ms:.0f} ms"
    app.controls.quit_button.invoke()
    assert not app.labeller.thread.is_alive()  # Quit ends the worker too


def test_the_window_names_itself_emoji_creator_with_an_emoji_icon(app_for):
    root, app = app_for("--source", "7")
    root.update()
    # What a taskbar groups by, not "Tk". Tk keeps only the first letter of a class name capital.
    assert root.winfo_class() == "Emoji creator"
    assert root.title() == "Emoji Creator"
    assert app.view.icon.width() == 64 and app.view.icon.height() == 64

@pytest.mark.parametrize("key", ["<KeyPress-q>", "<KeyPress-Q>", "<Control-q>", "<Control-w>", "<Escape>"])
def test_every_usual_quit_key_closes_the_window(app_for, clip, key):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.frame is not None)
    root.focus_force()
    root.event_generate(key, when="now")
    assert app.closed and app.player.source is None


def test_s_and_shift_s_save_and_space_pauses_a_file(app_for, clip, tmp_path):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.faces)
    root.focus_force()
    for key in ("<KeyPress-s>", "<KeyPress-S>"):
        root.event_generate(key, when="now")
    assert len(list((tmp_path / "save").glob("*.png"))) == 2
    root.event_generate("<space>", when="now")
    assert app.booth.paused and "paused" in app.status_line.label.cget("text")
    shown = app.stats.frames_shown
    end = time.time() + 0.5
    while time.time() < end:
        root.update()
        time.sleep(0.01)
    assert app.stats.frames_shown == shown  # nothing played while paused
    root.event_generate("<space>", when="now")
    pump(root, lambda: app.stats.frames_shown > shown)


def test_ctrl_c_in_the_terminal_quits_an_idle_window_within_a_second(display, trained_model, faces, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import cv2

    from emoji_creator import ROOT
    from emoji_creator.clip import compose
    from emoji_creator.runtime import load_live_model

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
    assert time.time() - started < 1.0, "Ctrl-C waited for a window event"
    assert proc.returncode == 0 and "Traceback" not in err
    assert "frames shown" in out


def test_no_camera_state_looks_intended_and_a_bad_model_still_shows(app_for, tmp_path):
    root, app = app_for("--source", "7")
    root.update()
    assert app.emotion.name.cget("text") == "no camera"  # not "no face yet"
    root.geometry("%dx%d" % root.minsize())  # every control stays visible, even at the minimum size
    settle(root)
    assert all(inside(c, root) for c in app.controls.focusable())
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not a model")
    root2, app2 = app_for("--source", "7", "--model", str(bad))
    pump(root2, lambda: app2.loader.loading is False)  # polled although there is no source
    assert "not a Keras model" in app2.status_line.label.cget("text")


def test_the_layout_resizes_and_keeps_every_control_visible(app_for, clip):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.faces)
    controls = [*app.controls.focusable(), app.strip.folder_button]
    min_w, min_h = root.minsize()
    assert min_w <= 500 and min_h <= 400
    root.geometry("400x300")  # below the minimum: held at the minimum
    settle(root)
    assert (root.winfo_width(), root.winfo_height()) == (min_w, min_h)
    assert all(inside(c, root) for c in controls), [str(c) for c in controls if not inside(c, root)]
    root.geometry("500x400")
    settle(root)
    assert (root.winfo_width(), root.winfo_height()) == (500, 400)
    assert all(inside(c, root) for c in controls), [str(c) for c in controls if not inside(c, root)]
    small = app.feed.photo.width()
    root.geometry("1800x1050")
    settle(root)
    assert all(inside(c, root) for c in controls)
    big = app.feed.photo.width(), app.feed.photo.height()
    assert big[0] > max(small, 640) * 1.5  # the feed took the room
    assert abs(big[0] / big[1] - 640 / 480) < 0.02  # keeping its aspect
    # A long message wraps inside the fixed status area: the window keeps its height.
    height = root.winfo_height()
    app.say("a long message " * 40)
    settle(root, 0.2)
    assert root.winfo_height() == height and app.status_line.box.winfo_height() > 0


def test_save_writes_the_frame_with_its_emoji_or_the_frame_alone(app_for, clip, tmp_path):
    import cv2
    import numpy as np

    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.faces)
    root.focus_force()
    root.event_generate("<space>", when="now")  # hold this frame
    path = app.shutter.save()
    picture = cv2.imread(str(path))
    h, w = app.flow.frame.shape[:2]
    assert picture.shape[0] == h and picture.shape[1] > w
    np.testing.assert_array_equal(picture[:, :w], app.flow.frame)  # the frame as shown, then the panel
    assert saturated(picture[:, w:]) > 0.2 > 5 * saturated(app.flow.frame)  # the yellow emoji is in the panel
    assert app.feed.flashes == 1 and app.feed.holder.cget("highlightbackground") != "#282828"
    assert app.strip.thumbs[0][0] == path
    app.controls.mode_buttons["frame"].invoke()
    plain = cv2.imread(str(app.shutter.save()))
    np.testing.assert_array_equal(plain, app.flow.frame)  # what the tutorial saved
    assert len(app.strip.thumbs) == 2 and len(list(path.parent.glob("*.png"))) == 2


def test_emoji_mask_puts_each_face_s_emoji_inside_its_box(app_for, clip):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.faces)
    root.focus_force()
    root.event_generate("<KeyPress-m>", when="now")
    assert app.controls.mask_on.get() and "mask on" in app.status_line.label.cget("text")
    shown = app.stats.frames_shown
    pump(root, lambda: app.stats.frames_shown > shown + 1 and app.flow.faces)
    root.event_generate("<space>", when="now")
    for face in app.flow.faces:
        x, y, w, h = face.box
        assert saturated(app.flow.frame[y + h // 4:y + 3 * h // 4, x + w // 4:x + 3 * w // 4]) > 0.3
    path = app.shutter.save()  # the mask goes into the saved picture too
    import cv2

    x, y, w, h = app.flow.faces[0].box
    assert saturated(cv2.imread(str(path))[y + h // 4:y + 3 * h // 4, x + w // 4:x + 3 * w // 4]) > 0.3
    root.event_generate("<KeyPress-M>", when="now")
    assert not app.controls.mask_on.get()


def test_save_to_thumbnails_and_open(app_for, clip, tmp_path):
    import cv2
    import numpy as np

    earlier = tmp_path / "save"
    earlier.mkdir()
    for i in range(2):  # an earlier session's pictures show in the strip at once
        cv2.imwrite(str(earlier / f"emoji-2026010{i}.png"), np.full((48, 64, 3), 90 * i, np.uint8))
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    assert len(app.strip.thumbs) == 2
    pump(root, lambda: app.flow.frame is not None)
    chosen = tmp_path / "chosen"
    app.folders.ask_directory = lambda **kw: str(chosen)
    app.controls.save_to_button.invoke()
    app.folders.save_to.browse_button.invoke()  # the desktop's folder picker: its choice is taken at once
    assert app.save_folder.path == chosen and not app.folders.save_to.open and "Save now writes into" in app.status_line.label.cget("text")
    assert app.strip.thumbs == []  # the strip shows the chosen folder
    path = app.shutter.save()
    assert path.parent == chosen and [t[0] for t in app.strip.thumbs] == [path]
    opened = []
    app.folders.opener = lambda p: opened.append(p)
    root.update()  # the new thumbnail on screen
    assert inside(app.strip.thumbs[0][2], root)
    app.strip.thumbs[0][2].event_generate("<Button-1>", x=2, y=2)
    app.strip.folder_button.invoke()
    assert opened == [path, chosen]
    app.folders.opener = lambda p: "no picture viewer found to open it (Linux: sudo apt install xdg-utils)"
    app.strip.thumbs[0][2].event_generate("<Button-1>", x=2, y=2)
    assert str(path) in app.status_line.label.cget("text")
    # A folder that cannot be written is refused at once, in the window's own terms.
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    app.folders.ask_directory = lambda **kw: str(blocker / "pics")
    app.controls.save_to_button.invoke()
    app.folders.save_to.browse_button.invoke()
    text = app.status_line.label.cget("text")
    assert app.save_folder.path == chosen and "Save to…" in text and "--save-dir" not in text
    assert app.folders.save_to.open and app.folders.save_to.error.cget("text") == text  # said in the dialog, which stays
    # Enter in the folder field takes what is typed there.
    typed = tmp_path / "typed"
    app.folders.save_to.folder.set(str(typed))
    app.folders.save_to.entry.focus_force()  # a key goes to the focused widget
    root.update()
    app.folders.save_to.entry.event_generate("<Return>", when="now")
    assert app.save_folder.path == typed and not app.folders.save_to.open


def test_keys_do_only_what_the_window_s_mode_allows(app_for, clip, tmp_path):
    from emoji_creator.window.booth import Mode

    root, app = app_for("--source", str(clip), "--max-fps", "0")
    pump(root, lambda: app.booth.mode == Mode.ENDED)  # the file played to its end
    root.focus_force()
    root.event_generate("<space>", when="now")
    assert app.booth.mode == Mode.ENDED and not app.booth.paused  # nothing to pause: Space does nothing
    root.event_generate("<KeyPress-s>", when="now")  # Save still works on the last frame
    assert len(list((tmp_path / "save").glob("*.png"))) == 1
    app.close()
    assert app.booth.mode == Mode.CLOSED and app.act("save") is None


def test_space_after_clicking_save_pauses_and_saves_nothing_more(app_for, clip, tmp_path):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.faces)
    button = app.controls.save_button
    root.update()
    # A real click: press and release on the button, as the pointer would.
    button.event_generate("<Enter>", x=5, y=5)
    button.event_generate("<ButtonPress-1>", x=5, y=5)
    button.event_generate("<ButtonRelease-1>", x=5, y=5)
    root.update()
    assert len(list((tmp_path / "save").glob("*.png"))) == 1
    button.focus_set()  # a click leaves the focus on the button, as on a desktop
    root.update()
    button.event_generate("<Key-space>", when="now")  # the key goes to the focused button
    root.update()
    assert len(list((tmp_path / "save").glob("*.png"))) == 1 and app.booth.paused


def test_the_mask_and_the_finder_apply_to_a_still_picture(app_for, faces, tmp_path):
    import cv2

    from emoji_creator.clip import compose
    from emoji_creator.window.booth import Mode

    still = tmp_path / "still.png"
    cv2.imwrite(str(still), compose(faces[0][1], face_px=200))
    root, app = app_for("--source", str(still))
    pump(root, lambda: app.booth.mode == Mode.STILL and app.flow.faces)
    root.focus_force()
    root.event_generate("<KeyPress-m>", when="now")  # on the still: it gets the mask now
    pump(root, lambda: not app.flow.relabelling)
    x, y, w, h = app.flow.faces[0].box
    middle = (slice(y + h // 4, y + 3 * h // 4), slice(x + w // 4, x + 3 * w // 4))
    assert saturated(app.flow.frame[middle]) > 0.3
    assert saturated(cv2.imread(str(app.shutter.save()))[middle]) > 0.3  # and so does the saved picture
    other = "haar" if app.flow.pipeline.detector_name != "haar" else "yunet"
    app.controls.detector_box.set(other)
    app.controls.detector_box.event_generate("<<ComboboxSelected>>")
    pump(root, lambda: not app.flow.relabelling)
    assert app.flow.pipeline.detector_name == other and app.flow.faces  # labelled again by the finder chosen


def test_a_corrupt_or_empty_file_says_so_in_red_and_clears_the_panel(app_for, clip, tmp_path):
    from emoji_creator.window.booth import Mode

    corrupt, empty = tmp_path / "corrupt.jpg", tmp_path / "empty.mp4"
    corrupt.write_bytes(b"not an image at all")
    empty.write_bytes(b"")
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.faces)
    for bad, words in ((corrupt, "could not be read"), (empty, "cannot open")):
        app.flow.set_source(str(bad))
        pump(root, lambda: app.booth.mode == Mode.ENDED)
        text = app.status_line.label.cget("text")
        assert words in text and "?." not in text and app.status_line.label.cget("style") == "Error.TLabel"
        assert app.flow.frame is None and not app.flow.faces and app.emotion.current_label is None  # nothing old left
        app.flow.set_source(str(clip))
        pump(root, lambda: app.flow.faces)


def test_a_file_plays_in_real_time_on_a_slowed_pipeline(app_for, clip):
    from emoji_creator.window.booth import Mode

    def slowed(app):
        real = app.flow.pipeline.process

        def slow(frame):
            time.sleep(0.1)  # labelling at 10 frames a second, the clip runs at 30
            return real(frame)
        app.flow.pipeline.process = slow
        app.flow.set_source(str(clip))  # from its start, on the slowed pipeline
        return time.time()

    root, app = app_for("--source", str(clip), "--max-fps", "30")  # the clip's own rate
    pump(root, lambda: app.flow.pipeline is not None and app.loader.loading is False)
    started = slowed(app)
    pump(root, lambda: app.booth.mode == Mode.ENDED)
    took, length = time.time() - started, 42 / 30  # the clip: 42 frames at 30 fps
    assert took < length + 0.8 and app.player.frames_skipped > 0, (took, app.player.frames_skipped)
    root2, every = app_for("--source", str(clip), "--max-fps", "30", "--every-frame")
    pump(root2, lambda: every.flow.pipeline is not None and every.loader.loading is False)
    slowed(every)
    shown = every.stats.frames_shown
    pump(root2, lambda: every.booth.mode == Mode.ENDED)
    assert every.player.frames_skipped == 0 and every.stats.frames_shown - shown >= 42  # every frame, slower than real time


def test_open_file_starts_where_the_last_file_came_from(app_for, clip, monkeypatch):
    from emoji_creator.window import app as window

    asked = []
    monkeypatch.setattr(window.filedialog, "askopenfilename", lambda **kw: asked.append(kw["initialdir"]) or str(clip))
    root, app = app_for("--source", str(clip))
    app.controls.open_button.invoke()
    app.controls.open_button.invoke()
    assert asked[1] == str(clip.parent)  # the first starts in the home folder, the next where the clip was
