"""The window's panels, each owning its widgets behind a few plain methods (window.App wires them).

    feed = Feed(outer, root)             # the picture: feed.show(frame), feed.placeholder_text("No camera")
    emotion = EmotionPanel(side, root, emoji_files)   # emotion.show(faces)
    strip = Strip(outer, root, open_picture, open_folder)   # strip.load(folder), strip.add(path, image)
    controls = Controls(side, root, act, detector)    # buttons, Save writes, mask, face finder
    status = StatusLine(outer)           # status.say("saved …"), status.say("…", error=True)

Every PhotoImage a panel shows stays referenced by it (Tk shows nothing otherwise).
"""
import tkinter as tk
from pathlib import Path
from tkinter import ttk

import cv2
import numpy as np
from PIL import Image, ImageTk

from . import CLASSES
from .detectors import DETECTORS
from .files import is_regular, open_image
from .overlay import main_face
from .pictures import EMOJI_PX, looking_picture

VIEW_SIZE = (640, 480)  # the feed when the window opens
MIN_VIEW = (160, 120)  # the feed at the window's minimum size (the compact layout)
SMALL_EMOJI_PX = 96  # the side panel's emoji in the compact layout
BAR_W, BAR_H = 150, 16
THUMB_H, THUMBS = 64, 8  # the strip of saved pictures: thumbnail height, how many
STATUS_H = 44  # two lines of the status font: long messages wrap inside, never resize the window
FLASH = "#ffc83d"
FLASH_RGB = (255, 200, 61)
BORDER = 3  # around the feed: the colour Save flashes
DARK = "#282828"
SAVE_MODES = (("composite", "with emojis"), ("frame", "frame"))
KEYS_HELP = ("keys: s save · r record · m mask · l labels · t self-timer · space pause · F11 full screen · "
             "q or Esc quit")
MAX_THUMB_SOURCE = 64_000_000  # a saved picture larger than this (8000x8000) gets no thumbnail


def fit(frame_rgb, size=VIEW_SIZE):
    """Scale a frame to fit the view, keeping its aspect."""
    h, w = frame_rgb.shape[:2]
    s = max(1e-3, min(size[0] / w, size[1] / h))
    if abs(s - 1) < 1e-3:
        return frame_rgb
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR  # AREA enlarges in blocks
    return cv2.resize(frame_rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)


