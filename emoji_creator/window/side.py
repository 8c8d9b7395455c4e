"""The side panel: the emoji of the followed face with its name and bars, and the controls.

    emotion = EmotionPanel(side, root, emoji_files)        # emotion.show(faces)
    controls = Controls(side, root, act, detector)          # buttons, Save writes, the toggles, the finder

Every PhotoImage a panel shows stays referenced by it (Tk shows nothing otherwise).
"""
import tkinter as tk
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from .. import CLASSES
from ..detectors import DETECTORS
from ..overlay import main_face
from ..pictures import EMOJI_PX, looking_picture

SMALL_EMOJI_PX = 96  # the side panel's emoji in the compact layout
BAR_W, BAR_H = 150, 16
SAVE_MODES = (("composite", "with emojis"), ("frame", "frame"))
KEYS_HELP = ("keys: s save · r record · m mask · l labels · t self-timer · space pause · ← → a folder's photos · "
             "F11 full screen · q or Esc quit")


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
        # A folder's photos, one at a time (also the arrow keys).
        step = ttk.Frame(parent)
        step.grid(row=5, column=1, sticky="ew")
        step.columnconfigure((0, 1), weight=1)
        self.previous_button = ttk.Button(step, text="◀", width=3, command=lambda: act("previous"))
        self.next_button = ttk.Button(step, text="▶", width=3, command=lambda: act("next"))
        self.previous_button.grid(row=0, column=0, padx=2, pady=2, sticky="ew")
        self.next_button.grid(row=0, column=1, padx=2, pady=2, sticky="ew")
        # Each button's action, so that the booth's answer can show which are available now.
        self.actions = {self.save_button: "save", self.record_button: "record", self.save_to_button: "save_to",
                        self.open_button: "open", self.quit_button: "quit", self.previous_button: "previous",
                        self.next_button: "next"}
        # What Save writes: the picture an emoji creator makes, or the tutorial's annotated frame.
        self.save_mode = tk.StringVar(root, value=start.get("save_mode", "composite"))
        modes = ttk.Frame(parent)
        modes.grid(row=6, column=0, columnspan=2, pady=(6, 0), sticky="w")
        ttk.Label(modes, text="Save writes:").grid(row=0, column=0, padx=(0, 6))
        self.mode_buttons = {}
        for col, (value, text) in enumerate(SAVE_MODES, start=1):
            self.mode_buttons[value] = ttk.Radiobutton(modes, text=text, value=value, variable=self.save_mode)
            self.mode_buttons[value].grid(row=0, column=col, padx=(0, 6))
        # The toggles: each a checkbox in a two-column grid, its key in brackets.
        toggle_row = ttk.Frame(parent)
        toggle_row.grid(row=7, column=0, columnspan=2, pady=(4, 0), sticky="w")
        self.mask_on, self.labels_on, self.mirror_on, self.timer_on = (
            tk.BooleanVar(root, value=bool(start.get(k))) for k in ("mask", "labels", "mirror", "timer"))
        self.toggles = {}
        for i, (name, text, var) in enumerate((("mask", "Emoji mask (m)", self.mask_on),
                                               ("labels", "Labels on mask (l)", self.labels_on),
                                               ("mirror", "Mirror", self.mirror_on),
                                               ("timer", "Self-timer (t)", self.timer_on))):
            self.toggles[name] = ttk.Checkbutton(toggle_row, text=text, variable=var,
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
        return (*self.actions, self.detector_box, *self.mode_buttons.values(), *self.toggles.values())

    def show_available(self, why_not, recording):
        """Each button and toggle as the booth allows it now (why_not(action): None when allowed); Record
        reads Stop while recording."""
        self.record_button.configure(text="Stop" if recording else "Record")
        for widget, action in (*self.actions.items(), *((w, n) for n, w in self.toggles.items())):
            widget.state(["!disabled"] if why_not(action) is None else ["disabled"])
        self.detector_box.configure(state="readonly" if why_not("finder") is None else "disabled")

    def add_notice(self, text):
        old = self.notice.cget("text")
        self.notice.configure(text=f"{old}\n{text}" if old else text)
        self.notice.grid()
