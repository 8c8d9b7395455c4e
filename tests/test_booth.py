"""The photo booth in the real window under Xvfb: recording, the self-timer, the mirror, the clean mask,
every face's emoji in the saved picture, full screen, remembered settings, a small window; and
useIt.py --record."""
import json
import time

import cv2
import numpy as np
import pytest

import gui
from emoji_creator.window.booth import Mode
from gui_helpers import inside, pump, saturated, settle


def frames_of(path):
    cap = cv2.VideoCapture(str(path))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS), \
            (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    finally:
        cap.release()


def test_record_writes_an_mp4_as_long_as_the_recording_and_a_gif(app_for, clip, tmp_path):
    from PIL import Image

    root, app = app_for("--source", str(clip), "--max-fps", "30", "--loop")
    pump(root, lambda: app.flow.faces)
    root.focus_force()
    root.event_generate("<KeyPress-r>", when="now")
    started = time.perf_counter()
    assert app.booth.mode == Mode.RECORDING and app.controls.record_button.cget("text") == "Stop"
    settle(root, 0.3)
    assert app.feed.badges["rec"].startswith("REC 0:0")  # the red dot and the time, on the feed only
    settle(root, 1.7)
    app.act("record")
    took = time.perf_counter() - started
    pump(root, lambda: app.shutter.recording.recordings)
    mp4 = app.shutter.recording.recordings[0]
    count, fps, size = frames_of(mp4)
    assert abs(count / fps - took) < 0.1 * took, (count, fps, took)
    assert size == (640, 480)
    assert not list(mp4.parent.glob(".recording-*"))  # written whole, under its own name
    with Image.open(mp4.with_suffix(".gif")) as gif:
        assert gif.n_frames > 5 and gif.width <= 320
    assert app.strip.thumbs[0][0] == mp4 and app.booth.mode == Mode.LIVE
    assert "recorded" in app.status_line.label.cget("text")


def test_useit_record_writes_every_frame_of_the_source_and_never_overwrites(clip, trained_model, tmp_path, capsys):
    import useIt

    out = tmp_path / "emoji.mp4"
    args = ["--source", str(clip), "--model", str(trained_model), "--no-window", "--record", str(out)]
    assert useIt.main(args + ["--mask"]) == 0
    count, fps, size = frames_of(out)
    source_count, source_fps, source_size = frames_of(clip)
    assert (count, size) == (source_count, source_size) and abs(fps - source_fps) < 0.01
    assert f"recorded {out}" in capsys.readouterr().out
    before = out.read_bytes()
    assert useIt.main(args) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before
    assert useIt.main(args[:-1] + [str(clip)]) == 2  # never over its own source
    assert "input of this run" in capsys.readouterr().err


def test_the_mirror_flips_shown_and_saved_pictures(app_for, tmp_path):
    still = np.zeros((240, 320, 3), np.uint8)
    still[:, :80] = (0, 0, 255)  # red on the left, no face anywhere: nothing is drawn on it
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), still)
    root, app = app_for("--source", str(path))
    pump(root, lambda: app.booth.mode == Mode.STILL and app.flow.frame is not None and not app.flow.relabelling)
    assert not app.controls.mirror_on.get()  # a file is shown as it was filmed
    assert np.array_equal(app.flow.frame, still)
    app.controls.save_mode.set("frame")
    app.act("mirror")  # on the still: flipped now
    pump(root, lambda: not app.flow.relabelling and app.flow.frame is not None and not np.array_equal(app.flow.frame, still))
    assert np.array_equal(app.flow.frame, still[:, ::-1])
    assert np.array_equal(cv2.imread(str(app.shutter.save())), still[:, ::-1])  # saved as shown
    root2, forced = app_for("--source", str(path), "--mirror")
    pump(root2, lambda: forced.booth.mode == Mode.STILL and forced.flow.frame is not None and not forced.flow.relabelling)
    assert forced.controls.mirror_on.get() and np.array_equal(forced.flow.frame, still[:, ::-1])


def test_the_saved_picture_shows_every_face_s_emoji_and_the_feed_marks_the_followed_one(app_for):
    from pathlib import Path

    from emoji_creator.overlay import FOLLOWED

    group = Path(__file__).resolve().parent.parent / "benchmarks" / "photos" / "obama_and_biden.jpg"
    root, app = app_for("--source", str(group))
    pump(root, lambda: app.booth.mode == Mode.STILL and len(app.flow.faces) >= 2)
    saved = cv2.imread(str(app.shutter.save()))
    panel = saved[:, cv2.imread(str(group)).shape[1]:]
    yellow = cv2.inRange(cv2.cvtColor(panel, cv2.COLOR_BGR2HSV), (15, 120, 120), (40, 255, 255))
    areas = cv2.connectedComponentsWithStats(yellow)[2][1:, cv2.CC_STAT_AREA]
    assert sum(areas > 0.2 * areas.max()) == len(app.flow.faces)  # one emoji per face
    assert (np.abs(app.flow.frame.astype(int) - FOLLOWED).sum(axis=2) < 30).sum() > 100  # the followed face's box


