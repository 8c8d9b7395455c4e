"""Train the emotion CNN on FER2013 (with FER+'s ten votes per face when found) and save emotion_model.h5.

    python train.py                          # data/train + data/test (+ data/fer2013new.csv), the CPU recipe (fast)
    python train.py --model plus             # the shipped model's recipe: the fast net, longer
    python train.py --model finetune --init emotion_model.h5   # continue a trained model on the votes
    python train.py --votes fer2013new.csv   # FER+'s votes from elsewhere (default: beside the data)
    python train.py --labels fer2013         # FER2013's single label (or votes, majority, mix)
    python train.py --data ../shared/fer2013 # another folder with train/ and test/
    python train.py --data fer2013.csv       # the original CSV (PrivateTest is the test score)
    python train.py --model seed             # the tutorial's CNN and recipe, for comparison
    python train.py --resume                 # continue from checkpoints/ after an interruption
    python train.py --restart                # start over; the old checkpoints are kept aside, renamed
    KERAS_BACKEND=jax python train.py        # on a GPU machine with JAX and Keras, no TensorFlow
    python train.py --devices all            # data-parallel over every GPU (docs/training.md: Many devices)
    python train.py --model fast --seed 7 --join emotion_model.h5
                                             # train a second network and ship the two averaged
    python train.py --model student --teacher teacher.h5 --output student.h5
                                             # distillation: learn from a trained model's answers too

The new model replaces --output only once training has finished (the one it
replaces is kept as NAME.before-DATE.h5); a report (metrics.json with both
scores, confusion matrices, curves.png) goes to --report-dir, or to a new
folder beside it when that one already holds a report.
Every path is checked before the data loads: the model is never written over
the training data, into a folder, or under a name that is not .h5, and a run
never starts over a checkpoint folder that holds another run.
"""
import argparse
import glob
import os
import sys
import tempfile
import time

STARTED = time.time()  # the report's wall-clock counts start-up and data loading too
# TensorFlow uses its oneDNN kernels by default only on CPUs with AVX-512 VNNI, BF16 or AMX; on
# others (AVX2 laptops, this project's AMD EPYC) it falls back to slower ones. Asked for here,
# they train the fast net faster (docs/fast_training.md). Set TF_ENABLE_ONEDNN_OPTS=0 to compare. Read when TensorFlow loads, so before any import of it.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
from dataclasses import replace
from pathlib import Path

from emoji_creator import (DEFAULT_DATA, DEFAULT_MODEL, ROOT, Terminated, UserError, native_stderr_quiet,
                           quiet_libraries, run_script)
from emoji_creator.checkpoints import CheckpointDir, check_resume, claim
from emoji_creator.data import check_data, load_dataset
from emoji_creator.devices import devices_arg, plan_devices
from emoji_creator.files import (check_place, check_writes, fresh_folder, identity, inside, kind, printable,
                                 release_folder, same_file, write_failed)
from emoji_creator.recipes import AUGMENTATIONS, MIXINGS, RECIPES, recipe_from
from emoji_creator.runtime import need_training_install
from emoji_creator.training import train
from emoji_creator.votes import attach_votes, votes_beside


def seed_value(text):
    value = int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text} is not a seed between 0 and 4294967295")
    return value


def check_paths(args, recipe, output, report_dir, ckpt_dir):
    """Refuse, before any data loads, every path that would lose something or fail at the end."""
    teacher = Path(recipe.teacher) if recipe.teacher else None  # --teacher, or the one the recipe names
    for option, path, folder in (("--output", output, False), ("--report-dir", report_dir, True),
                                 ("--checkpoint-dir", ckpt_dir, True)):
        check_place(option, path, folder)
    if output.suffix.lower() != ".h5":
        raise UserError(f"--output {output}: the model is saved as HDF5, so its name must end in .h5 "
                        f"(e.g. --output {output.with_suffix('.h5').name})")
    if kind(output) == "folder":
        raise UserError(f"--output {output} is a folder: name the model file, e.g. {output / 'emotion_model.h5'}")
    if teacher is not None and same_file(teacher, output):
        raise UserError(f"the teacher {teacher} is also the --output: the new net would replace its teacher; "
                        f"name another --output (e.g. --output student.h5)")
    data = Path(args.data)

    # Every path written against every path read, and against each other, before any work.
    check_writes([("--output", output), ("--report-dir", report_dir), ("--checkpoint-dir", ckpt_dir)],
                 [("the data", data), ("--votes", args.votes or votes_beside(data)), ("--teacher", teacher),
                  ("--join", args.join), ("--init", args.init), ("the program", Path(__file__).resolve().parent
                                                                 / "emoji_creator")],
                 allowed={("--output", "--join"), ("--output", "--init")}, folders={"--report-dir", "--checkpoint-dir"})
    try:  # the model's folder must take a file now, not after hours of training
        output.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=output.parent).close()
    except OSError as exc:
        raise UserError(f"cannot write into {output.parent} ({exc.strerror}): pick another --output") from None


