"""Where frames come from, and what kind of thing each source is: a camera, a video file, an animated
image, a single still, or a folder of stills, behind one FrameSource.

    source = FrameSource("0")            # or "clip.mp4", "party.gif", "photo.jpg", "pictures/"
    source.kind                          # CAMERA, VIDEO, ANIMATION, STILL or STILLS
    frame = source.read()                # the next BGR frame, or None
    frame = source.step(-1)              # a folder: the previous photo (None at either end)

The kind decides how frames are labelled: the frames of a moving picture belong together (a face
is followed and its label smoothed), while each still is labelled on its own, as if opened alone.
"""
import io
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageSequence

from . import UserError, native_stderr_quiet
from .data import IMAGE_SUFFIXES, MAX_PIXELS
from .files import TooLarge, is_regular, kind, printable, read_regular, utf8_name

CAMERA, VIDEO, ANIMATION, STILL, STILLS = "camera", "video", "animation", "still", "stills"
MOVING = (CAMERA, VIDEO, ANIMATION)  # what plays, pauses and can be recorded
MAX_ANIMATION_FRAMES = 10_000  # an animated image with more frames is cut there (a GIF of 5 minutes)
GIF_DEFAULT_MS = 100  # a frame with no duration of its own: browsers' usual 10 frames a second


def image_size(path):
    """(width, height) from an image file's header (a path or its bytes), without decoding it;
    None if unknown."""
    try:
        with Image.open(io.BytesIO(path) if isinstance(path, bytes) else path) as im:
            return im.size
    except Image.DecompressionBombError:  # PIL refuses to even open it: far over any limit
        return (100_000, 100_000)
    except Exception:  # not an image PIL knows: cv2 decides
        return None


def frame_count(data):
    """How many frames an image file's bytes hold (1 for a still, or when PIL cannot tell)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return int(getattr(im, "n_frames", 1) or 1)
    except Exception:
        return 1


class Animation:
    """An animated image's frames, decoded one at a time, each with its own duration (ms)."""

    def __init__(self, data):
        self.image = Image.open(io.BytesIO(data))
        self.frames = ImageSequence.Iterator(self.image)
        self.index, self.duration_ms = 0, GIF_DEFAULT_MS

    def read(self):
        if self.index >= MAX_ANIMATION_FRAMES:
            return None
        try:
            frame = next(self.frames)
        except (StopIteration, EOFError, OSError, ValueError):  # the end, or a damaged frame: the end
            return None
        self.index += 1
        duration = frame.info.get("duration") or 0
        # Browsers show a 0 or 10 ms GIF frame at 100 ms; so does this player.
        self.duration_ms = duration if isinstance(duration, (int, float)) and duration > 10 else GIF_DEFAULT_MS
        return cv2.cvtColor(np.asarray(frame.convert("RGB")), cv2.COLOR_RGB2BGR)

    def close(self):
        self.image.close()


def decode_image(path, data=None):
    """A still's BGR frame read through Python's own file calls (any name, never a FIFO), or None
    with a warning on stderr saying why it was skipped."""
    try:
        data = read_regular(path) if data is None else data
    except TooLarge:
        print(f"warning: skipped {printable(path.name)}: it is far too large to be a photo", file=sys.stderr)
        return None
    except OSError:
        print(f"warning: skipped {printable(path.name)}: not a readable regular file", file=sys.stderr)
        return None
    size = image_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:  # decoding 30000x30000 took 23 s and 6 GB
        print(f"warning: skipped {printable(path.name)}: it is too large to show (over 8000x8000 "
              f"pixels); scale it down", file=sys.stderr)
        return None
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if frame is None:
        print(f"warning: skipped {printable(path.name)}: not a readable image", file=sys.stderr)
    return frame


