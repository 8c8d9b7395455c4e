"""Join trained models into one that averages their answers: a teacher for train.py --teacher.

    python tools/join.py emotion_model.h5 reports_run2.h5 run3.h5 --output teacher.h5

Networks trained apart err on different faces, so their average is more
accurate than each (model.join_models). The result is one model file under the
app's contract; score it with `python benchmarks/test_time_views.py teacher.h5`.
Each network adds its time a face, so a big ensemble is a teacher, not a
model for the live loop. The output is never one of the inputs and never
replaces an existing file.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None):
    from emoji_creator import UserError, native_stderr_quiet, quiet_libraries

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", type=Path, help="two or more model files")
    p.add_argument("--output", type=Path, required=True, help="the joined model (.h5, a new file)")
    args = p.parse_args(argv)
    quiet_libraries()
    try:
        if len(args.models) < 2:
            raise UserError("name two or more model files to join")
        if args.output.suffix.lower() != ".h5":
            raise UserError(f"--output {args.output}: the model is saved as HDF5, so its name must end in .h5")
        if args.output.exists():
            raise UserError(f"--output {args.output} exists: name a new file (nothing is written over)")
        from emoji_creator.files import kind

        for path in args.models:
            if kind(path) != "file":
                raise UserError(f"{path}: no such model file" if kind(path) == "missing" else
                                f"{path} is a {kind(path)}, not a model file: name a .h5 model file")
        with native_stderr_quiet():
            from emoji_creator.nets import join_models, members
            from emoji_creator.model_file import load_model_of_our_classes, save_model

            joined = join_models([load_model_of_our_classes(path, "it cannot be joined") for path in args.models])
            save_model(joined, args.output)
    except OSError as exc:  # a full disk: save_model leaves no partial file
        from emoji_creator.files import write_failed

        print(f"error: {write_failed(exc, f'the joined model {args.output}')}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.output}: {len(members(joined))} networks averaged, {joined.count_params():,} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
