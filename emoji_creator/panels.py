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
from .pictures import EMOJI_PX, looking_picture

VIEW_SIZE = (640, 480)  # the feed when the window opens
MIN_VIEW = (320, 240)  # the feed at the window's minimum size
BAR_W, BAR_H = 150, 16
THUMB_H, THUMBS = 64, 8  # the strip of saved pictures: thumbnail height, how many
STATUS_H = 44  # two lines of the status font: long messages wrap inside, never resize the window
FLASH = "#ffc83d"
BORDER = 3  # around the feed: the colour Save flashes
DARK = "#282828"
SAVE_MODES = (("composite", "frame + emoji"), ("frame", "frame only"))
KEYS_HELP = "keys: s save · m emoji mask · space pause · q or Esc quit"
MAX_THUMB_SOURCE = 64_000_000  # a saved picture larger than this (8000x8000) gets no thumbnail


def fit(frame_rgb, size=VIEW_SIZE):
    """Scale a frame to fit the view, keeping its aspect."""
    h, w = frame_rgb.shape[:2]
    s = max(1e-3, min(size[0] / w, size[1] / h))
    if abs(s - 1) < 1e-3:
        return frame_rgb
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR  # AREA enlarges in blocks
    return cv2.resize(frame_rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)


class Feed:
    """The live picture: a frame that takes the room the window gives it (its requested size is
    only where it starts), the picture centred in it by place(), a border Save flashes."""

    def __init__(self, parent, root):
        self.root, self.view_size, self.shown, self.placeholder, self.flashes = root, VIEW_SIZE, None, None, 0
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
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if bgr else frame
        image = Image.fromarray(fit(rgb, self.view_size))
        if (self.photo.width(), self.photo.height()) == image.size:
            self.photo.paste(image)  # reuse the Tk image: no new one per frame, memory stays flat
        else:
            self.photo = ImageTk.PhotoImage(image, master=self.root)
            self.view.configure(image=self.photo)

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
        self.photos = {name: ImageTk.PhotoImage(im.resize((EMOJI_PX, EMOJI_PX), Image.LANCZOS), master=root)
                       for name, im in emoji_files.items()}
        self.blank = ImageTk.PhotoImage(looking_picture(), master=root)  # no face: an outline, not a hole
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
        for i, ((bar, pct), p) in enumerate(zip(self.bar_items, probs)):
            y = i * (BAR_H + 6)
            self.bars.coords(bar, 70, y, 70 + BAR_W * float(p), y + BAR_H)
            self.bars.itemconfigure(bar, fill="#3a9d5d" if i == label else "#9aa")
            self.bars.itemconfigure(pct, text=f"{float(p):.0%}" if label is not None else "")


def main_face(faces):
    """The face the side panel follows and Save names: the largest (the user, nearest the camera)."""
    return max(faces, key=lambda f: f.box[2] * f.box[3]) if faces else None


