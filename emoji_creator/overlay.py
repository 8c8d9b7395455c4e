"""Drawing on frames: each face's box, label and probability panel (placed so that none covers
another face), and the emoji mask.

    frame = draw_faces(frame, faces, class_names)   # boxes, labels, bars (layout() says where)
    EmojiMask(emojis).draw(frame, faces, class_names)
    mark_followed(frame, faces)                      # which face the window's side panel follows
"""
import cv2
import numpy as np

from . import CLASSES
from .boxes import shared_area

BOX_COLOUR = (60, 200, 60)
PANEL_W, ROW_H = 104, 14  # the on-frame probability panel: 7 rows of bar + class initials


def _place(options, frame_shape, taken):
    """The first option rectangle inside the frame that covers nothing taken; else the least bad."""
    h, w = frame_shape[:2]

    def cost(r):
        outside = (r[0] < 0) + (r[1] < 0) + (r[2] > w) + (r[3] > h)
        return (outside > 0, sum(shared_area(r, t) for t in taken))

    r = min(options, key=cost)  # min() keeps the earliest of equals: the preferred place
    dx = -min(0, r[0]) - max(0, r[2] - w)  # then nudge it into the frame
    dy = -min(0, r[1]) - max(0, r[3] - h)
    return (r[0] + dx, r[1] + dy, r[2] + dx, r[3] + dy)


def main_face(faces):
    """The face the side panel follows and Save names first: the largest (the user, nearest the camera)."""
    return max(faces, key=lambda f: f.box[2] * f.box[3]) if faces else None


FOLLOWED = (61, 200, 255)  # BGR: the window's Save-flash yellow


def mark_followed(frame, faces, masked=False):
    """Mark the face the side panel follows, when there is more than one to tell it from: its box in
    yellow, or, under the emoji mask, a small yellow triangle above its emoji. In place; returns frame."""
    if len(faces) < 2:
        return frame
    x, y, w, h = main_face(faces).box
    if not masked:
        cv2.rectangle(frame, (x, y), (x + w, y + h), FOLLOWED, 3)
        return frame
    side = int(np.clip(w * 0.15, 8, 24))
    cx, tip = x + w // 2, max(side, y - int(h * (EmojiMask.SCALE - 1) / 2) - 3)
    points = np.array([(cx - side, tip - side), (cx + side, tip - side), (cx, tip)], np.int32)
    cv2.fillConvexPoly(frame, points, FOLLOWED, cv2.LINE_AA)
    cv2.polylines(frame, [points], True, (0, 0, 0), 1, cv2.LINE_AA)
    return frame


COMPACT_PX = 100  # a face narrower than this on screen gets the compact label (its class alone), no bars
FULL_SCALE, COMPACT_SCALE, INSIDE_SCALE = 0.6, 0.5, 0.4  # font scales as drawn on a 640-wide frame


def view_scale(frame_shape, view_w=None):
    """Screen pixels per frame pixel: the frame shown view_w wide (the window's feed), or, when
    that is unknown (a saved picture, useIt.py), as a picture is looked at: its own width, but
    no narrower than 640 and no wider than 1280 (a 4K frame is seen shrunk, a 320x240 GIF enlarged)."""
    w = frame_shape[1]
    return (view_w or min(max(w, 640), 1280)) / w


def label_factor(face_w, s):
    """How much larger than on a 640-wide frame a face's label and bars are drawn, in frame pixels:
    as on that frame on screen, up to 1.7x for a face that is large on screen (a close-up)."""
    return float(np.clip(face_w * s / 120, 1.0, 1.7)) / s


