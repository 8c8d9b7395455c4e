"""Desktop window: the live feed beside the emoji of the current emotion, with Save.

    python gui.py                       # camera 0
    python gui.py --source clip.mp4     # a video file, an image or a folder of images
    python gui.py --save-dir ~/Pictures # where Save writes (default: save/)

Save (or the s key) writes the current annotated frame under a new timestamped
name; nothing is ever overwritten. Esc or Quit closes the window.
"""
import argparse
import sys
from pathlib import Path

from emoji_creator import DEFAULT_MODEL, DEFAULT_SAVE_DIR, EMOJI_DIR, UserError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", default="0", help="camera index, video file, image file or image folder (default: 0)")
    p.add_argument("--save-dir", type=Path, default=DEFAULT_SAVE_DIR, help="where Save writes (default: save/)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file (default: emotion_model.h5)")
    p.add_argument("--emoji-dir", type=Path, default=EMOJI_DIR, help=argparse.SUPPRESS)
    p.add_argument("--max-fps", type=float, help="play files at most this fast (default: their own rate; 0: no limit)")
    return p.parse_args(argv)


def build(argv=None):
    """Create the Tk root and the App (for tests); raises UserError or TclError."""
    import tkinter as tk

    from emoji_creator.live import LivePipeline
    from emoji_creator.window import App

    args = parse_args(argv)
    pipeline = LivePipeline(args.model)  # before the window: a bad model needs no window to report
    root = tk.Tk()
    return root, App(root, pipeline, args.source, args.save_dir, args.emoji_dir, args.max_fps)


def main(argv=None):
    import tkinter as tk

    try:
        root, _app = build(argv)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except tk.TclError as exc:
        print(f"error: cannot open a window ({exc}): run on a desktop, or under Xvfb", file=sys.stderr)
        return 2
    try:
        root.mainloop()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
