"""Make the shipped model from trained networks, every choice read off held-out training faces:
which networks to join, which views each face gets, and how much more the rare classes weigh.

    python tools/ensemble.py --data ../shared/fer2013 A.h5 B.h5 C.h5 --output ensemble.h5 --report-dir reports/ensemble

The networks must have been trained with --holdout 0.1 (train.py holds out the same faces for every
seed), so none has seen the faces the choices are read off:
1. members and views: every set of the networks, each face seen as is or also mirrored, within
   MAX_RUNS network runs a face (the app's time budget), by FER+ agreement on the held-out faces
   with the class weights of step 2 that set would get (what would ship, not the raw average);
   the cheapest set (fewest runs a face) within one standard error of the best one's agreement is
   taken (the one-standard-error rule, fixed before any set was scored): a larger set must win by
   more than the held-out faces' own noise, not by a handful of faces. Choosing on the held-out
   faces flatters the set chosen; benchmarks/ensemble_rules.py measures by how much, and how this
   rule fares against the others (choose on half of the faces, score on the other half);
2. class weights: a weight per class (the same as adding log(weight) to each network's last bias,
   so it costs nothing a face), raised in small steps, each the step that costs the least
   held-out agreement, until fear and disgust reach RARE_FLOOR recall and every class CLASS_FLOOR.
The app gives the result the views chosen (runtime.app_views: the mirror while the ensemble's
networks fit its budget); a choice it would not run is not offered.
With --refit reports/<model>/choices.json the tool chooses nothing: the networks named, trained
(without --holdout) on every training face with the recipes of that choice's networks, one each, are
joined with its views and class weights, as a model is refit on all its data once its settings are chosen:

    python tools/ensemble.py --data ../shared/fer2013 --refit reports/emotion_model/choices.json \
        R1.h5 R2.h5 R3.h5 R4.h5 --output refit.h5 --report-dir reports/refit

PublicTest is scored once, for the report, after every choice is made. The output is a new file
(never one of the inputs), its weights stored in float16 (model_file.halve_weights: half the size,
the same contract); the report holds both scores, every recall and the choices, all read from that file.
"""
import argparse
import itertools
import json
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_RUNS = 6  # network runs a face: six runs of the fast net stay under the 3 ms a face
# The floors the shipped model must reach on PublicTest are 60% (fear, disgust) and 50% (every class);
# the held-out faces hold only ~25 disgust and ~45 fear faces, whose recall moves by ~10 points with a
# few faces, so the weights aim higher there.
RARE, RARE_FLOOR, CLASS_FLOOR = ("fear", "disgust"), 0.70, 0.55
STEP = 0.05  # log-weight step
RULES = ("largest", "best", "one-se")
RULE = "one-se"  # the rule the tool ships by


def scored_sets(answers, votes, params, shipped=lambda probs: probs, max_runs=MAX_RUNS, quiet=False):
    """[(names, views, right per face)] for every set of the networks within max_runs runs a face, each
    with the views the app would give it (runtime.app_views's rule: params, each network's size),
    scored as it would ship: shipped(its averaged answers) (main: with the class weights it would get,
    which cost some sets far more agreement than others)."""
    from emoji_creator.runtime import MIRROR_PARAMS
    from emoji_creator.votes import ferplus_right

    sets = []
    for n in range(1, len(answers) + 1):
        for names in itertools.combinations(answers, n):
            mirror = n == 1 or 2 * sum(params[k] for k in names) <= MIRROR_PARAMS
            views = (0, 1) if mirror else (0,)
            if n * len(views) > max_runs:
                continue
            right = ferplus_right(votes, shipped(np.mean([answers[k][v] for k in names for v in views], axis=0)))
            if not quiet:
                print(f"  {' + '.join(Path(k).stem for k in names):40} {'face + mirror' if mirror else 'face':14}"
                      f" held-out FER+ {right.mean():.2%}")
            sets.append((names, views, right))
    return sets


def pick(sets, rule=RULE):
    """The set a rule takes from scored_sets(): "largest", the best of those that spend the most runs
    a face; "best", the best; "one-se", the cheapest (fewest runs) within one standard error (of the
    paired per-face difference) of the best one's agreement, and among those the best."""
    if rule not in RULES:
        raise ValueError(f"rule {rule!r}: one of {RULES}")
    runs = lambda s: len(s[0]) * len(s[1])  # noqa: E731
    best = max(sets, key=lambda s: s[2].mean())
    if rule == "best":
        return best
    if rule == "largest":
        most = max(map(runs, sets))
        return max((s for s in sets if runs(s) == most), key=lambda s: s[2].mean())
    close = [s for s in sets if s[2].mean() >= best[2].mean() - standard_error(best[2], s[2])]
    return min(close, key=lambda s: (runs(s), -s[2].mean()))


