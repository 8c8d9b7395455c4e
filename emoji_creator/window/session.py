"""A recording session: what the feed shows goes to a video, written by its own thread
(recording.Recorder); the session says what the REC badge reads and when the file is done.

    session = RecordingSession()
    problem = session.start(folder, fps)     # None, or why it cannot start
    badge = session.offer(frame)             # "REC 0:05"; a failure stops it
    session.stop()                           # the file is finished in the background
    done = session.collect()                 # None meanwhile; then (recorder, (mp4, gif)) or (recorder, error)
"""
from .. import UserError
from ..recording import Recorder
from .save_folder import PICK_FOLDER

CAMERA_FPS = 30  # a recording of a camera (a file records at its own rate)


class RecordingSession:
    """At most one recording at a time, and one being finished."""

    def __init__(self):
        self.recorder, self.finishing, self.recordings = None, None, []  # recording; being written; written

    @property
    def active(self):
        return self.recorder is not None

    def start(self, folder, fps):
        if self.finishing is not None:
            return "the last recording is still being written: a moment"
        try:
            self.recorder = Recorder(folder, fps if 0 < fps <= 60 else CAMERA_FPS, elsewhere=PICK_FOLDER)
        except UserError as exc:  # a folder it cannot record into, a full disk: said now, nothing started
            return str(exc)
        return None

    def offer(self, frame):
        """Hand the recording the shown frame; returns the badge's text, or None once it failed."""
        self.recorder.offer(frame)
        if self.recorder.result is not None:  # it failed while recording (a full disk)
            return None
        s = int(self.recorder.seconds)
        return f"REC {s // 60}:{s % 60:02d}"

    def stop(self):
        """Stop recording; returns the recorder now being finished (its seconds, for the message)."""
        rec, self.recorder, self.finishing = self.recorder, None, self.recorder
        rec.stop()
        return rec

    def collect(self):
        """(recorder, result) once the recording being finished is written or failed; else None."""
        if self.finishing is None or (result := self.finishing.done()) is None:
            return None
        rec, self.finishing = self.finishing, None
        if not isinstance(result, Exception):
            self.recordings.append(result[0])
        return rec, result

    def close(self, timeout=30):
        """The window goes: a recording in progress is written whole, not lost."""
        if self.recorder is not None:
            self.stop()
        if self.finishing is not None:
            self.finishing.thread.join(timeout=timeout)
            self.collect()
