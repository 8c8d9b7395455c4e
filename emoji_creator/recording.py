"""Recordings: what the feed shows, as an MP4 (and, in the window, an animated GIF), never losing one.

    video = VideoFile("out.mp4", fps=30, size=(640, 480))   # useIt.py --record: every frame, as given
    video.write(frame); video.finish()                      # the file appears under its name only now
    rec = Recorder(save_dir, fps=30)                        # the window: paced by the clock, own thread
    rec.offer(frame); rec.stop(); rec.done()                # -> (mp4, gif), or a UserError

A recording is written to a hidden temporary file beside its final name and
hard-linked to that name when it is whole: the link fails rather than replace
a file, so nothing is overwritten, and a crash leaves no half file under a
final name (a leftover `.recording-*` is cleaned up at the next start).
"""
import contextlib
import errno
import os
import queue
import shutil
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from . import UserError, files
from .files import kind, printable, umask, utf8_name
from .saving import advice, link_unused

CODECS = {".mp4": "mp4v", ".avi": "MJPG"}  # both are in opencv-python's own FFmpeg
GIF_FPS, GIF_WIDTH, GIF_SECONDS = 10, 320, 15  # the GIF: a shareable size, its first seconds
LEFTOVERS = ".recording-*"


def fit_into(frame, size):
    """frame scaled to fit size (w, h) and centred on black: a recording keeps its first frame's size."""
    h, w = frame.shape[:2]
    if (w, h) == tuple(size):
        return frame
    s = min(size[0] / w, size[1] / h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    out = np.zeros((size[1], size[0], 3), np.uint8)
    x, y = (size[0] - nw) // 2, (size[1] - nh) // 2
    out[y:y + nh, x:x + nw] = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    return out


def link_new(tmp, final, elsewhere):
    """Give the whole file tmp its own new name beside final (saving.link_unused); returns that name."""
    try:
        return link_unused(tmp, final, "recordings")
    except OSError as exc:
        raise UserError(f"could not save the recording into {Path(final).parent}: {exc.strerror or exc}; "
                        f"{advice(exc, elsewhere)}") from None


MIN_FREE = 16 << 20  # a recording needs room for at least its first seconds


def check_recordable(folder, elsewhere):
    """UserError, before any frame, when a recording cannot be written into folder: a path OpenCV's
    C++ writer cannot take (not UTF-8: it crashed the process), or a disk with no room left."""
    if not utf8_name(Path(folder).absolute()):
        raise UserError(f"cannot record into {printable(folder)}: its path is not valid UTF-8, which OpenCV's "
                        f"video writer cannot take; {elsewhere}")
    existing = next((p for p in (Path(folder).absolute(), *Path(folder).absolute().parents)
                     if kind(p) == "folder"), None)
    try:
        free = shutil.disk_usage(existing).free if existing is not None else MIN_FREE
    except OSError:
        free = MIN_FREE
    if free < MIN_FREE:
        raise UserError(f"cannot record into {printable(folder)}: {advice(OSError(errno.ENOSPC, 'full'), elsewhere)}")


def _temp(folder, suffix, elsewhere):
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".recording-", suffix=suffix, dir=folder)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; a recording is as readable as any other file
        return tmp
    except OSError as exc:
        raise UserError(f"cannot record into {folder}: {exc.strerror or exc}; {advice(exc, elsewhere)}") from None


def _drop(path):
    try:
        os.unlink(path)
    except (OSError, TypeError):
        pass


