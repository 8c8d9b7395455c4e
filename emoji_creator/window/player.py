"""The player: the source the window shows and its clock. A video plays at the rate it reports (an
animation at each frame's own duration), skipping what labelling cannot keep up with unless every
frame is asked for; a camera at its own pace; stills are stepped through by the user.

    player = Player(max_fps=None, every_frame=False, loop=False)
    player.open("clip.mp4")                  # UserError when it cannot be opened
    player.due_in_ms()                        # how long until the next frame is due
    frame, news = player.read(labelling=True) # news: None, or ("ended" | "unreadable" | "lost", line)
    player.step(+1)                           # a folder's next photo
"""
import time

from .. import UserError
from ..sources import ANIMATION, STILL, STILLS, VIDEO, FrameSource


class Player:
    """max_fps: None plays a file at its own rate, 0 as fast as possible; every_frame: never skip;
    loop: a video or animation starts again at its end."""

    def __init__(self, max_fps=None, every_frame=False, loop=False):
        self.max_fps, self.every_frame, self.loop = max_fps, every_frame, loop
        self.source, self.next_read, self.play_from, self.frames_read = None, 0.0, None, 0
        self.frames_skipped = 0

    @property
    def kind(self):
        return None if self.source is None else self.source.kind

    def open(self, spec, browse=False):
        """Open spec as the source (the old one is released first). browse: a single photo opens
        its whole folder, at that photo, as photo viewers do (the window's Open file…)."""
        self.release()
        source = FrameSource(spec)
        if browse and source.kind == STILL and source.path is not None and source.path.parent.is_dir():
            folder = FrameSource(source.path.parent)
            if source.path in folder.images:
                folder.index = folder.images.index(source.path) - 1
                source = folder
        self.source, self.frames_read = source, 0
        self.restart_clock()

    def release(self):
        if self.source is not None:
            self.source.release()
            self.source = None

    def record_fps(self):
        """The rate a recording of this source is written at: a video's own, an animation's, 0 for a
        camera (the recording's usual rate)."""
        if self.source is None or self.source.is_camera:
            return 0
        period = self.source.period_ms()
        return 1000.0 / period if period else 0

    # -- the clock ----------------------------------------------------------
    def period_ms(self):
        """How long the frame just read should be shown (0: as fast as frames come)."""
        if self.source is None or self.source.kind in (STILL, STILLS) or self.source.is_camera:
            return 0.0
        if self.max_fps is not None:
            return 1000.0 / self.max_fps if self.max_fps else 0.0
        return self.source.period_ms()

    def restart_clock(self):
        """Real-time playback counts from now and from the frame the file is at (after a pause, a
        wait for the model, a new source)."""
        self.next_read = time.perf_counter()
        self.play_from = (time.perf_counter(), self.source.position) if self.source is not None else None

    def due_in_ms(self):
        return (self.next_read - time.perf_counter()) * 1000

    def _catch_up(self):
        """A video behind its own clock (labelling slower than its frame rate) skips to the frame now
        due, so it plays in real time; with every_frame (or no frame rate) nothing is skipped."""
        period = self.period_ms()
        if self.every_frame or not period or self.play_from is None or self.source.kind != VIDEO:
            return
        started, first = self.play_from
        behind = first + int((time.perf_counter() - started) * 1000 / period) - self.source.position
        if behind > 1:
            self.frames_skipped += self.source.skip(behind - 1)

    # -- frames ---------------------------------------------------------------
    def read(self, labelling=True):
        """The next frame and None, or None and the news of the source's end: ("unreadable", line),
        ("lost", line: the camera stopped), ("ended", line), or ("again", None) when --loop restarted it.
        labelling: frames are labelled now (else shown bare while the model loads: nothing is skipped)."""
        if labelling:
            self._catch_up()
        try:
            frame = self.source.read()
        except UserError as exc:  # a camera that stopped delivering, a file with no frame at all
            return None, ("lost" if self.source.is_camera else "unreadable", f"{exc}".rstrip("."))
        self.next_read = time.perf_counter() + self.period_ms() / 1000
        if frame is not None:
            self.frames_read += 1
            return frame, None
        if not self.source.ended:
            return None, None  # a camera gave nothing this time
        name = self.source.name
        if not self.frames_read:
            return None, ("unreadable", f"{name} could not be read: it is not a video or image OpenCV can decode")
        if self.loop and self.source.kind in (VIDEO, ANIMATION):
            self.open(self.source.spec)  # --loop: the video again from its start
            return None, ("again", None)
        return None, ("ended", f"end of {name}: Save still works; 'Open file…' plays another")

    def step(self, delta):
        """A folder's next (+1) or previous (-1) photo, or None at its end."""
        return self.source.step(delta) if self.source is not None else None
