"""The toggles (emoji mask, labels over it, mirror, self-timer) and full screen: each said in the
status line, remembered for the next start, and a paused or still picture drawn again at once.

    toggles = Toggles(root, view, booth, flow, remember)
    toggles.changed("mask", True)
"""
import cv2

from ..sources import CAMERA
from .booth import Mode
from .shutter import COUNTDOWN_S


class Toggles:
    def __init__(self, root, view, booth, flow, remember):
        self.root, self.view, self.booth, self.flow, self.remember = root, view, booth, flow, remember
        self.fullscreen = False

    def changed(self, name, on):
        return getattr(self, f"_{name}_changed")(on)

    def _mask_changed(self, on):
        self.view.say("emoji mask on: each face wears its emoji (and so do saved pictures)" if on else "emoji mask off")
        self.remember(mask=on)
        self.flow.relabel()

    def _labels_changed(self, on):
        self.view.say(("labels and bars shown over the mask" if on else "the mask shows the emojis alone")
                 + ("" if self.view.controls.mask_on.get() else " (with the mask on: m)"))
        self.remember(labels=on)
        self.flow.relabel()

    def _mirror_changed(self, on):
        self.view.say("mirrored: the feed shows you as a mirror does (saved as shown)" if on else "not mirrored")
        if self.flow.player.kind == CAMERA:
            self.remember(mirror=on)  # the camera's choice; a file always starts as it was filmed
        if self.flow.raw is not None and self.booth.showing in (Mode.PAUSED, Mode.STILL, Mode.ENDED):
            self.flow.raw = cv2.flip(self.flow.raw, 1)  # a still is flipped and labelled again
            self.flow.relabel()

    def _timer_changed(self, on):
        self.view.say(f"self-timer on: Save counts {COUNTDOWN_S}-2-1 first" if on else "self-timer off: Save saves at once")
        self.remember(timer=on)

    def toggle_fullscreen(self):
        # Kept here: Tk reads the attribute back only once a window manager has granted it.
        self.fullscreen = full = not self.fullscreen
        self.root.attributes("-fullscreen", full)
        self.view.say("full screen: F11 or Esc leaves it" if full else "full screen off")