def add_balance_options(group):
    """The options that weigh the rare classes or change the faces: --mixing, --class-weights, --augment."""
    group.add_argument("--augment", choices=AUGMENTATIONS, dest="augment_kind",
                       help="how training faces are varied: 'crop' (mirror and shift a few pixels), 'warp' (mirror, "
                            "shift and zoom), 'webcam' (crop, then tilt, exposure, blur, noise and JPEG as a webcam "
                            "would) (default: the recipe's: warp for wide, none for seed, crop for the others)")
    group.add_argument("--mixing", choices=MIXINGS,
                       help="blend pairs of training faces and their targets in half the batches: 'mixup' (whole "
                            "faces), 'cutmix' (a patch of one pasted on the other) or 'none' (default: the recipe's)")
    group.add_argument("--class-weights", type=float, metavar="POWER", dest="class_weight_power",
                       help="weight each class by (largest class / its size) ** POWER, so the rare ones count "
                            "more (default: the recipe's: 0 fast, 0.3 plus, 0.5 wide; 0 disables)")


def parse_args(argv=None):

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g_data = p.add_argument_group("data", "what it learns from")
    g_data.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help="folder with train/ and test/ class folders, or fer2013.csv (default: data/)")
    g_data.add_argument("--votes", type=Path, metavar="CSV",
                   help="FER+'s fer2013new.csv: learn from and be judged by ten annotators' votes per face "
                        "(default: the fer2013new.csv beside the data, if there is one)")
    g_data.add_argument("--labels", choices=("votes", "majority", "mix", "fer2013"),
                   help="what the net learns: FER+'s vote distribution ('votes', the default when votes are "
                        "found), their majority as a hard label, a 50/50 'mix' with FER2013's label, or "
                        "FER2013's single label ('fer2013', the default without votes)")
    g_data.add_argument("--holdout", type=float, metavar="SHARE",
                   help="validate on this share of the training images (each class alike, the same ones for every --seed), "
                        "held out from training, so settings can be chosen without looking at the test score "
                        "(default: 0, the data's own split: test/ for a folder, PublicTest for fer2013.csv)")
    g_recipe = p.add_argument_group("recipe", "how it trains")
    g_recipe.add_argument("--model", choices=sorted(RECIPES), default="fast",
                   help="'fast' (default): the CPU recipe; 'plus': the fast net longer, with mild class weights "
                        "(the shipped model's recipe); 'finetune': continue a trained --init model on the votes; "
                        "'wide': the first shipped model's CNN and recipe (a GPU job); 'seed': the tutorial's; "
                        "'student': the wide net's size in the fast net's shape, learning from --teacher "
                        "(README: Results gives each one's time)")
    g_recipe.add_argument("--epochs", type=int,
                   help="epochs (default: the recipe's: "
                        + ", ".join(f"{r.epochs} {name}" for name, r in RECIPES.items()) + ")")
    g_recipe.add_argument("--batch-size", type=int, help="batch size (default: the recipe's: 128 fast, 64 others)")
    g_recipe.add_argument("--erasing", type=float, metavar="P",
                   help="random erasing: chance per training image (default: the recipe's: 0.5 wide, 0 fast)")
    add_balance_options(g_recipe)
    g_recipe.add_argument("--seed", type=seed_value, help="random seed: weights, shuffle, augmentation (default: 1337)")
    g_recipe.add_argument("--devices", type=devices_arg, metavar="N|all",
                   help="train data-parallel on N devices (GPUs, else CPU devices), or all: each takes an equal "
                        "share of every batch, so --batch-size must be a multiple of N and the learning rate "
                        "needs no change (default: one device); a run may resume on another count")
    g_recipe.add_argument("--init", type=Path, metavar="MODEL",
                   help="fine-tune: start from this trained model's weights instead of random ones "
                        "(e.g. --model finetune --init emotion_model.h5)")
    g_output = p.add_argument_group("output", "what it writes")
    g_output.add_argument("--output", type=Path, default=DEFAULT_MODEL, help="model file (default: emotion_model.h5)")
    g_output.add_argument("--report-dir", type=Path, help="report folder (default: reports/<output name>/)")
    g_output.add_argument("--checkpoint-dir", type=Path, help="checkpoints (default: checkpoints/<output name>/)")
    g_output.add_argument("--join", type=Path, metavar="MODEL",
                   help="average the new network with the one(s) in MODEL and save that ensemble "
                        "(each network adds its own size and time a face)")
    g_resume = p.add_argument_group("resume", "an interrupted run")
    g_resume.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    g_resume.add_argument("--restart", action="store_true",
                   help="start over although the checkpoint folder holds a run (it is kept, renamed .before-DATE)")
    g_teacher = p.add_argument_group("teacher", "distillation")
    g_teacher.add_argument("--teacher", type=Path, metavar="MODEL",
                   help="distillation: the net also learns from this model's answers on each training face "
                        "(e.g. the shipped emotion_model.h5, or an ensemble made with --join), or from an "
                        "answers file (.npz) made by tools/fold_teachers.py")
    g_teacher.add_argument("--distill", type=float, metavar="SHARE",
                   help="with --teacher: the teacher's share of each training target, the true label has the "
                        "rest (default: the recipe's: 0.7 student, 0.5 others); 0 without --teacher: none")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    quiet_libraries()
    try:
        need_training_install("training")
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with native_stderr_quiet():  # TensorFlow's import-time lines (absl, CUDA probing, CPU features)
        import keras  # noqa: F401  (imports TensorFlow)

    output = args.output if args.output.is_absolute() else Path.cwd() / args.output
    report_dir = args.report_dir or ROOT / "reports" / output.stem
    ckpt = CheckpointDir(args.checkpoint_dir or ROOT / "checkpoints" / output.stem)
    claimed, before = None, identity(output)  # what --output is now: the messages say whether it changed
    try:
        # Every input and path is checked before anything is moved or written.
        recipe = recipe_from(args)
        if args.resume and args.restart:
            raise UserError("--resume continues the run in the checkpoint folder, --restart starts over: pick one")
        check_data(args.data)
        check_paths(args, recipe, output, report_dir, ckpt.path)
        if news := claim(ckpt, args.resume, args.restart):
            print(news)
        batch = (check_resume(args, ckpt) if args.resume else None) or recipe.batch_size
        report_dir = claimed = fresh_folder(report_dir)  # never an earlier run's, nor a run's started with it
        result = run(args, recipe, output, ckpt, report_dir, batch)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a checkpoint written onto a full disk, say
        return write_failed_line(exc, ckpt, output, before)
    except KeyboardInterrupt as exc:
        return interrupted_line(exc, ckpt, output, before)
    finally:
        ckpt.unlock()
        if claimed is not None:
            release_folder(claimed)
    print_result(result, output, report_dir)
    print(left_behind(result, ckpt, report_dir))
    return 0