def test_the_clean_mask_shows_no_labels_unless_asked(app_for, faces, tmp_path):
    from emoji_creator.clip import compose
    from emoji_creator.overlay import BOX_COLOUR

    path = tmp_path / "still.png"
    cv2.imwrite(str(path), compose(faces[0][1], face_px=200))
    root, app = app_for("--source", str(path))
    pump(root, lambda: app.booth.mode == Mode.STILL and app.flow.faces and not app.flow.relabelling)

    def label_pixels():
        return int((np.abs(app.flow.frame.astype(int) - BOX_COLOUR).sum(axis=2) < 10).sum())

    assert label_pixels() > 200  # no mask: box and label
    app.act("mask")
    pump(root, lambda: not app.flow.relabelling)
    x, y, w, h = app.flow.faces[0].box
    assert saturated(app.flow.frame[y + h // 4:y + 3 * h // 4, x + w // 4:x + 3 * w // 4]) > 0.3 and label_pixels() < 20
    app.act("labels")  # asked for: the labels come back over the mask
    pump(root, lambda: not app.flow.relabelling)
    assert label_pixels() > 200


def test_the_self_timer_counts_down_then_saves_and_save_cancels_it(app_for, clip, tmp_path, monkeypatch):
    from emoji_creator.window import shutter

    monkeypatch.setattr(shutter, "COUNTDOWN_S", 1)
    root, app = app_for("--source", str(clip), "--max-fps", "30", "--loop")
    pump(root, lambda: app.flow.faces)
    root.focus_force()
    root.event_generate("<KeyPress-t>", when="now")
    root.event_generate("<KeyPress-s>", when="now")
    saved = lambda: list((tmp_path / "save").glob("*.png"))  # noqa: E731
    assert app.booth.mode == Mode.COUNTDOWN and app.feed.badges["countdown"] == "1" and not saved()
    pump(root, lambda: saved(), timeout=5)
    assert app.booth.mode == Mode.LIVE and "countdown" not in app.feed.badges
    app.act("save")
    app.act("save")  # Save again during the countdown: cancelled
    settle(root, 1.5)
    assert len(saved()) == 1 and app.booth.mode == Mode.LIVE and "cancelled" in app.status_line.label.cget("text")


def test_f11_is_full_screen_and_esc_leaves_it_before_it_quits(app_for, clip):
    root, app = app_for("--source", str(clip), "--max-fps", "30")
    pump(root, lambda: app.flow.frame is not None)
    root.focus_force()
    root.event_generate("<F11>", when="now")
    assert app.toggles.fullscreen
    root.event_generate("<Escape>", when="now")
    assert not app.toggles.fullscreen and not app.closed
    root.event_generate("<Escape>", when="now")
    assert app.closed


def test_settings_survive_a_restart_and_a_broken_file_is_ignored(display, trained_model, clip, tmp_path,
                                                                  private_settings):
    def start(*extra):
        return gui.build(["--model", str(trained_model), "--source", str(clip), "--max-fps", "30", *extra])

    root, app = start("--save-dir", str(tmp_path / "first"))
    pump(root, lambda: app.flow.pipeline is not None and app.loader.loading is False)
    app.act("mask")
    app.act("timer")
    app.controls.save_mode.set("frame")
    app.controls.detector.set("haar")
    app.act("finder")
    assert app.folders.set_save_dir(tmp_path / "picked")
    app.close()
    assert json.loads(private_settings.read_text())["finder"] == "haar"
    root, app = start()  # no --save-dir, no --detector: as remembered
    try:
        pump(root, lambda: app.flow.pipeline is not None and app.loader.loading is False)
        assert app.save_folder.path == tmp_path / "picked" and app.controls.detector.get() == "haar"
        assert app.flow.pipeline.detector_name == "haar"
        assert app.controls.mask_on.get() and app.controls.timer_on.get() and app.controls.save_mode.get() == "frame"
        assert not app.controls.labels_on.get()
    finally:
        app.close()
    private_settings.write_bytes(b"{not json")
    root, app = start()
    try:
        assert "ignored" in app.controls.notice.cget("text") and not app.controls.mask_on.get()
        pump(root, lambda: app.flow.faces)  # and the window works with the defaults
    finally:
        app.close()


def test_a_small_window_shows_every_control_and_only_whole_thumbnails(app_for, clip, tmp_path):
    from PIL import Image

    saved = tmp_path / "save"
    saved.mkdir()
    for i in range(8):
        Image.new("RGB", (400, 300), (40 * i, 90, 90)).save(saved / f"emoji-{i}.png")
    root, app = app_for("--source", str(clip), "--max-fps", "30", "--loop")
    pump(root, lambda: app.flow.faces)
    root.geometry("500x400")
    settle(root, 0.6)
    assert (root.winfo_width(), root.winfo_height()) == (500, 400) and app.emotion.compact
    controls = [*app.controls.focusable(), app.strip.folder_button]
    assert all(inside(c, root) for c in controls), [str(c) for c in controls if not inside(c, root)]
    shown = app.strip.shown()
    row = app.strip.row
    assert 0 < len(shown) < 8
    assert all(t.winfo_x() + t.winfo_width() <= row.winfo_width() for t in shown)  # none cut in half
    root.geometry("1200x800")
    settle(root, 0.6)
    assert not app.emotion.compact and len(app.strip.shown()) > len(shown)


def test_loop_plays_a_video_again(app_for, clip):
    root, app = app_for("--source", str(clip), "--max-fps", "0", "--loop")
    pump(root, lambda: app.stats.frames_shown > 2 * 42)  # the clip has 42 frames
    assert app.booth.mode == Mode.LIVE


@pytest.mark.parametrize("count,marked", [(1, False), (2, True)])
def test_the_followed_face_is_marked_only_among_several(count, marked):
    from emoji_creator.live import Face
    from emoji_creator.overlay import FOLLOWED, mark_followed

    faces = [Face((40 + 200 * i, 100, 120 - 20 * i, 120 - 20 * i), np.eye(7)[3]) for i in range(count)]
    for masked in (False, True):
        frame = mark_followed(np.zeros((360, 480, 3), np.uint8), faces, masked=masked)
        assert ((np.abs(frame.astype(int) - FOLLOWED).sum(axis=2) < 30).sum() > 20) == marked


def test_the_demo_without_the_data_set_lasts_20_seconds_of_several_mouths(tmp_path, monkeypatch, capsys):
    from emoji_creator import clip

    frames = list(clip.shipped_demo_frames())
    assert len(frames) / 30 >= 20 and frames[0].shape == (480, 640, 3)
    faces = clip.expressions(*clip.shipped_face())
    assert len(faces) == 4 and all(not np.array_equal(faces["happy"], f) for n, f in faces.items() if n != "happy")
    # clip.main writes it when no data set is found (a short stand-in here: the writing, not the length).
    monkeypatch.setattr(clip, "demo_faces", lambda: ([("happy", None), ("happy", None)], "the shipped face"))
    monkeypatch.setattr(clip, "shipped_demo_frames", lambda: iter(frames[:30]))
    out = tmp_path / "demo.avi"
    assert clip.main([str(out)]) == 0
    assert frames_of(out)[0] == 30 and "--loop" in capsys.readouterr().out


def test_a_recording_is_h264_from_its_first_frame_and_its_gif_is_done_soon_after_stop(app_for, tmp_path):
    """The MP4 every browser and phone plays (H.264, read back by OpenCV), and the GIF written while
    recording, so Stop leaves only the file to write."""
    from emoji_creator.clip import write_clip
    from conftest import shipped_faces

    demo = tmp_path / "demo.avi"
    write_clip(demo, shipped_faces(7), hold=30)  # 210 frames of a face, 7 s
    root, app = app_for("--source", str(demo), "--max-fps", "30")
    pump(root, lambda: app.flow.faces)
    app.act("record")
    settle(root, 3.0)
    app.act("record")
    stopped = time.perf_counter()
    pump(root, lambda: app.shutter.recording.recordings)
    took = time.perf_counter() - stopped
    mp4 = app.shutter.recording.recordings[0]
    cap = cv2.VideoCapture(str(mp4))
    fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode("ascii", "replace").lower()
    ok, first = cap.read()
    cap.release()
    assert fourcc in ("h264", "avc1") and ok and first.shape == (480, 640, 3)
    assert mp4.with_suffix(".gif").is_file() and took < 2.0, took
    assert "recorded" in app.status_line.label.cget("text") and "pip install av" not in app.status_line.label.cget("text")
