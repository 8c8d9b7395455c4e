"""Webcam overlay: a box around each face, its emotion, confidence and seven probability bars.

    python useIt.py                                # camera 0, in an OpenCV window; q or Esc quits
    python useIt.py --source clip.mp4              # a video file, an image, or a folder of images
    python useIt.py --detector blazeface           # MediaPipe's face finder instead of Haar
    python useIt.py --detector yunet               # OpenCV's YuNet
    python useIt.py --source clip.mp4 --no-window --log faces.csv
    python useIt.py --source clip.mp4 --no-window --record emoji.mp4 --mask   # an emoji video of a video

Ends by printing the number of frames and faces and the frames per second.
"""
import argparse
import csv
import os
import signal
import sys
import threading
import time
from pathlib import Path

import cv2

from emoji_creator import DEFAULT_MODEL, UserError, fraction, positive_int, quiet_libraries, run_script
from emoji_creator.detectors import DEFAULT_DETECTOR, DETECTORS, MIN_FACE
from emoji_creator.files import check_writes, kind, printable
from emoji_creator.live import LivePipeline
from emoji_creator.overlay import EmojiMask, draw_faces
from emoji_creator.pictures import load_emojis
from emoji_creator.recording import VideoFile, check_recordable
from emoji_creator.runtime import cache_path
from emoji_creator.sources import FrameSource

