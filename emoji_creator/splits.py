"""Which faces a run trains, validates and is scored on: --holdout's split and FER+'s kept faces.

    from emoji_creator.splits import split_data
    split = split_data(data, recipe)    # {"train", "val", "test"}: (x, labels, votes); "train_rows"
    x_val, y_val, votes_val = split["val"]

--holdout holds out the same faces for every seed (data.HOLDOUT_SEED), so runs
of different seeds are compared, and ensembled, on the same faces.
"""
import math

import numpy as np

from . import CLASSES, UserError
from .data import HOLDOUT_SEED, hold_out_mask
from .votes import kept


def check_holdout(y, held, share):
    """UserError, before any training, when --holdout leaves a class with no image to validate on (or
    none to train on): the run would train for nothing and fail at its scoring."""
    for c in np.unique(y):
        n, h = int((y == c).sum()), int(held[y == c].sum())
        if h == 0 or h == n:
            need = min(0.5, math.ceil(50 / n + 1e-6) / 100)  # the share whose rounding keeps one image
            raise UserError(f"--holdout {share} holds out {'no' if h == 0 else 'every'} image of {CLASSES[c]} (it has "
                            f"{n}): " + (f"use a share of at least {need:.2f}, or more data" if h == 0 else
                                         "use a smaller share, or more data"))


def split_data(data, recipe):
    """{"train", "val", "test"}: (x, FER2013 labels, FER+ votes or None) as the run uses them, and
    "train_rows": the training faces' fer2013.csv rows (None when their names carry none).

    --holdout moves a share of each class of the training images to validation.
    Learning from FER+ drops the images whose votes cannot be trained on from
    training and validation; the test split keeps every image (its FER2013
    score counts them all, its FER+ score skips them).
    """

    votes = data.get("votes") or {}
    if recipe.labels != "fer2013" and not votes:
        raise UserError(f"--labels {recipe.labels} learns from FER+'s votes, but none were found: pass --votes "
                        f"fer2013new.csv (data/README.md says where to get it), or --labels fer2013")
    out = {name: data[name] + (votes.get(name),) for name in ("train", "val", "test")}
    rows = (data.get("rows") or {}).get("train")  # the training faces' fer2013.csv rows, for a teacher's answers
    if recipe.holdout:
        x, y, v = out["train"]
        # One split for every seed: runs of different seeds are compared, and ensembled, on the same faces.
        held = hold_out_mask(y, recipe.holdout, HOLDOUT_SEED)
        check_holdout(y, held, recipe.holdout)
        out["train"] = (x[~held], y[~held], None if v is None else v[~held])
        out["val"] = (x[held], y[held], None if v is None else v[held])
        rows = None if rows is None else rows[~held]
    if recipe.labels != "fer2013":
        for name in ("train", "val"):
            x, y, v = out[name]
            keep = kept(v)
            out[name] = (x[keep], y[keep], v[keep])
            if name == "train" and rows is not None:
                rows = rows[keep]
    out["train_rows"] = rows
    return out
