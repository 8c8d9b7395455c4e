"""The pictures the window makes: the emoji files, the no-face outline, and what Save writes.

    emojis, missing = load_emojis(EMOJI_DIR)          # {class: RGBA image}, [missing files]
    picture = compose_picture(frame_bgr, [(emojis["happy"], "happy")])   # the frame, each face's emoji beside it
"""
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import CLASSES, EMOJI_DIR
from .files import open_image

EMOJI_PX = 200  # the side panel's emoji


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


def looking_picture(size=EMOJI_PX):
    """The emoji area while no face is seen: a dashed grey face outline."""

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


MAX_PANEL_FACES = 6  # a bigger group's panel shows its six largest faces
MIN_PICTURE_H = 240  # a smaller frame (a thumbnail, a 1x1 image) is enlarged so its panel has room for an emoji
MAX_PICTURE_W = 4096


def compose_picture(frame_bgr, emojis):
    """What Save writes by default: the frame with a panel beside it holding each face's emoji and
    its caption, as [(emoji RGBA image or None for the no-face outline, caption)], left to right as
    the faces stand in the frame. One face gets the whole panel; a group shares it in a grid. BGR."""
    emojis = list(emojis)[:MAX_PANEL_FACES] or [(None, "no face")]
    h, w = frame_bgr.shape[:2]
    if h < MIN_PICTURE_H:  # enlarged in whole pixels (crisp) so the emoji and its caption fit beside it,
        k = max(1, min(-(-MIN_PICTURE_H // h), MAX_PICTURE_W // w))  # never wider than MAX_PICTURE_W
        frame_bgr = cv2.resize(frame_bgr, (w * k, h * k), interpolation=cv2.INTER_NEAREST)
        pad = max(0, MIN_PICTURE_H - h * k)  # a strip-like frame: centred on the panel's grey
        frame_bgr = cv2.copyMakeBorder(frame_bgr, pad // 2, pad - pad // 2, 0, 0, cv2.BORDER_CONSTANT,
                                       value=(245, 245, 245))
        h, w = frame_bgr.shape[:2]
    pw = max(160, round(h * 0.7))
    panel = np.full((h, pw, 3), 245, np.uint8)
    cols = 1 if len(emojis) <= 2 else 2
    rows = -(-len(emojis) // cols)
    cw, ch = pw // cols, h // rows
    scale = max(0.5, h / 480) * (1.0 if len(emojis) == 1 else 0.75)
    thick = max(1, round(2 * scale))
    for i, (emoji, caption) in enumerate(emojis):
        cx0, cy0 = (i % cols) * cw, (i // cols) * ch
        (tw, th), _ = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        room = ch - th - round(24 * scale)  # the caption's line below the emoji
        side = max(16, min(cw - cw // 6, round(ch * 0.6) if len(emojis) == 1 else room))
        picture = (emoji or looking_picture(256)).resize((side, side), Image.LANCZOS)
        rgba = np.asarray(picture, np.float32)
        alpha = rgba[..., 3:] / 255.0
        x0 = cx0 + (cw - side) // 2
        y0 = cy0 + max(0, round(ch * 0.42 - side / 2) if len(emojis) == 1 else (room - side) // 2 + 4)
        roi = panel[y0:y0 + side, x0:x0 + side].astype(np.float32)
        panel[y0:y0 + side, x0:x0 + side] = (rgba[..., 2::-1] * alpha + roi * (1 - alpha)).astype(np.uint8)
        ty = min(cy0 + ch - 8, y0 + side + th + round(16 * scale))
        cv2.putText(panel, caption, (cx0 + (cw - tw) // 2, ty), cv2.FONT_HERSHEY_SIMPLEX, scale, (40, 40, 40),
                    thick, cv2.LINE_AA)
    return np.hstack([frame_bgr, panel])
