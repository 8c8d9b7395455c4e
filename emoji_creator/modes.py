"""The window's modes, and the actions each allows: one explicit state every key and button goes through.

    modes = Modes()                      # starts LOADING
    if modes.allows("pause"): ...        # window.App.act() asks before every action
    modes.go(Mode.LIVE)                  # only the moves in MOVES; anything else is a bug (ValueError)

LOADING: the model loads (a file's first frame or the camera already shows).
LIVE: frames are read and labelled. PAUSED: a video or a folder held on one
frame. ENDED: nothing to read (the file ended, no camera, a failed open).
CLOSED: the window is going; nothing is allowed. The photo booth's countdown
and recording will be modes of their own here.
"""
from enum import Enum


class Mode(Enum):
    LOADING = "loading"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"
    CLOSED = "closed"


# What a key or button may do in each mode ("pause" also resumes).
ALLOWED = {
    Mode.LOADING: {"save", "mask", "open", "save_to", "open_folder", "open_picture", "quit"},
    Mode.LIVE: {"save", "mask", "pause", "open", "save_to", "open_folder", "open_picture", "finder", "quit"},
    Mode.PAUSED: {"save", "mask", "pause", "open", "save_to", "open_folder", "open_picture", "finder", "quit"},
    Mode.ENDED: {"save", "mask", "open", "save_to", "open_folder", "open_picture", "finder", "quit"},
    Mode.CLOSED: set(),
}

# The moves between modes: where each mode may go next.
MOVES = {
    Mode.LOADING: {Mode.LIVE, Mode.ENDED, Mode.CLOSED},
    Mode.LIVE: {Mode.PAUSED, Mode.ENDED, Mode.CLOSED},
    Mode.PAUSED: {Mode.LIVE, Mode.ENDED, Mode.CLOSED},
    Mode.ENDED: {Mode.LIVE, Mode.CLOSED},
    Mode.CLOSED: set(),
}


class Modes:
    """The window's one mode; `allows` answers for every action, `go` makes the allowed moves."""

    def __init__(self, mode=Mode.LOADING):
        self.mode = mode

    def allows(self, action):
        return action in ALLOWED[self.mode]

    def go(self, mode):
        if mode is self.mode:
            return
        if mode not in MOVES[self.mode]:
            raise ValueError(f"the window cannot go from {self.mode.value} to {mode.value}")
        self.mode = mode

    def __eq__(self, mode):
        return self.mode is mode

    __hash__ = None