class VideoFile:
    """An MP4 (H.264 through PyAV, or OpenCV's MPEG-4 Part 2 where PyAV is missing) or an MJPG .avi,
    written frame by frame to a temporary name; finish() gives it its own name. Frames of another size
    are fitted into the first one's. `codec` says which was written."""

    def __init__(self, path, fps, size, elsewhere="pick another --record path"):
        self.path, self.elsewhere = Path(path), elsewhere
        suffix = self.path.suffix.lower()
        if suffix not in CODECS:
            raise UserError(f"{path}: recordings are written as .mp4 (or .avi): give it one of those names")
        self.size = (max(2, size[0] // 2 * 2), max(2, size[1] // 2 * 2))  # codecs want even sides
        self.fps = float(fps)
        check_recordable(self.path.parent, elsewhere)
        self.tmp = _temp(self.path.parent, suffix, elsewhere)
        self.frames, self.writer, self.container = 0, None, None
        if suffix == ".mp4" and self._open_h264():
            return
        self.codec = "MPEG-4 Part 2" if suffix == ".mp4" else "MJPG"
        self.writer = cv2.VideoWriter(self.tmp, cv2.VideoWriter_fourcc(*CODECS[suffix]), self.fps, self.size)
        if not self.writer.isOpened():
            self.abort()
            raise UserError(f"OpenCV cannot write {suffix} video into {printable(self.path.parent)}"
                            + (": try an .avi name" if suffix != ".avi" else f"; {elsewhere}"))

    def _open_h264(self):
        """H.264 through PyAV's own FFmpeg (libx264): the MP4 every browser and phone plays. False where
        PyAV is not installed or cannot open the file (OpenCV's mp4v is the fallback)."""
        try:
            import av  # here: only a recording needs it (and the light install may leave it out)

            self.container = av.open(self.tmp, mode="w", format="mp4")
            self.stream = self.container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
            self.stream.width, self.stream.height = self.size
            self.stream.pix_fmt = "yuv420p"  # the one every player decodes
            self.stream.options = {"preset": "veryfast", "crf": "23"}  # cheap enough beside the live loop
            self.frame_type = av.VideoFrame
        except Exception:  # no PyAV, or its encoder refused: OpenCV's writer instead
            self._close_container()
            return False
        self.codec = "H.264"
        return True

    def write(self, frame, times=1):
        frame = fit_into(frame, self.size)
        for _ in range(times):
            if self.container is not None:
                picture = self.frame_type.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
                picture.pts = self.frames
                for packet in self.stream.encode(picture):
                    self.container.mux(packet)
            else:
                self.writer.write(frame)
            self.frames += 1

    def _close_container(self):
        if self.container is not None:
            with contextlib.suppress(Exception):
                self.container.close()
            self.container = None

    def finish(self):
        """Close the file and give it its name; returns that Path. UserError when it is not whole."""
        try:
            if self.container is not None:
                for packet in self.stream.encode():  # the frames the encoder still holds
                    self.container.mux(packet)
                self.container.close()
                self.container = None
            if self.writer is not None:
                self.writer.release()
            if not self.frames:
                raise UserError("nothing was recorded: no frame was shown")
            cap = cv2.VideoCapture(self.tmp)
            got = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            cap.release()
            if got < self.frames * 0.98:  # VideoWriter says nothing when the disk fills up
                raise UserError(f"the recording could not be written whole ({got} of {self.frames} frames): "
                                f"{advice(OSError(28, 'full'), self.elsewhere)}")
            return link_new(self.tmp, self.path, self.elsewhere)
        except OSError as exc:  # PyAV's write onto a full disk
            raise UserError(f"the recording could not be written ({exc.strerror or exc}): "
                            f"{advice(exc, self.elsewhere)}") from None
        finally:
            self._close_container()
            _drop(self.tmp)

    def abort(self):
        self._close_container()
        if self.writer is not None:
            self.writer.release()
        _drop(self.tmp)


class GifFrames:
    """The first GIF_SECONDS of a recording at GIF_FPS, at most GIF_WIDTH wide, kept for one GIF."""

    def __init__(self, fps):
        self.every = max(1.0, fps / GIF_FPS)
        self.limit = int(GIF_SECONDS * GIF_FPS)
        self.frames, self.seen, self.next_at = [], 0, 0.0

    def add(self, frame):
        if self.seen >= self.next_at and len(self.frames) < self.limit:
            h, w = frame.shape[:2]
            s = min(1.0, GIF_WIDTH / w)
            small = cv2.resize(frame, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
            # Quantized now, in the recorder's thread while it records: at Stop only the file is left to
            # write (quantizing all at the end kept the user waiting seconds).
            self.frames.append(Image.fromarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB)).quantize(
                256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE))
            self.next_at += self.every
        self.seen += 1

    @property
    def cut(self):
        return len(self.frames) >= self.limit

    def write(self, path, elsewhere):

        tmp = _temp(Path(path).parent, ".gif", elsewhere)
        try:
            images = self.frames
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], loop=0,
                           duration=round(1000 / GIF_FPS))
            return link_new(tmp, path, elsewhere)
        except OSError as exc:
            raise UserError(f"could not save the GIF into {Path(path).parent}: {exc.strerror or exc}; "
                            f"{advice(exc, elsewhere)}") from None
        finally:
            _drop(tmp)


