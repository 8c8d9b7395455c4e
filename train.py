"""Train the emotion CNN on FER2013 and save emotion_model.h5.

    python train.py                          # data/train + data/test, the shipped recipe (wide)
    python train.py --data ../shared/fer2013 # another folder with train/ and test/
    python train.py --data fer2013.csv       # the original CSV (PrivateTest is the test score)
    python train.py --model seed             # the tutorial's CNN and recipe, for comparison
    python train.py --resume                 # continue from checkpoints/ after an interruption
    KERAS_BACKEND=jax python train.py        # on a GPU machine with JAX and Keras, no TensorFlow
    python train.py --model small --epochs 40 --erasing 0.5 --join emotion_model.h5
                                             # train a second network and ship the two averaged

The new model replaces --output only once training has finished; a report
(metrics.json, confusion_matrix.png, curves.png) is written to --report-dir.
"""
import argparse
import sys
from dataclasses import replace
from pathlib import Path

from emoji_creator import DEFAULT_DATA, DEFAULT_MODEL, ROOT, UserError


def parse_args(argv=None):
    from emoji_creator.training import RECIPES

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help="folder with train/ and test/ class folders, or fer2013.csv (default: data/)")
    p.add_argument("--model", choices=sorted(RECIPES), default="wide",
                   help="'wide': the shipped CNN and recipe (random erasing); 'small': the same CNN "
                        "narrower, without erasing (the first shipped model); 'seed': the tutorial's")
    p.add_argument("--epochs", type=int, help="epochs (default: the recipe's: 200 wide, 60 small, 50 seed)")
    p.add_argument("--batch-size", type=int, help="batch size (default: 64)")
    p.add_argument("--erasing", type=float, metavar="P",
                   help="random erasing: chance per training image (default: the recipe's: 0.5 wide, 0 small)")
    p.add_argument("--seed", type=int, help="random seed: weights, shuffle, augmentation (default: 1337)")
    p.add_argument("--output", type=Path, default=DEFAULT_MODEL, help="model file (default: emotion_model.h5)")
    p.add_argument("--report-dir", type=Path, help="report folder (default: reports/<output name>/)")
    p.add_argument("--checkpoint-dir", type=Path, help="checkpoints (default: checkpoints/<output name>/)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument("--join", type=Path, metavar="MODEL",
                   help="average the new network with the one(s) in MODEL and save that ensemble "
                        "(each network adds its size and its time a face: 4.5 MB and ~0.9 ms for small)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from emoji_creator.training import RECIPES

    recipe = RECIPES[args.model]
    if args.epochs is not None:
        recipe = replace(recipe, epochs=args.epochs)
    if args.batch_size is not None:
        recipe = replace(recipe, batch_size=args.batch_size)
    if args.erasing is not None:
        recipe = replace(recipe, erasing=args.erasing)
    if args.seed is not None:
        recipe = replace(recipe, seed=args.seed)
    if recipe.epochs < 1 or recipe.batch_size < 1 or not 0 <= recipe.erasing <= 1:
        print("error: --epochs and --batch-size must be at least 1, --erasing between 0 and 1", file=sys.stderr)
        return 2
    if args.join is not None and not args.join.is_file():
        print(f"error: --join {args.join}: no such model file; pass the emotion_model.h5 to add a network to",
              file=sys.stderr)
        return 2
    output = args.output if args.output.is_absolute() else Path.cwd() / args.output
    report_dir = args.report_dir or ROOT / "reports" / output.stem
    ckpt_dir = args.checkpoint_dir or ROOT / "checkpoints" / output.stem
    try:
        from emoji_creator.data import load_dataset
        from emoji_creator.training import train

        data = load_dataset(args.data)
        print(f"data: {len(data['train'][0])} training, {len(data['val'][0])} validation, "
              f"{len(data['test'][0])} test images from {args.data}")
        result = train(data, recipe, output, ckpt_dir, report_dir, resume=args.resume,
                       verbose=1 if sys.stdout.isatty() else 2, data_name=str(args.data), join=args.join)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: {output.name} is unchanged; the last and best checkpoints are in "
              f"{ckpt_dir}; continue with 'python train.py --resume' (same options)", file=sys.stderr)
        return 130
    if "members" in result:
        how = (f"{result['members']} networks averaged; alone "
               f"{', '.join(f'{a:.2%}' for a in result['member_test_accuracy'])}")
    else:
        how = f"the app's {result['test_views']} test-time views averaged; {result['test_single_view_accuracy']:.2%} from one"
    print(f"test accuracy {result['test']['accuracy']:.2%} on {result['test_split']} ({how}); "
          f"model saved to {output}; report in {report_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
