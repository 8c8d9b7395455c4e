"""Box geometry, in one place. A box is (x, y, w, h) in frame pixels; a rectangle given by its
corners is (x0, y0, x1, y1).

    iou(a, b)                   # intersection over union of two boxes
    overlap_of_smaller(a, b)    # 1 when one box lies inside the other, whatever their sizes
    shared_area(r, s)           # area two corner rectangles share (labels placed off other faces)
    iou_matrix(r, s)            # iou of every pair of corner rectangles, as arrays (BlazeFace's NMS)
    scale_boxes(boxes, 1.2, frame.shape)   # grown about their centres, square, clipped to the frame
    same_face(a, b)             # mostly inside one another, or the smaller's centre inside the larger
    merge_nested(boxes, scores)  # one box per face: of boxes on one face, the best
"""
import numpy as np

EMPTY = np.zeros((0, 4), np.int32)
MIN_FACE = 0.08  # smallest face given a label, as a fraction of the frame's shorter side
# Two boxes whose overlap covers this share of the smaller one are one face: IoU alone keeps a
# small box inside a large one (IoU 0.25 for a box of a quarter the area), a second label on one face.
NESTED = 0.6


def corners(box):
    x, y, w, h = box
    return x, y, x + w, y + h


def shared_area(r, s):
    """Area shared by two rectangles (x0, y0, x1, y1)."""
    return max(0, min(r[2], s[2]) - max(r[0], s[0])) * max(0, min(r[3], s[3]) - max(r[1], s[1]))


def iou(a, b):
    """Intersection over union of boxes a and b (x, y, w, h)."""
    inter = shared_area(corners(a), corners(b))
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter) if inter else 0.0


def overlap_of_smaller(a, b):
    """Intersection of boxes a and b (x, y, w, h) over the area of the smaller one: 1 when one
    lies inside the other, whatever their sizes."""
    smaller = min(a[2] * a[3], b[2] * b[3])
    return shared_area(corners(a), corners(b)) / smaller if smaller > 0 else 0.0


def iou_matrix(a, b):
    """Pairwise intersection over union of corner rectangles (x0, y0, x1, y1), as arrays."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda z: (z[:, 2] - z[:, 0]) * (z[:, 3] - z[:, 1])  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, 1e-12)


def scale_boxes(boxes, factor, frame_shape, shift=0.0):
    """Square boxes (x, y, w, h): each box grown or shrunk about its centre by `factor`,
    moved down by `shift` of its height (up when negative), clipped to the frame."""
    if len(boxes) == 0:
        return EMPTY
    b = np.asarray(boxes, np.float64)
    cx, cy = b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2 + shift * b[:, 3]
    side = np.maximum(b[:, 2], b[:, 3]) * factor
    h, w = frame_shape[:2]
    x0, y0 = np.clip(cx - side / 2, 0, w - 1), np.clip(cy - side / 2, 0, h - 1)
    x1, y1 = np.clip(cx + side / 2, 1, w), np.clip(cy + side / 2, 1, h)
    return np.round(np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)).astype(np.int32)


def centre_inside(a, b):
    """True when the centre of the smaller of boxes a and b lies inside the larger."""
    small, large = (a, b) if a[2] * a[3] <= b[2] * b[3] else (b, a)
    cx, cy = small[0] + small[2] / 2, small[1] + small[3] / 2
    return large[0] <= cx <= large[0] + large[2] and large[1] <= cy <= large[1] + large[3]


def same_face(a, b, nested=NESTED):
    """Two boxes on one face: their intersection covers `nested` of the smaller, or the smaller's
    centre lies inside the larger, or a box under half the other's side shares a quarter of its
    area with it (a finder's box on an eye or the forehead of a close-up face). Two faces' boxes
    do none of these: heads do not overlap that much."""
    shared = overlap_of_smaller(a, b)
    part = shared >= 0.25 and max(a[2], b[2]) >= 1.8 * min(a[2], b[2])
    return shared >= nested or part or centre_inside(a, b)


def merge_nested(boxes, scores, nested=NESTED):
    """One box per face: of boxes (x, y, w, h) on one face (same_face), only the best is kept
    (the higher score; for equal scores, as Haar's are, the larger). Returns (boxes, scores), best first."""
    if len(boxes) < 2:
        return boxes, scores
    b = np.asarray(boxes, np.float64)
    area = b[:, 2] * b[:, 3]
    order = np.lexsort((-area, -np.asarray(scores, np.float64)))  # score first, then area
    kept = []
    for i in order:
        if not any(same_face(b[i], b[k], nested) for k in kept):
            kept.append(i)
    kept = np.asarray(kept)
    return np.asarray(boxes)[kept], np.asarray(scores)[kept]
