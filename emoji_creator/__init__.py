"""Shared logic for Emoji Creator: the model, the data, the face pipeline.

train.py, useIt.py and gui.py are thin entry points over this package, so the
class list, the preprocessing and the model contract exist exactly once.
"""
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


class UserError(Exception):
    """A failure the user caused and can fix; its text says how.

    Scripts print it as one line and exit non-zero instead of a traceback.
    """