class FrameSource:
    """Frames from a camera index, a video file, an animated image, an image file or a folder of images.

    read() returns a BGR frame or None. None with `ended` set means a file
    source is finished. None without it means the camera gave nothing this
    time; it never blocks, so a GUI tick stays short. A camera that gives
    nothing for `camera_grace` seconds raises UserError, so a finished video
    and a failed camera are told apart. `kind` says what the source is;
    `period_ms()` how long the frame just read is meant to be shown.
    """

    def __init__(self, spec, camera_grace=2.0):
        self.spec = str(spec)
        self.camera_grace = camera_grace
        self.cap = self.images = self.animation = None
        self.ended, self.stalled_since, self.position = False, None, 0
        self.index = -1  # a folder: the photo shown last
        self.read_already = None  # a single still's bytes, read when it was opened
        self.frame_count = 0  # a video's own count of its frames, when it tells
        self.path = None  # the file or folder read, if any: never to be written over
        if "://" in self.spec:
            self.kind = VIDEO
            self._open_stream()
            return
        path = Path(self.spec)
        self.path = path
        if self.spec.isascii() and self.spec.isdecimal() and not path.exists():
            self.path, self.kind = None, CAMERA
            self._open_camera(int(self.spec))
        elif path.is_dir():
            self.kind = STILLS
            # Regular files only: a FIFO named b.png would block the read for ever.
            self.images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and is_regular(p))
            if not self.images:
                raise UserError(f"{printable(path)} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        elif kind(path) == "missing":
            raise UserError(f"source {printable(path)} does not exist: pass a camera index, a video, an image "
                            f"or a folder")
        elif not is_regular(path):
            raise UserError(f"source {printable(path)} is a {kind(path)}, not a regular file: pass a video, an "
                            f"image or a folder of images")
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            self._open_image(path)
        else:
            self.kind = VIDEO
            self._open_video(path)

    def _open_stream(self):
        with native_stderr_quiet():  # FFmpeg's own "[tcp @ ...] Connection refused"
            self.cap = cv2.VideoCapture(self.spec)
        if not self.cap.isOpened():
            self.cap.release()
            raise UserError(f"cannot open the stream {self.spec}: check the address and that it is "
                            f"reachable, or pass a camera index or a file")

    def _open_camera(self, index):
        if index >= 2 ** 31:  # OpenCV's index is a C int: larger ones end in its own traceback
            raise UserError(f"no camera at index {self.spec}: camera indexes are small numbers (0, 1, …)")
        self.cap = cv2.VideoCapture(index)
        if not self.cap.isOpened():
            self.cap.release()
            raise UserError(f"no camera at index {self.spec}: connect one, or pass "
                            f"--source with a video file, an image or a folder of images")

    def _open_image(self, path):
        """A single image: a still, or an animation when it holds several frames (GIF, WebP, APNG)."""
        self.images, self.kind = [path], STILL
        try:
            data = read_regular(path)
        except OSError:
            return  # read() says it cannot be read
        size = image_size(data)
        if frame_count(data) > 1 and not (size and size[0] * size[1] > MAX_PIXELS):
            self.images, self.kind = None, ANIMATION
            self.animation = Animation(data)
        else:
            self.read_already = data  # the first read() decodes these bytes, not the file a second time

    def _open_video(self, path):
        if not utf8_name(path):  # OpenCV's C++ file calls crash on such names
            raise UserError(f"cannot open {printable(path)}: its name is not valid UTF-8, which OpenCV's video "
                            f"reader cannot take; rename the file")
        with native_stderr_quiet():  # OpenCV's own AVI parser prints to stderr ("Unexpected element")
            self.cap = cv2.VideoCapture(str(path))
        if not self.cap.isOpened():
            self.cap.release()
            raise UserError(f"cannot open {printable(path)} as a video: is it a video file OpenCV can read?")
        self.frame_count = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)

    @property
    def is_camera(self):
        return self.kind == CAMERA

    @property
    def moving(self):
        """A moving picture (camera, video, animation): it plays, pauses and can be recorded."""
        return self.kind in MOVING

    @property
    def name(self):
        if self.is_camera:
            return f"camera {self.spec}"
        if self.kind == STILLS and 0 <= self.index < len(self.images):
            return f"{printable(self.images[self.index].name)} ({self.index + 1} of {len(self.images)} in " \
                   f"{printable(Path(self.spec).name)})"
        return printable(Path(self.spec).name)

    def fps(self):
        """The frame rate the source states (a video's or camera's), else 0."""
        fps = self.cap.get(cv2.CAP_PROP_FPS) if self.cap is not None else 0
        return fps if 0 < fps < 240 else 0

    def period_ms(self):
        """How long the frame just read is meant to be shown: a video's 1/fps, an animation's own frame
        duration; 0 for a camera (its own pace) and for stills (shown until the user moves on)."""
        if self.animation is not None:
            return float(self.animation.duration_ms)
        fps = self.fps()
        return 1000.0 / fps if fps and not self.is_camera else 0.0

    def step(self, delta):
        """A folder's next (+1) or previous (-1) readable photo, skipping unreadable ones; None (and the
        photo shown stays) at either end."""
        i = self.index + delta
        while self.images is not None and 0 <= i < len(self.images):
            data, self.read_already = self.read_already, None
            frame = decode_image(self.images[i], data)
            if frame is not None:
                self.index = self.position = i
                self.position += 1
                return frame
            i += delta
        return None

    def read(self):
        if self.ended:
            return None
        if self.images is not None:
            frame = self.step(+1)
            self.ended = frame is None
            return frame
        if self.animation is not None:
            frame = self.animation.read()
            self.position += frame is not None
            if frame is None:
                self.ended = True
                if self.position == 0:
                    raise UserError(f"{self.name} has no frame that can be decoded: is it a damaged image?")
            return frame
        return self._read_capture()

    def _read_capture(self):
        if self.is_camera:
            ok, frame = self.cap.read()
        else:
            with native_stderr_quiet():  # a damaged frame's decoder lines; we say what happened below
                ok, frame = self.cap.read()
        if ok and frame is not None:
            self.position += 1
            self.stalled_since = None
            return frame
        if not self.is_camera:
            self.ended = True
            if self.position == 0 and self.path is not None:
                raise UserError(f"{self.name} has no frame OpenCV can decode: is it a damaged or empty video?")
            if self.frame_count and self.position < self.frame_count:
                print(f"warning: {self.name} ended at frame {self.position} of its {self.frame_count}: the rest "
                      f"could not be decoded (a damaged file?)", file=sys.stderr)
            return None
        now = time.monotonic()
        self.stalled_since = self.stalled_since or now
        if now - self.stalled_since > self.camera_grace:
            raise UserError(f"{self.name} stopped delivering frames: check its cable or whether another "
                            f"program took it, then start again")
        return None

    def skip(self, n):
        """Pass over up to n frames of a video or animation without showing them (a file played in
        real time skips what labelling could not keep up with); returns how many were passed."""
        done = 0
        if self.animation is not None and not self.ended:
            while done < n and self.animation.read() is not None:
                done += 1
        elif self.cap is not None and not self.is_camera and not self.ended:
            with native_stderr_quiet():
                while done < n and self.cap.grab():
                    done += 1
        self.position += done
        return done

    def release(self):
        if self.cap is not None:
            self.cap.release()
            self.cap = None
        if self.animation is not None:
            self.animation.close()
