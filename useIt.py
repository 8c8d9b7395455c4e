"""Webcam overlay: a box around each face, its emotion, confidence and seven probability bars.

    python useIt.py                                # camera 0, in an OpenCV window; q or Esc quits
    python useIt.py --source clip.mp4              # a video file, an image, or a folder of images
    python useIt.py --source clip.mp4 --no-window --log faces.csv

Ends by printing the number of frames and faces and the frames per second.
"""
import argparse
import csv
import os
import sys
import time
from pathlib import Path

from emoji_creator import DEFAULT_MODEL, UserError

WINDOW = "Emoji Creator - q or Esc quits"
LOG_COLUMNS = ["frame", "x", "y", "w", "h", "emotion", "confidence"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", default="0", help="camera index, video file, image file or image folder (default: 0)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file (default: emotion_model.h5)")
    p.add_argument("--no-window", action="store_true", help="run without a window (for servers and tests)")
    p.add_argument("--log", type=Path, help="write one CSV row per face per frame")
    p.add_argument("--max-frames", type=int, help="stop after this many frames")
    return p.parse_args(argv)


def has_display():
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def window_closed(cv2):
    try:
        return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
    except cv2.error:
        return True


def main(argv=None):
    args = parse_args(argv)
    show = not args.no_window
    if show and not has_display():
        print("error: no display to open a window on: run with --no-window (and --log FILE.csv)", file=sys.stderr)
        return 2
    import cv2

    from emoji_creator.live import FrameSource, LivePipeline, draw_faces

    source = log_file = None
    frames = faces_seen = 0
    status = 0
    started = time.perf_counter()
    try:
        source = FrameSource(args.source)  # first: a wrong source is reported before the slow model load
        pipeline = LivePipeline(args.model)
        if args.log:
            try:
                log_file = open(args.log, "w", newline="")
            except OSError as exc:
                raise UserError(f"cannot write the log {args.log}: {exc.strerror}; pick another --log path") from None
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
            faces = pipeline.process(frame)
            if args.log:
                for face in faces:
                    log.writerow([frames, *map(int, face.box), pipeline.class_names[face.label],
                                  f"{face.confidence:.4f}", *(f"{p:.4f}" for p in face.probs)])
            frames += 1
            faces_seen += len(faces)
            if show:
                last = draw_faces(frame, faces, pipeline.class_names)
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
    except KeyboardInterrupt:
        elapsed = time.perf_counter() - started
    finally:
        if source is not None:
            source.release()
        if log_file is not None:
            log_file.close()
        if show:
            cv2.destroyAllWindows()
    if frames or status == 0:
        fps = frames / elapsed if elapsed > 0 else 0.0
        print(f"{frames} frames, {faces_seen} faces, {fps:.1f} frames per second")
    return status


if __name__ == "__main__":
    sys.exit(main())
