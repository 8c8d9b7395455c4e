"""The app's fast start: the LiteRT cache beside the .h5. Importing TensorFlow and converting the
model took most of a start (5-20 s). The converted model is kept beside the .h5, in one file that names
the .h5's content hash: the app loads it with ai-edge-litert alone and rebuilds it (with TensorFlow,
once, runtime.build_cache) whenever the .h5 changes or the cache does not check out.

    path = cache_path("emotion_model.h5")          # emotion_model.h5.litert
    flat, header = read_cache(path, file_sha256("emotion_model.h5")) or (None, None)
"""
import hashlib
import json
from pathlib import Path

from .files import read_regular, write_atomic
from .model_file import valid_names

CACHE_MAGIC = b"emoji-creator litert cache v1\n"


def cache_path(model_path):
    """Where the compiled copy of model_path lives: emotion_model.h5 -> emotion_model.h5.litert."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + ".litert")


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_cache(path, model_hash):
    """(flatbuffer, header) from a cache file made for the .h5 with this hash, or None when the
    cache is missing, stale (another .h5) or damaged (bad header, or bytes that fail their hash)."""
    try:
        data = read_regular(path)  # never a FIFO: it would block the start for ever
        if not data.startswith(CACHE_MAGIC):
            return None
        head_end = data.index(b"\n", len(CACHE_MAGIC))
        header = json.loads(data[len(CACHE_MAGIC):head_end])
        flat = data[head_end + 1:]
        if header.get("model_sha256") != model_hash or header.get("litert_sha256") != hashlib.sha256(flat).hexdigest():
            return None
        names = header.get("classes")
        views = tuple((int(c), bool(m)) for c, m in header.get("views", ()))
        if not valid_names(names) or not views:
            return None
        header["classes"], header["views"] = tuple(names), views
        return flat, header
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def write_cache(path, flat, header):
    """Write the cache whole (files.write_atomic: never half a file)."""
    header = dict(header, litert_sha256=hashlib.sha256(flat).hexdigest())
    write_atomic(path, CACHE_MAGIC + json.dumps(header).encode() + b"\n" + flat)
