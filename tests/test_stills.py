"""Stills, sequences and streams in the real window (Xvfb): a folder shown one photo at a time and each
labelled as alone, an animated GIF played at its own timing, a 1x1 picture saved, and every action in
every mode either done or answered in the status line."""
import cv2
import numpy as np
from PIL import Image

from emoji_creator.window.booth import ACTIONS, Mode
from gui_helpers import pump


def photo_folder(faces, folder):
    from emoji_creator.clip import compose

    folder.mkdir()
    for i, (_, face) in enumerate(faces[:3]):
        cv2.imwrite(str(folder / f"{i}.png"), compose(face, face_px=200))
    return sorted(folder.glob("*.png"))


def labelled(root, app):
    pump(root, lambda: app.booth.mode == Mode.STILL and app.flow.frame is not None and not app.labeller.busy
         and not app.flow.relabelling and app.flow.pending is None)
    return app.flow.raw.copy(), [(f.box, np.round(f.probs, 5).tolist()) for f in app.flow.faces]


def test_a_folder_steps_photo_by_photo_each_labelled_as_alone(app_for, faces, tmp_path):
    photos = photo_folder(faces, tmp_path / "photos")
    alone = []
    for p in photos:
        root, app = app_for("--source", str(p))
        alone.append(labelled(root, app)[1])
    root, app = app_for("--source", str(tmp_path / "photos"))
    seen = [labelled(root, app)]
    assert "1 of 3" in app.status_line.label.cget("text") and "← → the others" in app.status_line.label.cget("text")
    root.focus_force()
    for _ in photos[1:]:
        root.event_generate("<Right>", when="now")
        seen.append(labelled(root, app))
    assert [faces_ for _, faces_ in seen] == alone  # each as if opened alone
    assert not np.array_equal(seen[0][0], seen[1][0])
    app.act("next")  # at the end: said, and the last photo stays
    assert "last photo of 3" in app.status_line.label.cget("text")
    app.controls.previous_button.invoke()
    assert np.array_equal(labelled(root, app)[0], seen[1][0])


def test_open_file_on_a_photo_steps_through_its_folder(app_for, faces, tmp_path):
    photos = photo_folder(faces, tmp_path / "photos")
    root, app = app_for("--source", str(photos[0]))
    app.ask_open_file = lambda **kw: str(photos[1])
    app.act("open")
    labelled(root, app)
    assert app.player.source.index == 1 and "2 of 3" in app.status_line.label.cget("text")
    app.act("previous")
    labelled(root, app)
    assert app.player.source.index == 0


def test_an_animated_gif_plays_at_its_own_timing(app_for, clip, tmp_path):
    cap = cv2.VideoCapture(str(clip))
    frames = []
    while len(frames) < 12 and (got := cap.read())[0]:
        frames.append(Image.fromarray(cv2.cvtColor(got[1], cv2.COLOR_BGR2RGB)))
    cap.release()
    gif = tmp_path / "party.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    root, app = app_for("--source", str(gif))
    app.player.max_fps = None  # the GIF's own 100 ms a frame, not the tests' "as fast as possible"
    pump(root, lambda: app.booth.mode == Mode.LIVE)
    assert app.booth.why_not("record") is None and app.booth.why_not("pause") is None  # a moving picture
    pump(root, lambda: app.booth.mode == Mode.ENDED, timeout=30)
    assert app.stats.frames_shown >= 10  # every frame of it, not only its first


def test_save_on_a_one_pixel_image_saves(app_for, tmp_path):
    tiny = tmp_path / "dot.png"
    cv2.imwrite(str(tiny), np.full((1, 1, 3), 200, np.uint8))
    root, app = app_for("--source", str(tiny))
    labelled(root, app)
    for mode in ("composite", "frame"):
        app.controls.save_mode.set(mode)
        path = app.shutter.save()
        assert path is not None and cv2.imread(str(path)) is not None, app.status_line.label.cget("text")
        assert "saved" in app.status_line.label.cget("text")


def walk(root, app, tmp_path, mode):
    """Every action once, in the mode the window is in: each either changes something or says why not."""
    app.ask_open_file = lambda **kw: ""  # the dialog cancelled
    app.folders.opener = lambda path: None
    silent = []
    for action in ACTIONS:
        if action == "quit":
            continue
        app.say("")
        app.act(action, path=tmp_path / "gone.png")
        root.update()
        if not app.status_line.label.cget("text"):
            silent.append(action)
        if app.booth.mode is not mode and action in ("pause", "record"):  # it moved: back for the next
            app.act(action)
        if app.folders.save_to is not None:
            app.folders.save_to.close()
        if app.toggles.fullscreen:
            app.act("fullscreen")
        if app.booth.mode is Mode.COUNTDOWN:
            app.act("save")  # cancelled
    return silent


def test_every_action_in_every_mode_works_or_says_why(app_for, clip, faces, tmp_path):
    photos = photo_folder(faces, tmp_path / "photos")
    root, app = app_for("--source", str(photos[0]))
    labelled(root, app)
    assert walk(root, app, tmp_path, Mode.STILL) == []
    assert "moving picture" in (app.act("record") or app.status_line.label.cget("text"))
    root, app = app_for("--source", str(clip), "--max-fps", "30", "--loop")
    pump(root, lambda: app.flow.faces)
    app.act("pause")
    assert app.booth.mode is Mode.PAUSED and walk(root, app, tmp_path, Mode.PAUSED) == []
    app.act("pause")
    app.act("record")
    assert app.booth.mode is Mode.RECORDING and walk(root, app, tmp_path, Mode.RECORDING) == []
    app.act("record")
    root, app = app_for("--source", str(clip), "--max-fps", "0")
    pump(root, lambda: app.booth.mode == Mode.ENDED)
    assert walk(root, app, tmp_path, Mode.ENDED) == []
    assert not app.controls.record_button.instate(["!disabled"])  # shown unavailable, and r says why