class Strip:
    """The latest saved pictures, newest first; a click opens one, Open folder the folder."""

    def __init__(self, parent, root, open_picture, open_folder):
        self.root, self.open_picture = root, open_picture
        self.frame = ttk.Frame(parent, height=THUMB_H + 30)
        self.frame.pack_propagate(False)
        head = ttk.Frame(self.frame)
        head.pack(side="top", fill="x")
        ttk.Label(head, text="Saved pictures", style="Status.TLabel").pack(side="left")
        self.folder_button = ttk.Button(head, text="Open folder", command=open_folder)
        self.folder_button.pack(side="right")
        self.row = ttk.Frame(self.frame)
        self.row.pack(side="top", fill="both", expand=True)
        self.thumbs = []  # (path, PhotoImage, Label), newest first

    def load(self, folder):
        """Fill the strip with the newest pictures already in `folder` (earlier sessions')."""
        for _, _, label in self.thumbs:
            label.destroy()
        self.thumbs = []
        try:
            found = sorted((p for p in Path(folder).glob("*.png") if not p.name.startswith(".") and is_regular(p)),
                           key=lambda p: p.stat().st_mtime)[-THUMBS:]
        except OSError:
            found = []
        for path in found:
            im = open_image(path, max_pixels=MAX_THUMB_SOURCE)  # a FIFO, a bomb, a fake: no thumbnail
            if im is not None:
                self.add(path, im.convert("RGB"))

    def add(self, path, image):
        image = image.copy()
        image.thumbnail((THUMB_H * 3, THUMB_H), Image.LANCZOS)
        photo = ImageTk.PhotoImage(image, master=self.root)
        label = tk.Label(self.row, image=photo, cursor="hand2", borderwidth=1, relief="solid")
        label.bind("<Button-1>", lambda e, p=path: self.open_picture(p))
        label.pack(side="left", padx=(0, 6), before=self.thumbs[0][2] if self.thumbs else None)
        self.thumbs.insert(0, (path, photo, label))
        for _, _, old in self.thumbs[THUMBS:]:
            old.destroy()
        del self.thumbs[THUMBS:]


class Controls:
    """The buttons, what Save writes, the emoji mask and the face finder; each calls act(name)."""

    def __init__(self, parent, root, act, detector, notice=""):
        self.save_button = ttk.Button(parent, text="Save", command=lambda: act("save"))
        self.save_to_button = ttk.Button(parent, text="Save to…", command=lambda: act("save_to"))
        self.open_button = ttk.Button(parent, text="Open file…", command=lambda: act("open"))
        self.quit_button = ttk.Button(parent, text="Quit", command=lambda: act("quit"))
        for i, b in enumerate((self.save_button, self.save_to_button, self.open_button, self.quit_button)):
            b.grid(row=3 + i // 2, column=i % 2, padx=2, pady=2, sticky="ew")
        # What Save writes: the picture an emoji creator makes, or the tutorial's annotated frame.
        self.save_mode = tk.StringVar(root, value="composite")
        modes = ttk.Frame(parent)
        modes.grid(row=5, column=0, columnspan=2, pady=(8, 0), sticky="w")
        ttk.Label(modes, text="Save writes:").grid(row=0, column=0, padx=(0, 6))
        self.mode_buttons = {}
        for col, (value, text) in enumerate(SAVE_MODES, start=1):
            self.mode_buttons[value] = ttk.Radiobutton(modes, text=text, value=value, variable=self.save_mode)
            self.mode_buttons[value].grid(row=0, column=col, padx=(0, 6))
        self.mask_on = tk.BooleanVar(root, value=False)
        self.mask_button = ttk.Checkbutton(parent, text="Emoji mask: each face wears its emoji",
                                           variable=self.mask_on, command=lambda: act("mask", toggle=False))
        self.mask_button.grid(row=6, column=0, columnspan=2, pady=(6, 0), sticky="w")
        finder = ttk.Frame(parent)
        finder.grid(row=7, column=0, columnspan=2, pady=(8, 0), sticky="w")
        ttk.Label(finder, text="Face finder:").grid(row=0, column=0, padx=(0, 6))
        self.detector = tk.StringVar(root, value=detector)
        self.detector_box = ttk.Combobox(finder, textvariable=self.detector, values=DETECTORS, state="readonly",
                                         width=10)
        self.detector_box.grid(row=0, column=1)
        self.detector_box.bind("<<ComboboxSelected>>", lambda e: act("finder"))
        self.help = ttk.Label(parent, text=KEYS_HELP, style="Status.TLabel")
        self.help.grid(row=8, column=0, columnspan=2, pady=(10, 0), sticky="w")
        # A lasting notice, apart from the status line that every event rewrites.
        self.notice = ttk.Label(parent, style="Error.TLabel", wraplength=260, text=notice)
        self.notice.grid(row=9, column=0, columnspan=2, pady=(8, 0), sticky="w")


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