def run(args, recipe, output, ckpt, report_dir, batch):
    """Load the data (with FER+'s votes when found) and train; returns train()'s result."""

    devices = plan_devices(args.devices, batch)  # before the data loads: a wrong count is said at once
    votes = args.votes or votes_beside(args.data)
    data = load_dataset(args.data)
    if votes is not None and args.labels == "fer2013" and args.votes is None and "rows" not in data:
        print(f"warning: {votes} is not used: these images' names carry no fer2013.csv row to match "
              f"its votes by", file=sys.stderr)
    elif votes is not None:
        data = attach_votes(data, votes)
    if not args.resume:  # a resumed run learns what it learned before (its saved recipe)
        recipe = replace(recipe, labels=args.labels or ("votes" if "votes" in data else "fer2013"))
    faster = None if recipe.model == "fast" else (
        "'python train.py --model fast' trains a model in about 14 minutes on a 2-core CPU (README: Results)"
        + ("" if recipe.cpu_friendly else "; this recipe is meant for a GPU (README: Training)"))
    return train(data, recipe, output, ckpt, report_dir, resume=args.resume,
                 verbose=1 if sys.stdout.isatty() else 2, data_name=str(args.data), join=args.join,
                 process_started=STARTED, faster=faster, devices=devices)


def write_failed_line(exc, ckpt, output, before):
    """One line for a failed write: the file that failed when the system names it (else the checkpoint),
    whether the model was replaced, and whether --resume can go on."""
    done = ckpt.holds_run()
    what = printable(exc.filename) if exc.filename and not inside(exc.filename, ckpt.path) else \
        f"a checkpoint into {printable(ckpt.path)}"
    print("error: " + write_failed(exc, what, model_news(output, before) + (
        f"; the run is checkpointed at epoch {done}: continue with 'python train.py --resume' (same options)"
        if done else "")), file=sys.stderr)
    return 2


