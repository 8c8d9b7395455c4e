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


COMPACT_PX = 100  # a face narrower than this gets a compact label (its class alone) and no bar panel


def layout(faces, frame_shape, class_names=CLASSES):
    """Where each face's label and bar panel go: [(label rect, text, font scale, panel rect or None)],
    rects as (x0, y0, x1, y1). A pure function, so the rules can be tested without pixels.

    Labels and panels go clear of every face box and of each other where the frame has room.
    Neither ever covers another face: a panel that would is left out, and a label that would
    shrinks to its class name inside its own face's box. Faces narrower than COMPACT_PX (far
    faces, groups) get the compact label and no panel from the start.
    """
    boxes = [(x, y, x + w, y + h) for x, y, w, h in (f.box for f in faces)]
    taken, out = list(boxes), []
    for i, (face, (x0, y0, x1, y1)) in enumerate(zip(faces, boxes)):
        others = boxes[:i] + boxes[i + 1:]
        compact = x1 - x0 < COMPACT_PX
        name = class_names[face.label]
        text = name if compact else f"{name} {face.confidence:.0%}"
        scale = 0.45 if compact else 0.6
        lw, lh = label_size(text, scale)
        label = _place([(x0, y0 - lh - 2, x0 + lw, y0 - 2), (x0, y1 + 2, x0 + lw, y1 + lh + 2),
                        (x0 + 2, y0 + 2, x0 + lw + 2, y0 + lh + 2)], frame_shape, taken[:i] + taken[i + 1:])
        if any(shared_area(label, b) for b in others):  # no room outside: the class name inside its own box
            text, scale = name, 0.4
            lw, lh = label_size(text, scale)
            label = (x0 + 1, y0 + 1, min(x1 - 1, x0 + 1 + lw), y0 + 1 + lh)
        taken.append(label)
        panel = None
        if not compact:
            ph = ROW_H * len(class_names) + 6
            panel = _place([(x1 + 6, y0, x1 + 6 + PANEL_W, y0 + ph), (x0 - 6 - PANEL_W, y0, x0 - 6, y0 + ph),
                            (x0, y1 + 6, x0 + PANEL_W, y1 + 6 + ph), (x0, y0 - 6 - ph, x0 + PANEL_W, y0 - 6),
                            (x0, min(y0, label[1]) - 4 - ph, x0 + PANEL_W, min(y0, label[1]) - 4)],  # above the label
                           frame_shape, taken)
            if any(shared_area(panel, t) for t in taken if t != boxes[i]):
                panel = None  # no free room: the label says it, the bars would hide a face or a label
            else:
                taken.append(panel)
        out.append((label, text, scale, panel))
    return out


def label_size(text, scale):
    """(width, height) of a label's filled rectangle for text at this font scale."""
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1 if scale < 0.5 else 2)
    return tw + 6, th + 8


def draw_faces(frame, faces, class_names=CLASSES, draw_boxes=True):
    """Draw each face's box, its label with confidence and a panel of seven probability bars, in place,
    where layout() puts them. draw_boxes=False leaves the boxes out (the window's emoji mask marks
    the faces instead).

    Everything drawn comes from the same face.probs: the label is its top
    class, the percentage that class's probability, the highlighted bar the
    same class. The panel has its own dark backdrop, so it reads on light and
    dark scenes alike.
    """
    for face, (label, text, scale, panel) in zip(faces, layout(faces, frame.shape, class_names)):
        x, y, w, h = face.box
        if draw_boxes:
            cv2.rectangle(frame, (x, y), (x + w, y + h), BOX_COLOUR, 2)
        cv2.rectangle(frame, label[:2], label[2:], BOX_COLOUR, -1)
        cv2.putText(frame, text, (label[0] + 3, label[3] - 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0),
                    1 if scale < 0.5 else 2, cv2.LINE_AA)
        if panel is None:
            continue
        px, py = panel[0], panel[1]
        roi = frame[max(0, py):panel[3], max(0, px):panel[2]]
        roi[:] = (roi * 0.35).astype(frame.dtype)  # a dark, see-through backdrop
        for i, (name, p) in enumerate(zip(class_names, face.probs)):
            by = py + 4 + i * ROW_H
            cv2.rectangle(frame, (px + 4, by), (px + 54, by + 10), (90, 90, 90), -1)
            cv2.rectangle(frame, (px + 4, by), (px + 4 + int(round(50 * float(p))), by + 10),
                          BOX_COLOUR if i == face.label else (215, 215, 215), -1)
            cv2.putText(frame, name[:3], (px + 58, by + 9), cv2.FONT_HERSHEY_SIMPLEX, 0.38,
                        (255, 255, 255), 1, cv2.LINE_AA)
    return frame


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