WINDOW = "Emoji Creator - q or Esc quits"
LOG_COLUMNS = ["frame", "x", "y", "w", "h", "emotion", "confidence"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", default="0", help="camera index, video file, image file or image folder (default: 0)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file (default: emotion_model.h5)")
    p.add_argument("--detector", choices=DETECTORS, default=DEFAULT_DETECTOR,
                   help="face finder: 'haar' (OpenCV's cascade, the default), 'blazeface' (MediaPipe's: finds "
                        "tilted, dark, partly hidden and far faces too) or 'yunet' (OpenCV's own neural finder)")
    p.add_argument("--min-face", type=fraction, default=MIN_FACE, metavar="FRACTION",
                   help=f"smallest face given a label, as a fraction of the frame's shorter side "
                        f"(default: {MIN_FACE}, a face about 2 m from a webcam)")
    p.add_argument("--no-window", action="store_true", help="run without a window (for servers and tests)")
    p.add_argument("--log", type=Path, help="write one CSV row per face per frame (a new file)")
    p.add_argument("--record", type=Path, metavar="OUT.mp4",
                   help="write every frame as shown (labels, or emojis with --mask) to a new .mp4 or .avi, at the "
                        "source's size and frame rate")
    p.add_argument("--mask", action="store_true", help="draw each face's emoji over it instead of its box and label")
    p.add_argument("--mirror", action="store_true", help="flip every frame left to right (a selfie view)")
    p.add_argument("--max-frames", type=positive_int, help="stop after this many frames")
    p.add_argument("--verbose", action="store_true", help="also show TensorFlow's, LiteRT's and OpenCV's own messages")
    return p.parse_args(argv)


def has_display():
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def window_closed(cv2):
    try:
        return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
    except cv2.error:
        return True


def open_recording(path, source, inputs):
    """The --record video, checked before any work: a new file, never an input of the run."""

    check_writes([("--record", path)], inputs)
    if kind(path) != "missing":
        raise UserError(f"--record {path} already exists: pick a new name (nothing is overwritten)")
    check_recordable(Path(path).parent, "pick another --record path")
    # A video keeps its own rate, an animation its frames' timing; a camera its usual 30; a folder of
    # pictures shows each for half a second.
    period = source.period_ms()
    fps = source.fps() or (30 if source.is_camera else 1000 / period if period else 2)
    return lambda frame: VideoFile(path, fps, (frame.shape[1], frame.shape[0]))


def open_log(path, inputs):
    """The CSV log, opened as a new file: never one of the run's inputs (reads: [(name, path)]),
    never an earlier file, never a device or a FIFO."""

    check_writes([("--log", path)], inputs)
    if kind(path) not in ("missing", "file"):
        raise UserError(f"--log {path} is a {kind(path)}, not a regular file: name a new .csv file")
    try:
        return open(path, "x", newline="")
    except FileExistsError:
        raise UserError(f"the log {path} already exists: pick a new --log name (nothing is overwritten)") from None
    except OSError as exc:
        raise UserError(f"cannot write the log {path}: {exc.strerror}; pick another --log path") from None


class Terminated(Exception):
    """SIGTERM: end like Ctrl-C, with the log flushed and the summary printed."""


class Run:
    """One useIt.py run: the source, what it writes (log, recording), and the counts the summary prints."""

    def __init__(self, args):
        self.args, self.show = args, not args.no_window
        self.source = self.log_file = self.log = self.video = self.make_video = self.mask = None
        self.log_failed = False
        self.frames = self.faces_seen = 0
        self.started = self.stopped = None  # the frame loop's clock: the summary's frames per second

    def open(self):
        """The source first (a wrong source is reported before the model loads), then every output is
        checked against every input, then the model."""

        args = self.args
        self.source = FrameSource(args.source)
        # The compiled cache is written beside the model: never over the source.
        check_writes([("the model's compiled cache", cache_path(args.model))], [("the source", self.source.path)])
        inputs = [("the source", self.source.path), ("--model", args.model),
                  ("the model's compiled cache", cache_path(args.model)), ("--log", args.log)]
        if args.record:
            self.make_video = open_recording(args.record, self.source, inputs)
        if args.log:
            self.log_file = open_log(args.log, inputs[:3] + [("--record", args.record)])
        if args.mask:
            self.mask = EmojiMask(load_emojis(size=None)[0])  # a missing emoji file: that face keeps its label
        self.pipeline = LivePipeline(args.model, detector=args.detector, min_face=args.min_face)
        if self.log_file is not None:
            self.log = csv.writer(self.log_file)
            self.log.writerow(LOG_COLUMNS + list(self.pipeline.class_names))
        self.started = time.perf_counter()

    def label(self, frame):
        """One frame: faces found and labelled, logged, recorded and shown; returns the drawn frame."""

        args, pipeline = self.args, self.pipeline
        if args.mirror:
            frame = cv2.flip(frame, 1)
        if not self.source.moving:
            pipeline.restart()  # each still alone: no face followed, no label carried from the last photo
        faces = pipeline.process(frame)
        if self.log is not None:
            for face in faces:
                self.log.writerow([self.frames, *map(int, face.box), pipeline.class_names[face.label],
                                   f"{face.confidence:.4f}", *(f"{p:.4f}" for p in face.probs)])
            self.log_file.flush()  # a kill loses at most the frame being written
        self.frames += 1
        self.faces_seen += len(faces)
        if not (self.show or self.make_video):
            return None
        drawn = draw(frame, faces, pipeline.class_names, self.mask)
        if self.make_video:
            self.video = self.video or self.make_video(drawn)
            self.video.write(drawn)
        return drawn

    def loop(self):
        """Read, label and show until the source ends, --max-frames, or q/Esc; returns the last frame shown
        when the source ended by itself (to linger on), else None."""
        try:
            return self._frames()
        finally:
            self.stopped = time.perf_counter()

    def _frames(self):

        last = None
        while self.args.max_frames is None or self.frames < self.args.max_frames:
            frame = self.source.read()
            if frame is None:
                if self.source.ended:
                    return last
                time.sleep(0.01)  # a camera hiccup: FrameSource gives up after its grace period
                continue
            last = self.label(frame)
            if self.show:
                cv2.imshow(WINDOW, last)
                if cv2.waitKey(1) & 0xFF in (ord("q"), 27) or window_closed(cv2):
                    return None
        return None  # stopped by --max-frames: nothing to linger on

    def linger(self, last):
        """A finished video or image stays on screen until the user is done with it."""

        cv2.putText(last, f"end of {self.source.name} - press q", (10, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                    (0, 0, 255), 2, cv2.LINE_AA)
        cv2.imshow(WINDOW, last)
        while not window_closed(cv2) and cv2.waitKey(100) & 0xFF not in (ord("q"), 27):
            pass

    def close(self):
        if self.source is not None:
            self.source.release()
        if self.log_file is not None:
            try:
                self.log_file.close()
            except OSError:
                pass
            if self.log_failed and kind(self.args.log) == "file" and os.path.getsize(self.args.log) == 0:
                os.unlink(self.args.log)  # our own new file, and empty: nothing worth keeping
        if self.show:
            cv2.destroyAllWindows()


def main(argv=None):
    args = parse_args(argv)
    quiet_libraries(args.verbose)
    if not args.no_window and not has_display():
        print("error: no display to open a window on: run with --no-window (and --log FILE.csv)", file=sys.stderr)
        return 2
    run, status = Run(args), 0

    def on_term(signum, frame):
        raise Terminated()
    old_term = signal.signal(signal.SIGTERM, on_term) if _main_thread() else None
    try:
        run.open()
        last = run.loop()
        if run.show and last is not None:
            run.linger(last)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        status = 2
    except OSError as exc:  # the log's disk filled up or went away mid-run
        if exc.filename or args.log is None:  # not the log's own write: name what failed
            print(f"error: writing {printable(exc.filename or 'a file')} failed ({exc.strerror or exc}): free some "
                  f"space or pick another path", file=sys.stderr)
        else:
            print(f"error: writing the log {printable(args.log)} failed ({exc.strerror or exc}): free some space "
                  f"or pick another --log path; the rows written so far are kept", file=sys.stderr)
        run.log_failed = True
        status = 2
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        run.close()
        recorded, status = finish_recording(run.video, status)
    if run.frames or status == 0:
        elapsed = (run.stopped or time.perf_counter()) - (run.started or time.perf_counter())
        fps = run.frames / elapsed if elapsed > 0 else 0.0
        print(f"{run.frames} frames, {run.faces_seen} faces, {fps:.1f} frames per second{recorded}")
    return status


def draw(frame, faces, class_names, mask):
    """A frame as useIt.py shows and records it: boxes and labels, or with --mask the emojis alone."""

    if mask is None:
        return draw_faces(frame, faces, class_names)
    mask.draw(frame, faces, class_names)
    # A face whose emoji file is missing keeps its box and label.
    return draw_faces(frame, [f for f in faces if class_names[f.label] not in mask.sources], class_names)


def finish_recording(video, status):
    """Give the --record file its name (what was recorded before a Ctrl-C or an error is kept);
    returns (the summary's words, the exit status)."""
    if video is None:
        return "", status
    try:
        path = video.finish()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return "", 2
    return f"; recorded {path} ({video.frames} frames, {video.codec})", status


def _main_thread():

    return threading.current_thread() is threading.main_thread()


def cli():
    """The console command (pip install -e .): the same as running this file."""
    sys.exit(run_script(main))


if __name__ == "__main__":
    cli()
