"""The window's labeller: the live pipeline run on one frame at a time, in a worker thread that
never touches Tk (app.App submits frames on its tick and collects them on a later one).

    labeller = Labeller()
    labeller.submit(label_frame, pipeline, mask, class_names, frame, Drawing(mask=True, labels=False), repeat, fresh)
    result = labeller.done()   # None while in flight; then (picture, faces, repeat) or an exception
"""
import queue
import threading
from typing import NamedTuple

from ..overlay import draw_faces, mark_followed


class Drawing(NamedTuple):
    """How a frame is drawn: the emoji mask on each face; labels and bars over the mask too; the
    room the feed shows it in (labels are sized for the screen), None when unknown."""
    mask: bool = False
    labels: bool = False
    view: tuple = None  # (width, height)


def shown_width(frame_shape, view):
    """The width a frame is shown at in a view of (width, height), its aspect kept (feed.fit)."""
    if not view:
        return None
    h, w = frame_shape[:2]
    return w * min(view[0] / w, view[1] / h)


def label_frame(pipeline, mask, class_names, frame, drawing, repeat, fresh=False):
    """In the labeller's thread: faces found and classified, the frame drawn on. No Tk here.
    fresh: a still, labelled on its own (no face followed or smoothed from the frame before)."""
    if fresh:
        pipeline.restart()
    faces = pipeline.process(frame)
    if drawing.mask:
        mask.draw(frame, faces, class_names)
    if not drawing.mask or drawing.labels:
        # Under the mask the emoji marks the face: its box would only frame the emoji.
        draw_faces(frame, faces, class_names, draw_boxes=not drawing.mask, view_w=shown_width(frame.shape, drawing.view))
    return mark_followed(frame, faces, masked=drawing.mask), faces, repeat


class Labeller:
    """Runs the live pipeline on one frame at a time in a worker thread that never touches Tk.

    The tick submits a frame and, on a later tick, takes the labelled frame
    back (done()); while one is in flight the tick reads no other, so a file
    plays every frame and a camera simply drops the ones it delivers meanwhile.
    `lock` is held while the pipeline runs: the Tk thread takes it to switch
    the face finder between two frames.
    """

    def __init__(self):
        self.jobs = queue.Queue()
        self.result = None  # (picture, faces, repeat) or an exception, set by the worker
        self.busy = False  # a frame is in flight (read and written on the Tk thread only)
        self.lock = threading.Lock()
        # Not a daemon, as the loader: killed inside TensorFlow or LiteRT, a thread aborts the process.
        self.thread = threading.Thread(target=self._run, name="labeller", daemon=False)
        self.thread.start()

    def submit(self, work, *args):
        self.busy = True
        self.jobs.put((work, args))

    def done(self):
        """The finished frame's result, once (None while it is in flight or none was sent)."""
        result, self.result = self.result, None
        if result is not None:
            self.busy = False
        return result

    def _run(self):
        while True:
            try:
                job = self.jobs.get(timeout=0.5)
            except queue.Empty:
                # A window destroyed without close() (a test, an embedding program) never
                # says stop: once the main thread has finished, so does this one.
                if threading.main_thread().is_alive():
                    continue
                return
            if job is None:
                return
            work, args = job
            try:
                with self.lock:
                    out = work(*args)
            except Exception as exc:  # reaches the window as a message, not a silent thread death
                out = exc
            job = work = args = None  # hold nothing of the window's between frames
            self.result = out

    def stop(self, wait=True):
        """Let the worker end after the frame in hand (wait: until it has; a frame takes < 0.1 s)."""
        self.jobs.put(None)
        if wait:
            self.thread.join(timeout=5)
