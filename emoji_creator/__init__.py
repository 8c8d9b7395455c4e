"""Shared logic for Emoji Creator: the model, the data, the face pipeline.

train.py, useIt.py and gui.py are thin entry points over this package, so the
class list, the preprocessing and the model contract exist exactly once.
"""
import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

# Paths resolve from the project root, never from the working directory, so
# the scripts behave the same wherever they are started from.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "emotion_model.h5"
DEFAULT_DATA = ROOT / "data"
DEFAULT_SAVE_DIR = ROOT / "save"
EMOJI_DIR = ROOT / "emojis"
CASCADE_PATH = ROOT / "haarcascade_frontalface_default.xml"

# Alphabetical, as Keras numbers class folders; the model's outputs follow it.
CLASSES = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
IMAGE_SIZE = 48


def one_line(text):
    """A message kept on one line: a newline or carriage return inside a name shown as \\n, \\r."""
    return str(text).replace("\n", "\\n").replace("\r", "\\r")


class UserError(Exception):
    """A failure the user caused and can fix; its text says how.

    Scripts print it as one line and exit non-zero instead of a traceback: a name with a newline in
    it stays on that line.
    """

    def __str__(self):
        return one_line(super().__str__())


def printable_streams():
    """Printing never fails on a name: a file name that is not valid in the terminal's encoding
    (bytes that are not UTF-8 under a UTF-8 locale) prints its odd bytes as \\xNN instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):  # a replaced stream (tests) or a closed one
            stream.reconfigure(errors="backslashreplace")


def run_tool(main):
    """Run a benchmark's or tool's main(): a UserError (a missing model or data folder, say)
    becomes its one line on stderr and exit status 2, as in the three scripts. Returns the exit
    status: main's own if it returns a number, else 0 (some return their rows for the tests)."""
    printable_streams()
    try:
        status = main()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status if isinstance(status, int) else 0


class FinderMissing(UserError):
    """A face finder's model file (or its check's) is missing or damaged: the window says
    "no face finder" rather than "no model"."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so a script ends as on Ctrl-C: files closed, one line."""


def raise_on_sigterm():
    """From now on SIGTERM raises Terminated in the main thread; returns the old handler (or None)."""

    if threading.current_thread() is not threading.main_thread():
        return None

    def on_term(signum, frame):
        raise Terminated()

    return signal.signal(signal.SIGTERM, on_term)


def run_script(main):
    """A script's `sys.exit(run_script(main))`: Ctrl-C or SIGTERM before main's own handlers are in
    place (while TensorFlow imports, say) is one line and exit 130 / 143, never a traceback."""

    printable_streams()
    try:
        raise_on_sigterm()
        return main()
    except Terminated:
        print("\nstopped (SIGTERM) before anything was written", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("\ninterrupted before anything was written", file=sys.stderr)
        return 130


def fraction(text):
    """argparse type: a fraction of the frame between 0.01 and 1 (refuses nan)."""

    value = float(text)
    if not 0.01 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction between 0.01 and 1")
    return value


def positive_int(text):
    """argparse type: a whole number of at least 1."""

    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of at least 1")
    return value


# Library chatter (TensorFlow's and absl's start-up lines, OpenCV's camera
# probing, LiteRT's "Created TensorFlow Lite XNNPACK delegate") is hidden
# unless a script is run with --verbose: users see the app's own lines only.
VERBOSE = False


def quiet_libraries(verbose=False):
    """Silence the libraries' own logging (call before importing them), or leave it on."""

    global VERBOSE
    VERBOSE = verbose
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's own lines ("[mjpeg @ ...] error count")
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
        import cv2  # may be imported already, so its level is set directly too

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


class native_stderr_quiet:
    """Hide what C++ code prints to stderr inside this block (Python's own sys.stderr is untouched
    in spirit: nothing of ours is printed inside). A no-op when VERBOSE."""

    def __enter__(self):

        self.saved = None
        if VERBOSE:
            return self
        try:
            sys.stderr.flush()
            self.saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            self.saved = None
        return self

    def __exit__(self, *exc):

        if self.saved is not None:
            os.dup2(self.saved, 2)
            os.close(self.saved)
        return False