def model_news(output, before):
    """'m.h5 is unchanged', or, when the run had already replaced it, where the new and the old one are."""
    if identity(output) == before:
        return f"{output.name} is unchanged"
    kept = sorted(output.parent.glob(f"{glob.escape(output.stem)}.before-*{output.suffix}"), key=os.path.getmtime)
    return (f"the new model was saved to {printable(output)}" + (f" (the old one is kept as {printable(kept[-1].name)})"
                                                                 if kept else "") + "; its report may be incomplete")


def interrupted_line(exc, ckpt, output, before):
    how = "stopped (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
    done = ckpt.holds_run()
    if identity(output) != before:
        print(f"\n{how}: {model_news(output, before)}", file=sys.stderr)
    elif done:
        print(f"\n{how}: {output.name} is unchanged; the run is checkpointed in {ckpt.path} "
              f"(epoch {done}); continue with 'python train.py --resume' (same options)", file=sys.stderr)
    else:
        print(f"\n{how} during the first epoch: nothing to resume yet and {output.name} is unchanged; "
              f"start again with the same command", file=sys.stderr)
    return 143 if isinstance(exc, Terminated) else 130


def print_result(result, output, report_dir):
    if "members" in result:
        how = (f"{result['members']} networks averaged; alone "
               f"{', '.join(f'{a:.2%}' for a in result['member_test_accuracy'])}")
    else:
        one = result.get("test_ferplus_single_view_accuracy", result["test_single_view_accuracy"])
        how = f"the app's {result['test_views']} test-time views averaged; {one:.2%} from one"
    took = result.get("wall_seconds", result["train_seconds"])
    ferplus = (f"FER+ majority {result['test_ferplus']['accuracy']:.2%}, " if "test_ferplus" in result else "")
    print(f"test accuracy: {ferplus}FER2013 label {result['test']['accuracy']:.2%} on {result['test_split']} "
          f"({how}) after {took / 60:.1f} min; model saved to {output}; report in {report_dir}")
    if result.get("replaced_model_kept_as"):
        old = Path(result["replaced_model_kept_as"])
        print(f"the model it replaced is kept as {old}: to go back, rename it to {output.name} "
              f"(e.g. mv {old.name} {output.name})")


def left_behind(result, ckpt, report_dir):
    """One line naming what the run left besides the model, and how to remove what is no longer wanted."""
    kept = [f"the old model {printable(result['replaced_model_kept_as'])}"] if result.get("replaced_model_kept_as") else []
    kept += [f"its checkpoints in {printable(ckpt.path)} (for --resume --epochs N)", f"the report in {printable(report_dir)}"]
    remove = " ".join(printable(p) for p in ([result["replaced_model_kept_as"]] if kept[0].startswith("the old") else [])
                      + [ckpt.path])
    return f"left: {'; '.join(kept)}. Not wanted any more? rm -r {remove}"


def cli():
    """The console command (pip install -e .): the same as running this file."""
    sys.exit(run_script(main))


if __name__ == "__main__":
    cli()
