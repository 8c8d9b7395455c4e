"""The Tk window behind gui.py: the App, which wires the panels (panels.py), the labeller
(labeller.py) and the window's one mode (modes.py) to the live pipeline.

    root = tk.Tk()
    app = App(root, lambda detector: LivePipeline(model, detector=detector), source="0")
    root.mainloop()

One thread owns Tk. A single after() tick shows the last labelled frame,
updates the panels, reads the next frame and reschedules itself. The
labelling (face finder, emotion model, drawing) runs in the labeller's worker
thread, which never touches Tk: inside the tick it made the window stutter.
A tick never blocks for long (FrameSource never sleeps). The window opens at
once: the model loads in another worker thread, the camera opens and shows
its feed meanwhile, and the tick picks the pipeline up when it is ready.
Every key and button goes through act(), which asks the mode first. The
photo booth's self-timer and recording are modes too (modes.py); the
recording is written by its own thread (recording.Recorder).

Layout: the feed takes whatever room the window has (keeping its aspect);
the side panel (emoji, bars, controls) keeps its size; under the feed a
strip shows the latest saved pictures; the status line has a fixed height,
so messages never make the window jump.
"""
import math
import os
import subprocess
import sys
import threading
import time
import tkinter as tk
from collections import deque
from pathlib import Path
from tkinter import filedialog, ttk

import cv2
from PIL import Image, ImageTk

from . import CLASSES, EMOJI_DIR, UserError
from .detectors import WINDOW_DETECTOR
from .files import open_image
from .labeller import Labeller, Look, label_frame
from .modes import Mode, Modes
from .overlay import EmojiMask
from .panels import MIN_VIEW, VIEW_SIZE, Controls, EmotionPanel, Feed, FolderDialog, StatusLine, Strip
from .pictures import MAX_PANEL_FACES, compose_picture, load_emojis
from .recording import GIF_SECONDS, LEFTOVERS, Recorder
from .saving import advice, save_picture
from .sources import FrameSource

# How a window user picks another folder (the command line's advice names --save-dir).
PICK_FOLDER = "click 'Save to…' to choose another folder"
COUNTDOWN_S = 3  # the self-timer
CAMERA_FPS = 30  # a recording of a camera (a file records at its own rate)


def open_with_system(path):
    """Open a file or folder in the desktop's own viewer; returns None, or why it could not."""
    try:
        if sys.platform.startswith("win"):
            os.startfile(str(path))  # noqa: S606 (the user's own picture, by design)
        else:
            subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        viewer = "" if sys.platform in ("darwin", "win32") else " (Linux: sudo apt install xdg-utils)"
        return f"no picture viewer found to open it{viewer}"
    return None


