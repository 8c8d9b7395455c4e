"""The Tk window behind gui.py: live feed on the left, the emoji of the current emotion on the right.

One thread owns Tk. A single after() tick shows the last labelled frame,
updates both panels, reads the next frame and reschedules itself. The
labelling (face finder, emotion model, drawing) runs in one worker thread
that never touches Tk (Labeller): a face-finder frame costs 30-50 ms on a
2-core CPU, and inside the tick it made the window stutter. A tick never
blocks for long (FrameSource never sleeps). The window opens at once: the
model loads in another worker thread, the camera opens and shows its feed
meanwhile, and the tick picks the pipeline up when it is ready.

Layout: the feed takes whatever room the window has (keeping its aspect);
the side panel (emoji, bars, controls) keeps its size; under the feed a
strip shows the latest saved pictures; the status line has a fixed height,
so messages never make the window jump.
"""
import os
import queue
import subprocess
import sys
import threading
import time
import tkinter as tk
from collections import deque
from pathlib import Path
from tkinter import filedialog, ttk

import cv2
import numpy as np
from PIL import Image, ImageTk

from . import CLASSES, EMOJI_DIR, UserError
from .detectors import DETECTORS, WINDOW_DETECTOR
from .files import is_regular, open_image
from .overlay import EmojiMask, draw_faces
from .sources import FrameSource
from .saving import advice, save_picture

VIEW_SIZE = (640, 480)  # the feed when the window opens
MIN_VIEW = (320, 240)  # the feed at the window's minimum size
EMOJI_PX = 200
BAR_W, BAR_H = 150, 16
THUMB_H, THUMBS = 64, 8  # the saved-pictures strip: thumbnail height, how many
STATUS_H = 44  # two lines of the status font: long messages wrap inside, never resize the window
FLASH = "#ffc83d"
BORDER = 3  # around the feed: the colour Save flashes
# How a window user picks another folder (the command line's advice names --save-dir).
PICK_FOLDER = "click 'Save to…' to choose another folder"
SAVE_MODES = (("composite", "frame + emoji"), ("frame", "frame only"))
KEYS_HELP = "keys: s save · m emoji mask · space pause · q or Esc quit"


MAX_THUMB_SOURCE = 64_000_000  # a saved picture larger than this (8000x8000) gets no thumbnail


def load_emojis(folder=EMOJI_DIR, class_names=CLASSES, size=EMOJI_PX):
    """{class: PIL RGBA image} for the emoji files present (resized to size x size, or as the file
    is for size=None), and the list of missing files."""
    images, missing = {}, []
    for name in class_names:
        path = Path(folder) / f"{name}.png"
        im = open_image(path, max_pixels=16_000_000)  # regular files only: a FIFO would hang the start
        if im is None:
            missing.append(path)
            continue
        im = im.convert("RGBA")
        images[name] = im.resize((size, size), Image.LANCZOS) if size else im
    return images, missing


