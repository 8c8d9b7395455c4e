"""The model loader: the live pipeline built in a worker thread, so the window opens at once.

    loader = ModelLoader(make_pipeline, "yunet")
    loader.poll()    # None while loading; then ("ready", pipeline) or ("failed", title, message), once
"""
import threading

from .. import FinderMissing, UserError


class ModelLoader:
    """make_pipeline(detector) runs in a worker thread; poll() on the Tk thread hands its outcome over once."""

    def __init__(self, make_pipeline, detector):
        self.pipeline, self.error, self.title, self.handed = None, None, "no model", False
        # Not a daemon: a window closed while the model loads lets the load finish before the
        # process exits (a daemon thread killed inside TensorFlow or LiteRT aborts the process).
        self.thread = threading.Thread(target=self._load, args=(make_pipeline, detector), daemon=False)
        self.thread.start()

    def _load(self, make_pipeline, detector):
        try:
            self.pipeline = make_pipeline(detector)
        except UserError as exc:
            self.error = str(exc)
            self.title = "no face finder" if isinstance(exc, FinderMissing) else "no model"
        except Exception as exc:  # anything else still reaches the window, not a silent thread death
            self.error = f"the model could not be loaded ({type(exc).__name__}: {exc})"

    @property
    def loading(self):
        return not self.handed

    def poll(self):
        """The outcome, once, when the worker has finished; None before and after."""
        if self.handed or self.thread.is_alive():
            return None
        self.handed = True
        return ("ready", self.pipeline) if self.error is None else ("failed", self.title, self.error)


class Ready:
    """A pipeline made before the window (tests, embedding programs): handed over on the first poll."""

    def __init__(self, pipeline):
        self.pipeline, self.error, self.handed = pipeline, None, False

    @property
    def loading(self):
        return not self.handed

    def poll(self):
        if self.handed:
            return None
        self.handed = True
        return "ready", self.pipeline
