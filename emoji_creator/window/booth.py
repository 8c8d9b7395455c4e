"""The booth: the window's flow as one state machine, without Tk. Every user action and every event
(the model loaded, the source ended, the camera lost, a recording failed) goes through it.

    booth = Booth()                          # LOADING
    booth.listen(lambda b: ...)              # panels redraw their buttons and badges on each change
    booth.why_not("record")                  # None when allowed, else what to do instead, in words
    booth.event("model_loaded")              # LIVE, STILL or ENDED, as the source is
    booth.event("source_opened", kind=STILLS)

The modes: LOADING the model loads (a source may already show). LIVE a moving
picture (camera, video, animation) is read and labelled. PAUSED a video held on
one frame. STILL a photo is shown (one of a folder: next and previous step).
COUNTDOWN the self-timer counts before Save, then comes back. RECORDING what
the feed shows goes to a video. ENDED nothing to read (the video ended, no
camera, a failed open). CLOSED the window is going.

An action a mode does not allow is never silently dropped: why_not() gives the
line the status bar shows instead, and the panels show its button unavailable.
"""
import time
from enum import Enum

from ..sources import CAMERA, MOVING


class Mode(Enum):
    LOADING = "loading"
    LIVE = "live"
    PAUSED = "paused"
    STILL = "still"
    COUNTDOWN = "countdown"
    RECORDING = "recording"
    ENDED = "ended"
    CLOSED = "closed"


ACTIONS = ("save", "record", "pause", "next", "previous", "open", "save_to", "open_folder", "open_picture",
           "finder", "mask", "labels", "mirror", "timer", "fullscreen", "quit")
# The toggles that only change how the picture looks, and the ways to the saved pictures or out:
# allowed wherever there is a window.
ANYTIME = {"mask", "labels", "mirror", "fullscreen", "open_folder", "open_picture", "quit"}
ALLOWED = {
    Mode.LOADING: ANYTIME | {"save", "open", "save_to", "timer"},
    Mode.LIVE: ANYTIME | {"save", "pause", "record", "open", "save_to", "finder", "timer"},
    Mode.PAUSED: ANYTIME | {"save", "pause", "open", "save_to", "finder", "timer"},
    Mode.STILL: ANYTIME | {"save", "next", "previous", "open", "save_to", "finder", "timer"},
    # Only what cannot spoil the pose: Save cancels; a new source or folder waits.
    Mode.COUNTDOWN: ANYTIME - {"open_folder", "open_picture"} | {"save", "finder"},
    # Save takes pictures meanwhile; the folder and the source stay until it stops.
    Mode.RECORDING: ANYTIME | {"save", "record", "finder"},
    Mode.ENDED: ANYTIME | {"save", "open", "save_to", "finder", "timer"},
    Mode.CLOSED: set(),
}

STEP = "← and → step through a folder of photos: open a photo with 'Open file…' to step through its folder"
LOADING = "a moment: the emotion model is still loading"
COUNTING = "the self-timer is counting: wait for the picture, or Save cancels it"
RECORDING = "stop the recording first (r or Stop)"


def refusal(mode, action, kind):
    """What to do instead of an action the mode does not allow (kind: the source's, or None)."""
    if mode is Mode.LOADING:
        return LOADING
    if mode is Mode.COUNTDOWN:
        return COUNTING
    if mode is Mode.RECORDING:
        return f"{RECORDING}: it records {'this source' if action != 'save_to' else 'into the folder it began in'}"
    if action in ("next", "previous"):
        return STEP
    if action == "record":
        if mode is Mode.PAUSED:
            return "Record needs the video playing: Space resumes it"
        if kind is not None and kind not in MOVING:
            return "Record needs a moving picture: open a video or a camera"
        return "nothing is playing to record: open a video or a camera ('Open file…')"
    if action == "pause":
        if mode is Mode.STILL:
            return "a photo stands still: Space pauses a video; ← and → step through the photos"
        if kind == CAMERA:
            return "a camera cannot pause: Save keeps the picture"
        return "nothing is playing: 'Open file…' plays a video"
    return f"{action.replace('_', ' ')} is not available now"


