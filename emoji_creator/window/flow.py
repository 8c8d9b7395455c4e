"""The flow: what the feed shows and how it gets there. The player's frames go through the labeller
onto the view; a still (a photo, one of a folder's) is labelled on its own; a frame shown while the
model loads is labelled once it arrives; a paused or still picture is labelled again when the drawing (mask,
labels) or the face finder changes. No user action decides anything here: the App asks the booth first.

    flow = Flow(booth, view, player, loader, labeller, stats, shutter, wake=app_again, remember=keep)
    flow.set_source("pictures/")   # the first photo, labelled on its own
    flow.step(+1)                  # the next photo
    flow.poll_loader(); flow.collect(); flow.read_next()   # on the tick
"""
import cv2

from .. import CLASSES, UserError
from ..overlay import EmojiMask
from ..sources import CAMERA
from .booth import Mode
from .labeller import Drawing, label_frame


class Flow:
    """mirror: None mirrors a camera (as remembered in settings) and no file; True or False every source.
    wake(ms): schedule the tick; remember(**values): keep a setting for the next start."""

    def __init__(self, booth, view, player, loader, labeller, stats, shutter, wake, remember, mirror=None,
                 settings=None):
        self.booth, self.view, self.player, self.loader, self.labeller = booth, view, player, loader, labeller
        self.stats, self.shutter, self.wake, self.remember = stats, shutter, wake, remember
        self.mirror, self.settings = mirror, settings
        self.mask = EmojiMask(view.emoji_sources)
        self.pipeline, self.load_error, self.class_names = None, None, CLASSES
        self.frame, self.faces = None, []  # what the feed shows, as labelled
        self.raw, self.pending, self.fresh = None, None, False  # the frame as read; one waiting for the model
        self.relabelling = False  # a paused or still picture is being labelled again
        self.relabel_due = False  # asked for while the labeller was busy: done when it is free

    # -- sources ----------------------------------------------------------------------
    def set_source(self, spec, again=False, browse=False):
        """Show frames from spec; again: the same video from its start (--loop), its mirror kept, unsaid.
        browse: a single photo opens with its folder's other photos a step away (Open file…)."""
        self.pending, self.relabel_due = None, False
        try:
            self.player.open(spec, browse=browse)
        except UserError as exc:
            self.player.release()
            why = str(exc).rstrip(".")
            self.view.say(f"{why}{'' if why.endswith(('?', '!')) else '.'} Click 'Open file…' to play a video or "
                          f"an image instead.", error=True)
            self._clear("No camera" if str(spec).isdigit() else "No source")
            self.source_gone()
            return
        source = self.player.source
        if not again:
            # A selfie view for a camera (as remembered), a file as it was filmed, unless --mirror says.
            self.view.controls.mirror_on.set(self.mirror if self.mirror is not None else source.is_camera
                                             and (self.settings is None or self.settings.get("mirror", True)))
            self.view.say(f"showing {source.name}")
        self.booth.event("source_opened", kind=source.kind)
        if not source.moving:
            self._read_still(source.read())
        self.wake(1)

    def _read_still(self, frame):
        """A still (a photo, one of a folder's) was read: labelled on its own, or shown while the model loads."""
        if frame is None:  # every photo there was unreadable (each said on stderr)
            self._clear("Cannot read")
            self.source_gone(f"{self.player.source.name} could not be read: it is not an image that can be "
                             f"decoded. Click 'Open file…' to pick another.", error=True)
            return
        if self.view.controls.mirror_on.get():
            frame = cv2.flip(frame, 1)
        self._label_or_show(frame, fresh=True)
        self.view.say(self.showing())

    def showing(self):
        """The status line for the source shown now (a folder's photo: which, and how to step)."""
        source = self.player.source
        return f"showing {source.name}" + ("  (← → the others)" if len(source.images or ()) > 1 else "")

    def step(self, delta):
        """→ or ←: a folder's next or previous photo."""
        frame = self.player.step(delta)
        if frame is not None:
            self._read_still(frame)
            return
        count = len(self.player.source.images or ())
        self.view.say(f"this is the {'last' if delta > 0 else 'first'} photo of {count} in the folder" if count > 1
                      else "this is the only photo there is: 'Open file…' opens another")

    def _clear(self, text):
        """Nothing of the previous source stays on screen or in Save: the text in its place."""
        self.frame, self.faces, self.raw = None, [], None
        self.view.show_placeholder(text)

    def source_gone(self, text=None, error=False):
        """The source ended, failed or could not be opened: released, said, and the booth told."""
        self.player.release()
        if self.booth.mode is Mode.RECORDING:  # a recording ends with its source
            self.shutter.stop_recording()
        self.booth.event("source_ended")
        if text:
            self.view.say(text, error=error)

    def _label_or_show(self, frame, fresh=False, repeat=False):
        """Hand the frame to the labeller, or show it bare while the model loads (labelled once it is
        there). fresh: a still, labelled on its own (no face followed from the frame before); repeat: a
        frame shown already (not counted again)."""
        self.raw, self.fresh = frame.copy(), fresh  # a paused or still picture is labelled again from it
        if self.pipeline is not None:
            # Only plain values go to the worker, never the App or a Tk variable: the last reference to
            # a Tk object dropped in another thread makes Tcl abort the process.
            self.labeller.submit(label_frame, self.pipeline, self.mask, self.class_names, frame, self.drawing(),
                                 repeat, fresh)
            return
        self.frame, self.pending = frame, None if self.player.kind == CAMERA else frame.copy()
        self.view.feed.placeholder = None
        self.view.feed.show(frame)
        self.stats.frames_shown += 1

    def relabel(self):
        """A paused or still picture gets the drawing and the face finder now chosen: labelled again from
        its unlabelled copy (a playing source shows them from its next frame)."""
        if self.booth.showing not in (Mode.PAUSED, Mode.STILL, Mode.ENDED) or self.raw is None:
            return
        if self.pipeline is None or self.labeller.busy:  # done once the model or the frame in hand is
            self.relabel_due = True
            return
        self.relabelling, self.relabel_due = True, False
        self.labeller.submit(label_frame, self.pipeline, self.mask, self.class_names, self.raw.copy(),
                             self.drawing(), True, self.fresh)
        self.wake(2)

    def drawing(self):
        """How frames are drawn now, read here on the Tk thread (the worker gets plain values)."""
        return Drawing(mask=self.view.controls.mask_on.get(), labels=self.view.controls.labels_on.get(),
                       view=self.view.feed.view_size)

    def collect(self):
        """Show the frame the labeller finished, if it has; True when one was shown."""
        result = self.labeller.done()
        if result is None:
            return False
        if isinstance(result, Exception):
            self.view.say(f"this frame could not be labelled ({type(result).__name__}: {result})", error=True)
            return False
        self.frame, self.faces, repeat = result
        self.relabelling = False
        self.stats.labelled(self.faces)
        self.view.feed.placeholder = None
        self.view.feed.show(self.frame)
        self.view.emotion.class_names = self.class_names
        self.view.emotion.show(self.faces)
        self.stats.frames_shown += not repeat
        if self.relabel_due:
            self.relabel()
        return True

    # -- the model ------------------------------------------------------------------
    def poll_loader(self):
        """Once the model has loaded (or failed): the booth told, and a frame waiting for it labelled."""
        outcome = self.loader.poll()
        if outcome is None:
            return
        if outcome[0] == "failed":
            _, title, self.load_error = outcome
            self.view.emotion.set_text(title)
            self.view.say(self.load_error, error=True)
            self.booth.event("model_failed")
            return
        self.pipeline = outcome[1]
        self.class_names = self.pipeline.class_names
        self.view.controls.detector.set(self.pipeline.detector_name)
        self.booth.event("model_loaded")
        if self.player.source is not None:
            self.view.say(self.showing())
            self.view.emotion.set_text("no face yet")
        if self.pending is not None:  # a file's first frame or a still, shown while the model loaded
            self.pending, self.relabel_due = None, False  # labelled now, with the drawing chosen meanwhile
            self.player.restart_clock()  # the wait for the model is no reason to skip ahead
            self._label_or_show(self.raw, self.fresh, repeat=True)  # raw: flipped if the mirror changed since

    def read_next(self):
        """Read the source's next frame and hand it on; its end, loss or failure told. True when read."""
        frame, news = self.player.read(labelling=self.pipeline is not None)
        if frame is not None:
            if self.view.controls.mirror_on.get():
                frame = cv2.flip(frame, 1)
            self._label_or_show(frame)
            return True
        if news is None or news[0] == "again":  # nothing from the camera this time; --loop began again
            return False
        what, line = news
        if what == "ended":
            self.source_gone(line)
            return False
        if what == "unreadable":
            self._clear("Cannot read")
        self.source_gone(f"{line}. Click 'Open file…' to play a video or an image.", error=True)
        return False

    def switch_detector(self):
        name = self.view.controls.detector.get()
        if self.pipeline is None:
            self.view.say(f"no face finder can be used: {self.load_error or 'the model is not loaded'}", error=True)
            return
        if name == self.pipeline.detector_name:
            self.view.say(f"face finder: {name} (already in use)")
            return
        try:
            with self.labeller.lock:  # between two frames, never under one
                self.pipeline.set_detector(name)
        except UserError as exc:
            self.view.controls.detector.set(self.pipeline.detector_name)
            self.view.say(f"{exc}".replace(", or use --detector haar", ""), error=True)
            return
        self.view.say(f"face finder: {name}")
        self.remember(finder=name)
        self.relabel()
