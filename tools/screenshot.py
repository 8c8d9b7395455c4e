"""Screenshot gui.py's window as a person sees it (under Xvfb), for the README.

    xvfb-run -a -s "-screen 0 1280x800x24" python tools/screenshot.py docs/gui.png --source demo.avi --frames 40
    ... python tools/screenshot.py /tmp/group.png --saved docs/saved.png --source benchmarks/photos/obama_and_biden.jpg
    ... python tools/screenshot.py docs/small.png --size 500x400 --source benchmarks/photos/obama_and_biden.jpg
    ... python tools/screenshot.py docs/recording.png --mask --record docs/recording-first.png --source demo.avi

Opens the real window (gui.build, as gui.py does), plays --frames frames of the
source, then grabs the window's area of the screen with Pillow.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("output", type=Path)
    p.add_argument("--frames", type=int, default=40, help="frames to play before the picture")
    p.add_argument("--mask", action="store_true", help="with the emoji mask on")
    p.add_argument("--saved", type=Path, help="also press Save (twice, so the strip shows) and copy the picture here")
    p.add_argument("--record", type=Path, metavar="PNG",
                   help="record 3 s first (the strip shows it, the shot shows the red dot), and write the "
                        "recording's first frame here")
    p.add_argument("--size", help="the window's size, WxH, before the picture")
    args, gui_args = p.parse_known_args(argv)

    import gui
    from PIL import ImageGrab

    root, app = gui.build(gui_args)
    app.controls.mask_on.set(args.mask)
    if args.size:
        root.geometry(args.size)
    deadline = time.time() + 120
    while (app.stats.frames_shown < args.frames or not app.flow.faces) and time.time() < deadline:
        root.update()
        time.sleep(0.01)
    if args.record:
        import cv2

        app.act("record")
        end = time.time() + 3
        while time.time() < end:
            root.update()
            time.sleep(0.01)
        app.act("record")
        while not app.shutter.recording.recordings and time.time() < deadline:
            root.update()
            time.sleep(0.01)
        app.act("record")  # recording again: the shot shows the red dot and the time
        end = time.time() + 1.2
        while time.time() < end:
            root.update()
            time.sleep(0.01)
        cap = cv2.VideoCapture(str(app.shutter.recording.recordings[0]))
        cv2.imwrite(str(args.record), cap.read()[1])
        cap.release()
    app.player.max_fps = None
    if app.after_id is not None:  # hold still for the picture
        root.after_cancel(app.after_id)
        app.after_id = None
    if args.saved:
        import shutil

        app.shutter.save()
        shutil.copyfile(app.shutter.save(), args.saved)
    for _ in range(20):
        root.update()
        time.sleep(0.02)
    x, y = root.winfo_rootx(), root.winfo_rooty()
    w, h = root.winfo_width(), root.winfo_height()
    ImageGrab.grab(bbox=(x, y, x + w, y + h), xdisplay=None).save(args.output)
    print(f"wrote {args.output} ({w}x{h}), {app.stats.frames_shown} frames shown")
    app.close()


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
