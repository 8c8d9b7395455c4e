"""What the window counts while it runs: frames shown, how long each tick took, the first label.

    stats = TickStats()
    stats.tick(started, worked=True)     # a tick that showed or read a frame
    stats.frames_shown, stats.longest_tick_ms, stats.first_label_s
"""
import time
from collections import deque


class TickStats:
    """Counts for the summary gui.py prints, the responsiveness tests and benchmarks/startup.py."""

    def __init__(self):
        self.started = time.perf_counter()
        self.frames_shown = 0
        self.frames_skipped = 0  # a video's frames passed over to keep real time
        self.tick_ms = deque(maxlen=2000)  # recent tick durations
        self.longest_tick_ms = 0.0
        self.first_label_s = None  # seconds from start to the first face labelled

    def tick(self, started, worked):
        """Keep the duration of a tick that did something (showed or read a frame); returns it in ms."""
        elapsed = (time.perf_counter() - started) * 1000
        if worked:
            self.tick_ms.append(elapsed)
            self.longest_tick_ms = max(self.longest_tick_ms, elapsed)
        return elapsed

    def labelled(self, faces):
        if faces and self.first_label_s is None:
            self.first_label_s = time.perf_counter() - self.started