class Booth:
    """The window's one mode, the source's kind and each mode's own data (the countdown's deadline and
    the mode it returns to); `listen` callbacks run after every change."""

    def __init__(self, clock=time.perf_counter):
        self.mode, self.kind, self.clock = Mode.LOADING, None, clock
        self.countdown_back, self.countdown_until = None, 0.0
        self.listeners = []

    # -- what is allowed ----------------------------------------------------
    def why_not(self, action):
        """None when the action is allowed now, else the line that says what to do instead."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action}")
        allowed = ALLOWED[self.mode]
        if action == "pause" and self.kind == CAMERA:
            allowed = allowed - {"pause"}
        if action in allowed:
            return None
        return "the window is closing" if self.mode is Mode.CLOSED else refusal(self.mode, action, self.kind)

    def allows(self, action):
        return self.why_not(action) is None

    @property
    def showing(self):
        """The mode the picture is in, looking through a countdown to the mode it comes back to."""
        return self.countdown_back if self.mode is Mode.COUNTDOWN else self.mode

    @property
    def paused(self):
        """A video held on one frame (a countdown on a paused picture too)."""
        return self.showing is Mode.PAUSED

    @property
    def reading(self):
        """Whether frames are read from a moving source now: playing or recording, or while the model
        loads (a camera's feed shows meanwhile; a file's first frame waits for the model)."""
        return self.showing in (Mode.LIVE, Mode.RECORDING) or (self.mode is Mode.LOADING and self.kind in MOVING)

    def listen(self, callback):
        self.listeners.append(callback)

    # -- events: the one door every change comes through ----------------------
    def event(self, name, **data):
        """Move as the event says; returns the new mode. An event a mode cannot take is a bug (ValueError)."""
        handler = getattr(self, f"_on_{name}", None)
        if handler is None:
            raise ValueError(f"unknown event {name}")
        if self.mode is Mode.CLOSED:
            return self.mode
        handler(**data)
        for callback in list(self.listeners):
            callback(self)
        return self.mode

    def _settle(self):
        """Where the booth rests as the source now is: playing, a still, or nothing to read."""
        if self.kind is None:
            return Mode.ENDED
        return Mode.LIVE if self.kind in MOVING else Mode.STILL

    def _arrive(self, mode):
        """Go to `mode`, or, during a countdown, come back to it when the countdown ends."""
        if self.mode is Mode.COUNTDOWN:
            self.countdown_back = mode
        elif self.mode is not Mode.LOADING:
            self.mode = mode

    def _on_model_loaded(self):
        self._expect(Mode.LOADING)
        self.mode = self._settle()

    def _on_model_failed(self):
        self._expect(Mode.LOADING)
        self.mode = Mode.ENDED

    def _on_source_opened(self, kind):
        self.kind = kind
        if self.mode is not Mode.RECORDING:  # a looping file records on
            self._arrive(self._settle())

    def _on_source_ended(self):
        """The file ended, the camera was lost, or the source could not be opened."""
        self.kind = None
        if self.mode is Mode.RECORDING:
            self.mode = Mode.ENDED
        else:
            self._arrive(Mode.ENDED)

    def _on_pause(self):
        self._expect(Mode.LIVE, Mode.PAUSED)
        self.mode = Mode.PAUSED if self.mode is Mode.LIVE else Mode.LIVE

    def _on_countdown_started(self, seconds):
        self._expect(Mode.LIVE, Mode.PAUSED, Mode.STILL, Mode.ENDED)
        self.countdown_back, self.countdown_until = self.mode, self.clock() + seconds
        self.mode = Mode.COUNTDOWN

    def _on_countdown_over(self):
        """The picture was taken, or the countdown cancelled: back to where it started."""
        self._expect(Mode.COUNTDOWN)
        self.mode, self.countdown_back = self.countdown_back, None

    def _on_recording_started(self):
        self._expect(Mode.LIVE)
        self.mode = Mode.RECORDING

    def _on_recording_stopped(self):
        """Stopped by the user, or failed (a full disk): the source plays on."""
        if self.mode is Mode.RECORDING:
            self.mode = self._settle()

    def _on_close(self):
        self.mode = Mode.CLOSED

    def _expect(self, *modes):
        if self.mode not in modes:
            raise ValueError(f"the booth cannot take that in {self.mode.value}")

    def seconds_left(self):
        """The countdown's seconds to go (0 when over or none)."""
        return max(0.0, self.countdown_until - self.clock()) if self.mode is Mode.COUNTDOWN else 0.0
