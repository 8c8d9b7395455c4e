"""The feed: the live picture, taking whatever room the window gives it, with its badges (the
self-timer's number, the recording's red dot) and the border Save flashes.

    feed = Feed(outer, root)
    feed.show(frame_bgr); feed.show_text("No camera"); feed.badges["rec"] = "REC 0:05"; feed.refresh()

Every PhotoImage it shows stays referenced by it (Tk shows nothing otherwise).
"""
import tkinter as tk

import cv2
import numpy as np
from PIL import Image, ImageTk

VIEW_SIZE = (640, 480)  # the feed when the window opens
MIN_VIEW = (160, 120)  # the feed at the window's minimum size (the compact layout)
FLASH = "#ffc83d"
FLASH_RGB = (255, 200, 61)
BORDER = 3  # around the feed: the colour Save flashes
DARK = "#282828"


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
