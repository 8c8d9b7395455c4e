"""The shutter: Save (at once, or after the self-timer's 3-2-1) and Record, on what the feed shows.
It asks the booth to move, writes through the save folder and the recording session, and tells the
view what happened; it never reads frames itself.

    shutter = Shutter(booth, view, folder, shown=lambda: (frame, faces, class_names))
    shutter.save_or_count(); shutter.toggle_record(fps); shutter.tick()   # the tick: countdown, REC badge
"""
import math

import cv2
from PIL import Image

from .. import UserError
from ..pictures import MAX_PANEL_FACES, compose_picture
from ..recording import GIF_SECONDS
from .booth import Mode
from .session import RecordingSession

COUNTDOWN_S = 3  # the self-timer


class Shutter:
    """shown(): (frame, faces, class_names) as the feed shows them now (frame None before the first)."""

    def __init__(self, booth, view, folder, shown):
        self.booth, self.view, self.folder, self.shown = booth, view, folder, shown
        self.recording = RecordingSession()
        self.last_saved = None

    # -- Save ---------------------------------------------------------------
    def picture(self):
        """What Save writes now: the shown frame with each face's emoji beside it (left to right, the
        largest six of a group), or the frame alone, as the 'Save writes' choice says."""
        frame, faces, class_names = self.shown()
        if self.view.controls.save_mode.get() == "frame":
            return frame
        group = sorted(faces, key=lambda f: f.box[2] * f.box[3], reverse=True)[:MAX_PANEL_FACES]
        names = [class_names[f.label] for f in sorted(group, key=lambda f: f.box[0])]
        return compose_picture(frame, [(self.view.emoji_sources.get(n), n) for n in names])

    def save(self):
        if self.shown()[0] is None:
            self.view.say("nothing to save yet: no frame has been shown", error=True)
            return None
        picture = self.picture()
        try:
            path = self.folder.save(picture)
        except UserError as exc:
            self.view.say(str(exc), error=True)
            return None
        self.last_saved = path
        self.view.strip.add(path, Image.fromarray(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)))
        self.view.feed.flash(closed=lambda: self.booth.mode is Mode.CLOSED)
        self.view.say(f"saved {path.name} in {path.parent} (click its thumbnail above to open it)")
        return path

    def save_or_count(self):
        """Save, or with the self-timer on count down first; Save during the countdown cancels it."""
        if self.booth.mode is Mode.COUNTDOWN:
            return self._end_countdown(cancelled=True)
        if not self.view.controls.timer_on.get() or self.shown()[0] is None:
            return self.save()
        if self.booth.mode is Mode.RECORDING:  # the countdown would stop the recording's frames
            path = self.save()
            if path is not None:
                self.view.say(f"saved {path.name} at once: the self-timer waits while recording")
            return path
        self.booth.event("countdown_started", seconds=COUNTDOWN_S)
        self._count()
        self.view.say("self-timer: the picture is taken at 0 (Save again cancels)")
        return None

    def _count(self):
        """On each tick of a countdown: the number shown, or the picture taken at its end."""
        left = self.booth.seconds_left()
        if left <= 0:
            return self._end_countdown()
        self._badge("countdown", str(math.ceil(left)))
        return None

    def _end_countdown(self, cancelled=False):
        self._badge("countdown", None)
        self.booth.event("countdown_over")
        if cancelled:
            self.view.say("self-timer cancelled")
            return None
        return self.save()

    def _badge(self, name, text):
        feed = self.view.feed
        if feed.badges.get(name) != text:
            if text is None:
                feed.badges.pop(name, None)
            else:
                feed.badges[name] = text
            feed.refresh()

    # -- Record ---------------------------------------------------------------
    def toggle_record(self, fps):
        """r or Record: start recording what the feed shows (fps: the source's own rate, 0 for a
        camera's usual), or stop and write it."""
        if self.booth.mode is Mode.RECORDING:
            return self.stop_recording()
        if self.shown()[0] is None:
            self.view.say("nothing to record yet: no frame has been shown", error=True)
            return None
        try:
            self.folder.check()
        except UserError as exc:
            self.view.say(str(exc), error=True)
            return None
        if problem := self.recording.start(self.folder.path, fps):
            self.view.say(problem, error=True)
            return None
        self.booth.event("recording_started")
        self.tick()
        self.view.say("recording what the feed shows: r or Stop ends it")
        return self.recording.recorder

    def stop_recording(self):
        rec = self.recording.stop()
        self._badge("rec", None)
        self.booth.event("recording_stopped")
        self.view.say(f"writing the recording ({rec.seconds:.0f} s)…")

    def _recorded(self, rec, result):
        """A recording was written (or failed): into the strip, and said."""
        if isinstance(result, Exception):
            self.view.say(str(result), error=True)
            return
        mp4, gif = result
        if rec.first is not None:
            self.view.strip.add(mp4, Image.fromarray(cv2.cvtColor(rec.first, cv2.COLOR_BGR2RGB)), video=True)
        cut = f" (its first {GIF_SECONDS} s)" if gif and rec.gif.cut else ""
        codec = rec.video.codec if rec.video is not None else "H.264"
        fallback = "" if codec == "H.264" else (f"; written as {codec}, which some players refuse: "
                                                f"pip install av for H.264")
        self.view.say(f"recorded {mp4.name}" + (f" and {gif.name}{cut}" if gif else "") + f" in {mp4.parent}"
                      + fallback)

    # -- on every tick ----------------------------------------------------------
    def tick(self):
        """The countdown's number (or its picture), the recording's frame and badge, a finished file."""
        if self.booth.mode is Mode.COUNTDOWN:
            self._count()
        if self.recording.active:
            badge = self.recording.offer(self.shown()[0])
            if badge is None:  # it failed while recording (a full disk): stopped, and said when collected
                self.stop_recording()
            else:
                self._badge("rec", badge)
        if (done := self.recording.collect()) is not None:
            self._recorded(*done)

    @property
    def busy(self):
        """Something still needs the tick: a countdown, or a recording being written."""
        return self.booth.mode is Mode.COUNTDOWN or self.recording.finishing is not None
