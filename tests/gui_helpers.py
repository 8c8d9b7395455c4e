"""What the window tests share: pump the Tk loop until something holds, and look at what is shown."""
import time


def pump(root, until, timeout=60):
    deadline = time.time() + timeout
    while not until() and time.time() < deadline:
        root.update()
        time.sleep(0.005)
    assert until(), "the window never got there"


def settle(root, seconds=0.4):
    end = time.time() + seconds
    while time.time() < end:
        root.update()
        time.sleep(0.01)


def inside(widget, root):
    """The widget is shown and wholly within the window."""
    x, y = widget.winfo_rootx() - root.winfo_rootx(), widget.winfo_rooty() - root.winfo_rooty()
    return (widget.winfo_ismapped() and x >= 0 and y >= 0 and x + widget.winfo_width() <= root.winfo_width()
            and y + widget.winfo_height() <= root.winfo_height())


def saturated(bgr):
    """Fraction of clearly coloured pixels: the emojis are yellow, FER2013 faces are grey."""
    import cv2
    import numpy as np

    return float((cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2HSV)[..., 1] > 120).mean())