def draw_badges(rgb, badges):
    """The countdown's number and the recording's red dot on a shown (RGB) picture, in place."""
    h, w = rgb.shape[:2]
    if "rec" in badges:
        r = max(5, h // 50)
        cv2.circle(rgb, (12 + r, 12 + r), r, (230, 30, 30), -1, cv2.LINE_AA)
        cv2.putText(rgb, badges["rec"], (20 + 2 * r, 12 + 2 * r - 1), cv2.FONT_HERSHEY_SIMPLEX, max(0.5, h / 800),
                    (255, 255, 255), 2, cv2.LINE_AA)
    if "countdown" in badges:
        text, scale = badges["countdown"], max(1.5, h / 80)
        thick = max(3, round(scale * 2))
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        cv2.circle(rgb, (w // 2, h // 2), round(max(tw, th) * 0.9), (20, 20, 20), -1, cv2.LINE_AA)
        cv2.putText(rgb, text, ((w - tw) // 2, (h + th) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, FLASH_RGB, thick,
                    cv2.LINE_AA)
    return rgb


class Feed:
    """The live picture: a frame that takes the room the window gives it (its requested size is
    only where it starts), the picture centred in it by place(), a border Save flashes."""

    def __init__(self, parent, root):
        self.root, self.view_size, self.shown, self.placeholder, self.flashes = root, VIEW_SIZE, None, None, 0
        # Drawn on the shown picture only, never on what Save or a recording writes:
        # {"countdown": "3"} a big number in the middle, {"rec": "REC 0:05"} a red dot and the time.
        self.badges = {}
        self.holder = tk.Frame(parent, background=DARK, highlightthickness=BORDER, highlightbackground=DARK)
        self.request(VIEW_SIZE)
        self.holder.grid_propagate(False)
        self.view = tk.Label(self.holder, background=DARK, borderwidth=0)
        self.view.place(relx=0.5, rely=0.5, anchor="center")
        self.holder.bind("<Configure>", self._resized)
        self.photo = ImageTk.PhotoImage(Image.new("RGB", VIEW_SIZE, (40, 40, 40)), master=root)
        self.view.configure(image=self.photo)

    def request(self, view):
        """Ask for room for a picture of `view` pixels inside the flash border."""
        self.holder.configure(width=view[0] + 2 * BORDER, height=view[1] + 2 * BORDER)

    def show(self, frame, bgr=True):
        self.shown = (frame, bgr)
        rgb = fit(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if bgr else frame, self.view_size)
        if self.badges:
            rgb = draw_badges(rgb.copy(), self.badges)
        image = Image.fromarray(rgb)
        if (self.photo.width(), self.photo.height()) == image.size:
            self.photo.paste(image)  # reuse the Tk image: no new one per frame, memory stays flat
        else:
            self.photo = ImageTk.PhotoImage(image, master=self.root)
            self.view.configure(image=self.photo)

    def refresh(self):
        """Show the last picture again (its badges changed while no new frame came)."""
        if self.shown is not None:
            self.show(*self.shown)

    def show_text(self, text):
        """A dark picture with `text` in its middle (no camera, no source)."""
        self.placeholder = text
        self.show(self._text_picture(text), bgr=False)

    def _text_picture(self, text):
        w, h = self.view_size
        blank = np.full((max(1, h), max(1, w), 3), 40, np.uint8)
        scale = 1.4 if w >= 400 else 1.0
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        cv2.putText(blank, text, ((w - tw) // 2, (h + th) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (220, 220, 220), 2, cv2.LINE_AA)
        return blank

    def _resized(self, event):
        """The window was resized: redraw what is shown at the new size (a placeholder re-centred)."""
        size = (max(1, event.width - 2 * BORDER), max(1, event.height - 2 * BORDER))
        if size == self.view_size:
            return
        self.view_size = size
        if self.shown is not None:
            picture, bgr = self.shown
            if not bgr and self.placeholder:
                picture = self._text_picture(self.placeholder)
            self.show(picture, bgr=bgr)

    def flash(self, closed=lambda: False):
        """A brief coloured frame around the feed: the picture was taken."""
        self.flashes += 1
        self.holder.configure(highlightbackground=FLASH)
        self.root.after(250, lambda: closed() or self.holder.configure(highlightbackground=DARK))


class EmotionPanel:
    """The emoji of the face the panel follows (the largest), its name and the seven bars."""

    def __init__(self, parent, root, emoji_files, class_names=CLASSES):
        self.class_names, self.current_label = class_names, None
        # Full size, and small for the compact layout of a small window.
        self.sizes = {px: ({name: ImageTk.PhotoImage(im.resize((px, px), Image.LANCZOS), master=root)
                            for name, im in emoji_files.items()},
                           ImageTk.PhotoImage(looking_picture(px), master=root))  # no face: an outline, not a hole
                      for px in (EMOJI_PX, SMALL_EMOJI_PX)}
        self.photos, self.blank = self.sizes[EMOJI_PX]
        self.compact = False
        self.emoji = ttk.Label(parent, image=self.blank, compound="center", anchor="center",
                               font=("TkDefaultFont", 22, "bold"))
        self.emoji.grid(row=0, column=0, columnspan=2)
        self.name = ttk.Label(parent, text="no face yet", style="Name.TLabel", anchor="center", width=12)
        self.name.grid(row=1, column=0, columnspan=2, pady=(4, 8))
        self.bars = tk.Canvas(parent, width=BAR_W + 110, height=len(class_names) * (BAR_H + 6), highlightthickness=0)
        self.bars.grid(row=2, column=0, columnspan=2, pady=(0, 10))
        self.bar_items = []
        for i, name in enumerate(class_names):
            y = i * (BAR_H + 6)
            self.bars.create_text(0, y + BAR_H / 2, text=name, anchor="w")
            self.bars.create_rectangle(70, y, 70 + BAR_W, y + BAR_H, fill="#e4e4e4", outline="")
            bar = self.bars.create_rectangle(70, y, 70, y + BAR_H, fill="#9aa", outline="")
            pct = self.bars.create_text(75 + BAR_W, y + BAR_H / 2, text="", anchor="w")
            self.bar_items.append((bar, pct))

    def set_text(self, text):
        self.name.configure(text=text)

    def set_compact(self, on):
        """A small window: a smaller emoji, the name with its percentage, no bars."""
        if on == self.compact:
            return
        self.compact = on
        self.photos, self.blank = self.sizes[SMALL_EMOJI_PX if on else EMOJI_PX]
        self.name.configure(style="Small.Name.TLabel" if on else "Name.TLabel")
        self.name.grid_configure(pady=(2, 2) if on else (4, 8))
        if on:
            self.bars.grid_remove()
        else:
            self.bars.grid()
        name = None if self.current_label is None else self.class_names[self.current_label]
        self.emoji.configure(image=self.photos.get(name) or self.blank)

    def show(self, faces):
        main = main_face(faces)
        probs, label = (np.zeros(len(self.class_names)), None) if main is None else (main.probs, main.label)
        if label != self.current_label:
            self.current_label = label
            if label is None:
                self.emoji.configure(image=self.blank, text="")
                self.name.configure(text="no face")
            else:
                name = self.class_names[label]
                photo = self.photos.get(name)
                # A missing emoji file: the name stands in its place.
                self.emoji.configure(image=photo or self.blank, text="" if photo else name)
                self.name.configure(text=name)
        if self.compact and label is not None:  # no bars: the name says how sure
            self.name.configure(text=f"{self.class_names[label]} {float(probs[label]):.0%}")
        for i, ((bar, pct), p) in enumerate(zip(self.bar_items, probs)):
            y = i * (BAR_H + 6)
            self.bars.coords(bar, 70, y, 70 + BAR_W * float(p), y + BAR_H)
            self.bars.itemconfigure(bar, fill="#3a9d5d" if i == label else "#9aa")
            self.bars.itemconfigure(pct, text=f"{float(p):.0%}" if label is not None else "")


def video_thumbnail(path):
    """A video file's first frame as a PIL image, or None (not a regular file, not a video)."""
    if not is_regular(path):
        return None
    cap = cv2.VideoCapture(str(path))
    try:
        ok, frame = cap.read()
    finally:
        cap.release()
    return Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)) if ok else None


def play_mark(image):
    """A thumbnail with a white play triangle on a dark disc: this one is a recording."""
    rgb = np.array(image.convert("RGB"))
    h, w = rgb.shape[:2]
    r, c = max(6, h // 4), (w // 2, h // 2)
    cv2.circle(rgb, c, r, (30, 30, 30), -1, cv2.LINE_AA)
    pts = np.array([(c[0] - r // 3, c[1] - r // 2), (c[0] - r // 3, c[1] + r // 2), (c[0] + r // 2, c[1])], np.int32)
    cv2.fillConvexPoly(rgb, pts, (255, 255, 255), cv2.LINE_AA)
    return Image.fromarray(rgb)


class Strip:
    """The latest saved pictures and recordings, newest first, as many as fit whole; a click opens
    one, Open folder the folder."""

    SAVED = ("*.png", "*.mp4")  # a recording's GIF twin is not shown twice

    def __init__(self, parent, root, open_picture, open_folder):
        self.root, self.open_picture = root, open_picture
        self.frame = ttk.Frame(parent, height=THUMB_H + 30)
        self.frame.pack_propagate(False)
        head = ttk.Frame(self.frame)
        head.pack(side="top", fill="x")
        # The button is packed first: in a narrow window the title gives way, never the button.
        self.folder_button = ttk.Button(head, text="Open folder", command=open_folder)
        self.folder_button.pack(side="right")
        ttk.Label(head, text="Saved pictures", style="Status.TLabel").pack(side="left")
        self.row = ttk.Frame(self.frame)
        self.row.pack(side="top", fill="both", expand=True)
        self.row.bind("<Configure>", lambda e: self._fit(e.width))
        self.thumbs = []  # (path, PhotoImage, Label), newest first

    def load(self, folder):
        """Fill the strip with the newest pictures and recordings already in `folder` (earlier sessions')."""
        for _, _, label in self.thumbs:
            label.destroy()
        self.thumbs = []
        try:
            found = sorted((p for pattern in self.SAVED for p in Path(folder).glob(pattern)
                            if not p.name.startswith(".") and is_regular(p)), key=lambda p: p.stat().st_mtime)[-THUMBS:]
        except OSError:
            found = []
        for path in found:
            video = path.suffix == ".mp4"
            # A FIFO, a bomb, a fake: no thumbnail.
            im = video_thumbnail(path) if video else open_image(path, max_pixels=MAX_THUMB_SOURCE)
            if im is not None:
                self.add(path, im.convert("RGB"), video=video)

    def add(self, path, image, video=False):
        image = image.copy()
        image.thumbnail((THUMB_H * 3, THUMB_H), Image.LANCZOS)
        photo = ImageTk.PhotoImage(play_mark(image) if video else image, master=self.root)
        label = tk.Label(self.row, image=photo, cursor="hand2", borderwidth=1, relief="solid")
        label.bind("<Button-1>", lambda e, p=path: self.open_picture(p))
        self.thumbs.insert(0, (path, photo, label))
        for _, _, old in self.thumbs[THUMBS:]:
            old.destroy()
        del self.thumbs[THUMBS:]
        self._fit(self.row.winfo_width())

    def _fit(self, room):
        """Show, newest first, the thumbnails that fit whole in `room` pixels; never half of one."""
        key = (room, tuple(id(t[2]) for t in self.thumbs))
        if key == getattr(self, "_fitted", None):  # packing again would bring another Configure
            return
        self._fitted = key
        used = 0
        for _, _, label in self.thumbs:
            label.pack_forget()
        for _, photo, label in self.thumbs:
            used += photo.width() + 2  # the 1-px border each side
            if used > room > 1:
                break
            label.pack(side="left", padx=(0, 6))
            used += 6

    def shown(self):
        """The thumbnails on screen now."""
        return [label for _, _, label in self.thumbs if label.winfo_ismapped()]


class Controls:
    """The buttons, what Save writes, the look toggles and the face finder; each calls act(name).
    start: the settings the window starts with ({"mask": True, ...}; missing ones are off)."""

    def __init__(self, parent, root, act, detector, notice="", start=None):
        start = start or {}
        self.save_button = ttk.Button(parent, text="Save", command=lambda: act("save"))
        self.record_button = ttk.Button(parent, text="Record", command=lambda: act("record"))
        self.save_to_button = ttk.Button(parent, text="Save to…", command=lambda: act("save_to"))
        self.open_button = ttk.Button(parent, text="Open file…", command=lambda: act("open"))
        self.quit_button = ttk.Button(parent, text="Quit", command=lambda: act("quit"))
        self.buttons = (self.save_button, self.record_button, self.save_to_button, self.open_button, self.quit_button)
        for i, b in enumerate(self.buttons):
            b.grid(row=3 + i // 2, column=i % 2, padx=2, pady=2, sticky="ew")
        # What Save writes: the picture an emoji creator makes, or the tutorial's annotated frame.
        self.save_mode = tk.StringVar(root, value=start.get("save_mode", "composite"))
        modes = ttk.Frame(parent)
        modes.grid(row=6, column=0, columnspan=2, pady=(6, 0), sticky="w")
        ttk.Label(modes, text="Save writes:").grid(row=0, column=0, padx=(0, 6))
        self.mode_buttons = {}
        for col, (value, text) in enumerate(SAVE_MODES, start=1):
            self.mode_buttons[value] = ttk.Radiobutton(modes, text=text, value=value, variable=self.save_mode)
            self.mode_buttons[value].grid(row=0, column=col, padx=(0, 6))
        # The look: each toggle a checkbox in a two-column grid, its key in brackets.
        looks = ttk.Frame(parent)
        looks.grid(row=7, column=0, columnspan=2, pady=(4, 0), sticky="w")
        self.mask_on, self.labels_on, self.mirror_on, self.timer_on = (
            tk.BooleanVar(root, value=bool(start.get(k))) for k in ("mask", "labels", "mirror", "timer"))
        self.toggles = {}
        for i, (name, text, var) in enumerate((("mask", "Emoji mask (m)", self.mask_on),
                                               ("labels", "Labels on mask (l)", self.labels_on),
                                               ("mirror", "Mirror", self.mirror_on),
                                               ("timer", "Self-timer (t)", self.timer_on))):
            self.toggles[name] = ttk.Checkbutton(looks, text=text, variable=var,
                                                 command=lambda n=name: act(n, toggle=False))
            self.toggles[name].grid(row=i // 2, column=i % 2, padx=(0, 8), sticky="w")
        self.mask_button = self.toggles["mask"]
        finder = ttk.Frame(parent)
        finder.grid(row=8, column=0, columnspan=2, pady=(6, 0), sticky="w")
        ttk.Label(finder, text="Face finder:").grid(row=0, column=0, padx=(0, 6))
        self.detector = tk.StringVar(root, value=detector)
        self.detector_box = ttk.Combobox(finder, textvariable=self.detector, values=DETECTORS, state="readonly",
                                         width=10)
        self.detector_box.grid(row=0, column=1)
        self.detector_box.bind("<<ComboboxSelected>>", lambda e: act("finder"))
        self.help = ttk.Label(parent, text=KEYS_HELP, style="Status.TLabel", wraplength=280, justify="left")
        self.help.grid(row=9, column=0, columnspan=2, pady=(8, 0), sticky="w")
        # A lasting notice, apart from the status line that every event rewrites.
        self.notice = ttk.Label(parent, style="Error.TLabel", wraplength=260, text=notice)
        self.notice.grid(row=10, column=0, columnspan=2, pady=(6, 0), sticky="w")
        if not notice:
            self.notice.grid_remove()  # no empty line's room taken

    def set_compact(self, on):
        """A small window: the keys' help goes (the README and --help list them)."""
        if on:
            self.help.grid_remove()
        else:
            self.help.grid()

    def focusable(self):
        """Every control that can hold the keyboard focus."""
        return (*self.buttons, self.detector_box, *self.mode_buttons.values(), *self.toggles.values())

    def add_notice(self, text):
        old = self.notice.cget("text")
        self.notice.configure(text=f"{old}\n{text}" if old else text)
        self.notice.grid()


class FolderDialog:
    """'Save to…': a small window with the folder as text (Enter takes it), Browse… (the desktop's own
    folder picker, whose choice is taken at once) and Cancel (Esc). accept(Path) returns None when
    the folder is taken, else why not (shown in the dialog, which stays open)."""

    def __init__(self, root, folder, accept, browse):
        self.accept, self.browse_with = accept, browse
        self.top = tk.Toplevel(root)
        self.top.title("Save pictures to…")
        self.top.transient(root)
        self.top.protocol("WM_DELETE_WINDOW", self.close)
        body = ttk.Frame(self.top, padding=10)
        body.grid(sticky="nsew")
        ttk.Label(body, text="Save pictures and recordings into this folder (Enter takes it):").grid(
            row=0, column=0, columnspan=3, sticky="w")
        self.folder = tk.StringVar(self.top, value=str(folder))
        self.entry = ttk.Entry(body, textvariable=self.folder, width=50)
        self.entry.grid(row=1, column=0, columnspan=3, sticky="ew", pady=6)
        self.error = ttk.Label(body, text="", style="Error.TLabel", wraplength=420)
        self.error.grid(row=2, column=0, columnspan=3, sticky="w")
        self.browse_button = ttk.Button(body, text="Browse…", command=self.browse)
        self.ok_button = ttk.Button(body, text="Save here", command=self.ok, default="active")
        self.cancel_button = ttk.Button(body, text="Cancel", command=self.close)
        for col, b in enumerate((self.browse_button, self.ok_button, self.cancel_button)):
            b.grid(row=3, column=col, padx=3, pady=(6, 0), sticky="ew")
        self.entry.bind("<Return>", lambda e: self.ok())
        self.entry.bind("<KP_Enter>", lambda e: self.ok())
        self.top.bind("<Escape>", lambda e: self.close())
        self.entry.focus_set()
        self.entry.icursor("end")

    @property
    def open(self):
        try:
            return bool(self.top.winfo_exists())
        except tk.TclError:
            return False

    def ok(self):
        text = self.folder.get().strip()
        if not text:
            self.error.configure(text="type a folder, or click Browse…")
            return
        problem = self.accept(Path(text).expanduser())
        if problem is None:
            self.close()
        else:
            self.error.configure(text=problem)

    def browse(self):
        chosen = self.browse_with(parent=self.top, title="Save pictures to…", initialdir=self.folder.get(),
                                  mustexist=False)
        if chosen:
            self.folder.set(chosen)
            self.ok()

    def close(self):
        if self.open:
            self.top.destroy()


class StatusLine:
    """One line of news at a fixed height: its text wraps at whatever width the window has."""

    def __init__(self, parent):
        self.box = ttk.Frame(parent, height=STATUS_H)
        self.box.grid_propagate(False)
        self.box.columnconfigure(0, weight=1)
        self.label = ttk.Label(self.box, text="", style="Status.TLabel", anchor="nw", justify="left")
        self.label.grid(row=0, column=0, sticky="nsew")
        self.box.bind("<Configure>", lambda e: self.label.configure(wraplength=max(100, e.width - 4)))

    def say(self, text, error=False):
        self.label.configure(text=text, style="Error.TLabel" if error else "Status.TLabel")
