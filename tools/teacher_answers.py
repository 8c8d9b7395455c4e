"""A teacher model file's answers on every training face, kept beside it for train.py to read.

    python tools/teacher_answers.py --data ../shared/fer2013 teachers/fast_recipe.h5   # -> teachers/fast_recipe.npz

train.py runs a teacher model file over the training faces at the start of every run (face and
mirror, the faces as they are), which takes the CPU recipe about half a minute of its quarter hour.
This writes the same answers once, for every face of <data>/train, into an answers file beside the
model (emoji_creator/answers.py), with the model file's hash: a run whose teacher is that model
reads them instead, while the model file is unchanged and the answers cover the run's faces (else
it runs the teacher as before). The faces must be named by their fer2013.csv row (00007.png).
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_answers(args):
    from emoji_creator import UserError
    from emoji_creator.answers import answers_beside, is_answers_file, write_answers
    from emoji_creator.data import load_folder_split
    from emoji_creator.files import kind, write_failed
    from emoji_creator.training import teacher_predictor
    from emoji_creator.votes import rows_of

    args.output = args.output or answers_beside(args.model)
    if not is_answers_file(args.output):
        raise UserError(f"{args.output}: an answers file's name ends in .npz (train.py tells them by it)")
    if kind(args.output) != "missing":
        raise UserError(f"{args.output} exists: name a new file (the answers it would replace stay as they are)")
    if kind(args.output.parent) != "folder":
        raise UserError(f"{args.output.parent} is not a folder: name the answers file in one that exists")
    if kind(args.model) != "file":
        raise UserError(f"{args.model}: no such model file; name the teacher's .h5")
    x, _, _, names = load_folder_split(args.data / "train", with_names=True)
    rows = rows_of(names, args.data / "train", "train.py can take the model file itself (--teacher MODEL)")
    probs = teacher_predictor(args.model)(x)  # the answers train.py would compute
    try:
        write_answers(args.output, rows, probs, how=f"tools/teacher_answers.py {args.model.name}: face and mirror",
                      source=args.model)
    except OSError as exc:  # a full disk, say: nothing is left half-written (files.replacing)
        raise UserError(write_failed(exc, args.output)) from None
    print(f"{args.output}: {args.model.name}'s answers for {len(rows)} training faces")


def main(argv=None):
    from emoji_creator import native_stderr_quiet, quiet_libraries

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT / "data", help="the folder with train/ (default: data/)")
    p.add_argument("--output", type=Path, help="the answers file (.npz, a new file; default: beside the model, "
                                                "where train.py looks for them)")
    p.add_argument("model", type=Path, help="the teacher's model file")
    args = p.parse_args(argv)
    quiet_libraries()
    with native_stderr_quiet():
        import keras  # noqa: F401  (TensorFlow's import lines)
    return make_answers(args)


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
