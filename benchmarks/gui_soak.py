"""Endurance: the GUI under a real X display fed a clip in a loop; memory and tick times.

    xvfb-run -a python benchmarks/gui_soak.py --frames 10000
    xvfb-run -a python benchmarks/gui_soak.py --frames 10000 --mask   # with the emoji mask on
    xvfb-run -a python benchmarks/gui_soak.py --frames 5000 --mask --record-every 1000   # and recording

Prints resident memory every 1,000 frames and at the end, and the median, 95th
percentile and longest Tk tick (one tick shows the frame the labeller thread
finished, updates both panels and reads the next frame; the face finder and
the model run in that thread, off Tk's), which frame it was, and how many
full (generation 2) garbage collections ran and the longest of them.
"""
import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emoji_creator import DEFAULT_MODEL  # noqa: E402


def rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--frames", type=int, default=10000)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--fer", type=Path, default=ROOT.parent / "shared" / "fer2013")
    p.add_argument("--mask", action="store_true", help="with the emoji mask on (each face wears its emoji)")
    p.add_argument("--save-every", type=int, default=0, metavar="N",
                   help="press Save every N frames too (thumbnails pile up in the strip)")
    p.add_argument("--record-every", type=int, default=0, metavar="N",
                   help="record all along, a new recording every N frames (each written as MP4 and GIF)")
    args = p.parse_args(argv)

    import gui
    from emoji_creator.clip import fer_faces, write_clip

    clip = ROOT / "benchmarks" / "soak.avi"
    write_clip(clip, fer_faces(args.fer, per_class=2), hold=20)
    root, app = gui.build(["--source", str(clip), "--max-fps", "0", "--model", str(args.model), "--save-dir",
                           "/tmp/emoji_soak_save", "--loop"])
    app.controls.mask_on.set(args.mask)
    gc_ms, gc_started = [], [0.0]

    def on_gc(phase, info):  # time each full collection: the suspect behind long ticks
        if info["generation"] == 2:
            if phase == "start":
                gc_started[0] = time.perf_counter()
            else:
                gc_ms.append((time.perf_counter() - gc_started[0]) * 1000)

    gc.callbacks.append(on_gc)
    marks, started = {}, time.time()
    longest = (0.0, 0)
    settled = 0.0  # the longest tick after the first 100 frames (start-up: first model calls, caches)
    while app.stats.frames_shown < args.frames:
        if app.player.source is None:  # end of the clip: play it again, as a user pressing Open would
            app.flow.set_source(str(clip))
        root.update()
        if args.save_every and app.stats.frames_shown // args.save_every > len(app.save_folder.saved):
            app.shutter.save()
        if args.record_every and app.flow.pipeline is not None and app.flow.frame is not None and app.finishing is None:
            due = app.stats.frames_shown // args.record_every  # recordings begun so far should be this + 1
            if app.recorder is None and len(app.shutter.recording.recordings) <= due:
                app.act("record")
            elif app.recorder is not None and len(app.shutter.recording.recordings) < due:
                app.act("record")  # stop: written by its thread while the window plays on
        if app.stats.frames_shown > 100 and app.stats.tick_ms:
            settled = max(settled, app.stats.tick_ms[-1])
        if app.stats.longest_tick_ms > longest[0]:
            longest = (app.stats.longest_tick_ms, app.stats.frames_shown)
        for mark in range(1000, args.frames, 1000):  # one update() may run several ticks: >=, not ==
            if app.stats.frames_shown >= mark and mark not in marks:
                marks[mark] = rss_mib()
    marks[args.frames] = rss_mib()
    ticks = np.asarray(app.stats.tick_ms)
    print(f"{app.stats.frames_shown} frames in {time.time() - started:.0f} s, emoji mask {'on' if args.mask else 'off'}, "
          f"{len(app.save_folder.saved)} saves, {len(app.shutter.recording.recordings)} recordings written")
    for frame, mib in sorted(marks.items()):
        print(f"resident memory at frame {frame}: {mib:.1f} MiB")
    print(f"tick ms over the last {len(ticks)} ticks: median {np.median(ticks):.1f}, "
          f"p95 {np.percentile(ticks, 95):.1f}; longest tick of the run: {longest[0]:.1f} ms (around frame {longest[1]}); "
          f"longest after frame 100: {settled:.1f} ms")
    print(f"full garbage collections during the run: {len(gc_ms)}"
          + (f", longest {max(gc_ms):.1f} ms" if gc_ms else ""))
    app.close()
    print(f"recordings: {len(app.shutter.recording.recordings)}, in {app.save_folder.path}")


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
