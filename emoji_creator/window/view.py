"""The window's widgets laid out: the feed, the strip under it, the side panel (emoji, bars,
controls), the status line; the keys; the compact layout of a small window. No flow here: every
key and button calls act(name), and show_booth() redraws what the booth's mode allows.

    view = View(root, act, emoji_dir, detector, settings_values, notice)
    view.feed.show(frame); view.emotion.show(faces); view.say("saved …")
"""
import tkinter as tk
from tkinter import ttk

from PIL import Image, ImageTk

from .. import CLASSES
from ..files import open_image
from ..pictures import load_emojis
from .dialogs import StatusLine
from .feed import MIN_VIEW, VIEW_SIZE, Feed
from .side import Controls, EmotionPanel
from .strip import Strip

# Every usual way out, and each key whatever the Shift or Caps Lock state.
KEYS = {"quit": ("<KeyPress-q>", "<KeyPress-Q>", "<Control-q>", "<Control-w>"),
        "save": ("<KeyPress-s>", "<KeyPress-S>"), "pause": ("<space>",),
        "mask": ("<KeyPress-m>", "<KeyPress-M>"), "record": ("<KeyPress-r>", "<KeyPress-R>"),
        "labels": ("<KeyPress-l>", "<KeyPress-L>"), "timer": ("<KeyPress-t>", "<KeyPress-T>"),
        "next": ("<Right>", "<Next>"), "previous": ("<Left>", "<Prior>"), "fullscreen": ("<F11>",)}


class View:
    """The widgets of one window. act(action, toggle=True, path=None) is the App's one door."""

    def __init__(self, root, act, emoji_dir, detector, start=None, notice=""):
        self.root = root
        root.title("Emoji Creator")
        self._styles(root)
        self._icon(root, emoji_dir)
        root.rowconfigure(0, weight=1)
        root.columnconfigure(0, weight=1)
        outer = ttk.Frame(root, padding=8)
        outer.grid(sticky="nsew")
        outer.rowconfigure(0, weight=1)
        outer.columnconfigure(0, weight=1)
        self.feed = Feed(outer, root)
        self.feed.holder.grid(row=0, column=0, sticky="nsew")
        self.strip = Strip(outer, root, lambda p: act("open_picture", path=p), lambda: act("open_folder"))
        self.strip.frame.grid(row=1, column=0, sticky="ew", pady=(6, 0))
        self.side = side = ttk.Frame(outer, padding=(12, 0, 0, 0))
        side.grid(row=0, column=1, rowspan=2, sticky="n")
        self.emoji_sources, missing = load_emojis(emoji_dir, CLASSES, size=None)  # full size: Save and the mask
        self.emotion = EmotionPanel(side, root, self.emoji_sources, CLASSES)
        if missing:
            notice = "\n".join(filter(None, [notice, "missing emoji file(s): " + ", ".join(p.name for p in missing)
                                             + f" in {emoji_dir}; showing the emotion name instead"]))
        self.controls = Controls(side, root, act, detector, notice=notice, start=start)
        self.status_line = StatusLine(outer)
        self.status_line.box.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(6, 0))
        self._keys(root, act)

    @staticmethod
    def _styles(root):
        style = ttk.Style(root)
        style.configure("Name.TLabel", font=("TkDefaultFont", 20, "bold"))
        style.configure("Small.Name.TLabel", font=("TkDefaultFont", 14, "bold"))
        style.configure("Status.TLabel", foreground="#333")
        style.configure("Error.TLabel", foreground="#b00020")

    def _icon(self, root, emoji_dir):
        """The happy emoji as the window's icon (taskbar, Alt-Tab); without its file, Tk's own."""
        self.icon = None
        try:
            icon = open_image(emoji_dir / "happy.png", max_pixels=16_000_000)
            self.icon = ImageTk.PhotoImage(icon.convert("RGBA").resize((64, 64), Image.LANCZOS), master=root)
            root.iconphoto(True, self.icon)
        except (AttributeError, OSError, ValueError, tk.TclError):
            pass

    def _keys(self, root, act):
        for action, names in KEYS.items():
            for key in names:
                root.bind(key, lambda e, a=action: act(a))
        # A clicked control keeps the keyboard focus, and Tk's own binding makes Space press it:
        # after a click on Save, Space saved again instead of pausing. Space is the window's key
        # everywhere ("break": the control's own binding never runs). The controls stay focusable,
        # so Tab still reaches them.
        for widget in (*self.controls.focusable(), self.strip.folder_button):
            widget.bind("<Key-space>", lambda e: act("pause") or "break")

    def say(self, text, error=False):
        self.status_line.say(text, error)

    def show_placeholder(self, text):
        """Nothing to show: the text in the feed's place, and the side panel empty."""
        self.emotion.show([])
        self.emotion.set_text(text.lower())
        self.feed.show_text(text)

    def show_booth(self, why_not, recording):
        self.controls.show_available(why_not, recording)

    # -- size -----------------------------------------------------------------
    def compact(self, on):
        """The side panel's layout for a small window (no bars, a small emoji, no keys' help) or a big one."""
        self.emotion.set_compact(on)
        self.controls.set_compact(on)

    def fix_sizes(self):
        """The smallest size that shows every control (measured compact, with the feed at its minimum),
        then the natural size as a size of its own: a layout change inside never resizes the window
        (left to resize itself, it shrank into the compact layout and stayed there). Only the user and
        the window manager resize it; a window lower than the full side panel gets the compact one."""
        root = self.root
        root.update_idletasks()
        full_height = self.side.winfo_reqheight() + 16
        self.compact(True)
        self.feed.request(MIN_VIEW)
        root.update_idletasks()
        root.minsize(root.winfo_reqwidth(), root.winfo_reqheight())
        self.feed.request(VIEW_SIZE)
        self.compact(False)
        root.update_idletasks()
        root.geometry(f"{root.winfo_reqwidth()}x{root.winfo_reqheight()}")
        root.bind("<Configure>", lambda e: e.widget is root and self.compact(e.height < full_height), add="+")
