"""Save pictures without ever losing one.

A picture is written whole to a hidden temporary file in the target folder,
then hard-linked to its final name: the link fails rather than replace an
existing file, so two saves in the same millisecond get two names, and a
crash mid-write leaves no half-written file under a final name.
"""
import errno
import os
import tempfile
import time
from pathlib import Path

import cv2

from . import UserError, files
from .files import umask


# How to get out of a failed save, by cause; SAVE_ELSEWHERE names the way to pick another folder.
SAVE_ELSEWHERE = "choose another folder with --save-dir"


def advice(exc, elsewhere=SAVE_ELSEWHERE):
    """elsewhere: how this program's user picks another folder (a flag, or a window's button)."""

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full: free some space, or {elsewhere}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"that folder is not writable for you: {elsewhere}"
    return elsewhere


def clean_leftovers(folder, pattern=".saving-*.png", older_than=600):
    """Remove hidden temporary files (`pattern`) that a killed write left in folder; returns how many.

    A save takes well under a second (a model a second or two), so one older
    than ten minutes belongs to no write in progress.
    """

    n = 0
    for f in Path(folder).glob(pattern):
        try:
            if time.time() - f.stat().st_mtime > older_than:
                f.unlink()
                n += 1
        except OSError:
            pass
    return n


def link_unused(tmp, final, what="files"):
    """Hard-link tmp to final, or to final's stem -1, -2 ... when taken (a link never replaces a file);
    returns the name it got. OSError for the caller to word; UserError when a thousand are taken."""
    final = Path(final)
    for n in range(1000):
        name = final if n == 0 else final.with_name(f"{final.stem}-{n}{final.suffix}")
        try:
            os.link(tmp, name)
            return name
        except FileExistsError:
            continue
    raise UserError(f"too many {what} named {final.stem}* in {final.parent}")


def save_picture(image_bgr, folder, prefix="emoji", now=None, elsewhere=SAVE_ELSEWHERE):
    """Write image_bgr as PNG into folder (created if missing); returns the new file's Path.
    elsewhere: how the user picks another folder, for the error messages."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {folder}: {exc.strerror}; {advice(exc, elsewhere)}") from None
    ok, png = cv2.imencode(".png", image_bgr)
    if not ok:
        raise UserError("could not encode the frame as PNG")
    stamp = files.stamp(now, millis=True)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".saving-", suffix=".png", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(png.tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; a picture is as readable as any other file
        return link_unused(tmp, folder / f"{prefix}-{stamp}.png", "pictures")
    except OSError as exc:
        raise UserError(f"could not save into {folder}: {exc.strerror or exc}; {advice(exc, elsewhere)}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