class App:
    """The Emoji Creator window. `source` is a camera index or a path; `pipeline` a LivePipeline."""

    def __init__(self, root, make_pipeline, source="0", save_dir=None, emoji_dir=EMOJI_DIR, max_fps=None,
                 detector=WINDOW_DETECTOR, every_frame=False, mirror=None, loop=False, settings=None):
        """make_pipeline(detector) builds the LivePipeline; it runs in a worker thread (or pass
        a ready pipeline). mirror: None mirrors a camera (as remembered) and no file; True or False
        every source. loop: a video file starts again at its end. settings: a settings.Settings,
        remembered as they change (None: nothing is remembered)."""
        from . import DEFAULT_SAVE_DIR
        from .saving import clean_leftovers

        self.root, self.modes, self.settings = root, Modes(), settings
        self.fullscreen = False
        self.mirror, self.loop = mirror, loop
        self.countdown_back, self.countdown_until = None, 0.0  # the self-timer: the mode it returns to
        self.recorder, self.finishing, self.recordings = None, None, []  # recording; being written; written
        self.pipeline, self.load_error, self.load_title = None, None, "no model"
        self.save_dir, self.emoji_dir = Path(save_dir or DEFAULT_SAVE_DIR), Path(emoji_dir)
        self.class_names = CLASSES
        self.max_fps = max_fps  # None: a file's own frame rate; 0: as fast as possible
        # A video file plays in real time, skipping the frames labelling cannot keep up with,
        # unless every frame is asked for. play_from: (when, frame) the clock counts from.
        self.every_frame, self.play_from, self.frames_skipped = every_frame, None, 0
        self.source, self.frame, self.faces = None, None, []
        self.frames_shown, self.saved, self.last_saved, self.after_id = 0, [], None, None
        self.tick_ms = deque(maxlen=2000)  # recent tick durations, for the responsiveness check
        self.longest_tick_ms = 0.0
        self.next_read = 0.0  # when a file's next frame is due (time.perf_counter())
        self.pending = None  # a file's frame shown before the model was ready, still to be labelled
        self.raw, self.relabelling = None, False  # the last frame as read; a relabel in flight
        self.read_from_source, self.opened_from = 0, None
        self.started = time.perf_counter()
        self.first_label_s = None  # seconds from start to the first face labelled (benchmarks/startup.py)
        self.opener = open_with_system  # how a thumbnail click opens a picture (tests replace it)
        self.ask_directory = filedialog.askdirectory  # 'Save to…' 's Browse… (tests replace it)
        self.save_to = None  # the 'Save to…' dialog while it is open
        self.labeller = Labeller()
        if callable(make_pipeline):
            # Not a daemon: a window closed while the model loads lets the load finish before the
            # process exits (a daemon thread killed inside TensorFlow or LiteRT aborts the process).
            self.loader = threading.Thread(target=self._load, args=(make_pipeline, detector), daemon=False)
            self.loader.start()
        else:
            self.loader, self.pipeline = None, make_pipeline
        clean_leftovers(self.save_dir)
        clean_leftovers(self.save_dir, LEFTOVERS)
        self._build(root, detector)
        self.set_source(source)
        if self.pipeline is None and self.source is not None:
            self.emotion.set_text("loading…")
            self.say("loading the emotion model…")
        elif self.pipeline is not None:
            self._ready(self.pipeline)
        if self.loader is not None:  # no source yet: still poll the loader
            self._again(30)
        self.strip.load(self.save_dir)
        # The height the full side panel needs; a smaller window gets the compact one.
        root.update_idletasks()
        self.full_height = self.side.winfo_reqheight() + 16
        # The smallest size that shows every control: measured compact, with the feed at its minimum.
        self._compact(True)
        self.feed.request(MIN_VIEW)
        root.update_idletasks()
        root.minsize(root.winfo_reqwidth(), root.winfo_reqheight())
        self.feed.request(VIEW_SIZE)
        self._compact(False)
        root.update_idletasks()
        # Opened at its natural size, as a size of its own: a layout change inside never resizes the
        # window (the compact layout needs less room: left to resize itself, the window shrank and
        # stayed compact). Only the user and the window manager resize it.
        root.geometry(f"{root.winfo_reqwidth()}x{root.winfo_reqheight()}")
        root.bind("<Configure>", lambda e: e.widget is root and self._compact(e.height < self.full_height), add="+")

    def _build(self, root, detector):
        """The panels, the keys, the icon and the styles."""
        root.title("Emoji Creator")
        root.protocol("WM_DELETE_WINDOW", lambda: self.act("quit"))
        # However the window goes (close(), or a program that destroys it), the labeller stops.
        root.bind("<Destroy>", lambda e: e.widget is root and self.labeller.stop(wait=False), add="+")
        # Every usual way out, and Save whatever the Shift or Caps Lock state.
        keys = {"quit": ("<KeyPress-q>", "<KeyPress-Q>", "<Control-q>", "<Control-w>"),
                "save": ("<KeyPress-s>", "<KeyPress-S>"), "pause": ("<space>",),
                "mask": ("<KeyPress-m>", "<KeyPress-M>"), "record": ("<KeyPress-r>", "<KeyPress-R>"),
                "labels": ("<KeyPress-l>", "<KeyPress-L>"), "timer": ("<KeyPress-t>", "<KeyPress-T>"),
                "fullscreen": ("<F11>",)}
        for action, names in keys.items():
            for key in names:
                root.bind(key, lambda e, a=action: self.act(a))
        # Esc leaves full screen first, as everywhere; otherwise it closes the window.
        root.bind("<Escape>", lambda e: self.act("fullscreen" if self.fullscreen else "quit"))
        try:  # the happy emoji as the window's icon (taskbar, Alt-Tab)
            icon = open_image(self.emoji_dir / "happy.png", max_pixels=16_000_000)
            self.icon = ImageTk.PhotoImage(icon.convert("RGBA").resize((64, 64), Image.LANCZOS), master=root)
            root.iconphoto(True, self.icon)
        except (AttributeError, OSError, ValueError, tk.TclError):  # no icon file: Tk's own
            pass
        # Tk's loop runs in C: without a regular Python callback, Ctrl-C in the terminal
        # waits for the next event (a mouse move). A quiet heartbeat lets it through at once.
        self._heartbeat()
        style = ttk.Style(root)
        style.configure("Name.TLabel", font=("TkDefaultFont", 20, "bold"))
        style.configure("Small.Name.TLabel", font=("TkDefaultFont", 14, "bold"))
        style.configure("Status.TLabel", foreground="#333")
        style.configure("Error.TLabel", foreground="#b00020")
        root.rowconfigure(0, weight=1)
        root.columnconfigure(0, weight=1)
        outer = ttk.Frame(root, padding=8)
        outer.grid(sticky="nsew")
        outer.rowconfigure(0, weight=1)
        outer.columnconfigure(0, weight=1)
        self.feed = Feed(outer, root)
        self.feed.holder.grid(row=0, column=0, sticky="nsew")
        self.strip = Strip(outer, root, lambda p: self.act("open_picture", path=p), lambda: self.act("open_folder"))
        self.strip.frame.grid(row=1, column=0, sticky="ew", pady=(6, 0))
        self.side = side = ttk.Frame(outer, padding=(12, 0, 0, 0))
        side.grid(row=0, column=1, rowspan=2, sticky="n")
        emoji_files, missing = load_emojis(self.emoji_dir, self.class_names, size=None)
        self.emoji_sources = emoji_files  # full size: the composite picture and the mask
        self.mask = EmojiMask(emoji_files)
        self.emotion = EmotionPanel(side, root, emoji_files, self.class_names)
        remembered = self.settings.values if self.settings is not None else {}
        self.controls = Controls(side, root, self.act, detector, notice="" if not missing else
                                 "missing emoji file(s): " + ", ".join(p.name for p in missing)
                                 + f" in {self.emoji_dir}; showing the emotion name instead", start=remembered)
        if self.settings is not None and self.settings.note:
            self.controls.add_notice(self.settings.note)
        self.controls.save_mode.trace_add("write", lambda *a: self._remember(save_mode=self.controls.save_mode.get()))
        # A clicked control keeps the keyboard focus, and Tk's own binding makes Space press it:
        # after a click on Save, Space saved again instead of pausing. Space is the window's key
        # everywhere ("break": the control's own binding never runs). The controls stay focusable,
        # so Tab still reaches them.
        for widget in (*self.controls.focusable(), self.strip.folder_button):
            widget.bind("<Key-space>", lambda e: self.act("pause") or "break")
        self.status_line = StatusLine(outer)
        self.status_line.box.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(6, 0))

    @property
    def paused(self):
        """No frame is read: paused, or counting down on a paused picture."""
        return self.modes == Mode.PAUSED or (self.modes == Mode.COUNTDOWN and self.countdown_back == Mode.PAUSED)


    def _remember(self, **values):
        """Keep a changed setting for the next start (a settings file that cannot be written is said once)."""
        if self.settings is not None and (problem := self.settings.remember(**values)):
            self.controls.add_notice(problem)

    @property
    def closed(self):
        return self.modes == Mode.CLOSED

    def act(self, action, toggle=True, path=None):
        """Every key and button comes here: done only when the window's mode allows it. toggle=False:
        a checkbox already flipped its variable."""
        if not self.modes.allows(action):
            return None
        if action in ("mask", "labels", "mirror", "timer"):
            var = getattr(self.controls, f"{action}_on")
            if toggle:
                var.set(not var.get())
            return {"mask": self._mask_changed, "labels": self._labels_changed, "mirror": self._mirror_changed,
                    "timer": self._timer_changed}[action]()
        if action == "open_picture":
            return self.open_picture(path)
        return {"save": self.save_or_count, "pause": self.toggle_pause, "open": self.open_file,
                "save_to": self.choose_save_dir, "open_folder": self.open_folder, "finder": self.switch_detector,
                "record": self.toggle_record, "fullscreen": self.toggle_fullscreen, "quit": self.close}[action]()

    def _going(self):
        """The mode once the model is there: live with something to read, ended without."""
        self.modes.go(Mode.LIVE if self.source is not None else Mode.ENDED)

    # -- the model, loaded off the Tk thread --------------------------------
    def _load(self, make_pipeline, detector):
        from .detectors import FinderMissing

        try:
            self.pipeline = make_pipeline(detector)
        except UserError as exc:
            self.load_error = str(exc)
            self.load_title = "no face finder" if isinstance(exc, FinderMissing) else "no model"
        except Exception as exc:  # anything else still reaches the window, not a silent thread death
            self.load_error = f"the model could not be loaded ({type(exc).__name__}: {exc})"

    def _ready(self, pipeline):
        """Called on the Tk thread once the pipeline exists."""
        self.class_names = pipeline.class_names
        self.controls.detector.set(pipeline.detector_name)
        self._going()
        if self.source is not None:
            self.say(f"showing {self.source.name}")
            self.emotion.set_text("no face yet")

    def switch_detector(self):
        name = self.controls.detector.get()
        if self.pipeline is None or name == self.pipeline.detector_name:
            return
        try:
            with self.labeller.lock:  # between two frames, never under one
                self.pipeline.set_detector(name)
        except UserError as exc:
            self.controls.detector.set(self.pipeline.detector_name)
            self.say(f"{exc}".replace(", or use --detector haar", ""), error=True)
            return
        self.say(f"face finder: {name}")
        self._remember(finder=name)
        self._relabel()

    def _relabel(self):
        """A paused or ended picture gets the mask and the face finder now chosen: labelled
        again from its unlabelled copy (a playing source shows them from its next frame)."""
        if (self.modes.mode not in (Mode.PAUSED, Mode.ENDED) or self.raw is None or self.pipeline is None
                or self.labeller.busy):
            return
        self.relabelling = True
        self.labeller.submit(label_frame, self.pipeline, self.mask, self.class_names, self.raw.copy(), self.look(), True)
        self._again(2)

    def look(self):
        """How frames are drawn now, read here on the Tk thread (the worker gets plain values)."""
        return Look(mask=self.controls.mask_on.get(), labels=self.controls.labels_on.get())

    def say(self, text, error=False):
        self.status_line.say(text, error)

    # -- sources ----------------------------------------------------------
    def set_source(self, spec, again=False):
        """Show frames from spec; again: the same video from its start (--loop), its mirror kept, unsaid."""
        self.pending = None
        if self.source is not None:
            self.source.release()
            self.source = None
        try:
            self.source = FrameSource(spec)
        except UserError as exc:
            why = str(exc).rstrip(".")
            self.say(f"{why}{'' if why.endswith(('?', '!')) else '.'} Click 'Open file…' to play a video or "
                     f"an image instead.", error=True)
            self._clear("No camera" if str(spec).isdigit() else "No source")
            self._settle(Mode.ENDED)
            return
        self.read_from_source = 0  # frames this source gave: none at its end means it could not be read
        self._settle(Mode.LIVE)
        if not again:
            # A selfie view for a camera (as remembered), a file as it was filmed, unless --mirror says.
            self.controls.mirror_on.set(self.mirror if self.mirror is not None else self.source.is_camera
                                        and (self.settings is None or self.settings.get("mirror", True)))
            self.say(f"showing {self.source.name}")
        fps = self.source.cap.get(cv2.CAP_PROP_FPS) if self.source.cap is not None else 0
        rate = self.max_fps if self.max_fps is not None else (fps if 0 < fps < 240 else 0)
        self.period_ms = 1000.0 / rate if rate and not self.source.is_camera else 0.0
        self.next_read = time.perf_counter()
        self._restart_clock()
        self._again(1)

    def _clear(self, text):
        """Nothing of the previous source stays on screen or in Save: the text in its place."""
        self.frame, self.faces, self.raw = None, [], None
        self.emotion.show([])
        self.show_placeholder(text)

    def _source_gone(self, text, error=False):
        """The source ended or failed: release it, say so, and end (a loading window stays loading)."""
        self.source.release()
        self.source = None
        self._settle(Mode.ENDED)
        self.say(text, error=error)

    def _settle(self, mode):
        """Go LIVE or ENDED as the source now is. A loading window stays loading; a countdown goes on
        and comes back to `mode`; a recording ends with its source (a looping file records on)."""
        if self.modes == Mode.LOADING:
            return
        if self.modes == Mode.COUNTDOWN:
            self.countdown_back = mode
            return
        if self.modes == Mode.RECORDING:
            if mode == Mode.LIVE:
                return
            self._stop_recording()
        self.modes.go(mode)

    def open_file(self):
        # It starts where the last file came from, else in the user's home, not among the project's files.
        start = Path(self.opened_from) if self.opened_from else Path.home()
        path = filedialog.askopenfilename(parent=self.root, title="Open a video or image", initialdir=str(start),
                                          filetypes=[("Videos and images",
                                                      "*.mp4 *.avi *.mov *.mkv *.webm *.png *.jpg *.jpeg *.bmp"),
                                                     ("All files", "*")])
        if path:
            self.opened_from = str(Path(path).parent)
            self.set_source(path)

    def show_placeholder(self, text):
        self.emotion.set_text(text.lower())
        self.feed.show_text(text)

    # -- the tick ---------------------------------------------------------
    def tick(self):
        started = time.perf_counter()
        self.after_id = None
        if self.pipeline is None and self.loader is not None and not self.loader.is_alive():
            self.loader = None
            if self.load_error:
                self.emotion.set_text(self.load_title)
                self.say(self.load_error, error=True)
                self._going()
        elif self.pipeline is not None and self.loader is not None:
            self.loader = None
            self._ready(self.pipeline)
        ready = self.loader is None and self.pipeline is not None  # fixed for this whole tick
        # A frame labelled while paused waits for the resume: a pause freezes the picture at once.
        worked = (not self.paused or self.relabelling) and self._collect()
        if self.modes == Mode.COUNTDOWN:
            self._count()
        self._recording_tick()
        busy = self.labeller.busy
        if self.source is None:
            # Keep polling the loader, for the last frame, the countdown, or a recording being written.
            if self.loader is not None or busy or self.modes == Mode.COUNTDOWN or self.finishing is not None:
                self._again(5 if busy else 30)
            return self._record(started, worked)
        if self.paused:
            self._again(50)
            return None
        wait_ms = (self.next_read - time.perf_counter()) * 1000
        if busy or wait_ms > 1:
            # The frame read last is still being labelled, or the file's next frame is not due
            # yet: come back soon (a poll costs microseconds) rather than sit on the Tk thread.
            self._again(2 if busy else max(1, int(wait_ms)))
            return self._record(started, worked)
        if not ready and self.pending is not None:
            # A file waits on its first frame until the model is ready, so no frame goes unlabelled.
            self._again(30)
            return self._record(started, worked)
        if repeat_due := (ready and self.pending is not None):
            self._restart_clock()  # the wait for the model is no reason to skip ahead
        elif ready:
            self._catch_up()
        try:
            # A file's first frame, shown while the model loaded, is labelled before the next is read.
            repeat = repeat_due
            frame, self.pending = (self.pending, None) if repeat else (self.source.read(), self.pending)
        except UserError as exc:  # a camera that stopped delivering
            self._source_gone(f"{exc}. Click 'Open file…' to play a video or an image.", error=True)
            return self._record(started, worked)
        self.next_read = time.perf_counter() + self.period_ms / 1000
        if frame is not None and self.controls.mirror_on.get() and not repeat:
            frame = cv2.flip(frame, 1)  # the pending frame was flipped when it was first read
        if frame is not None:
            worked = True
            self.read_from_source += 1
            self._label_or_show(frame, ready, repeat)
        elif self.source.ended and not self.read_from_source:
            name = self.source.name
            self._source_gone(f"{name} could not be read: it is not a video or image OpenCV can decode. Click "
                              f"'Open file…' to pick another.", error=True)
            self._clear("Cannot read")
        elif self.source.ended and self.loop and self.source.cap is not None:
            self.set_source(self.source.spec, again=True)  # --loop: the video again from its start
        elif self.source.ended:
            self._source_gone(f"end of {self.source.name}: Save still works; 'Open file…' plays another")
        elapsed = self._record(started, worked)
        if self.source is not None or self.labeller.busy or self.finishing is not None:
            delay = 2 if self.labeller.busy else max(1, int(self.period_ms - elapsed))
            self._again(min(delay, 30) if self.finishing else delay)
        return None

    def _compact(self, on):
        """The side panel's layout for a small window (no bars, a small emoji, no keys' help) or a big one."""
        self.emotion.set_compact(on)
        self.controls.set_compact(on)

    def _again(self, ms):
        """Schedule the next tick, unless one already is: there is only ever one."""
        if self.after_id is None:
            self.after_id = self.root.after(ms, self.tick)

    def _restart_clock(self):
        """Real-time playback counts from now and from the frame the file is at."""
        self.play_from = (time.perf_counter(), self.source.position) if self.source is not None else None

    def _catch_up(self):
        """A video file behind its own clock (labelling slower than its frame rate) skips to the frame
        now due, so it plays in real time; with every_frame (or no frame rate) nothing is skipped."""
        if self.every_frame or not self.period_ms or self.play_from is None or self.source.cap is None:
            return
        started, first = self.play_from
        behind = first + int((time.perf_counter() - started) * 1000 / self.period_ms) - self.source.position
        if behind > 1:
            self.frames_skipped += self.source.skip(behind - 1)

    def _label_or_show(self, frame, ready, repeat):
        """Hand the frame to the labeller, or show it bare while the model loads."""
        if ready:
            # The Tk variable is read here, on the Tk thread; the worker gets a plain bool.
            # Only plain objects go to the worker, never the App: the last reference to a Tk
            # object dropped in another thread makes Tcl abort the process.
            self.raw = frame.copy()  # unlabelled: a paused or ended picture is labelled again from it
            self.labeller.submit(label_frame, self.pipeline, self.mask, self.class_names, frame, self.look(), repeat)
            return
        self.frame = frame  # the feed shows while the model loads
        self.pending = None if self.source.is_camera else frame.copy()
        self.feed.placeholder = None
        self.feed.show(self.frame)
        self.frames_shown += 1

    def _record(self, started, worked):
        """Keep the duration of a tick that did something (showed or read a frame); returns it in ms."""
        elapsed = (time.perf_counter() - started) * 1000
        if worked:
            self.tick_ms.append(elapsed)
            self.longest_tick_ms = max(self.longest_tick_ms, elapsed)
        return elapsed

    def _collect(self):
        """Show the frame the labeller finished, if it has; True when one was shown."""
        result = self.labeller.done()
        if result is None:
            return False
        if isinstance(result, Exception):
            self.say(f"this frame could not be labelled ({type(result).__name__}: {result})", error=True)
            return False
        self.frame, self.faces, repeat = result
        self.relabelling = False
        if self.faces and self.first_label_s is None:
            self.first_label_s = time.perf_counter() - self.started
        self.feed.placeholder = None
        self.feed.show(self.frame)
        self.emotion.class_names = self.class_names
        self.emotion.show(self.faces)
        self.frames_shown += not repeat
        return True

    # -- buttons ----------------------------------------------------------
    def picture(self):
        """What Save writes now: the shown frame with each face's emoji beside it (left to right, the
        largest six of a group), or the frame alone, as the 'Save writes' choice says."""
        if self.controls.save_mode.get() == "frame":
            return self.frame
        group = sorted(self.faces, key=lambda f: f.box[2] * f.box[3], reverse=True)[:MAX_PANEL_FACES]
        names = [self.class_names[f.label] for f in sorted(group, key=lambda f: f.box[0])]
        return compose_picture(self.frame, [(self.emoji_sources.get(n), n) for n in names])

    def save(self):
        if self.frame is None:
            self.say("nothing to save yet: no frame has been shown", error=True)
            return None
        picture = self.picture()
        try:
            self.check_save_dir(self.save_dir)
            path = save_picture(picture, self.save_dir, elsewhere=PICK_FOLDER)
        except UserError as exc:
            self.say(str(exc), error=True)
            return None
        self.last_saved = path
        self.saved.append(path)
        self.strip.add(path, Image.fromarray(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)))
        self.feed.flash(closed=lambda: self.closed)
        self.say(f"saved {path.name} in {path.parent} (click its thumbnail above to open it)")
        return path

    def open_picture(self, path):
        if not Path(path).exists():
            self.say(f"{Path(path).name} is no longer in {Path(path).parent}", error=True)
            return
        problem = self.opener(path)
        self.say(f"{problem}; the picture is saved as {path}" if problem else f"opened {Path(path).name}",
                 error=bool(problem))

    def open_folder(self):
        if not self.save_dir.is_dir():
            self.say(f"nothing saved yet: {self.save_dir} is made by the first Save")
            return
        problem = self.opener(self.save_dir)
        self.say(f"{problem}; the pictures are in {self.save_dir}" if problem else f"opened {self.save_dir}",
                 error=bool(problem))

    def choose_save_dir(self):
        """'Save to…': pick the folder Save and Record write into (remembered for the next start)."""
        if self.save_to is not None and self.save_to.open:
            self.save_to.top.lift()
            return
        self.save_to = FolderDialog(self.root, self.save_dir, self._accept_folder, self.ask_directory)

    def _accept_folder(self, folder):
        """The dialog's choice: None when Save now writes there, else why not."""
        if not self.modes.allows("save_to"):
            return "stop the recording first: it is written into the folder it began in"
        if self.set_save_dir(folder):
            return None
        return self.status_line.label.cget("text")

    def check_save_dir(self, folder):
        """UserError when pictures saved into folder would land among what the window reads."""
        from .files import check_writes

        try:
            check_writes([("the save folder", folder)], [("the source", getattr(self.source, "path", None)),
                                                          ("the emoji folder", self.emoji_dir)])
        except UserError as exc:
            raise UserError(f"{exc} with 'Save to…'") from None

    def set_save_dir(self, folder):
        import tempfile

        from .saving import clean_leftovers

        try:
            self.check_save_dir(folder)
        except UserError as exc:
            self.say(str(exc), error=True)
            return False
        try:  # refused now, not at the next Save
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            self.say(f"cannot save into {folder} ({exc.strerror or exc}): {advice(exc, PICK_FOLDER)}", error=True)
            return False
        self.save_dir = folder
        self._remember(save_dir=str(folder.absolute()))
        clean_leftovers(folder)  # what a killed save left there, as at start-up
        clean_leftovers(folder, LEFTOVERS)
        self.strip.load(folder)
        self.say(f"Save now writes into {folder}")
        return True

    def _mask_changed(self):
        self.say("emoji mask on: each face wears its emoji (and so do saved pictures)"
                 if self.controls.mask_on.get() else "emoji mask off")
        self._remember(mask=self.controls.mask_on.get())
        self._relabel()

    def _labels_changed(self):
        on = self.controls.labels_on.get()
        self.say(("labels and bars shown over the mask" if on else "the mask shows the emojis alone")
                 + ("" if self.controls.mask_on.get() else " (with the mask on: m)"))
        self._remember(labels=on)
        self._relabel()

    def _mirror_changed(self):
        on = self.controls.mirror_on.get()
        self.say("mirrored: the feed shows you as a mirror does (saved as shown)" if on else "not mirrored")
        if self.source is not None and self.source.is_camera:
            self._remember(mirror=on)  # the camera's choice; a file always starts as it was filmed
        if self.raw is not None and self.modes.mode in (Mode.PAUSED, Mode.ENDED):
            self.raw = cv2.flip(self.raw, 1)  # a still is flipped and labelled again
            self._relabel()

    def _timer_changed(self):
        on = self.controls.timer_on.get()
        self.say(f"self-timer on: Save counts {COUNTDOWN_S}-2-1 first" if on else "self-timer off: Save saves at once")
        self._remember(timer=on)

    # -- the photo booth: self-timer, recording, full screen ----------------
    def save_or_count(self):
        """Save, or with the self-timer on count down first; Save during the countdown cancels it."""
        if self.modes == Mode.COUNTDOWN:
            return self._end_countdown(cancelled=True)
        if self.controls.timer_on.get() and self.frame is not None and self.modes.mode in (
                Mode.LIVE, Mode.PAUSED, Mode.ENDED):
            self.countdown_back = self.modes.mode
            self.countdown_until = time.perf_counter() + COUNTDOWN_S
            self.modes.go(Mode.COUNTDOWN)
            self._count()
            self.say("self-timer: the picture is taken at 0 (Save again cancels)")
            self._again(30)
            return None
        return self.save()

    def _count(self):
        """On each tick of a countdown: the number shown, or the picture taken at its end."""
        left = self.countdown_until - time.perf_counter()
        if left <= 0:
            return self._end_countdown()
        text = str(math.ceil(left))
        if self.feed.badges.get("countdown") != text:
            self.feed.badges["countdown"] = text
            self.feed.refresh()
        return None

    def _end_countdown(self, cancelled=False):
        self.feed.badges.pop("countdown", None)
        self.feed.refresh()
        self.modes.go(self.countdown_back)
        self.countdown_back = None
        if cancelled:
            self.say("self-timer cancelled")
            return None
        return self.save()

    def toggle_record(self):
        """r or Record: start recording what the feed shows, or stop and write it."""
        if self.modes == Mode.RECORDING:
            return self._stop_recording()
        if self.frame is None or self.source is None:
            self.say("nothing to record: play a video or open a camera first", error=True)
            return None
        if self.finishing is not None:
            self.say("the last recording is still being written: a moment", error=True)
            return None
        try:
            self.check_save_dir(self.save_dir)
        except UserError as exc:
            self.say(str(exc), error=True)
            return None
        fps = self.source.cap.get(cv2.CAP_PROP_FPS) if self.source.cap is not None else 0
        self.recorder = Recorder(self.save_dir, fps if 0 < fps <= 60 and not self.source.is_camera else CAMERA_FPS,
                                 elsewhere=PICK_FOLDER)
        self.modes.go(Mode.RECORDING)
        self.controls.record_button.configure(text="Stop")
        self._recording_tick()
        self.say("recording what the feed shows: r or Stop ends it")
        return self.recorder

    def _recording_tick(self):
        """Hand the recording the shown frame; show its time; collect a finished one."""
        if self.recorder is not None:
            self.recorder.offer(self.frame)
            s = int(self.recorder.seconds)
            text = f"REC {s // 60}:{s % 60:02d}"
            if self.feed.badges.get("rec") != text:
                self.feed.badges["rec"] = text
                self.feed.refresh()
            if self.recorder.result is not None:  # it failed while recording (a full disk)
                self._stop_recording()
        if self.finishing is not None and (result := self.finishing.done()) is not None:
            self._recorded(self.finishing, result)

    def _stop_recording(self):
        rec, self.recorder, self.finishing = self.recorder, None, self.recorder
        rec.stop()
        self.feed.badges.pop("rec", None)
        self.feed.refresh()
        self.controls.record_button.configure(text="Record")
        if self.modes == Mode.RECORDING:
            self.modes.go(Mode.LIVE if self.source is not None else Mode.ENDED)
        self.say(f"writing the recording ({rec.seconds:.0f} s)…")
        self._again(30)

    def _recorded(self, rec, result):
        """A recording was written (or failed): into the strip, and said."""
        self.finishing = None
        if isinstance(result, Exception):
            self.say(str(result), error=True)
            return
        mp4, gif = result
        self.recordings.append(mp4)
        if rec.first is not None:
            self.strip.add(mp4, Image.fromarray(cv2.cvtColor(rec.first, cv2.COLOR_BGR2RGB)), video=True)
        cut = f" (its first {GIF_SECONDS} s)" if gif and rec.gif.cut else ""
        self.say(f"recorded {mp4.name}" + (f" and {gif.name}{cut}" if gif else "") + f" in {mp4.parent}")

    def toggle_fullscreen(self):
        # Kept here: Tk reads the attribute back only once a window manager has granted it.
        self.fullscreen = full = not self.fullscreen
        self.root.attributes("-fullscreen", full)
        self.say("full screen: F11 or Esc leaves it" if full else "full screen off")

    def _heartbeat(self):
        if not self.closed:
            self.root.after(200, self._heartbeat)

    def toggle_pause(self):
        """Space: pause or resume a video or an image folder (a camera keeps running)."""
        if self.source is None or self.source.is_camera:
            return
        self.modes.go(Mode.LIVE if self.paused else Mode.PAUSED)
        self._restart_clock()  # a pause is no reason to skip ahead
        self.say(f"paused {self.source.name}: space resumes" if self.paused else f"showing {self.source.name}")

    def close(self):
        if self.closed:
            return
        self.modes.go(Mode.CLOSED)
        if self.after_id is not None:
            self.root.after_cancel(self.after_id)
            self.after_id = None
        if self.source is not None:
            self.source.release()
            self.source = None
        if self.recorder is not None:  # a recording in progress is written whole, not lost
            self.recorder.stop()
            self.finishing, self.recorder = self.recorder, None
        if self.finishing is not None:
            self.finishing.thread.join(timeout=30)
            result = self.finishing.done()
            if result is not None and not isinstance(result, Exception):
                self.recordings.append(result[0])
        self.labeller.stop()
        self.root.destroy()
