"""A teacher kept as its answers: each training face's probabilities, found by its fer2013.csv row.

    from emoji_creator.answers import read_answers, write_answers
    write_answers("teachers/fast_recipe.npz", rows, probs, how="tools/fold_teachers.py ...")
    probs = read_answers("teachers/fast_recipe.npz", rows)   # (len(rows), 7), in CLASSES order

A model file answers any face, but on its own training faces it answers much as
the votes it learnt. An answers file can hold what a model file cannot: out-of-fold
answers, each face answered by networks that never trained on it (tools/fold_teachers.py
makes them; what they taught the CPU recipe: docs/ferplus.md). It is also small and costs
a run no time. train.py takes one wherever it takes a teacher (--teacher FILE.npz).

Kept beside a model file under the same name (teachers/fast_recipe.npz beside
teachers/fast_recipe.h5, written by tools/teacher_answers.py), answers are that model's,
computed once: train.py reads them instead of running the teacher (cached_answers), while
they come from the file as it is now (its hash) and answer every face of the run.
"""
import zipfile
from pathlib import Path

import numpy as np

from . import CLASSES, UserError
from .files import is_regular, replacing
from .model_cache import file_sha256

ANSWERS_SUFFIX = ".npz"


def is_answers_file(path):
    """Whether a teacher is given as answers (by its suffix) rather than as a model file."""
    return str(path).lower().endswith(ANSWERS_SUFFIX)


def write_answers(path, rows, probs, how="", source=None):
    """Keep `probs` ((n, 7) over CLASSES) for the faces of fer2013.csv rows `rows`, with how they
    were made and (source) the hash of the model file that gave them; written whole or not at all."""
    rows, probs = np.asarray(rows, np.int64), np.asarray(probs, np.float32)
    if probs.shape != (len(rows), len(CLASSES)) or len(np.unique(rows)) != len(rows):
        raise ValueError("one row of 7 probabilities for each distinct fer2013.csv row")
    with replacing(path) as partial, open(partial, "wb") as f:
        np.savez_compressed(f, rows=rows, probs=probs.astype(np.float16), classes=np.array(CLASSES), how=np.array(how),
                            source_sha256=np.array(file_sha256(source) if source else ""))


def answers_beside(model_path):
    """Where a model file's own answers are kept: teachers/fast_recipe.h5 -> teachers/fast_recipe.npz."""
    return Path(model_path).with_suffix(ANSWERS_SUFFIX)


def cached_answers(model_path, rows):
    """The answers kept beside model_path for the faces of these rows, or None where there are none
    to trust: no such file, one made from another model file (replaced since), or a face it misses."""
    path = answers_beside(model_path)
    if rows is None or not is_regular(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            source = str(f["source_sha256"]) if "source_sha256" in f.files else ""
        if source != file_sha256(model_path):
            return None
        return read_answers(path, rows)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, UserError):
        return None


def read_answers(path, rows):
    """The answers for the faces of fer2013.csv rows `rows` ((n, 7) float32 over CLASSES, each row
    summing to 1). UserError, with what to do, for a file that is not an answers file of these
    classes, for faces that carry no row, and for rows the file does not answer."""
    if rows is None:
        raise UserError(f"the teacher {path} holds answers found by each face's fer2013.csv row, and these images "
                        f"carry none (names like 00007.png): pass a model file with --teacher, or --distill 0")
    try:
        with np.load(path, allow_pickle=False) as f:
            kept_rows, probs, classes = f["rows"], f["probs"].astype(np.float32), [str(c) for c in f["classes"]]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        raise UserError(f"{path} is not a teacher's answers file (tools/fold_teachers.py writes them): pass "
                        f"another --teacher, or --distill 0") from None
    if classes != list(CLASSES) or probs.shape != (len(kept_rows), len(CLASSES)):
        raise UserError(f"{path} answers over {', '.join(classes)}, not this app's classes ({', '.join(CLASSES)}): "
                        f"pass another --teacher, or --distill 0")
    order = np.argsort(kept_rows)
    ranked = kept_rows[order]
    at = np.minimum(np.searchsorted(ranked, rows), max(len(ranked) - 1, 0))
    found = ranked[at] == rows if len(ranked) else np.zeros(len(rows), bool)
    if not found.all():
        raise UserError(f"{path} has no answer for {int((~found).sum())} of these {len(rows)} training faces (e.g. "
                        f"row {int(np.asarray(rows)[~found][0])}): it was made for other data; pass a model file "
                        f"with --teacher, or --distill 0")
    probs = probs[order][at]
    return probs / probs.sum(axis=1, keepdims=True)  # float16 storage: each row sums to 1 again