def layout(faces, frame_shape, class_names=CLASSES, view_w=None):
    """Where each face's label and bar panel go: [(label rect, text, font scale, panel rect or None)],
    rects as (x0, y0, x1, y1). A pure function, so the rules can be tested without pixels.

    Sizes follow the face's size on screen (view_scale, label_factor), so a label reads alike
    on a 4K photo and on a small GIF. One rule says which label a face gets: the full one (class,
    percentage and the bar panel) when the face is at least COMPACT_PX wide on screen and both
    fit clear of every other face and label; else the compact one (the class alone) beside the
    face, or inside its own box when even that would cover another face. Nothing ever covers
    another face.
    """
    s = view_scale(frame_shape, view_w)
    boxes = [(x, y, x + w, y + h) for x, y, w, h in (f.box for f in faces)]
    taken, out = list(boxes), []
    for i, (face, (x0, y0, x1, y1)) in enumerate(zip(faces, boxes)):
        others = taken[:i] + taken[i + 1:]
        k = label_factor(x1 - x0, s)
        name = class_names[face.label]
        full = None
        if (x1 - x0) * s >= COMPACT_PX:
            full = _full(f"{name} {face.confidence:.0%}", FULL_SCALE * k, k, boxes[i], frame_shape, others,
                         len(class_names))
        if full is None:
            label, text, scale = _compact(name, k, boxes[i], frame_shape, others)
            panel = None
        else:
            label, panel = full
            text, scale = f"{name} {face.confidence:.0%}", FULL_SCALE * k
            taken.append(panel)
        taken.append(label)
        out.append((label, text, scale, panel))
    return out


def _label_options(x0, y0, x1, y1, lw, lh):
    """Where a label may go, best first: above its face, below it, inside its top-left corner."""
    gap = max(2, round(lh / 10))
    return [(x0, y0 - lh - gap, x0 + lw, y0 - gap), (x0, y1 + gap, x0 + lw, y1 + lh + gap),
            (x0 + gap, y0 + gap, x0 + lw + gap, y0 + lh + gap)]


def _full(text, scale, k, box, frame_shape, others, rows):
    """(label rect, panel rect) for the full label, or None when they cannot both go clear of
    every other face and label."""
    x0, y0, x1, y1 = box
    lw, lh = label_size(text, scale)
    label = _place(_label_options(x0, y0, x1, y1, lw, lh), frame_shape, others)
    if any(shared_area(label, b) for b in others):
        return None
    pw, ph, g = round(PANEL_W * k), round((ROW_H * rows + 6) * k), round(6 * k)
    panel = _place([(x1 + g, y0, x1 + g + pw, y0 + ph), (x0 - g - pw, y0, x0 - g, y0 + ph),
                    (x0, y1 + g, x0 + pw, y1 + g + ph), (x0, y0 - g - ph, x0 + pw, y0 - g),
                    (x0, min(y0, label[1]) - 4 - ph, x0 + pw, min(y0, label[1]) - 4)],  # above the label
                   frame_shape, others + [label])
    if any(shared_area(panel, t) for t in others + [label]):
        return None
    return label, panel


def _compact(name, k, box, frame_shape, others):
    """(label rect, text, scale) for the compact label: beside the face, else inside its own box."""
    x0, y0, x1, y1 = box
    scale = COMPACT_SCALE * k
    lw, lh = label_size(name, scale)
    label = _place(_label_options(x0, y0, x1, y1, lw, lh), frame_shape, others)
    if any(shared_area(label, b) for b in others):  # no room outside: the class name inside its own box
        scale = INSIDE_SCALE * k
        lw, lh = label_size(name, scale)
        label = (x0 + 1, y0 + 1, min(x1 - 1, x0 + 1 + lw), y0 + 1 + lh)
    return label, name, scale


def thickness(scale):
    """Stroke width for text at this font scale: 1 up to 0.5, then growing with it."""
    return 1 if scale < 0.5 else max(2, round(scale * 3))


def label_size(text, scale):
    """(width, height) of a label's filled rectangle for text at this font scale."""
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness(scale))
    pad = max(3, round(th / 4))
    return tw + 2 * pad, th + round(1.6 * pad) + 3


