"""Where frames come from: a camera index, a video file, an image file or a folder of images,
behind one FrameSource (read() gives the next BGR frame or None).

    source = FrameSource("0")            # or "clip.mp4", "photo.jpg", "pictures/"
    frame = source.read()
"""
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from . import UserError, native_stderr_quiet
from .data import IMAGE_SUFFIXES, MAX_PIXELS
from .files import is_regular, kind, printable, read_regular, utf8_name

def image_size(path):
    """(width, height) from an image file's header (a path or its bytes), without decoding it;
    None if unknown."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(path) if isinstance(path, bytes) else path) as im:
            return im.size
    except Image.DecompressionBombError:  # PIL refuses to even open it: far over any limit
        return (100_000, 100_000)
    except Exception:  # not an image PIL knows: cv2 decides
        return None


class FrameSource:
    """Frames from a camera index, a video file, an image file or a folder of images.

    read() returns a BGR frame or None. None with `ended` set means a file
    source is finished. None without it means the camera gave nothing this
    time; it never blocks, so a GUI tick stays short. A camera that gives
    nothing for `camera_grace` seconds raises UserError, so a finished video
    and a failed camera are told apart.
    """

    def __init__(self, spec, camera_grace=2.0):
        self.spec = str(spec)
        self.camera_grace = camera_grace
        self.cap, self.images, self.is_camera = None, None, False
        self.ended, self.stalled_since, self.position = False, None, 0
        self.frame_count = 0  # a video's own count of its frames, when it tells
        path = Path(self.spec)
        self.path = None  # the file or folder read, if any: never to be written over
        if "://" in self.spec:  # a stream URL: OpenCV opens it or says it cannot
            with native_stderr_quiet():  # FFmpeg's own "[tcp @ ...] Connection refused"
                self.cap = cv2.VideoCapture(self.spec)
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"cannot open the stream {self.spec}: check the address and that it is "
                                f"reachable, or pass a camera index or a file")
            return
        self.path = path
        if self.spec.isascii() and self.spec.isdecimal() and not path.exists():
            self.path = None
            self.is_camera = True
            self.cap = cv2.VideoCapture(int(self.spec))
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"no camera at index {self.spec}: connect one, or pass "
                                f"--source with a video file, an image or a folder of images")
        elif path.is_dir():
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
            self.images = [path]
        elif not utf8_name(path):  # OpenCV's C++ file calls crash on such names
            raise UserError(f"cannot open {printable(path)}: its name is not valid UTF-8, which OpenCV's video "
                            f"reader cannot take; rename the file")
        else:
            with native_stderr_quiet():  # OpenCV's own AVI parser prints to stderr ("Unexpected element")
                self.cap = cv2.VideoCapture(str(path))
            if not self.cap.isOpened():
                self.cap.release()
                raise UserError(f"cannot open {printable(path)} as a video: is it a video file OpenCV can read?")
            self.frame_count = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)

    @property
    def name(self):
        return f"camera {self.spec}" if self.is_camera else printable(Path(self.spec).name)

    def read(self):
        if self.ended:
            return None
        if self.images is not None:
            while self.position < len(self.images):
                path = self.images[self.position]
                self.position += 1
                try:  # by Python's own file calls: any name, and never a FIFO
                    data = read_regular(path)
                except OSError:
                    print(f"warning: skipped {printable(path.name)}: not a readable regular file", file=sys.stderr)
                    continue
                size = image_size(data)
                if size and size[0] * size[1] > MAX_PIXELS:  # decoding 30000x30000 took 23 s and 6 GB
                    print(f"warning: skipped {printable(path.name)}: it is too large to show (over 8000x8000 "
                          f"pixels); scale it down", file=sys.stderr)
                    continue
                frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
                if frame is not None:
                    return frame
                print(f"warning: skipped {printable(path.name)}: not a readable image", file=sys.stderr)
            self.ended = True
            return None
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
        """Pass over up to n frames of a video file without decoding them for show (a file played in
        real time skips what labelling could not keep up with); returns how many were passed."""
        if self.cap is None or self.is_camera or self.ended:
            return 0
        done = 0
        with native_stderr_quiet():
            while done < n and self.cap.grab():
                done += 1
        self.position += done
        return done

    def release(self):
        if self.cap is not None:
            self.cap.release()
            self.cap = None
