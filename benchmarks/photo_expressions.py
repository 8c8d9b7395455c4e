"""Real faces, labelled by what most people would say: does each model's emoji agree?

    python benchmarks/photo_expressions.py emotion_model.h5 [OTHER.h5 ...]

The faces are those of benchmarks/photos/ that benchmarks/photos/expressions.json names (closed-mouth
smiles, a grimace, straight faces, open smiles), cut at their hand-checked boxes (boxes.json) as the
live loop cuts a face, and classified as the app runs each model. A small check, for the report only:
nothing is chosen on it.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHOTOS = ROOT / "benchmarks" / "photos"


def faces():
    """[(photo, face number, box, expression)] of expressions.json, in its order."""
    boxes = json.loads((PHOTOS / "boxes.json").read_text())
    out = []
    for name, marks in json.loads((PHOTOS / "expressions.json").read_text()).items():
        if name.startswith("_"):
            continue
        for k, expression in marks.items():
            out.append((name, int(k), tuple(boxes[name]["faces"][int(k)]), expression))
    return out


def main(argv=None):
    import cv2

    from emoji_creator import CLASSES
    from emoji_creator.live import crop_faces
    from emoji_creator.runtime import load_live_model

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", type=Path)
    args = p.parse_args(argv)
    marked = faces()
    answers = {}
    for model in args.models:
        predict, _ = load_live_model(model)
        answers[model] = [predict(crop_faces(cv2.imread(str(PHOTOS / name), cv2.IMREAD_GRAYSCALE), [box]))[0]
                          for name, _, box, _ in marked]
    print(f"{'face':28} {'people say':10} " + " ".join(f"{m.stem[:22]:>22}" for m in args.models))
    for i, (name, k, _, expression) in enumerate(marked):
        cells = []
        for model in args.models:
            probs = answers[model][i]
            top = CLASSES[int(probs.argmax())]
            cells.append(f"{('' if top == expression else '*') + top} {probs.max():.2f}".rjust(22))
        print(f"{name + ' #' + str(k):28} {expression:10} " + " ".join(cells))
    for model in args.models:
        right = sum(CLASSES[int(a.argmax())] == m[3] for a, m in zip(answers[model], marked))
        print(f"{model}: {right} of {len(marked)} faces as people say (* marks the others)")
    return 0


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
