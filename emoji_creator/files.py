"""The file rules every script follows: open regular files only, never write over an input or an
earlier run's work, and turn a failed write (a full disk) into one line that says what to do.

    from emoji_creator.files import check_writes, keep_aside, read_regular
    check_writes([("--output", out)], [("the data", data_dir)])   # UserError if out lies in the data
    old = keep_aside(out)          # the model out is about to replace, kept as out.before-DATE.h5
    data = read_regular(path)      # bytes; a FIFO or a device raises NotRegular instead of hanging
    write_atomic(path, data)       # the one way a file is replaced: whole, or not at all

A FIFO, a socket or a device opened for reading can block for ever (a FIFO
waits for a writer) or never end, so a path is stat()ed, and opened
non-blocking, before it is read. Names that are not valid UTF-8 are read
through Python's own file calls: OpenCV's path functions crash on them.
"""
import contextlib
import errno
import json
import io
import os
import shutil
import stat
import tempfile
import warnings
from datetime import datetime
from pathlib import Path

from PIL import Image

from . import UserError, one_line


def same_file(a, b):
    """True when paths a and b name the same file (or a is b, even before either exists)."""
    try:
        a, b = Path(a), Path(b)
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, ValueError, TypeError, RuntimeError):  # RuntimeError: a link loop
        return False


def identity(path):
    """What a file is now (device, inode, size, modification time), or None when it is not there:
    a run compares it before and after to say truthfully whether it replaced the file."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def umask():
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def replacing(path, suffix=None):
    """A new hidden file beside `path` (.NAME.partial-XXXX.SUFFIX, made with O_EXCL: never an existing
    file or a planted link) for a writer to fill; renamed over `path` when the block ends, removed if it
    fails. So `path` always holds a whole file, the old one or the new one, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.partial-", suffix=path.suffix if suffix is None else suffix,
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; the file gets the user's usual rights
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # a failed write leaves nothing (after the rename, nothing is there)


