"""The Tk window behind gui.py. The App only wires the rooms of this folder together:

    booth.py    the flow's modes: what each allows, every event through one door (no Tk)
    view.py     the widgets (feed.py, side.py, strip.py, dialogs.py) and the keys
    player.py   the source and its clock          loader.py   the model, loaded in a worker thread
    flow.py     source -> labeller.py -> view      shutter.py  Save, the self-timer, Record (session.py)
    toggles.py  the toggles and full screen        folders.py  Save to…, Open folder, the strip's clicks
    save_folder.py where pictures go               stats.py    what the window counts

    root = tk.Tk()
    app = App(root, lambda detector: LivePipeline(model, detector=detector), source="0")
    root.mainloop()

One thread owns Tk. A single after() tick collects the last labelled frame,
runs the shutter's countdown and recording, reads the next frame and
reschedules itself; it always comes back, so Ctrl-C in the terminal is heard.
The labelling runs in the labeller's worker thread, which never touches Tk; the
model loads in another, so the window opens at once. Every key and button goes
through act(), which asks the booth first: an action the mode does not allow
is answered in the status line with what to do instead.
"""
import time
from pathlib import Path
from tkinter import filedialog

from .. import DEFAULT_SAVE_DIR, EMOJI_DIR
from ..detectors import WINDOW_DETECTOR
from ..sources import IMAGE_SUFFIXES
from .booth import Booth, Mode
from .flow import Flow
from .folders import FolderActions
from .labeller import Labeller
from .loader import ModelLoader, Ready
from .player import Player
from .save_folder import SaveFolder
from .shutter import Shutter
from .stats import TickStats
from .toggles import Toggles
from .view import View

VIDEO_TYPES = "*.mp4 *.avi *.mov *.mkv *.webm *.m4v"
IMAGE_TYPES = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
IDLE_MS = 100  # the tick's pace with nothing to read: Ctrl-C in the terminal is heard within it
TOGGLES = ("mask", "labels", "mirror", "timer")


