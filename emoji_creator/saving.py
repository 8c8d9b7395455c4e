"""Save pictures without ever losing one.

A picture is written whole to a hidden temporary file in the target folder,
then hard-linked to its final name: the link fails rather than replace an
existing file, so two saves in the same millisecond get two names, and a
crash mid-write leaves no half-written file under a final name.
"""
import os
import tempfile
from datetime import datetime
from pathlib import Path

import cv2

from . import UserError


def same_file(a, b):
    """True when paths a and b name the same file (or a is b, even before either exists)."""
    try:
        a, b = Path(a), Path(b)
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, ValueError, TypeError):
        return False


def check_not_input(path, inputs, option):
    """Refuse an output path that is one of the run's inputs (data, source, model)."""
    for inp in inputs:
        if inp is not None and same_file(path, inp):
            raise UserError(f"{option} {path} is also an input of this run ({inp}): writing it would destroy "
                            f"it; pick another {option} path")


def save_picture(image_bgr, folder, prefix="emoji", now=None):
    """Write image_bgr as PNG into folder (created if missing); returns the new file's Path."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {folder}: {exc.strerror}; choose another folder with --save-dir") from None
    ok, png = cv2.imencode(".png", image_bgr)
    if not ok:
        raise UserError("could not encode the frame as PNG")
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S-%f")[:-3]  # milliseconds
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".saving-", suffix=".png", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(png.tobytes())
            f.flush()
            os.fsync(f.fileno())
        for n in range(1000):
            final = folder / (f"{prefix}-{stamp}.png" if n == 0 else f"{prefix}-{stamp}-{n}.png")
            try:
                os.link(tmp, final)  # never replaces an existing file
                return final
            except FileExistsError:
                continue
        raise UserError(f"too many pictures named {prefix}-{stamp}* in {folder}")
    except OSError as exc:
        raise UserError(f"could not save into {folder}: {exc.strerror or exc}; "
                        f"free some space or choose another folder with --save-dir") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
