"""The strip under the feed: the latest saved pictures and recordings, a click opens one.

    strip = Strip(outer, root, open_picture, open_folder)
    strip.load(folder); strip.add(path, pil_image, video=False)
"""
import tkinter as tk
from pathlib import Path
from tkinter import ttk

import cv2
import numpy as np
from PIL import Image, ImageTk

from ..files import is_regular, open_image, utf8_name

THUMB_H, THUMBS = 64, 8  # thumbnail height, how many
MAX_THUMB_SOURCE = 64_000_000  # a saved picture larger than this (8000x8000) gets no thumbnail


def video_thumbnail(path):
    """A video file's first frame as a PIL image, or None (not a regular file, not a video, or a name
    OpenCV's C++ reader cannot take: not UTF-8, which crashed the window's start)."""
    if not is_regular(path) or not utf8_name(Path(path).absolute()):
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

    SAVED = ("*.png", "*.mp4", "*.avi")  # a recording's GIF twin is not shown twice

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
            video = path.suffix in (".mp4", ".avi")
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
