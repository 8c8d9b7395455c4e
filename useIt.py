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
import time
from pathlib import Path

from emoji_creator import DEFAULT_MODEL, UserError, fraction, positive_int, quiet_libraries, run_script
from emoji_creator.detectors import DEFAULT_DETECTOR, DETECTORS, MIN_FACE

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
    import cv2

    from emoji_creator.files import check_writes, kind
    from emoji_creator.recording import VideoFile

    check_writes([("--record", path)], inputs)
    if kind(path) != "missing":
        raise UserError(f"--record {path} already exists: pick a new name (nothing is overwritten)")
    fps = source.cap.get(cv2.CAP_PROP_FPS) if source.cap is not None else 0
    # A video keeps its own rate; a camera its usual 30; a folder of pictures shows each for half a second.
    fps = fps if 0 < fps <= 240 else (30 if source.is_camera or source.images is None else 2)
    return lambda frame: VideoFile(path, fps, (frame.shape[1], frame.shape[0]))


def open_log(path, inputs):
    """The CSV log, opened as a new file: never one of the run's inputs (reads: [(name, path)]),
    never an earlier file, never a device or a FIFO."""
    from emoji_creator.files import check_writes, kind

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


def main(argv=None):
    args = parse_args(argv)
    quiet_libraries(args.verbose)
    show = not args.no_window
    if show and not has_display():
        print("error: no display to open a window on: run with --no-window (and --log FILE.csv)", file=sys.stderr)
        return 2
    import cv2

    from emoji_creator.live import LivePipeline
    from emoji_creator.sources import FrameSource

    source = log_file = video = make_video = mask = None
    frames = faces_seen = 0
    status = 0
    started = time.perf_counter()

    def on_term(signum, frame):
        raise Terminated()
    old_term = signal.signal(signal.SIGTERM, on_term) if _main_thread() else None
    try:
        source = FrameSource(args.source)  # first: a wrong source is reported before the model loads
        from emoji_creator.files import check_writes
        from emoji_creator.runtime import cache_path

        # The compiled cache is written beside the model: never over the source.
        check_writes([("the model's compiled cache", cache_path(args.model))], [("the source", source.path)])
        inputs = [("the source", source.path), ("--model", args.model),
                  ("the model's compiled cache", cache_path(args.model)), ("--log", args.log)]
        if args.record:
            make_video = open_recording(args.record, source, inputs)
        if args.log:
            log_file = open_log(args.log, inputs[:3] + [("--record", args.record)])
        if args.mask:
            from emoji_creator.overlay import EmojiMask
            from emoji_creator.pictures import load_emojis

            mask = EmojiMask(load_emojis(size=None)[0])  # a missing emoji file: that face keeps its label
        pipeline = LivePipeline(args.model, detector=args.detector, min_face=args.min_face)
        if log_file is not None:
            log = csv.writer(log_file)
            log.writerow(LOG_COLUMNS + list(pipeline.class_names))
        started = time.perf_counter()
        frame = last = None
        while args.max_frames is None or frames < args.max_frames:
            frame = source.read()
            if frame is None:
                if source.ended:
                    break
                time.sleep(0.01)  # a camera hiccup: FrameSource gives up after its grace period
                continue
            if args.mirror:
                frame = cv2.flip(frame, 1)
            faces = pipeline.process(frame)
            if log_file is not None:
                for face in faces:
                    log.writerow([frames, *map(int, face.box), pipeline.class_names[face.label],
                                  f"{face.confidence:.4f}", *(f"{p:.4f}" for p in face.probs)])
                log_file.flush()  # a kill loses at most the frame being written
            frames += 1
            faces_seen += len(faces)
            if show or make_video:
                last = draw(frame, faces, pipeline.class_names, mask)
            if make_video:
                video = video or make_video(last)
                video.write(last)
            if show:
                cv2.imshow(WINDOW, last)
                if cv2.waitKey(1) & 0xFF in (ord("q"), 27) or window_closed(cv2):
                    break
        else:
            last = None  # stopped by --max-frames: nothing to linger on
        elapsed = time.perf_counter() - started
        if show and last is not None and source.ended and not source.is_camera:
            # A finished video or image stays on screen until the user is done with it.
            cv2.putText(last, f"end of {source.name} - press q", (10, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                        (0, 0, 255), 2, cv2.LINE_AA)
            cv2.imshow(WINDOW, last)
            while not window_closed(cv2) and cv2.waitKey(100) & 0xFF not in (ord("q"), 27):
                pass
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        status = 2
        elapsed = time.perf_counter() - started
    except OSError as exc:  # the log's disk filled up or went away mid-run
        print(f"error: writing the log {args.log} failed ({exc.strerror or exc}): free some space or "
              f"pick another --log path; the rows written so far are kept", file=sys.stderr)
        status = 2
        elapsed = time.perf_counter() - started
    except (KeyboardInterrupt, Terminated):
        elapsed = time.perf_counter() - started
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        if source is not None:
            source.release()
        if log_file is not None:
            try:
                log_file.close()
            except OSError:
                pass
        if show:
            cv2.destroyAllWindows()
        recorded, status = finish_recording(video, status)
    if frames or status == 0:
        fps = frames / elapsed if elapsed > 0 else 0.0
        print(f"{frames} frames, {faces_seen} faces, {fps:.1f} frames per second{recorded}")
    return status


def draw(frame, faces, class_names, mask):
    """A frame as useIt.py shows and records it: boxes and labels, or with --mask the emojis alone."""
    from emoji_creator.overlay import draw_faces

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
    return f"; recorded {path} ({video.frames} frames)", status


def _main_thread():
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(run_script(main))
