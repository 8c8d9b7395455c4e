"""The window's modes, and the actions each allows: one explicit state every key and button goes through.

    modes = Modes()                      # starts LOADING
    if modes.allows("pause"): ...        # window.App.act() asks before every action
    modes.go(Mode.LIVE)                  # only the moves in MOVES; anything else is a bug (ValueError)

LOADING: the model loads (a file's first frame or the camera already shows).
LIVE: frames are read and labelled. PAUSED: a video or a folder held on one
frame. ENDED: nothing to read (the file ended, no camera, a failed open).
COUNTDOWN: the self-timer counts 3-2-1 before Save (Save again cancels it); it
comes back to the mode it left. RECORDING: what the feed shows goes to a video
(record again stops it). CLOSED: the window is going; nothing is allowed.
"""
from enum import Enum


class Mode(Enum):
    LOADING = "loading"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"
    COUNTDOWN = "countdown"
    RECORDING = "recording"
    CLOSED = "closed"


# What a key or button may do in each mode ("pause" also resumes, "record" also stops).
# The toggles that only change how the picture looks are allowed wherever there is a picture.
LOOKS = {"mask", "labels", "mirror", "timer", "fullscreen"}
FILES = {"open_folder", "open_picture"}
ALLOWED = {
    Mode.LOADING: LOOKS | FILES | {"save", "open", "save_to", "quit"},
    Mode.LIVE: LOOKS | FILES | {"save", "pause", "record", "open", "save_to", "finder", "quit"},
    Mode.PAUSED: LOOKS | FILES | {"save", "pause", "open", "save_to", "finder", "quit"},
    Mode.ENDED: LOOKS | FILES | {"save", "open", "save_to", "finder", "quit"},
    # Only what cannot spoil the pose: Save cancels; a new source or folder waits.
    Mode.COUNTDOWN: LOOKS | {"save", "finder", "quit"},
    # Save takes pictures meanwhile; the folder and the source stay until it stops.
    Mode.RECORDING: LOOKS | FILES | {"save", "record", "finder", "quit"},
    Mode.CLOSED: set(),
}

# The moves between modes: where each mode may go next.
MOVES = {
    Mode.LOADING: {Mode.LIVE, Mode.ENDED, Mode.CLOSED},
    Mode.LIVE: {Mode.PAUSED, Mode.ENDED, Mode.COUNTDOWN, Mode.RECORDING, Mode.CLOSED},
    Mode.PAUSED: {Mode.LIVE, Mode.ENDED, Mode.COUNTDOWN, Mode.CLOSED},
    Mode.ENDED: {Mode.LIVE, Mode.COUNTDOWN, Mode.CLOSED},
    Mode.COUNTDOWN: {Mode.LIVE, Mode.PAUSED, Mode.ENDED, Mode.CLOSED},
    Mode.RECORDING: {Mode.LIVE, Mode.ENDED, Mode.CLOSED},
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