def compose_picture(frame_bgr, emoji_rgba, caption):
    """What Save writes by default: the frame with a panel beside it holding the emoji (or the
    no-face outline when emoji_rgba is None) and its caption, as the window shows them. BGR."""
    h, w = frame_bgr.shape[:2]
    pw = max(160, round(h * 0.7))
    panel = np.full((h, pw, 3), 245, np.uint8)
    side = max(16, min(pw - pw // 6, round(h * 0.6)))
    picture = (emoji_rgba or looking_picture(256)).resize((side, side), Image.LANCZOS)
    rgba = np.asarray(picture, np.float32)
    alpha = rgba[..., 3:] / 255.0
    x0, y0 = (pw - side) // 2, max(0, round(h * 0.42 - side / 2))
    roi = panel[y0:y0 + side, x0:x0 + side].astype(np.float32)
    panel[y0:y0 + side, x0:x0 + side] = (rgba[..., 2::-1] * alpha + roi * (1 - alpha)).astype(np.uint8)
    scale = max(0.5, h / 480)
    (tw, th), _ = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, scale, max(1, round(2 * scale)))
    ty = min(h - 8, y0 + side + th + round(24 * scale))
    cv2.putText(panel, caption, ((pw - tw) // 2, ty), cv2.FONT_HERSHEY_SIMPLEX, scale, (40, 40, 40),
                max(1, round(2 * scale)), cv2.LINE_AA)
    return np.hstack([frame_bgr, panel])


def open_with_system(path):
    """Open a file or folder in the desktop's own viewer; returns None, or why it could not."""
    try:
        if sys.platform.startswith("win"):
            os.startfile(str(path))  # noqa: S606 (the user's own picture, by design)
        else:
            subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        return f"no program to open it here ({exc.strerror or exc})"
    return None


def looking_picture(size=EMOJI_PX):
    """The emoji area while no face is seen: a dashed grey face outline."""
    from PIL import ImageDraw

    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    m = size // 10
    for start in range(0, 360, 20):  # a dashed circle
        d.arc((m, m, size - m, size - m), start, start + 12, fill=(160, 160, 160, 255), width=max(2, size // 50))
    r = size // 22
    for cx in (size * 0.37, size * 0.63):
        d.ellipse((cx - r, size * 0.4 - r, cx + r, size * 0.4 + r), fill=(170, 170, 170, 255))
    d.line((size * 0.38, size * 0.66, size * 0.62, size * 0.66), fill=(170, 170, 170, 255), width=max(2, size // 50))
    return im


def fit(frame_rgb, size=VIEW_SIZE):
    """Scale a frame to fit the view, keeping its aspect."""
    h, w = frame_rgb.shape[:2]
    s = max(1e-3, min(size[0] / w, size[1] / h))
    if abs(s - 1) < 1e-3:
        return frame_rgb
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR  # AREA enlarges in blocks
    return cv2.resize(frame_rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)


def label_frame(pipeline, mask, class_names, frame, masked, repeat):
    """In the labeller's thread: faces found and classified, the frame drawn on. No Tk here."""
    faces = pipeline.process(frame)
    if masked:
        mask.draw(frame, faces, class_names)
    # Under the mask the emoji marks the face: its box would only frame the emoji.
    return draw_faces(frame, faces, class_names, draw_boxes=not masked), faces, repeat


class Labeller:
    """Runs the live pipeline on one frame at a time in a worker thread that never touches Tk.

    The tick submits a frame and, on a later tick, takes the labelled frame
    back (done()); while one is in flight the tick reads no other, so a file
    plays every frame and a camera simply drops the ones it delivers meanwhile.
    `lock` is held while the pipeline runs: the Tk thread takes it to switch
    the face finder between two frames.
    """

    def __init__(self):
        self.jobs = queue.Queue()
        self.result = None  # (picture, faces, repeat) or an exception, set by the worker
        self.busy = False  # a frame is in flight (read and written on the Tk thread only)
        self.lock = threading.Lock()
        # Not a daemon, as the loader: killed inside TensorFlow or LiteRT, a thread aborts the process.
        self.thread = threading.Thread(target=self._run, name="labeller", daemon=False)
        self.thread.start()

    def submit(self, work, *args):
        self.busy = True
        self.jobs.put((work, args))

    def done(self):
        """The finished frame's result, once (None while it is in flight or none was sent)."""
        result, self.result = self.result, None
        if result is not None:
            self.busy = False
        return result

    def _run(self):
        while True:
            try:
                job = self.jobs.get(timeout=0.5)
            except queue.Empty:
                # A window destroyed without close() (a test, an embedding program) never
                # says stop: once the main thread has finished, so does this one.
                if threading.main_thread().is_alive():
                    continue
                return
            if job is None:
                return
            work, args = job
            try:
                with self.lock:
                    out = work(*args)
            except Exception as exc:  # reaches the window as a message, not a silent thread death
                out = exc
            job = work = args = None  # hold nothing of the window's between frames
            self.result = out

    def stop(self, wait=True):
        """Let the worker end after the frame in hand (wait: until it has; a frame takes < 0.1 s)."""
        self.jobs.put(None)
        if wait:
            self.thread.join(timeout=5)


class App:
    """The Emoji Creator window. `source` is a camera index or a path; `pipeline` a LivePipeline."""

    def __init__(self, root, make_pipeline, source="0", save_dir=None, emoji_dir=EMOJI_DIR, max_fps=None,
                 detector=WINDOW_DETECTOR):
        """make_pipeline(detector) builds the LivePipeline; it runs in a worker thread (or pass
        a ready pipeline)."""
        from . import DEFAULT_SAVE_DIR

        self.root = root
        self.pipeline, self.load_error = None, None
        self.save_dir = Path(save_dir or DEFAULT_SAVE_DIR)
        self.emoji_dir = Path(emoji_dir)
        self.class_names = CLASSES
        self.max_fps = max_fps  # None: a file's own frame rate; 0: as fast as possible
        self.source, self.frame, self.faces = None, None, []
        self.frames_shown, self.saved, self.last_saved, self.after_id = 0, [], None, None
        self.tick_ms = deque(maxlen=2000)  # recent tick durations, for the responsiveness check
        self.longest_tick_ms = 0.0
        self.current_label = None
        self.next_read = 0.0  # when a file's next frame is due (time.perf_counter())
        self.pending = None  # a file's frame shown before the model was ready, still to be labelled
        self.started = time.perf_counter()
        self.first_label_s = None  # seconds from start to the first face labelled (benchmarks/startup.py)
        self.detector_var = tk.StringVar(root, value=detector)
        self.opener = open_with_system  # how a thumbnail click opens a picture (tests replace it)
        self.ask_directory = filedialog.askdirectory  # 'Save to…' (tests replace it)
        self.flashes = 0
        self.labeller = Labeller()
        if callable(make_pipeline):
            # Not a daemon: a window closed while the model loads lets the load finish before the
            # process exits (a daemon thread killed inside TensorFlow or LiteRT aborts the process).
            self.loader = threading.Thread(target=self._load, args=(make_pipeline, detector), daemon=False)
            self.loader.start()
        else:
            self.loader, self.pipeline = None, make_pipeline

        from .saving import clean_leftovers

        clean_leftovers(self.save_dir)
        root.title("Emoji Creator")
        root.protocol("WM_DELETE_WINDOW", self.close)
        # However the window goes (close(), or a program that destroys it), the labeller stops.
        root.bind("<Destroy>", lambda e: e.widget is root and self.labeller.stop(wait=False), add="+")
        # Every usual way out, and Save whatever the Shift or Caps Lock state.
        for key in ("<Escape>", "<KeyPress-q>", "<KeyPress-Q>", "<Control-q>", "<Control-w>"):
            root.bind(key, lambda e: self.close())
        for key in ("<KeyPress-s>", "<KeyPress-S>"):
            root.bind(key, lambda e: self.save())
        root.bind("<space>", lambda e: self.toggle_pause())
        for key in ("<KeyPress-m>", "<KeyPress-M>"):
            root.bind(key, lambda e: self.toggle_mask())
        self.paused, self.closed = False, False
        try:  # the happy emoji as the window's icon (taskbar, Alt-Tab)
            icon = open_image(Path(emoji_dir) / "happy.png", max_pixels=16_000_000)
            icon = icon.convert("RGBA").resize((64, 64), Image.LANCZOS)
            self.icon = ImageTk.PhotoImage(icon, master=root)
            root.iconphoto(True, self.icon)
        except (AttributeError, OSError, ValueError, tk.TclError):  # no icon file: Tk's own
            pass
        # Tk's loop runs in C: without a regular Python callback, Ctrl-C in the terminal
        # waits for the next event (a mouse move). A quiet heartbeat lets it through at once.
        self._heartbeat()
        style = ttk.Style(root)
        style.configure("Name.TLabel", font=("TkDefaultFont", 20, "bold"))
        style.configure("Status.TLabel", foreground="#333")
        style.configure("Error.TLabel", foreground="#b00020")
        root.rowconfigure(0, weight=1)
        root.columnconfigure(0, weight=1)

        outer = ttk.Frame(root, padding=8)
        outer.grid(sticky="nsew")
        outer.rowconfigure(0, weight=1)
        outer.columnconfigure(0, weight=1)
        # The feed: a frame that takes the room the window gives it (its requested size is only
        # where it starts), with the picture centred in it by place(), which never asks for room.
        self.view_size = VIEW_SIZE
        self.holder = tk.Frame(outer, background="#282828", highlightthickness=BORDER,
                               highlightbackground="#282828")
        self._holder_size(VIEW_SIZE)
        self.holder.grid(row=0, column=0, sticky="nsew")
        self.holder.grid_propagate(False)
        self.view = tk.Label(self.holder, background="#282828", borderwidth=0)
        self.view.place(relx=0.5, rely=0.5, anchor="center")
        self.holder.bind("<Configure>", self._resized)
        blank = Image.new("RGB", VIEW_SIZE, (40, 40, 40))
        # A reference to each PhotoImage must be kept, or Tk shows nothing; each belongs to this root.
        self.view_photo = ImageTk.PhotoImage(blank, master=root)
        self.view.configure(image=self.view_photo)
        self.shown = None  # (picture, is_bgr) on screen now: redrawn at the new size on a resize

        # The latest saved pictures; a click opens one in the system's viewer.
        self.strip = ttk.Frame(outer, height=THUMB_H + 30)
        self.strip.grid(row=1, column=0, sticky="ew", pady=(6, 0))
        self.strip.pack_propagate(False)
        head = ttk.Frame(self.strip)
        head.pack(side="top", fill="x")
        ttk.Label(head, text="Saved pictures", style="Status.TLabel").pack(side="left")
        self.folder_button = ttk.Button(head, text="Open folder", command=self.open_folder)
        self.folder_button.pack(side="right")
        self.thumb_row = ttk.Frame(self.strip)
        self.thumb_row.pack(side="top", fill="both", expand=True)
        self.thumbs = []  # (path, PhotoImage, Label), newest first

        side = ttk.Frame(outer, padding=(12, 0, 0, 0))
        side.grid(row=0, column=1, rowspan=2, sticky="n")
        emoji_files, missing = load_emojis(emoji_dir, self.class_names, size=None)
        self.emoji_sources = emoji_files  # full size: the composite picture and the mask
        self.mask = EmojiMask(emoji_files)
        self.emoji_photos = {name: ImageTk.PhotoImage(im.resize((EMOJI_PX, EMOJI_PX), Image.LANCZOS), master=root)
                             for name, im in emoji_files.items()}
        self.blank_emoji = ImageTk.PhotoImage(looking_picture(), master=root)  # no face: an outline, not a hole
        self.emoji = ttk.Label(side, image=self.blank_emoji, compound="center", anchor="center",
                               font=("TkDefaultFont", 22, "bold"))
        self.emoji.grid(row=0, column=0, columnspan=2)
        self.name = ttk.Label(side, text="no face yet", style="Name.TLabel", anchor="center", width=12)
        self.name.grid(row=1, column=0, columnspan=2, pady=(4, 8))
        self.bars = tk.Canvas(side, width=BAR_W + 110, height=len(self.class_names) * (BAR_H + 6),
                              highlightthickness=0)
        self.bars.grid(row=2, column=0, columnspan=2, pady=(0, 10))
        self.bar_items = []
        for i, name in enumerate(self.class_names):
            y = i * (BAR_H + 6)
            self.bars.create_text(0, y + BAR_H / 2, text=name, anchor="w")
            self.bars.create_rectangle(70, y, 70 + BAR_W, y + BAR_H, fill="#e4e4e4", outline="")
            bar = self.bars.create_rectangle(70, y, 70, y + BAR_H, fill="#9aa", outline="")
            pct = self.bars.create_text(75 + BAR_W, y + BAR_H / 2, text="", anchor="w")
            self.bar_items.append((bar, pct))

        self.save_button = ttk.Button(side, text="Save", command=self.save)
        self.save_to_button = ttk.Button(side, text="Save to…", command=self.choose_save_dir)
        self.open_button = ttk.Button(side, text="Open file…", command=self.open_file)
        self.quit_button = ttk.Button(side, text="Quit", command=self.close)
        for i, b in enumerate((self.save_button, self.save_to_button, self.open_button, self.quit_button)):
            b.grid(row=3 + i // 2, column=i % 2, padx=2, pady=2, sticky="ew")
        # What Save writes: the picture an emoji creator makes, or the tutorial's annotated frame.
        self.save_mode = tk.StringVar(root, value="composite")
        modes = ttk.Frame(side)
        modes.grid(row=5, column=0, columnspan=2, pady=(8, 0), sticky="w")
        ttk.Label(modes, text="Save writes:").grid(row=0, column=0, padx=(0, 6))
        self.mode_buttons = {}
        for col, (value, text) in enumerate(SAVE_MODES, start=1):
            self.mode_buttons[value] = ttk.Radiobutton(modes, text=text, value=value, variable=self.save_mode)
            self.mode_buttons[value].grid(row=0, column=col, padx=(0, 6))
        self.mask_on = tk.BooleanVar(root, value=False)
        self.mask_button = ttk.Checkbutton(side, text="Emoji mask: each face wears its emoji",
                                           variable=self.mask_on, command=self._mask_changed)
        self.mask_button.grid(row=6, column=0, columnspan=2, pady=(6, 0), sticky="w")
        finder = ttk.Frame(side)
        finder.grid(row=7, column=0, columnspan=2, pady=(8, 0), sticky="w")
        ttk.Label(finder, text="Face finder:").grid(row=0, column=0, padx=(0, 6))
        self.detector_box = ttk.Combobox(finder, textvariable=self.detector_var, values=DETECTORS,
                                         state="readonly", width=10)
        self.detector_box.grid(row=0, column=1)
        self.detector_box.bind("<<ComboboxSelected>>", lambda e: self.switch_detector())
        self.help = ttk.Label(side, text=KEYS_HELP, style="Status.TLabel")
        self.help.grid(row=8, column=0, columnspan=2, pady=(10, 0), sticky="w")
        # A lasting notice, apart from the status line that every event rewrites.
        self.notice = ttk.Label(side, style="Error.TLabel", wraplength=260, text="" if not missing else
                                "missing emoji file(s): " + ", ".join(p.name for p in missing)
                                + f" in {emoji_dir}; showing the emotion name instead")
        self.notice.grid(row=9, column=0, columnspan=2, pady=(8, 0), sticky="w")

        # The status line: a fixed height, its text wrapping at whatever width the window has.
        status_box = ttk.Frame(outer, height=STATUS_H)
        status_box.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(6, 0))
        status_box.grid_propagate(False)
        status_box.columnconfigure(0, weight=1)
        self.status = ttk.Label(status_box, text="", style="Status.TLabel", anchor="nw", justify="left")
        self.status.grid(row=0, column=0, sticky="nsew")
        status_box.bind("<Configure>", lambda e: self.status.configure(wraplength=max(100, e.width - 4)))
        self.status_box = status_box

        self.set_source(source)
        if self.pipeline is None and self.source is not None:
            self.name.configure(text="loading…")
            self.say("loading the emotion model…")
        elif self.pipeline is not None:
            self._ready(self.pipeline)
        if self.after_id is None and self.loader is not None:  # no source yet: still poll the loader
            self.after_id = self.root.after(30, self.tick)
        self.load_strip()
        # The smallest size that shows every control: measured with the feed at its minimum.
        self._holder_size(MIN_VIEW)
        root.update_idletasks()
        root.minsize(root.winfo_reqwidth(), root.winfo_reqheight())
        self._holder_size(VIEW_SIZE)

    def _holder_size(self, view):
        """Ask for room for a feed of `view` pixels inside the flash border."""
        self.holder.configure(width=view[0] + 2 * BORDER, height=view[1] + 2 * BORDER)

    # -- the model, loaded off the Tk thread --------------------------------
    def _load(self, make_pipeline, detector):
        try:
            self.pipeline = make_pipeline(detector)
        except UserError as exc:
            self.load_error = str(exc)
        except Exception as exc:  # anything else still reaches the window, not a silent thread death
            self.load_error = f"the model could not be loaded ({type(exc).__name__}: {exc})"

    def _ready(self, pipeline):
        """Called on the Tk thread once the pipeline exists."""
        self.class_names = pipeline.class_names
        self.detector_var.set(pipeline.detector_name)
        if self.source is not None:
            self.say(f"showing {self.source.name}")
            self.name.configure(text="no face yet")

    def switch_detector(self):
        name = self.detector_var.get()
        if self.pipeline is None or name == self.pipeline.detector_name:
            return
        try:
            with self.labeller.lock:  # between two frames, never under one
                self.pipeline.set_detector(name)
        except UserError as exc:
            self.detector_var.set(self.pipeline.detector_name)
            self.say(f"{exc}".replace(", or use --detector haar", ""), error=True)
            return
        self.say(f"face finder: {name}")

    # -- messages ---------------------------------------------------------
    def say(self, text, error=False):
        self.status.configure(text=text, style="Error.TLabel" if error else "Status.TLabel")

    # -- sources ----------------------------------------------------------
    def set_source(self, spec):
        self.pending = None
        if self.source is not None:
            self.source.release()
            self.source = None
        try:
            self.source = FrameSource(spec)
        except UserError as exc:
            self.say(f"{exc}. Click 'Open file…' to play a video or an image instead.", error=True)
            self.show_placeholder("No camera" if str(spec).isdigit() else "No source")
            return
        self.say(f"showing {self.source.name}")
        fps = self.source.cap.get(cv2.CAP_PROP_FPS) if self.source.cap is not None else 0
        rate = self.max_fps if self.max_fps is not None else (fps if 0 < fps < 240 else 0)
        self.period_ms = 1000.0 / rate if rate and not self.source.is_camera else 0.0
        self.next_read = time.perf_counter()
        if self.after_id is None:
            self.after_id = self.root.after(1, self.tick)

    def open_file(self):
        path = filedialog.askopenfilename(parent=self.root, title="Open a video or image", filetypes=[
            ("Videos and images", "*.mp4 *.avi *.mov *.mkv *.webm *.png *.jpg *.jpeg *.bmp"),
            ("All files", "*")])
        if path:
            self.set_source(path)

    def show_placeholder(self, text):
        self.placeholder = text
        self.name.configure(text=text.lower())
        self.show_frame(self._placeholder_picture(text), bgr=False)

    def _placeholder_picture(self, text):
        w, h = self.view_size
        blank = np.full((max(1, h), max(1, w), 3), 40, np.uint8)
        scale = 1.4 if w >= 400 else 1.0
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        cv2.putText(blank, text, ((w - tw) // 2, (h + th) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (220, 220, 220), 2, cv2.LINE_AA)
        return blank

    def _resized(self, event):
        """The feed's frame changed size (the user resized the window): redraw what is shown."""
        size = (max(1, event.width - 2 * BORDER), max(1, event.height - 2 * BORDER))
        if size == self.view_size:
            return
        self.view_size = size
        if self.shown is not None:
            picture, bgr = self.shown
            if not bgr and getattr(self, "placeholder", None):
                picture = self._placeholder_picture(self.placeholder)  # re-centred, not stretched
            self.show_frame(picture, bgr=bgr)

    # -- the tick ---------------------------------------------------------
    def tick(self):
        started = time.perf_counter()
        self.after_id = None
        if self.pipeline is None and self.loader is not None and not self.loader.is_alive():
            self.loader = None
            if self.load_error:
                self.name.configure(text="no model")
                self.say(self.load_error, error=True)
        elif self.pipeline is not None and self.loader is not None:
            self.loader = None
            self._ready(self.pipeline)
        ready = self.loader is None and self.pipeline is not None  # fixed for this whole tick
        # A frame labelled while paused waits for the resume: a pause freezes the picture at once.
        worked = not self.paused and self._collect()
        busy = self.labeller.busy
        if self.source is None:
            if self.loader is not None or busy:  # keep polling the loader, or for the last frame
                self.after_id = self.root.after(5 if busy else 30, self.tick)
            return self._record(started, worked)
        if self.paused:
            self.after_id = self.root.after(50, self.tick)
            return None
        wait_ms = (self.next_read - time.perf_counter()) * 1000
        if busy or wait_ms > 1:
            # The frame read last is still being labelled, or the file's next frame is not due
            # yet: come back soon (a poll costs microseconds) rather than sit on the Tk thread.
            self.after_id = self.root.after(2 if busy else max(1, int(wait_ms)), self.tick)
            return self._record(started, worked)
        if not ready and self.pending is not None:
            # A file waits on its first frame until the model is ready, so no frame goes unlabelled.
            self.after_id = self.root.after(30, self.tick)
            return self._record(started, worked)
        try:
            # A file's first frame, shown while the model loaded, is labelled before the next is read.
            repeat = ready and self.pending is not None
            frame, self.pending = (self.pending, None) if repeat else (self.source.read(), self.pending)
        except UserError as exc:  # a camera that stopped delivering
            self.source.release()
            self.source = None
            self.say(f"{exc}. Click 'Open file…' to play a video or an image.", error=True)
            return self._record(started, worked)
        self.next_read = time.perf_counter() + self.period_ms / 1000
        if frame is not None:
            worked = True
            if ready:
                # The Tk variable is read here, on the Tk thread; the worker gets a plain bool.
                # Only plain objects go to the worker, never the App: the last reference to a Tk
                # object dropped in another thread makes Tcl abort the process.
                self.labeller.submit(label_frame, self.pipeline, self.mask, self.class_names, frame,
                                     self.mask_on.get(), repeat)
            else:
                self.frame = frame  # the feed shows while the model loads
                self.pending = None if self.source.is_camera else frame.copy()
                self.placeholder = None
                self.show_frame(self.frame)
                self.frames_shown += 1
        elif self.source.ended:
            self.say(f"end of {self.source.name}: Save still works; 'Open file…' plays another")
            self.source.release()
            self.source = None
        elapsed = self._record(started, worked)
        if self.source is not None or self.labeller.busy:
            delay = 2 if self.labeller.busy else max(1, int(self.period_ms - elapsed))
            self.after_id = self.root.after(delay, self.tick)
        return None

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
        if self.faces and self.first_label_s is None:
            self.first_label_s = time.perf_counter() - self.started
        self.placeholder = None
        self.show_frame(self.frame)
        self.show_emotion(self.faces)
        self.frames_shown += not repeat
        return True

    def show_frame(self, frame, bgr=True):
        self.shown = (frame, bgr)
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if bgr else frame
        image = Image.fromarray(fit(rgb, self.view_size))
        if (self.view_photo.width(), self.view_photo.height()) == image.size:
            self.view_photo.paste(image)  # reuse the Tk image: no new one per frame, memory stays flat
        else:
            self.view_photo = ImageTk.PhotoImage(image, master=self.root)
            self.view.configure(image=self.view_photo)

    def show_emotion(self, faces):
        if not faces:
            probs, label = np.zeros(len(self.class_names)), None
        else:
            main = max(faces, key=lambda f: f.box[2] * f.box[3])  # the largest face is the user
            probs, label = main.probs, main.label
        if label != self.current_label:
            self.current_label = label
            if label is None:
                self.emoji.configure(image=self.blank_emoji, text="")
                self.name.configure(text="no face")
            else:
                name = self.class_names[label]
                photo = self.emoji_photos.get(name)
                # A missing emoji file: the name stands in its place.
                self.emoji.configure(image=photo or self.blank_emoji, text="" if photo else name)
                self.name.configure(text=name)
        for i, ((bar, pct), p) in enumerate(zip(self.bar_items, probs)):
            y = i * (BAR_H + 6)
            self.bars.coords(bar, 70, y, 70 + BAR_W * float(p), y + BAR_H)
            self.bars.itemconfigure(bar, fill="#3a9d5d" if i == label else "#9aa")
            self.bars.itemconfigure(pct, text=f"{float(p):.0%}" if label is not None else "")

    # -- buttons ----------------------------------------------------------
    def picture(self):
        """What Save writes now: the shown frame with the main face's emoji beside it, or the
        frame alone, as the 'Save writes' choice says."""
        if self.save_mode.get() == "frame":
            return self.frame
        name = None
        if self.faces:
            main = max(self.faces, key=lambda f: f.box[2] * f.box[3])  # the face the side panel follows
            name = self.class_names[main.label]
        return compose_picture(self.frame, self.emoji_sources.get(name), name or "no face")

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
        self.add_thumb(path, Image.fromarray(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)))
        self.flash()
        self.say(f"saved {path.name} in {path.parent} (click its thumbnail below to open it)")
        return path

    def flash(self):
        """A brief coloured frame around the feed: the picture was taken."""
        self.flashes += 1
        self.holder.configure(highlightbackground=FLASH)
        self.root.after(250, lambda: self.closed or self.holder.configure(highlightbackground="#282828"))

    def load_strip(self):
        """Fill the strip with the newest pictures already in the save folder (earlier sessions')."""
        for _, _, label in self.thumbs:
            label.destroy()
        self.thumbs = []
        try:
            found = sorted((p for p in self.save_dir.glob("*.png") if not p.name.startswith(".") and is_regular(p)),
                           key=lambda p: p.stat().st_mtime)[-THUMBS:]
        except OSError:
            found = []
        for path in found:
            im = open_image(path, max_pixels=MAX_THUMB_SOURCE)  # a FIFO, a bomb, a fake: no thumbnail
            if im is not None:
                self.add_thumb(path, im.convert("RGB"))

    def add_thumb(self, path, image):
        image = image.copy()
        image.thumbnail((THUMB_H * 3, THUMB_H), Image.LANCZOS)
        photo = ImageTk.PhotoImage(image, master=self.root)
        label = tk.Label(self.thumb_row, image=photo, cursor="hand2", borderwidth=1, relief="solid")
        label.bind("<Button-1>", lambda e, p=path: self.open_picture(p))
        label.pack(side="left", padx=(0, 6), before=self.thumbs[0][2] if self.thumbs else None)
        self.thumbs.insert(0, (path, photo, label))
        for _, _, old in self.thumbs[THUMBS:]:
            old.destroy()
        del self.thumbs[THUMBS:]

    def open_picture(self, path):
        if not Path(path).exists():
            self.say(f"{Path(path).name} is no longer in {Path(path).parent}", error=True)
            return
        problem = self.opener(path)
        self.say(f"{problem}: the picture is {path}" if problem else f"opened {Path(path).name}", error=bool(problem))

    def open_folder(self):
        if not self.save_dir.is_dir():
            self.say(f"nothing saved yet: {self.save_dir} is made by the first Save")
            return
        problem = self.opener(self.save_dir)
        self.say(f"{problem}: the pictures are in {self.save_dir}" if problem else f"opened {self.save_dir}",
                 error=bool(problem))

    def choose_save_dir(self):
        """'Save to…': pick the folder Save writes into, for as long as the window is open."""
        chosen = self.ask_directory(parent=self.root, title="Save pictures to…", initialdir=str(self.save_dir),
                                    mustexist=False)
        if chosen:
            self.set_save_dir(Path(chosen))

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
        from .saving import clean_leftovers

        self.save_dir = folder
        clean_leftovers(folder)  # what a killed save left there, as at start-up
        self.load_strip()
        self.say(f"Save now writes into {folder}")
        return True

    def toggle_mask(self):
        self.mask_on.set(not self.mask_on.get())
        self._mask_changed()

    def _mask_changed(self):
        self.say("emoji mask on: each face wears its emoji (and so do saved pictures)" if self.mask_on.get()
                 else "emoji mask off")

    def _heartbeat(self):
        if not self.closed:
            self.root.after(200, self._heartbeat)

    def toggle_pause(self):
        """Space: pause or resume a video or an image folder (a camera keeps running)."""
        if self.source is None or self.source.is_camera:
            return
        self.paused = not self.paused
        if self.paused:
            self.say(f"paused {self.source.name}: space resumes")
        else:
            self.say(f"showing {self.source.name}")

    def close(self):
        if self.closed:
            return
        self.closed = True
        if self.after_id is not None:
            self.root.after_cancel(self.after_id)
            self.after_id = None
        if self.source is not None:
            self.source.release()
            self.source = None
        self.labeller.stop()
        self.root.destroy()