def choose_members(answers, votes, params, shipped=lambda probs: probs, rule=RULE):
    """(names, views, held-out agreement) of the set the tool ships: pick(scored_sets(...), rule)."""
    sets = scored_sets(answers, votes, params, shipped)
    best = pick(sets, "best")
    names, views, right = pick(sets, rule)
    if names != best[0]:
        print(f"best: {' + '.join(Path(k).stem for k in best[0])} {best[2].mean():.2%}; by the {rule} rule: "
              f"{' + '.join(Path(k).stem for k in names)} {right.mean():.2%}")
    return names, views, right.mean()


def standard_error(a, b):
    """The standard error of the difference in agreement between two answers on the same faces."""
    d = a.astype(float) - b.astype(float)
    return float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0


def recalls(votes, probs):
    """(agreement, recall per class); NaN for a class no held-out face has as its majority (a small
    data folder), which then never falls short of its floor: there is nothing to weigh it up for."""
    from emoji_creator.votes import ferplus_recalls

    return ferplus_recalls(votes, probs)[:2]


def recall_text(classes, recall):
    """'angry 81.0%, disgust (no faces), ...': a class without faces has no recall (None in a report,
    NaN from recalls()), and says so."""
    return ", ".join(f"{c} {r:.1%}" if r is not None and r == r else f"{c} (no faces)" for c, r in zip(classes, recall))


def choose_weights(probs, votes, classes, rare_floor=RARE_FLOOR):
    """Log-weights per class: each step raises the class, among those under their floor (rare_floor for
    fear and disgust), whose step costs the least held-out agreement; until every floor is met (or 60 steps)."""
    logw = np.zeros(len(classes))
    floors = np.array([rare_floor if c in RARE else CLASS_FLOOR for c in classes])
    for _ in range(60):
        acc, rec = recalls(votes, weigh(probs, logw))
        short = np.flatnonzero(rec < floors)
        if not len(short):
            break
        trials = []
        for c in short:
            trial = logw.copy()
            trial[c] += STEP
            trials.append((recalls(votes, weigh(probs, trial))[0], c, trial))
        logw = max(trials, key=lambda t: t[0])[2]
    return logw


def weigh(probs, logw):
    p = probs * np.exp(logw)
    return p / p.sum(axis=1, keepdims=True)


def held_out_answers(data_dir, models, answer=True):
    """(split, networks, answers): the data split as every --holdout 0.1 run split it (split["val"]:
    the held-out faces, split["test"]: PublicTest), each model file's network by its name, and its
    answers on the held-out faces [face, mirror], (n, 7) each."""
    from emoji_creator.data import CHOICE_HOLDOUT, load_dataset
    from emoji_creator.model_file import load_emotion_model
    from emoji_creator.recipes import Recipe
    from emoji_creator.runtime import ONE_VIEW, make_predictor
    from emoji_creator.splits import split_data
    from emoji_creator.votes import attach_votes, votes_beside

    data = attach_votes(load_dataset(data_dir), votes_beside(data_dir))
    split = split_data(data, Recipe(holdout=CHOICE_HOLDOUT, labels="votes"))
    x_val = split["val"][0]
    nets = {str(m): load_emotion_model(m)[0] for m in models}
    answers = {}
    for name, model in nets.items() if answer else ():
        predict = make_predictor(model, views=ONE_VIEW)
        answers[name] = [predict(x_val), predict(x_val[:, :, ::-1])]
    return split, nets, answers


def choose(split, nets, answers, classes):
    """(names, views, log-weights, how they were chosen): steps 1 and 2, on the held-out faces."""
    x_val, _, v_val = split["val"]
    print(f"held-out faces: {len(x_val)} (10% of the training faces, the same for every seed)")
    print("each set with the class weights it would get (2. below):")
    names, views, acc = choose_members(answers, v_val, {k: m.count_params() for k, m in nets.items()},
                                       lambda probs: weigh(probs, choose_weights(probs, v_val, classes)))
    print(f"chosen: {len(names)} networks, {'face + mirror' if len(views) == 2 else 'the face alone'}: {acc:.2%}")
    probs = np.mean([answers[k][v] for k in names for v in views], axis=0)
    logw = choose_weights(probs, v_val, classes)
    acc_w, rec_w = recalls(v_val, weigh(probs, logw))
    print(f"class weights {dict(zip(classes, np.exp(logw).round(3).tolist()))}: held-out FER+ {acc_w:.2%}, recall "
          + recall_text(classes, rec_w))
    return names, views, logw, "10% of the training faces, held out from every network"


def refit(choices_path, models, classes):
    """(names, views, log-weights, how they were chosen) for --refit: the networks, trained on every
    training face with the recipes of an earlier choice, get that choice's views and class weights;
    nothing is chosen, and no face is held out from them to score it on."""
    from emoji_creator import UserError
    from emoji_creator.files import printable, read_json

    try:
        choices = read_json(choices_path)
        weights = [float(choices["class_weights"][c]) for c in classes]
        views = {"face": (0,), "face + mirror": (0, 1)}[choices["views"]]
        count = len(choices["networks"])
        if min(weights) <= 0:
            raise ValueError("a class weight is not positive")
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"--refit {printable(choices_path)}: not the choices.json tools/ensemble.py writes "
                        f"({exc}): name reports/<model>/choices.json") from None
    if count != len(models):
        raise UserError(f"--refit {printable(choices_path)} chose {count} networks, {len(models)} named: name as "
                        f"many, one trained (without --holdout) on each chosen network's recipe")
    print(f"refit of {choices_path}: {count} network{'s' * (count != 1)}, {choices['views']}, class weights "
          f"{dict(zip(classes, weights))}")
    return [str(m) for m in models], views, np.log(weights), \
        f"none: the networks trained on every training face, with the choices of {choices_path}"


