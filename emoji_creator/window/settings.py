"""The window's remembered settings: a small JSON file in the user's configuration folder.

    settings = Settings()                 # reads it; an unreadable file is ignored (settings.note says why)
    settings.get("mask", False)
    settings.remember(mask=True)          # written at once, whole (a temporary file, then renamed)

Where: $EMOJI_CREATOR_CONFIG if set (a folder), else %APPDATA%\\EmojiCreator on
Windows, ~/Library/Application Support/EmojiCreator on macOS, and
$XDG_CONFIG_HOME/emoji-creator (~/.config/emoji-creator) elsewhere.
"""
import json
import os
import sys
from pathlib import Path

from ..detectors import DETECTORS
from ..files import is_regular, kind, printable, read_json, read_regular, write_atomic

FILE = "settings.json"
LIMIT = 64 * 1024  # a settings file is a few hundred bytes: anything far bigger is not ours


def _check_save_mode(v):
    return v in ("composite", "frame")


# What is remembered, and what a value must be to be taken; anything else is dropped.
RULES = {
    "save_dir": lambda v: isinstance(v, str) and 0 < len(v) < 4096 and "\0" not in v,
    "mask": lambda v: isinstance(v, bool),
    "labels": lambda v: isinstance(v, bool),
    "mirror": lambda v: isinstance(v, bool),  # for cameras: a file starts unmirrored
    "timer": lambda v: isinstance(v, bool),
    "finder": lambda v: v in DETECTORS,
    "save_mode": _check_save_mode,
}


def config_dir():
    if os.environ.get("EMOJI_CREATOR_CONFIG"):
        return Path(os.environ["EMOJI_CREATOR_CONFIG"])
    if sys.platform.startswith("win"):
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "EmojiCreator"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "EmojiCreator"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "emoji-creator"


class Settings:
    """The remembered settings; `note` says why a file there could not be used (None when fine)."""

    def __init__(self, path=None):
        self.path = Path(path) if path else config_dir() / FILE
        self.values, self.note, self.write_failed = {}, None, False
        self._read()

    def _read(self):
        if kind(self.path) == "missing" and not os.path.islink(self.path):
            return
        try:
            if not is_regular(self.path):
                raise ValueError("it is not a regular file")
            if len(read_regular(self.path, limit=LIMIT + 1)) > LIMIT:
                raise ValueError("it is too large for settings")
            data = read_json(self.path)  # a list, a number or 30,000 '[' are refused, not parsed into a crash
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            self.note = f"settings in {printable(self.path)} ignored ({why}): starting with the defaults"
            return
        self.values = {k: v for k, v in data.items() if k in RULES and RULES[k](v)}

    def get(self, key, default=None):
        return self.values.get(key, default)

    def remember(self, **values):
        """Keep these values and write the file; returns None, or one line on why it could not be
        written (said once: the window works on without remembering)."""
        self.values.update({k: v for k, v in values.items() if k in RULES and RULES[k](v)})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Our own small file: the new settings replace the old, whole.
            write_atomic(self.path, json.dumps(self.values, indent=1, sort_keys=True).encode("utf-8"))
        except OSError as exc:
            if self.write_failed:
                return None
            self.write_failed = True
            return f"settings cannot be remembered in {printable(self.path.parent)} ({exc.strerror or exc})"
        return None
