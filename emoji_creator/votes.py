"""FER+'s ten votes per face: reading fer2013new.csv, matching it to images, the targets and the score.

    from emoji_creator.votes import attach_votes
    data = attach_votes(load_dataset("data"), "data/fer2013new.csv")   # adds data["votes"]

FER+ (Barsoum et al. 2016, github.com/microsoft/FERPlus) had ten annotators
relabel every FER2013 image. Its majority is the emoji people would pick, so
it is the truth the app is trained on and judged by; FER2013's single label
is scored beside it. Votes are matched to images by their row in
fer2013.csv: the CSV's own row order, or image names that carry the row
(00007.png as in this project's data, fer0000007.png as FERPlus names them).
Nothing is matched by position in a folder listing.
"""
import csv
import re
from pathlib import Path

import numpy as np

from . import CLASSES, UserError

VOTES_NAME = "fer2013new.csv"
VOTE_COLUMNS = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                "contempt", "unknown", "NF")
# Our classes, in CLASSES order, as FER+ names its columns; contempt, unknown and NF are dropped.
CLASS_COLUMNS = ("anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
USAGE = {"train": ("Training",), "val": ("PublicTest",), "test": ("PublicTest", "PrivateTest")}
LABEL_CHOICES = ("votes", "majority", "mix", "fer2013")
_ROW_NAME = re.compile(r"^(?:fer)?(\d{1,9})$", re.IGNORECASE)


def votes_beside(source):
    """The votes file that lies beside a data source (DIR/fer2013new.csv, or next to fer2013.csv), or None."""
    source = Path(source)
    place = (source.parent if source.suffix.lower() == ".csv" else source) / VOTES_NAME
    return place if place.is_file() else None


def read_votes(path):
    """fer2013new.csv -> (usage per row, (rows, 7) float votes over CLASSES, reasons per row).

    A row that cannot be trained on gets NaN votes and a reason: "bad" (blank,
    non-numeric, negative or all-zero votes) or "other" (its top vote is
    contempt, unknown or not-a-face). Raises UserError for a file that is not a
    votes file at all.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"votes file {path} not found (or not a regular file): pass FER+'s fer2013new.csv "
                        f"with --votes (data/README.md says where to get it)")
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            absent = [c for c in ("Usage", *VOTE_COLUMNS) if c not in header]
            if absent:
                raise UserError(f"{path} lacks column(s) {', '.join(absent)}: FER+'s fer2013new.csv has the header "
                                f"Usage,Image name,{','.join(VOTE_COLUMNS)}")
            at = [header.index(c) for c in VOTE_COLUMNS]
            usage_at = header.index("Usage")
            usage, rows = [], []
            for line in reader:
                usage.append(line[usage_at].strip() if len(line) > usage_at else "")
                try:
                    counts = np.array([float(line[i]) for i in at])
                except (ValueError, IndexError):
                    counts = np.full(len(VOTE_COLUMNS), np.nan)
                rows.append(counts)
    except csv.Error as exc:
        raise UserError(f"{path} is not a readable CSV ({exc}): pass FER+'s fer2013new.csv") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if not rows:
        raise UserError(f"{path} has no rows: pass FER+'s fer2013new.csv (35,887 rows)")
    counts = np.stack(rows)
    bad = ~np.isfinite(counts).all(axis=1) | (np.nan_to_num(counts, nan=-1) < 0).any(axis=1)
    bad |= np.nan_to_num(counts, nan=0).sum(axis=1) <= 0
    safe = np.where(bad[:, None], 0, counts)
    ours = safe[:, [VOTE_COLUMNS.index(c) for c in CLASS_COLUMNS]]
    # Left out unless the top vote is one of ours alone: a face where contempt, unknown or
    # not-a-face ties the top has no answer people agree on among the seven.
    others = safe[:, [VOTE_COLUMNS.index(c) for c in VOTE_COLUMNS if c not in CLASS_COLUMNS]]
    other = ~bad & (ours.max(axis=1) <= others.max(axis=1))
    reasons = np.where(bad, "bad", np.where(other, "other", ""))
    votes = np.where((bad | other)[:, None], np.nan, ours).astype(np.float32)
    return usage, votes, reasons


def row_of(name):
    """The fer2013.csv row an image name carries (00007.png, fer0000007.png), or None."""
    m = _ROW_NAME.match(Path(name).stem)
    return int(m.group(1)) if m else None


def rows_of(names, folder, instead=""):
    """The fer2013.csv row of every image name, or UserError naming the folder (and what to use instead)
    when any image does not carry one: answers and folds are matched to faces by row."""
    rows = [row_of(n) for n in names]
    if None in rows:
        raise UserError(f"the images in {folder} are not named by their fer2013.csv row (00007.png): "
                        f"answers are found by row" + (f"; {instead}" if instead else ""))
    return rows


def attach_votes(data, votes_path):
    """data (load_dataset's dict, with "rows" per split) plus data["votes"]: per split, (n, 7)
    vote counts over CLASSES, NaN for an image left out; data["votes_info"] counts what was left out.

    Refuses (UserError) whatever would pair images with another image's votes:
    names without a row, rows past the file's end, or rows the file files under
    another split than the folder holds them in.
    """
    if votes_path is None:  # e.g. votes_beside() found none: a tool that scores FER+ cannot go on
        raise UserError("FER+'s votes (fer2013new.csv) are not beside the data: put them there "
                        "(data/README.md says where to get them)")
    usage, table, reasons = read_votes(votes_path)
    rows = data.get("rows")
    if rows is None:
        raise UserError("these images carry no row number of fer2013.csv, so FER+ votes cannot be matched to "
                        "them: pass --data fer2013.csv, or a folder whose images are named by their row "
                        "(00007.png), or train on FER2013's own labels with --labels fer2013")
    if data.get("from_csv") and data.get("csv_rows") != len(table):
        raise UserError(f"{votes_path} has {len(table)} rows but the data's fer2013.csv has {data['csv_rows']}: "
                        f"they are not the same images; pass FER+'s fer2013new.csv for this fer2013.csv")
    out, info = {}, {}
    for split, split_rows in rows.items():
        split_rows = np.asarray(split_rows)
        if split_rows.size and split_rows.max() >= len(table):
            raise UserError(f"the {split} images name row {int(split_rows.max())}, but {votes_path} has only "
                            f"{len(table)} rows: it is not the votes file of these images")
        wrong = [r for r in split_rows if usage[r] not in USAGE[split]]
        if wrong:
            raise UserError(f"{len(wrong)} {split} image(s) (row {wrong[0]}: '{usage[wrong[0]]}' in {votes_path}) "
                            f"are not {' or '.join(USAGE[split])} rows: the images and the votes file do not match")
        out[split] = table[split_rows]
        why = reasons[split_rows]
        info[split] = {"images": int(len(split_rows)), "kept": int((why == "").sum()),
                       "not_our_classes": int((why == "other").sum()), "bad_votes": int((why == "bad").sum())}
    data = dict(data, votes=out, votes_info=info, votes_file=str(votes_path))
    return data


def describe(info):
    """'27,928 of 28,709 training images kept (776 top-voted contempt, unknown or not a face; 5 bad rows)'."""
    parts = []
    for split, name in (("train", "training"), ("test", "test")):
        if split in info:
            i = info[split]
            parts.append(f"{i['kept']:,} of {i['images']:,} {name} images kept ({i['not_our_classes']:,} "
                         f"top-voted contempt, unknown or not a face; {i['bad_votes']:,} with bad votes)")
    return "; ".join(parts)


def kept(votes):
    """Mask of the images whose votes can be trained on and scored."""
    return np.isfinite(votes).all(axis=1)


def majority(votes):
    """The top-voted class of each (kept) image; ties go to the first in CLASSES order."""
    return np.nan_to_num(votes, nan=-1).argmax(axis=1)


def targets(choice, votes, labels):
    """Training targets, (n, 7) float32 rows summing to 1, for the kept images.

    votes: the vote distribution; majority: its top class as a hard label;
    mix: half the distribution, half FER2013's own label.
    """
    n = len(CLASSES)
    dist = votes / votes.sum(axis=1, keepdims=True)
    if choice == "votes":
        out = dist
    elif choice == "majority":
        out = np.eye(n)[majority(votes)]
    elif choice == "mix":
        out = 0.5 * dist + 0.5 * np.eye(n)[labels]
    else:
        raise ValueError(choice)
    return out.astype(np.float32)


def ferplus_right(votes, probs):
    """Per image (all kept): whether the answer is one of its top-voted classes."""
    return votes[np.arange(len(votes)), probs.argmax(axis=1)] >= votes.max(axis=1)


def ferplus_recalls(votes, probs):
    """(agreement, recall per class, images per class) over the kept images: per class by the top
    class (ties: the first); a class no image has gets NaN (tools/ensemble.py calls this for every
    step of its class weights, so it counts without a confusion matrix)."""
    keep = kept(votes)
    right, truth = ferplus_right(votes[keep], probs[keep]), majority(votes[keep])
    faces = np.bincount(truth, minlength=probs.shape[1])
    hits = np.bincount(truth, weights=right, minlength=probs.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(faces > 0, hits / faces, np.nan)
    return (float(right.mean()) if len(right) else 0.0), recall, faces


def ferplus_metrics(votes, probs, class_names=CLASSES):
    """Agreement with the FER+ majority: a prediction counts when it is one of the top-voted classes.

    Over the kept images only; per-class recall by the top class (ties: the
    first), and the confusion matrix against it (rows: FER+ majority).
    """
    keep = kept(votes)
    n = len(class_names)
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (majority(votes[keep]), probs[keep].argmax(axis=1)), 1)
    accuracy, recall, faces = ferplus_recalls(votes, probs)
    per_class = {name: {"recall": None if np.isnan(r) else float(r), "support": int(k)}
                 for name, r, k in zip(class_names, recall, faces)}
    return {"accuracy": accuracy, "images": int(keep.sum()), "left_out": int((~keep).sum()),
            "per_class": per_class, "confusion_matrix": cm.tolist()}


def lowest_recall(m):
    """(class, recall) of the worst-recalled class in a metrics dict."""
    rec = {k: v["recall"] for k, v in m["per_class"].items() if v["recall"] is not None}
    worst = min(rec, key=rec.get)
    return worst, rec[worst]