def write_atomic(path, data, sync=False):
    """Replace `path` with `data` (bytes) whole (replacing()); sync: on disk before the rename."""
    with replacing(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        if sync:
            f.flush()
            os.fsync(f.fileno())


class NotRegular(OSError):
    """The path names something other than a regular file (a folder, a FIFO, a device)."""


class TooLarge(OSError):
    """A regular file larger than anything of its kind could be (a 40 GB 'photo'): never read."""


# The largest file of each kind a run reads: a bound fitted to the kind, so that a file larger than
# memory (a sparse 40 GB .png) is refused at once instead of read whole.
MAX_BYTES = {
    "image": 300 << 20,  # an 8000x8000 picture, uncompressed RGBA, is 256 MB
    "json": 64 << 20,  # a checkpoint's state, the settings, a report's metrics
    "model": 1 << 30,  # a model file or its compiled cache
    "csv": 2 << 30,  # fer2013.csv is 300 MB
}


def kind(path):
    """'file', 'folder', 'missing', or what else it is ('FIFO', 'socket', 'device')."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return "missing"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


def is_regular(path):
    return kind(path) == "file"


def not_a_file(path, what="file"):
    """The message for a path that is not a regular file: missing, a folder, a FIFO or a device."""
    k = kind(path)
    if k == "missing":
        return f"{path} not found"
    return f"{path} is a {k}, not a regular {what}"


def read_regular(path, limit=None, kind_of="image"):
    """The bytes of a regular file (at most `limit`); NotRegular for anything else, never blocking;
    TooLarge for a file over MAX_BYTES[kind_of] (read only when `limit` bounds what is read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file", str(path))
        if limit is None and info.st_size > MAX_BYTES[kind_of]:
            raise TooLarge(errno.EFBIG, f"over {MAX_BYTES[kind_of] >> 20} MB, too large for a {kind_of} file",
                           str(path))
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read() if limit is None else f.read(limit)
    finally:
        os.close(fd)


def utf8_name(path):
    """True when the path can be handed to OpenCV (its C++ calls take UTF-8 and crash on other bytes)."""
    try:
        str(path).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def printable(path):
    """A path as it can be printed whatever its bytes (undecodable ones as \\xNN), on one line (a
    newline in a name as \\n)."""
    return one_line(str(path).encode("utf-8", "backslashreplace").decode("utf-8"))


def read_json(path, kind_of="json"):
    """The JSON in a regular file, as a dict; ValueError for anything else (not a file, too large,
    not JSON, not an object, nested too deep to parse)."""
    try:
        data = json.loads(read_regular(path, kind_of=kind_of).decode("utf-8"))
    except (OSError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(data, dict):
        raise ValueError(f"{type(data).__name__}, not an object")
    return data


def resolved(path, what="a path"):
    """path.resolve(), with a link loop (or a name too long to resolve) as one UserError line."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError) as exc:
        raise UserError(f"{what} {printable(path)} cannot be followed ({getattr(exc, 'strerror', None) or exc}: "
                        f"a link loop?): pass another path") from None


def inside(child, parent):
    try:
        child, parent = Path(child).resolve(), Path(parent).resolve()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a link loop
        return False
    return child == parent or parent in child.parents


def check_writes(writes, reads, allowed=(), folders=()):
    """Refuse, before any work, a path written that is, or lies inside, a path read, or that
    overlaps another path written. writes, reads: [(name as the user knows it, path or None)];
    allowed: pairs (write name, read name) that may be the same file (an --init the run
    replaces at its end, with the old one kept aside); folders: the names of written folders a
    run may fill, move aside or rename (--checkpoint-dir, --report-dir): an input inside one is
    refused too, the other way round. A link loop in any path is one UserError line."""
    writes = [(n, resolved(p, n)) for n, p in writes if p is not None]
    reads = [(n, resolved(p, n)) for n, p in reads if p is not None]
    for wname, w in writes:
        for rname, r in reads:
            if (wname, rname) in allowed:
                continue
            if same_file(w, r):
                raise UserError(f"{wname} {printable(w)} is also an input of this run ({rname} {printable(r)}): "
                                f"writing it would destroy it; {another(wname)}")
            if r.is_dir() and inside(w, r):
                raise UserError(f"{wname} {printable(w)} is inside an input of this run ({rname} {printable(r)}): "
                                f"writing there would change what it holds; {another(wname)}")
            if wname in folders and inside(r, w):
                raise UserError(f"{wname} {printable(w)} holds an input of this run ({rname} {printable(r)}): "
                                f"a run may move or fill that folder; {another(wname)}")
    for i, (aname, a) in enumerate(writes):
        for bname, b in writes[i + 1:]:
            if same_file(a, b) or inside(a, b) or inside(b, a):
                raise UserError(f"{aname} {printable(a)} and {bname} {printable(b)} overlap: one would "
                                f"replace the other; give them separate paths")


NAME_MAX = 255  # the longest file or folder name Linux, macOS and Windows file systems take


def check_place(option, path, folder=False):
    """Refuse at once a path a run will create or fill that cannot be: a name over NAME_MAX, a link
    to nothing (check_name), a file where a folder must be (folder=True: the path itself is a folder)."""
    path = Path(path)
    check_name(option, path)
    for p in ([path] if folder else []) + list(path.parents):
        if kind(p) != "missing":
            if kind(p) != "folder":
                raise UserError(f"{option} {printable(path)}: {printable(p)} is a {kind(p)}, not a folder; "
                                f"pick another {option}")
            break


def check_name(option, path):
    """Refuse a name over NAME_MAX characters, or a link to nothing, where something will be written."""
    long = next((part for part in path.parts if len(os.fsencode(part)) > NAME_MAX), None)
    if long is not None:
        raise UserError(f"{option} {printable(path)}: the name {printable(long[:40])}… is longer than {NAME_MAX} "
                        f"characters, more than a file system takes; pick a shorter {option}")
    if os.path.islink(path) and kind(path) == "missing":
        raise UserError(f"{option} {printable(path)} is a link to {printable(os.readlink(path))}, which does not "
                        f"exist; pick another {option}")


def another(name):
    """'pick another --output', or 'choose another save folder' for a name that is no option."""
    return f"pick another {name}" if name.startswith("--") else f"choose another {name.removeprefix('the ')}"


def stamp(now=None, millis=False):
    """The one timestamp in file names: 20261206-201500 (a folder or model kept aside), or with
    milliseconds, 20261206-201500-123, for pictures and recordings taken in quick succession."""
    now = now or datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-%f")[:-3] if millis else now.strftime("%Y%m%d-%H%M%S")


def keep_aside(path):
    """Before `path` is replaced: keep its current bytes under path's name + '.before-DATE' (same
    suffix), as a hard link (no copy, no extra space). Returns that name, or None if there was none."""

    path = Path(path)
    if not is_regular(path):
        return None
    for n in range(100):
        aside = path.with_name(f"{path.stem}.before-{stamp()}{'' if n == 0 else f'-{n}'}{path.suffix}")
        try:
            os.link(path, aside)  # fails rather than replace an existing file
            return aside
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: a copy, written new
            if not aside.exists():
                shutil.copy2(path, aside)
                return aside
    raise UserError(f"too many files named {path.stem}.before-* beside {path}: move some away")


CLAIM = ".claimed"  # the marker a run leaves in the report folder it took, while that folder is empty


def fresh_folder(path):
    """A report folder of this run's own: `path` if it is missing or empty, else the first of path-2,
    path-3 ... that is. Claimed atomically (a marker made with O_EXCL inside it), so two runs started
    at the same moment never share one; release_folder() ends the claim."""
    path = resolved(path, "--report-dir")
    for n in range(1, 10_000):
        candidate = path if n == 1 else path.with_name(f"{path.name}-{n}")
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if any(p.name != CLAIM for p in candidate.iterdir()):
                continue  # an earlier run's report
            os.close(os.open(candidate / CLAIM, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)))
            return candidate
        except FileExistsError:  # a file of that name, or another run's claim
            continue
        except OSError as exc:
            raise UserError(f"cannot make the report folder {printable(candidate)} ({exc.strerror}): pass another "
                            f"--report-dir") from None
    raise UserError(f"too many report folders named {printable(path)}-N: pass another --report-dir")


def release_folder(path):
    """The claim ends: the marker goes, and the folder too when the run wrote nothing into it."""
    with contextlib.suppress(OSError):
        os.unlink(Path(path) / CLAIM)
        Path(path).rmdir()  # only when empty


def write_failed(exc, what, then=""):
    """One line for a write that failed: what could not be written, why, and what to do.
    then: what the user has left (e.g. 'the run is checkpointed: resume with ...')."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "the disk is full: free some space"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "that folder is not writable for you: pick another place"
    else:
        why = f"{exc.strerror or exc}: check the disk and the folder"
    return f"could not write {what} ({why})" + (f"; {then}" if then else "")


def as_disk_error(exc, folder, margin=16 << 20):
    """exc as an OSError with its errno where a library wrapped a full disk in its own type
    (Keras' zip writer, h5py): ENOSPC when `folder`'s disk is (nearly) full, else exc unchanged."""

    if isinstance(exc, OSError) and exc.errno:
        return exc
    try:
        full = shutil.disk_usage(folder).free < margin
    except OSError:
        full = False
    return OSError(errno.ENOSPC, "No space left on device", str(folder)) if full else exc


def open_image(path, max_pixels=64_000_000):
    """A regular file's picture as a loaded PIL image, or None: not a regular file, not an image,
    or a header claiming more than max_pixels (a 'decompression bomb' is never decoded)."""

    try:
        data = read_regular(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.width * im.height > max_pixels:
                    return None
                im.load()
                return im.copy()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