def draw_faces(frame, faces, class_names=CLASSES, draw_boxes=True, view_w=None):
    """Draw each face's box, its label with confidence and a panel of seven probability bars, in place,
    where layout() puts them (view_w: the width the frame is shown at, when known). draw_boxes=False
    leaves the boxes out (the window's emoji mask marks the faces instead).

    Everything drawn comes from the same face.probs: the label is its top
    class, the percentage that class's probability, the highlighted bar the
    same class. The panel has its own dark backdrop, so it reads on light and
    dark scenes alike.
    """
    s = view_scale(frame.shape, view_w)
    line = max(2, round(2 / s))
    for face, (label, text, scale, panel) in zip(faces, layout(faces, frame.shape, class_names, view_w)):
        x, y, w, h = face.box
        if draw_boxes:
            cv2.rectangle(frame, (x, y), (x + w, y + h), BOX_COLOUR, line)
        cv2.rectangle(frame, label[:2], label[2:], BOX_COLOUR, -1)
        (_, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness(scale))
        pad = (label[3] - label[1] - th) // 2
        cv2.putText(frame, text, (label[0] + max(3, round(th / 4)), label[3] - pad), cv2.FONT_HERSHEY_SIMPLEX,
                    scale, (0, 0, 0), thickness(scale), cv2.LINE_AA)
        if panel is not None:
            _draw_panel(frame, face, panel, scale / FULL_SCALE, class_names)
    return frame


def _draw_panel(frame, face, panel, k, class_names):
    """The seven probability bars, k times their size on a 640-wide frame."""
    px, py = panel[0], panel[1]
    roi = frame[max(0, py):panel[3], max(0, px):panel[2]]
    roi[:] = (roi * 0.35).astype(frame.dtype)  # a dark, see-through backdrop
    r = lambda v: int(round(v * k))  # noqa: E731
    font = 0.38 * k
    for i, (name, p) in enumerate(zip(class_names, face.probs)):
        by = py + r(4 + i * ROW_H)
        cv2.rectangle(frame, (px + r(4), by), (px + r(54), by + r(10)), (90, 90, 90), -1)
        cv2.rectangle(frame, (px + r(4), by), (px + r(4) + int(round(50 * k * float(p))), by + r(10)),
                      BOX_COLOUR if i == face.label else (215, 215, 215), -1)
        cv2.putText(frame, name[:3], (px + r(58), by + r(9)), cv2.FONT_HERSHEY_SIMPLEX, font,
                    (255, 255, 255), 1 if font < 0.6 else max(1, round(font * 2)), cv2.LINE_AA)


class EmojiMask:
    """Draws each face's emoji over that face: the 'emoji mask'.

    sources: {class name: RGBA image array (h, w, 4), RGB order}. The emoji is
    scaled to the face box (a little larger: a head is wider than the box a
    finder draws), centred on it and alpha-blended into the BGR frame, so its
    round edge shows the scene behind. Scaled copies are cached by size:
    a face that holds still costs one blend a frame, not a resize.
    """

    SCALE = 1.15

    def __init__(self, sources):
        self.sources = {name: cv2.cvtColor(np.asarray(im), cv2.COLOR_RGBA2BGRA) for name, im in sources.items()}
        self.cache = {}

    def scaled(self, name, side):
        key = (name, side)
        if key not in self.cache:
            if len(self.cache) >= 16:  # tracked boxes change size a little each frame: keep few
                self.cache.clear()
            src = self.sources[name]
            interp = cv2.INTER_AREA if side < src.shape[0] else cv2.INTER_LINEAR
            bgra = cv2.resize(src, (side, side), interpolation=interp).astype(np.float32)
            self.cache[key] = (bgra[..., :3], bgra[..., 3:] / 255.0)
        return self.cache[key]

    def draw(self, frame, faces, class_names=CLASSES):
        """Blend the emoji of each face's label over it, in place; returns frame."""
        h, w = frame.shape[:2]
        for face in faces:
            name = class_names[face.label]
            if name not in self.sources:
                continue  # a missing emoji file: that face keeps its box and label only
            x, y, bw, bh = face.box
            side = max(1, int(round(max(bw, bh) * self.SCALE)))
            x0, y0 = int(round(x + bw / 2 - side / 2)), int(round(y + bh / 2 - side / 2))
            fx0, fy0, fx1, fy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
            if fx1 <= fx0 or fy1 <= fy0:
                continue
            colour, alpha = self.scaled(name, side)
            sy, sx = slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0)
            roi = frame[fy0:fy1, fx0:fx1]
            a = alpha[sy, sx]
            roi[:] = (colour[sy, sx] * a + roi * (1.0 - a)).astype(frame.dtype)
        return frame
