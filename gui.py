"""Desktop window: the live feed beside the emoji of the current emotion, with Save.

    python gui.py                          # camera 0
    python gui.py --source clip.mp4        # a video file, an image or a folder of images
    python gui.py --detector haar          # the classic cascade (the window defaults to yunet; also a choice there)
    python gui.py --save-dir ~/Pictures    # where Save writes (default: save/, or the last one chosen)
    python gui.py --source demo.avi --loop # a video played again and again

Save (or the s key) writes the frame with each face's emoji beside it (or, by
the 'Save writes' choice, the annotated frame alone) under a new timestamped
name; nothing is ever overwritten. Record (or r) records what the feed shows
as an MP4 and a GIF. 'Save to…' picks the folder; the strip under the feed
shows the latest pictures and recordings (a click opens one). 'Emoji mask' (m)
puts each face's emoji over the face, in saved pictures too; 'Labels on mask'
(l) adds the labels over it. 'Mirror' flips the view (on for a camera).
'Self-timer' (t) counts 3-2-1 before Save. F11 is full screen. Space pauses a
video; Esc, q, Ctrl+Q, Ctrl+W, Quit or Ctrl-C in the terminal close the window.
The window remembers the save folder, the finder and the toggles for the next
start (in the user's configuration folder). Ends by printing the frames shown
and the pictures and recordings saved.
"""
import argparse
import os
import signal
import sys
import time
from pathlib import Path

from emoji_creator import (DEFAULT_MODEL, DEFAULT_SAVE_DIR, EMOJI_DIR, UserError, fraction,
                           quiet_libraries, run_script)
from emoji_creator.detectors import DETECTORS, MIN_FACE, WINDOW_DETECTOR
from emoji_creator.files import check_name, kind, printable
from emoji_creator.live import LivePipeline
from emoji_creator.window.app import App
from emoji_creator.window.settings import Settings


def fps_limit(text):
    value = float(text)
    # 0: no limit; else a real rate (a picture every 10 s at the slowest: 1e-300 froze the window)
    if not (value == 0 or 0.1 <= value <= 1000):  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is not 0 (no limit) or a frame rate from 0.1 to 1000")
    return value


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", default="0", help="camera index, video file, image file or image folder (default: 0)")
    p.add_argument("--save-dir", type=Path,
                   help="where Save writes (default: the folder last chosen with 'Save to…', else save/)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file (default: emotion_model.h5)")
    p.add_argument("--detector", choices=DETECTORS,
                   help="face finder: 'yunet' (OpenCV's neural finder: the default unless another was chosen in "
                        "the window), 'blazeface' (MediaPipe's, each box checked by YuNet) or 'haar' (OpenCV's "
                        "classic cascade)")
    p.add_argument("--mirror", action=argparse.BooleanOptionalAction,
                   help="show every source mirrored, or none with --no-mirror (default: a camera mirrored, as a "
                        "selfie view, and files as filmed)")
    p.add_argument("--loop", action="store_true", help="play a video again from its start when it ends")
    p.add_argument("--min-face", type=fraction, default=MIN_FACE, metavar="FRACTION",
                   help=f"smallest face given a label, as a fraction of the frame's shorter side (default: {MIN_FACE})")
    p.add_argument("--emoji-dir", type=Path, default=EMOJI_DIR, help=argparse.SUPPRESS)
    p.add_argument("--max-fps", type=fps_limit, help="play files at most this fast (default: their own rate; 0: no limit)")
    p.add_argument("--every-frame", action="store_true",
                   help="label every frame of a video, slower than real time if need be (default: play in real "
                        "time, skipping the frames labelling cannot keep up with)")
    p.add_argument("--verbose", action="store_true", help="also show TensorFlow's, LiteRT's and OpenCV's own messages")
    return p.parse_args(argv)