class Recorder:
    """The window's recording: offer() the shown frame on every tick (the Tk thread); a worker thread
    writes it as often as the clock says is due, so the MP4 lasts as long as the recording did
    whatever rate the feed shows. stop() ends it; done() then gives (mp4 Path, gif Path) or a
    UserError, once. No Tk here."""

    def __init__(self, folder, fps, prefix="emoji", elsewhere="click 'Save to…' to choose another folder",
                 gif=True, now=None):
        self.folder, self.fps, self.elsewhere = Path(folder), float(fps), elsewhere
        check_recordable(self.folder, elsewhere)  # said at Record, not after the first frame
        stamp = files.stamp(now, millis=True)
        self.name = self.folder / f"{prefix}-{stamp}.mp4"
        self.gif = GifFrames(self.fps) if gif else None
        self.video, self.first = None, None
        self.started = time.perf_counter()
        self.offered, self.result, self.stopping = 0, None, False
        self.jobs = queue.Queue(maxsize=64)
        # Not a daemon: a recording's file is finished even when the window closes first.
        self.thread = threading.Thread(target=self._run, name="recorder", daemon=False)
        self.thread.start()

    @property
    def seconds(self):
        return time.perf_counter() - self.started

    def offer(self, frame, now=None):
        """Hand the frame shown now to the writer, as many times as the clock says are due."""
        if self.stopping or frame is None:
            return 0
        now = time.perf_counter() if now is None else now
        due = int((now - self.started) * self.fps) + 1 - self.offered
        if due <= 0:
            return 0
        if self.first is None:
            self.first = frame.copy()
        try:
            self.jobs.put_nowait((frame.copy(), due))
        except queue.Full:  # the writer is behind: the next offer carries these frames too
            return 0
        self.offered += due
        return due

    def stop(self):
        if not self.stopping:
            self.stopping = True
            self.jobs.put(None)

    def done(self):
        result, self.result = self.result, None
        return result

    def _run(self):
        try:
            while (job := self.jobs.get()) is not None:
                frame, times = job
                if self.video is None:
                    self.video = self._open((frame.shape[1], frame.shape[0]))
                self.video.write(frame, times)
                if self.gif is not None:
                    for _ in range(times):
                        self.gif.add(frame)
            if self.video is None:
                raise UserError("nothing was recorded: no frame was shown")
            mp4 = self.video.finish()
            gif = self.gif.write(mp4.with_suffix(".gif"), self.elsewhere) if self.gif and self.gif.frames else None
            self.result = (mp4, gif)
        except UserError as exc:
            self._abort()
            self.result = exc
        except Exception as exc:  # reaches the window as a message, not a silent thread death
            self._abort()
            self.result = UserError(f"the recording failed ({type(exc).__name__}: {exc})")

    def _open(self, size):
        """The MP4, or where this OpenCV cannot write one, an MJPG .avi of the same name."""
        try:
            return VideoFile(self.name, self.fps, size, self.elsewhere)
        except UserError as exc:
            if "try an .avi name" not in str(exc):
                raise
        self.name = self.name.with_suffix(".avi")
        return VideoFile(self.name, self.fps, size, self.elsewhere)

    def _abort(self):
        if self.video is not None:
            self.video.abort()
        while True:  # let a waiting offer() through
            try:
                if self.jobs.get_nowait() is None:
                    break
            except queue.Empty:
                break
