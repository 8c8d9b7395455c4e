"""Out-of-fold teachers: answers for every training face from networks that never trained on it.

    python tools/fold_teachers.py folds --data ../shared/fer2013 --out folds     # folds/0 ... folds/3
    python train.py --model plus --data folds/0 --seed 5100 --output fold_0.h5   # and 1, 2, 3
    python tools/fold_teachers.py answers --data ../shared/fer2013 --folds folds \\
        --output teachers/answers.npz fold_0.h5 fold_1.h5 fold_2.h5 fold_3.h5

On its own training faces a model file answers much as the votes it learnt. Out-of-fold answers
avoid that (whether they teach better: docs/ferplus.md measured it for the CPU recipe, and they did
not): the training faces are split in K folds and one network is trained per fold, on the other folds; each face is then answered by the network that did not see it (face and mirror).
The faces train.py --holdout 0.1 holds out are in no fold: no network trains on them, so a held-out
run can still choose settings on faces neither it nor its teacher saw; they are answered by all K.
`folds` writes K data folders (train/ without the fold and without the held-out faces, test/, the
votes file), hard links where the file system allows, copies otherwise; `answers` writes the file
train.py takes as --teacher (emoji_creator/answers.py).
"""
import argparse
import os
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOLDS_FILE = "folds.npz"


def fold_of(y, held, k, seed=51):
    """Each face's fold (0..k-1), stratified by class; -1 for the held-out faces."""
    rng = np.random.default_rng(seed)
    fold = np.full(len(y), -1)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero((y == c) & ~held))
        fold[idx] = np.arange(len(idx)) % k
    return fold


def place(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # no copy, no space: the folds are the same files
    except OSError:
        shutil.copyfile(src, dst)


def make_folds(args):
    from emoji_creator import UserError
    from emoji_creator.data import CHOICE_HOLDOUT, hold_out_mask, load_folder_split
    from emoji_creator.files import is_regular, kind, write_failed
    from emoji_creator.votes import VOTES_NAME, rows_of

    if kind(args.out) not in ("missing", "folder") or (kind(args.out) == "folder" and any(args.out.iterdir())):
        raise UserError(f"{args.out} is not an empty folder: name a new folder for the folds")
    if not is_regular(args.data / VOTES_NAME):
        raise UserError(f"FER+'s votes ({VOTES_NAME}) are not beside {args.data}: the fold nets learn from them "
                        f"(data/README.md says where to get them)")
    _, y, _, names = load_folder_split(args.data / "train", with_names=True)
    rows = rows_of(names, args.data / "train")
    fold = fold_of(y, hold_out_mask(y, CHOICE_HOLDOUT), args.k)
    try:
        write_folds(args, y, names, rows, fold)
    except OSError as exc:
        raise UserError(write_failed(exc, args.out)) from None


def write_folds(args, y, names, rows, fold):
    from emoji_creator import CLASSES
    from emoji_creator.files import is_regular
    from emoji_creator.votes import VOTES_NAME

    for k in range(args.k):
        for i in np.flatnonzero((fold >= 0) & (fold != k)):
            place(args.data / "train" / CLASSES[y[i]] / names[i], args.out / str(k) / "train" / CLASSES[y[i]] / names[i])
        for p in sorted((args.data / "test").rglob("*")):
            if is_regular(p):  # never a planted link
                place(p, args.out / str(k) / "test" / p.relative_to(args.data / "test"))
        place(args.data / VOTES_NAME, args.out / str(k) / VOTES_NAME)
        print(f"{args.out / str(k)}: {int(((fold >= 0) & (fold != k)).sum())} training faces")
    np.savez(args.out / FOLDS_FILE, rows=np.asarray(rows), fold=fold)
    print(f"held out (in no fold): {int((fold < 0).sum())}; next: python train.py --model plus --data "
          f"{args.out}/K --seed 510K --output fold_K.h5, for K in 0..{args.k - 1}")


def make_answers(args):
    from emoji_creator import CLASSES, UserError
    from emoji_creator.answers import write_answers
    from emoji_creator.data import load_folder_split
    from emoji_creator.files import write_failed
    from emoji_creator.model_file import load_emotion_model
    from emoji_creator.runtime import MIRROR, make_predictor
    from emoji_creator.votes import row_of

    if args.output.exists():
        raise UserError(f"{args.output} exists: name a new file (the answers it would replace stay as they are)")
    if not args.output.parent.is_dir():
        raise UserError(f"{args.output.parent} is not a folder: name the answers file in one that exists")
    try:
        with np.load(args.folds / FOLDS_FILE, allow_pickle=False) as f:
            rows, fold = f["rows"], f["fold"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        raise UserError(f"{args.folds / FOLDS_FILE} is missing or damaged: pass the --out folder of "
                        f"'tools/fold_teachers.py folds'") from None
    if len(args.models) != fold.max() + 1:
        raise UserError(f"{args.folds} has {fold.max() + 1} folds: pass one model per fold, in fold order")
    x, _, _, names = load_folder_split(args.data / "train", with_names=True)
    if [row_of(n) for n in names] != rows.tolist():  # the same faces in the same order, not just as many
        raise UserError(f"{args.data / 'train'} is not the folder the folds were made from")
    probs = np.zeros((len(x), len(CLASSES)), np.float32)
    for k, path in enumerate(args.models):
        predict = make_predictor(load_emotion_model(path)[0], views=MIRROR)
        mine = fold == k
        probs[mine] = predict(x[mine])
        probs[fold < 0] += predict(x[fold < 0]) / len(args.models)  # the held-out faces: every network's
        print(f"{path}: answered fold {k} ({int(mine.sum())} faces)")
    how = (f"tools/fold_teachers.py answers, {len(args.models)} folds: "
           + ", ".join(Path(m).name for m in args.models))
    try:
        write_answers(args.output, rows, probs, how=how)
    except OSError as exc:  # a full disk, say: nothing is left half-written (files.replacing)
        raise UserError(write_failed(exc, args.output)) from None
    print(f"{args.output}: answers for {len(rows)} training faces")


def main(argv=None):
    from emoji_creator import native_stderr_quiet, quiet_libraries

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="step", required=True)
    f = sub.add_parser("folds", help="write the K data folders")
    f.add_argument("--data", type=Path, default=ROOT / "data")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--k", type=int, default=4, choices=range(2, 11), metavar="K")
    a = sub.add_parser("answers", help="answer each face with the fold network that did not see it")
    a.add_argument("--data", type=Path, default=ROOT / "data")
    a.add_argument("--folds", type=Path, required=True)
    a.add_argument("--output", type=Path, required=True, help="the answers file (.npz, a new file)")
    a.add_argument("models", type=Path, nargs="+", help="one trained model per fold, in fold order")
    args = p.parse_args(argv)
    quiet_libraries()
    if args.step == "folds":
        return make_folds(args)
    with native_stderr_quiet():
        import keras  # noqa: F401  (TensorFlow's import lines)
    return make_answers(args)


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