class App:
    """The Emoji Creator window. make_pipeline(detector) builds the LivePipeline in a worker thread (or
    pass a ready pipeline). mirror: None mirrors a camera (as remembered) and no file; True or False every
    source. loop: a video starts again at its end. settings: a settings.Settings (None: nothing kept)."""

    def __init__(self, root, make_pipeline, source="0", save_dir=None, emoji_dir=EMOJI_DIR, max_fps=None,
                 detector=WINDOW_DETECTOR, every_frame=False, mirror=None, loop=False, settings=None):
        self.root, self.settings, self.after_id, self.opened_from = root, settings, None, None
        self.close_requested = False
        self.booth, self.stats, self.labeller = Booth(), TickStats(), Labeller()
        self.player = Player(max_fps, every_frame, loop)
        self.loader = ModelLoader(make_pipeline, detector) if callable(make_pipeline) else Ready(make_pipeline)
        self.ask_open_file = filedialog.askopenfilename  # Open file…'s picker (tests replace it)
        self.emoji_dir = Path(emoji_dir)
        self.view = View(root, self.act, self.emoji_dir, detector, settings.values if settings else {},
                         settings.note if settings else "")
        self.feed, self.strip, self.emotion = self.view.feed, self.view.strip, self.view.emotion
        self.controls, self.status_line = self.view.controls, self.view.status_line
        self.save_folder = SaveFolder(Path(save_dir or DEFAULT_SAVE_DIR), self._reads,
                                      lambda folder: self._remember(save_dir=str(folder.absolute())))
        self.shutter = Shutter(self.booth, self.view, self.save_folder,
                               lambda: (self.flow.frame, self.flow.faces, self.flow.class_names))
        self.flow = Flow(self.booth, self.view, self.player, self.loader, self.labeller, self.stats, self.shutter,
                         self._again, self._remember, mirror=mirror, settings=settings)
        self.folders = FolderActions(root, self.view, self.booth, self.save_folder)
        self.toggles = Toggles(root, self.view, self.booth, self.flow, self._remember)
        self.controls.save_mode.trace_add("write", lambda *a: self._remember(save_mode=self.controls.save_mode.get()))
        root.protocol("WM_DELETE_WINDOW", lambda: self.act("quit"))
        # However the window goes (close(), or a program that destroys it), the tick and the labeller stop.
        root.bind("<Destroy>", lambda e: e.widget is root and self._destroyed(), add="+")
        # Esc leaves full screen first, as everywhere; otherwise it closes the window.
        root.bind("<Escape>", lambda e: self.act("fullscreen" if self.toggles.fullscreen else "quit"))
        self.booth.listen(lambda booth: booth.mode is Mode.CLOSED or self.view.show_booth(
            booth.why_not, booth.mode is Mode.RECORDING))
        self.view.show_booth(self.booth.why_not, False)
        self.flow.set_source(source)
        if self.player.source is not None:
            self.emotion.set_text("loading…")
            self.say("loading the emotion model…")
        self.strip.load(self.save_folder.path)
        self.view.fix_sizes()
        self._again(1)

    # -- the one door ---------------------------------------------------------
    def act(self, action, toggle=True, path=None):
        """Every key and button comes here: done when the booth allows it, else answered with what to do
        instead. toggle=False: a checkbox already flipped its variable."""
        problem = self.booth.why_not(action)
        var = getattr(self.controls, f"{action}_on") if action in TOGGLES else None
        if problem is not None:
            if var is not None and not toggle:  # the checkbox flipped itself: put it back
                var.set(not var.get())
            if self.booth.mode is not Mode.CLOSED:
                self.say(problem)
            return None
        if var is not None:
            if toggle:
                var.set(not var.get())
            return self.toggles.changed(action, var.get())
        handlers = {"save": self.shutter.save_or_count, "record": lambda: self.shutter.toggle_record(
                        self.player.record_fps()),
                    "pause": self.toggle_pause, "next": lambda: self.flow.step(+1),
                    "previous": lambda: self.flow.step(-1), "open": self.open_file, "save_to": self.folders.choose,
                    "open_folder": self.folders.open_folder, "open_picture": lambda: self.folders.open_picture(path),
                    "finder": self.flow.switch_detector, "fullscreen": self.toggles.toggle_fullscreen,
                    "quit": self.close}
        return handlers[action]()

    def say(self, text, error=False):
        self.view.say(text, error)

    @property
    def closed(self):
        return self.booth.mode is Mode.CLOSED

    def request_close(self):
        """From a signal handler (Ctrl-C, SIGTERM): the next tick closes the window, as Quit does."""
        self.close_requested = True

    def _remember(self, **values):
        """Keep a changed setting for the next start (a settings file that cannot be written is said once)."""
        if self.settings is not None and (problem := self.settings.remember(**values)):
            self.controls.add_notice(problem)

    def _reads(self):
        """What the window reads: never to be saved into."""
        return [("the source", getattr(self.player.source, "path", None)), ("the emoji folder", self.emoji_dir)]

    # -- the tick ---------------------------------------------------------------------
    def tick(self):
        """The window's one recurring callback: the model's arrival, the labelled frame, the shutter,
        the next frame. It always comes back (at least every IDLE_MS), which also lets Ctrl-C through."""
        started = time.perf_counter()
        self.after_id = None
        if self.close_requested:
            return self.close()
        flow = self.flow
        flow.poll_loader()
        # A frame labelled while paused waits for the resume: a pause freezes the picture at once.
        worked = (not self.booth.paused or flow.relabelling) and flow.collect()
        self.shutter.tick()
        if self.closed:
            return
        if self.player.source is None or not self.booth.reading:
            self.stats.tick(started, worked)
            self._again(5 if self.labeller.busy else 30 if self.loader.loading or self.shutter.busy else IDLE_MS)
            return
        wait_ms = self.player.due_in_ms()
        if self.labeller.busy or wait_ms > 1 or (flow.pipeline is None and flow.pending is not None):
            # The last frame is still being labelled, the next is not due, or a file's first frame waits
            # for the model: come back soon (a poll costs microseconds) rather than sit on the Tk thread.
            self.stats.tick(started, worked)
            self._again(2 if self.labeller.busy else 30 if flow.pending is not None else max(1, int(wait_ms)))
            return
        worked = flow.read_next() or worked
        elapsed = self.stats.tick(started, worked)
        self._again(2 if self.labeller.busy else max(1, min(IDLE_MS, int(self.player.period_ms() - elapsed))))

    def _again(self, ms):
        """Schedule the next tick, unless one already is: there is only ever one."""
        if self.after_id is None and not self.closed:
            self.after_id = self.root.after(ms, self.tick)

    # -- the user's other actions -------------------------------------------------------
    def toggle_pause(self):
        """Space: pause or resume a video (the booth refuses it for a camera or a still)."""
        self.booth.event("pause")
        self.player.restart_clock()  # a pause is no reason to skip ahead
        name = self.player.source.name
        self.say(f"paused {name}: space resumes" if self.booth.paused else f"showing {name}")

    def open_file(self):
        """Open file…: a video, an animation or a photo (whose folder's photos are then a step away). It
        starts where the last file came from, else in the user's home, not among the project's files."""
        start = Path(self.opened_from) if self.opened_from else Path.home()
        path = self.ask_open_file(parent=self.root, title="Open a video or image", initialdir=str(start),
                                  filetypes=[("Videos and images", f"{VIDEO_TYPES} {IMAGE_TYPES}"),
                                             ("Videos", VIDEO_TYPES), ("Images", IMAGE_TYPES), ("All files", "*")])
        if not path:
            self.say("no file opened")
            return
        self.opened_from = str(Path(path).parent)
        self.flow.set_source(path, browse=True)

    def close(self):
        """Quit: the tick stops, the camera is released, a recording in progress is written whole."""
        if self.closed:
            return
        self.booth.event("close")
        self._destroyed()
        self.player.release()
        self.shutter.recording.close()
        self.labeller.stop()
        self.root.destroy()

    def _destroyed(self):
        """No tick after the window is gone (a callback into a destroyed Tk prints 'invalid command name')."""
        if self.after_id is not None:
            try:
                self.root.after_cancel(self.after_id)
            except Exception:  # Tk already torn down
                pass
            self.after_id = None
        if self.booth.mode is not Mode.CLOSED:
            self.booth.event("close")
        self.labeller.stop(wait=False)
