"""Desktop window: the live feed beside the emoji of the current emotion, with Save.

    python gui.py                          # camera 0
    python gui.py --source clip.mp4        # a video file, an image or a folder of images
    python gui.py --detector haar          # the classic cascade (the window uses YuNet; also a choice there)
    python gui.py --save-dir ~/Pictures    # where Save writes (default: save/)

Save (or the s key) writes the frame with its emoji beside it (or, by the
'Save writes' choice, the annotated frame alone) under a new timestamped name;
nothing is ever overwritten. 'Save to…' picks the folder for this session; the
strip under the feed shows the latest pictures (a click opens one). 'Emoji
mask' (or m) puts each face's emoji over the face, in saved pictures too.
Space pauses a video; Esc, q, Ctrl+Q, Ctrl+W, Quit or Ctrl-C in the terminal
close the window. The window resizes; the feed takes the room. Ends by
printing the frames shown and the pictures saved.
"""
import argparse
import sys
import time
from pathlib import Path

from emoji_creator import DEFAULT_MODEL, DEFAULT_SAVE_DIR, EMOJI_DIR, fraction, quiet_libraries, run_script
from emoji_creator.detectors import DETECTORS, MIN_FACE, WINDOW_DETECTOR


def fps_limit(text):
    value = float(text)
    if not 0 <= value <= 1000:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is not a frame rate between 0 and 1000")
    return value


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", default="0", help="camera index, video file, image file or image folder (default: 0)")
    p.add_argument("--save-dir", type=Path, default=DEFAULT_SAVE_DIR,
                   help="where Save writes (default: save/; 'Save to…' in the window changes it)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file (default: emotion_model.h5)")
    p.add_argument("--detector", choices=DETECTORS, default=WINDOW_DETECTOR,
                   help="face finder: 'yunet' (OpenCV's neural finder, the default), 'haar' (OpenCV's classic "
                        "cascade) or 'blazeface' (finds the most faces, but also boxes textured walls)")
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

    from emoji_creator.live import LivePipeline
    from emoji_creator.window import App

    def make_pipeline(detector):
        return LivePipeline(args.model, detector=detector, min_face=args.min_face)

    root = tk.Tk(className="Emoji Creator")
    return root, App(root, make_pipeline, args.source, args.save_dir, args.emoji_dir, args.max_fps, args.detector,
                     every_frame=args.every_frame)


def check_paths(args):
    """One line for a --source file that is not there or a --save-dir that cannot be written, before
    any window opens (the window would only say so later, and the run would end with status 0)."""
    import os

    from emoji_creator.files import kind

    source = str(args.source)
    if not source.isdigit() and kind(source) == "missing":
        return f"--source {source}: no such file or folder: pass a video, an image, a folder of images or a camera index"
    folder = Path(args.save_dir).absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return f"--save-dir {args.save_dir}: {existing} cannot be written here: pick another folder"
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
    try:
        root.mainloop()
    except KeyboardInterrupt:  # Ctrl-C in the terminal: close as the Quit button does
        app.close()
    elapsed = time.perf_counter() - app.started
    if app.load_error:
        print(f"error: {app.load_error}", file=sys.stderr)
        return 2
    print(f"{app.frames_shown} frames shown, {saved_summary(app.saved)}, {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(run_script(main))
