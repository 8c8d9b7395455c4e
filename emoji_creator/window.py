"""The Tk window behind gui.py: live feed on the left, the emoji of the current emotion on the right.

One thread owns Tk. A single after() tick reads one frame, runs the live
pipeline, updates both panels and reschedules itself; nothing in a tick
blocks for long (FrameSource never sleeps). The window opens at once: the
model loads in a worker thread that never touches Tk, the camera opens and
shows its feed meanwhile, and the tick picks the pipeline up when it is ready.
"""
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
from .detectors import DEFAULT_DETECTOR, DETECTORS
from .live import FrameSource, draw_faces
from .saving import save_picture

VIEW_SIZE = (640, 480)
EMOJI_PX = 200
BAR_W, BAR_H = 150, 16


def load_emojis(folder=EMOJI_DIR, class_names=CLASSES, size=EMOJI_PX):
    """{class: PIL image} for the emoji files present, and the list of missing files."""
    images, missing = {}, []
    for name in class_names:
        path = Path(folder) / f"{name}.png"
        try:
            with Image.open(path) as im:
                images[name] = im.convert("RGBA").resize((size, size), Image.LANCZOS)
        except (OSError, ValueError):
            missing.append(path)
    return images, missing


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
    s = min(size[0] / w, size[1] / h)
    if abs(s - 1) < 1e-3:
        return frame_rgb
    return cv2.resize(frame_rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


class App:
    """The Emoji Creator window. `source` is a camera index or a path; `pipeline` a LivePipeline."""

    def __init__(self, root, make_pipeline, source="0", save_dir=None, emoji_dir=EMOJI_DIR, max_fps=None,
                 detector=DEFAULT_DETECTOR):
        """make_pipeline(detector) builds the LivePipeline; it runs in a worker thread (or pass
        a ready pipeline)."""
        from . import DEFAULT_SAVE_DIR

        self.root = root
        self.pipeline, self.load_error = None, None
        self.save_dir = Path(save_dir or DEFAULT_SAVE_DIR)
        self.class_names = CLASSES
        self.max_fps = max_fps  # None: a file's own frame rate; 0: as fast as possible
        self.source, self.frame, self.faces = None, None, []
        self.frames_shown, self.saved, self.last_saved, self.after_id = 0, [], None, None
        self.tick_ms = deque(maxlen=2000)  # recent tick durations, for the responsiveness check
        self.longest_tick_ms = 0.0
        self.current_label = None
        self.pending = None  # a file's frame shown before the model was ready, still to be labelled
        self.started = time.perf_counter()
        self.first_label_s = None  # seconds from start to the first face labelled (benchmarks/startup.py)
        self.detector_var = tk.StringVar(root, value=detector)
        if callable(make_pipeline):
            self.loader = threading.Thread(target=self._load, args=(make_pipeline, detector), daemon=True)
            self.loader.start()
        else:
            self.loader, self.pipeline = None, make_pipeline

        from .saving import clean_leftovers

        clean_leftovers(self.save_dir)
        root.title("Emoji Creator")
        root.protocol("WM_DELETE_WINDOW", self.close)
        # Every usual way out, and Save whatever the Shift or Caps Lock state.
        for key in ("<Escape>", "<KeyPress-q>", "<KeyPress-Q>", "<Control-q>", "<Control-w>"):
            root.bind(key, lambda e: self.close())
        for key in ("<KeyPress-s>", "<KeyPress-S>"):
            root.bind(key, lambda e: self.save())
        root.bind("<space>", lambda e: self.toggle_pause())
        self.paused, self.closed = False, False
        try:  # the happy emoji as the window's icon (taskbar, Alt-Tab)
            with Image.open(Path(emoji_dir) / "happy.png") as im:
                icon = im.convert("RGBA").resize((64, 64), Image.LANCZOS)
            self.icon = ImageTk.PhotoImage(icon, master=root)
            root.iconphoto(True, self.icon)
        except (OSError, ValueError, tk.TclError):
            pass
        # Tk's loop runs in C: without a regular Python callback, Ctrl-C in the terminal
        # waits for the next event (a mouse move). A quiet heartbeat lets it through at once.
        self._heartbeat()
        style = ttk.Style(root)
        style.configure("Name.TLabel", font=("TkDefaultFont", 20, "bold"))
        style.configure("Status.TLabel", foreground="#333")
        style.configure("Error.TLabel", foreground="#b00020")

        outer = ttk.Frame(root, padding=8)
        outer.grid(sticky="nsew")
        self.view = ttk.Label(outer, anchor="center")
        self.view.grid(row=0, column=0, rowspan=2, sticky="nsew")
        blank = Image.new("RGB", VIEW_SIZE, (40, 40, 40))
        # A reference to each PhotoImage must be kept, or Tk shows nothing; each belongs to this root.
        self.view_photo = ImageTk.PhotoImage(blank, master=root)
        self.view.configure(image=self.view_photo)

        side = ttk.Frame(outer, padding=(12, 0, 0, 0))
        side.grid(row=0, column=1, sticky="n")
        emoji_images, missing = load_emojis(emoji_dir, self.class_names)
        self.emoji_photos = {name: ImageTk.PhotoImage(im, master=root) for name, im in emoji_images.items()}
        self.blank_emoji = ImageTk.PhotoImage(looking_picture(), master=root)  # no face: an outline, not a hole
        self.emoji = ttk.Label(side, image=self.blank_emoji, compound="center", anchor="center",
                               font=("TkDefaultFont", 22, "bold"))
        self.emoji.grid(row=0, column=0, columnspan=3)
        self.name = ttk.Label(side, text="no face yet", style="Name.TLabel", anchor="center", width=12)
        self.name.grid(row=1, column=0, columnspan=3, pady=(4, 8))
        self.bars = tk.Canvas(side, width=BAR_W + 110, height=len(self.class_names) * (BAR_H + 6),
                              highlightthickness=0)
        self.bars.grid(row=2, column=0, columnspan=3, pady=(0, 10))
        self.bar_items = []
        for i, name in enumerate(self.class_names):
            y = i * (BAR_H + 6)
            self.bars.create_text(0, y + BAR_H / 2, text=name, anchor="w")
            self.bars.create_rectangle(70, y, 70 + BAR_W, y + BAR_H, fill="#e4e4e4", outline="")
            bar = self.bars.create_rectangle(70, y, 70, y + BAR_H, fill="#9aa", outline="")
            pct = self.bars.create_text(75 + BAR_W, y + BAR_H / 2, text="", anchor="w")
            self.bar_items.append((bar, pct))

        self.save_button = ttk.Button(side, text="Save", command=self.save)
        self.open_button = ttk.Button(side, text="Open file…", command=self.open_file)
        self.quit_button = ttk.Button(side, text="Quit", command=self.close)
        for col, b in enumerate((self.save_button, self.open_button, self.quit_button)):
            b.grid(row=3, column=col, padx=2, sticky="ew")
        ttk.Label(side, text="keys: s save · space pause · q or Esc quit", style="Status.TLabel").grid(
            row=6, column=0, columnspan=3, pady=(10, 0), sticky="w")
        self.status = ttk.Label(outer, text="", style="Status.TLabel", wraplength=VIEW_SIZE[0] + 280)
        self.status.grid(row=2, column=0, columnspan=2, sticky="w", pady=(8, 0))
        # A lasting notice, apart from the status line that every event rewrites.
        self.notice = ttk.Label(side, style="Error.TLabel", wraplength=260, text="" if not missing else
                                "missing emoji file(s): " + ", ".join(p.name for p in missing)
                                + f" in {emoji_dir}; showing the emotion name instead")
        self.notice.grid(row=4, column=0, columnspan=3, pady=(8, 0), sticky="w")
        finder = ttk.Frame(side)
        finder.grid(row=5, column=0, columnspan=3, pady=(10, 0), sticky="w")
        ttk.Label(finder, text="Face finder:").grid(row=0, column=0, padx=(0, 6))
        self.detector_box = ttk.Combobox(finder, textvariable=self.detector_var, values=DETECTORS,
                                         state="readonly", width=10)
        self.detector_box.grid(row=0, column=1)
        self.detector_box.bind("<<ComboboxSelected>>", lambda e: self.switch_detector())
        self.set_source(source)
        if self.pipeline is None and self.source is not None:
            self.name.configure(text="loading…")
            self.say("loading the emotion model…")
        elif self.pipeline is not None:
            self._ready(self.pipeline)
        if self.after_id is None and self.loader is not None:  # no source yet: still poll the loader
            self.after_id = self.root.after(30, self.tick)
        # The smallest size that shows every control; larger windows are fine.
        root.update_idletasks()
        root.minsize(root.winfo_reqwidth(), root.winfo_reqheight())

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
        if self.after_id is None:
            self.after_id = self.root.after(1, self.tick)

    def open_file(self):
        path = filedialog.askopenfilename(parent=self.root, title="Open a video or image", filetypes=[
            ("Videos and images", "*.mp4 *.avi *.mov *.mkv *.webm *.png *.jpg *.jpeg *.bmp"),
            ("All files", "*")])
        if path:
            self.set_source(path)

    def show_placeholder(self, text):
        blank = np.full((VIEW_SIZE[1], VIEW_SIZE[0], 3), 40, np.uint8)
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.4, 2)
        cv2.putText(blank, text, ((VIEW_SIZE[0] - tw) // 2, (VIEW_SIZE[1] + th) // 2), cv2.FONT_HERSHEY_SIMPLEX,
                    1.4, (220, 220, 220), 2, cv2.LINE_AA)
        self.name.configure(text=text.lower())
        self.show_frame(blank, bgr=False)

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
        if self.source is None:
            if self.loader is not None:  # keep polling the loader
                self.after_id = self.root.after(30, self.tick)
            return
        if self.paused:
            self.after_id = self.root.after(50, self.tick)
            return
        if not ready and self.pending is not None:
            # A file waits on its first frame until the model is ready, so no frame goes unlabelled.
            self.after_id = self.root.after(30, self.tick)
            return
        try:
            # A file's first frame, shown while the model loaded, is labelled before the next is read.
            repeat = ready and self.pending is not None
            frame, self.pending = (self.pending, None) if repeat else (self.source.read(), self.pending)
        except UserError as exc:  # a camera that stopped delivering
            self.source.release()
            self.source = None
            self.say(f"{exc}. Click 'Open file…' to play a video or an image.", error=True)
            return
        if frame is not None:
            if ready:
                self.faces = self.pipeline.process(frame)
                self.frame = draw_faces(frame, self.faces, self.class_names)
                if self.faces and self.first_label_s is None:
                    self.first_label_s = time.perf_counter() - self.started
            else:
                self.frame = frame  # the feed shows while the model loads
                self.pending = None if self.source.is_camera else frame.copy()
            self.show_frame(self.frame)
            if ready:
                self.show_emotion(self.faces)
            self.frames_shown += not repeat
        elif self.source.ended:
            self.say(f"end of {self.source.name}: Save still works; 'Open file…' plays another")
            self.source.release()
            self.source = None
        elapsed = (time.perf_counter() - started) * 1000
        self.tick_ms.append(elapsed)
        self.longest_tick_ms = max(self.longest_tick_ms, elapsed)
        if self.source is not None:
            self.after_id = self.root.after(max(1, int(self.period_ms - elapsed)), self.tick)

    def show_frame(self, frame, bgr=True):
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if bgr else frame
        image = Image.fromarray(fit(rgb))
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
    def save(self):
        if self.frame is None:
            self.say("nothing to save yet: no frame has been shown", error=True)
            return None
        try:
            path = save_picture(self.frame, self.save_dir)
        except UserError as exc:
            self.say(str(exc), error=True)
            return None
        self.last_saved = path
        self.saved.append(path)
        self.say(f"saved {path.name} in {path.parent}")
        return path

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
        self.root.destroy()