def build(argv=None):
    """Create the Tk root and the App (for tests); raises TclError without a display.

    The window comes first and the model loads behind it: a bad model is shown
    in the window (and printed when it closes)."""
    args = parse_args(argv)
    quiet_libraries(args.verbose)
    import tkinter as tk

    def make_pipeline(detector):
        return LivePipeline(args.model, detector=detector, min_face=args.min_face)

    settings = Settings()
    save_dir = args.save_dir or remembered_save_dir(settings) or DEFAULT_SAVE_DIR
    root = tk.Tk(className="Emoji Creator")
    return root, App(root, make_pipeline, args.source, save_dir, args.emoji_dir, args.max_fps,
                     args.detector or settings.get("finder", WINDOW_DETECTOR), every_frame=args.every_frame,
                     mirror=args.mirror, loop=args.loop, settings=settings)


def remembered_save_dir(settings):
    """The folder last chosen with 'Save to…', if it can still be written; else None (and a note)."""
    folder = settings.get("save_dir")
    if folder is None:
        return None
    if writable_problem(Path(folder)):
        settings.note = (f"the remembered save folder {folder} cannot be written now: Save writes into "
                         f"{DEFAULT_SAVE_DIR} ('Save to…' picks another)")
        return None
    return Path(folder)


def writable_problem(folder):
    """None when pictures can be saved into folder (made if missing), else a short reason."""
    try:
        check_name("the save folder", Path(folder))  # a name too long, a link to nothing
    except UserError as exc:
        return str(exc).split(": ", 1)[-1]
    folder = Path(folder).absolute()
    existing = next(p for p in (folder, *folder.parents) if kind(p) != "missing")
    if kind(existing) != "folder" or not os.access(existing, os.W_OK | os.X_OK):
        return f"{printable(existing)} cannot be written here"
    return None


def check_paths(args):
    """One line for a --source file that is not there or a --save-dir that cannot be written, before
    any window opens (the window would only say so later, and the run would end with status 0)."""

    source = str(args.source)
    if not source.isdigit() and kind(source) == "missing":
        return f"--source {source}: no such file or folder: pass a video, an image, a folder of images or a camera index"
    if args.save_dir is not None and (why := writable_problem(args.save_dir)):
        return f"--save-dir {args.save_dir}: {why}: pick another folder"
    return None


def saved_summary(paths):
    """'3 picture(s) saved in save', or one count per folder when Save to… changed it mid-run."""
    folders = {}
    for p in paths:
        folders[p.parent] = folders.get(p.parent, 0) + 1
    if not folders:
        return "0 picture(s) saved"
    return "; ".join(f"{n} picture(s) saved in {folder}" for folder, n in folders.items())


def main(argv=None):
    import tkinter as tk

    problem = check_paths(parse_args(argv))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        root, app = build(argv)
    except tk.TclError as exc:
        print(f"error: cannot open a window ({exc}): run on a desktop, or under Xvfb", file=sys.stderr)
        return 2
    # Ctrl-C and SIGTERM close the window as Quit does, from its own tick: raised inside a Tk callback,
    # an interrupt would be caught and printed by Tkinter and the window would stay open.
    asked = []
    handlers = {sig: signal.signal(sig, lambda signum, frame: asked.append(signum) or app.request_close())
                for sig in (signal.SIGINT, signal.SIGTERM)} if _main_thread() else {}
    try:
        root.mainloop()
    except KeyboardInterrupt:  # one that came before the handlers took over
        app.close()
    finally:
        for sig, old in handlers.items():
            signal.signal(sig, old)
    status = 143 if signal.SIGTERM in asked else 0  # SIGTERM: closed as cleanly, said by the status
    elapsed = time.perf_counter() - app.stats.started
    if app.flow.load_error:
        print(f"error: {app.flow.load_error}", file=sys.stderr)
        return 2
    recordings = app.shutter.recording.recordings
    recorded = f", {len(recordings)} recording(s)" if recordings else ""
    print(f"{app.stats.frames_shown} frames shown, {saved_summary(app.save_folder.saved)}{recorded}, {elapsed:.0f} s")
    return status


def _main_thread():
    import threading

    return threading.current_thread() is threading.main_thread()


def cli():
    """The console command (pip install -e .): the same as running this file."""
    sys.exit(run_script(main))


if __name__ == "__main__":
    cli()