def ship(args, split, nets, names, views, logw, validation):
    """Join the chosen networks, their class weights in each one's last bias, into args.output (float16
    storage), reload it as the app does and write the report: PublicTest scored once, here."""
    from emoji_creator import CLASSES, UserError
    from emoji_creator.evaluation import machine_info
    from emoji_creator.files import write_atomic
    from emoji_creator.model_file import load_emotion_model, save_model
    from emoji_creator.nets import join_models, members
    from emoji_creator.report import metrics, write_report
    from emoji_creator.runtime import app_views, make_predictor
    from emoji_creator.votes import ferplus_metrics

    chosen = []
    for name in names:
        net = members(nets[name])[0]
        last = net.get_layer("probabilities")
        kernel, bias = last.get_weights()
        last.set_weights([kernel, bias + logw.astype(bias.dtype)])
        chosen.append(net)
    joined = join_models(chosen)
    if len(app_views(joined)) != len(views):  # a refit of networks larger than the choice's, say: no file left
        raise UserError(f"the app would give these networks {len(app_views(joined))} view(s) a face, the choice "
                        f"{len(views)}: join networks of the chosen ones' size")
    save_model(joined, args.output, half=True)
    predict = make_predictor(load_emotion_model(args.output)[0])  # as the app runs it: its own views
    (x_val, _, v_val), (x_te, y_te, v_te) = split["val"], split["test"]
    test = predict(x_te)
    result = {"data": str(args.data), "test_split": "test/ (PublicTest)", "classes": list(CLASSES),
              "networks": [str(n) for n in names], "views": "face + mirror" if len(views) == 2 else "face",
              "class_weights": dict(zip(CLASSES, np.exp(logw).round(4).tolist())), "validation": validation}
    if not args.refit:  # a refit's networks trained on the held-out faces: a score there means nothing
        result["validation_ferplus"] = ferplus_metrics(v_val, predict(x_val))
    result.update({"test": metrics(y_te, test), "test_ferplus": ferplus_metrics(v_te, test),
                   "machine": machine_info(), "file_bytes": args.output.stat().st_size})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no training curves to draw: an empty plot's legend warns
        write_report(args.report_dir, result, {})
    (args.report_dir / "curves.png").unlink(missing_ok=True)  # a join has no training curves of its own
    m = result["test_ferplus"]
    print(f"PublicTest: FER+ majority {m['accuracy']:.2%}, FER2013 label {result['test']['accuracy']:.2%}; recall "
          + recall_text(CLASSES, [m["per_class"][c]["recall"] for c in CLASSES])
          + f"; {args.output} ({result['file_bytes'] / 1e6:.1f} MB), report in {args.report_dir}")
    write_atomic(args.report_dir / "choices.json",
                 json.dumps({k: result[k] for k in ("networks", "views", "class_weights")}, indent=2).encode())


def main(argv=None):
    from emoji_creator import CLASSES, UserError, native_stderr_quiet, quiet_libraries

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", type=Path, help="networks trained with --holdout 0.1 (with --refit: without)")
    p.add_argument("--data", type=Path, default=ROOT / "data")
    p.add_argument("--output", type=Path, required=True, help="the shipped model (.h5, a new file)")
    p.add_argument("--report-dir", type=Path, required=True)
    p.add_argument("--refit", type=Path, metavar="CHOICES",
                   help="choose nothing: join networks trained on every training face with the recipes of an "
                        "earlier run's choices (its report's choices.json), with its views and class weights")
    args = p.parse_args(argv)
    quiet_libraries()
    if args.output.exists():
        raise UserError(f"{args.output} exists: name a new file (the model it would replace stays as it is)")
    if args.refit:
        names, views, logw, validation = refit(args.refit, args.models, CLASSES)
    from emoji_creator.files import fresh_folder, release_folder

    args.report_dir = fresh_folder(args.report_dir)  # an earlier report stays: this one goes to <dir>-2
    try:
        with native_stderr_quiet():
            import keras  # noqa: F401  (TensorFlow's import lines)
        split, nets, answers = held_out_answers(args.data, args.models, answer=not args.refit)
        if not args.refit:
            names, views, logw, validation = choose(split, nets, answers, CLASSES)
        try:
            ship(args, split, nets, names, views, logw, validation)
        except OSError as exc:  # a full disk: the model and report files are written whole or not at all
            from emoji_creator.files import write_failed

            raise UserError(write_failed(exc, f"{args.output} or the report in {args.report_dir}")) from None
    finally:
        release_folder(args.report_dir)
    return 0


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
