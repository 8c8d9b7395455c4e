"""How much tools/ensemble.py's choice flatters itself, rule by rule: choose on half the held-out faces,
score on the other half.

    python benchmarks/ensemble_rules.py --data ../shared/fer2013 [--halvings 4] [--budgets 6,10] A.h5 B.h5 ...
    python benchmarks/ensemble_rules.py --data ../shared/fer2013 --floors 0.7,0.8,0.9 --budgets 6 --rules one-se A.h5 ...

The networks must have been trained with --holdout 0.1, as for tools/ensemble.py. For each random
halving of the held-out faces (each FER+ majority class split alike), both ways round, and for each
budget of network runs a face and each rule (ensemble.RULES), the tool's own choice is made on one
half (members, views, class weights) and the model it would ship is scored on the other. Prints, per
rule and budget: agreement on the choosing half (flattered) and on the other half, the paired
difference there from the tool's own rule (ensemble.RULE at ensemble.MAX_RUNS) with its standard error
over the halves, fear and disgust recall, runs a face, and how often both rare classes reached 60%
there. --floors also varies the recall the class weights raise fear and disgust to on the choosing half
(the tool's is ensemble.RARE_FLOOR): how high it must be for 60% to hold on faces it was not fitted on,
and at what cost.
Half of the faces hold about a dozen disgust faces, so the recalls move by several points
with one face; and a choice read off half the faces is noisier than the tool's on all of them, so
the flattery is somewhat overstated.
PublicTest is never read.
"""
import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def halves(votes, n):
    """n pairs of index arrays (a, b): the faces of every majority class halved at random."""
    from held_out_choices import halvings
    from emoji_creator.votes import majority

    return [(np.flatnonzero(m), np.flatnonzero(~m)) for m in halvings(majority(votes), n)]


def choose_and_score(answers, votes, params, fit, test, budgets, rules, floor):
    """{(budget, rule): (agreement on fit, on test, test recall per class, runs a face)} for the tool's
    choice on fit, its class weights raising fear and disgust to floor there. The sets are scored once,
    for the largest budget: a smaller one takes those within it."""
    import ensemble
    from emoji_creator import CLASSES

    def shipped(probs):  # as the tool scores a set: with the class weights it would get
        return ensemble.weigh(probs, ensemble.choose_weights(probs, votes[fit], CLASSES, floor))

    sets = ensemble.scored_sets({k: [a[fit] for a in v] for k, v in answers.items()}, votes[fit], params,
                                shipped, max(budgets), quiet=True)
    out = {}
    for budget, rule in itertools.product(budgets, rules):
        names, views, right = ensemble.pick([s for s in sets if len(s[0]) * len(s[1]) <= budget], rule)
        probs_fit = np.mean([answers[k][v][fit] for k in names for v in views], axis=0)
        logw = ensemble.choose_weights(probs_fit, votes[fit], CLASSES, floor)  # the weights it would ship with
        probs = ensemble.weigh(np.mean([answers[k][v][test] for k in names for v in views], axis=0), logw)
        acc, rec = ensemble.recalls(votes[test], probs)
        out[budget, rule] = (right.mean(), acc, rec, len(names) * len(views))
    return out


def mean(recall):
    """The mean recall over the halves that hold the class, or '-' where none does (a small folder)."""
    recall = recall[~np.isnan(recall)]
    return f"{recall.mean():.1%}" if len(recall) else "-"


def both(fear, disgust):
    """How often both rare classes reached 60%, over the halves that hold both ('-' where none does)."""
    held = ~np.isnan(fear) & ~np.isnan(disgust)
    return f"{np.mean((fear[held] >= 0.6) & (disgust[held] >= 0.6)):.0%}" if held.any() else "-"


def print_rows(floor, rows, tool):
    """One line per (budget, rule) at this floor: agreement where chosen and on the other half, the paired
    difference from the tool's own choice there, the rare recalls, runs a face and how often both reached 60%."""
    import ensemble
    from emoji_creator import CLASSES

    fear, disgust = CLASSES.index("fear"), CLASSES.index("disgust")
    for (budget, rule), r in rows.items():
        chose, acc = np.mean([x[0] for x in r]), np.array([x[1] for x in r])
        diff, se = acc - tool, ensemble.standard_error(acc, tool)  # paired: the same halves
        f, d = np.array([x[2][fear] for x in r]), np.array([x[2][disgust] for x in r])
        print(f"{floor:>5.2f} {budget:>6} {rule:8} {chose:>9.2%} {acc.mean():>9.2%} {100 * diff.mean():>+6.2f} "
              f"±{100 * se:.2f} {mean(f):>6} {mean(d):>7} {np.mean([x[3] for x in r]):>5.1f} {both(f, d):>8}",
              flush=True)


def main(argv=None):
    import ensemble
    from emoji_creator import UserError, native_stderr_quiet, quiet_libraries

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", type=Path, help="networks trained with --holdout 0.1")
    p.add_argument("--data", type=Path, default=ROOT / "data")
    p.add_argument("--halvings", type=int, default=4)
    p.add_argument("--budgets", default="6,10", help="network runs a face, comma-separated (the tool's own is added)")
    p.add_argument("--floors", default="", help="fear and disgust recall floors for the class weights, comma-separated "
                                                "(the tool's own, %.2f, is added)" % ensemble.RARE_FLOOR)
    p.add_argument("--rules", default=",".join(ensemble.RULES),
                   help="which rules, comma-separated (the tool's is added)")
    args = p.parse_args(argv)
    try:
        budgets = sorted({int(b) for b in args.budgets.split(",")} | {ensemble.MAX_RUNS})
        # the tool's own floor first: every row is compared with its choice
        floors = [ensemble.RARE_FLOOR] + sorted({float(f) for f in args.floors.split(",") if f} - {ensemble.RARE_FLOOR})
    except ValueError:
        budgets, floors = [0], []
    asked = set(args.rules.split(","))
    rules = [r for r in ensemble.RULES if r in asked | {ensemble.RULE}]
    if args.halvings < 1 or min(budgets) < 1 or not all(0 < f <= 1 for f in floors) or not asked <= set(ensemble.RULES):
        raise UserError("--halvings is a count (1 or more), --budgets network runs a face (e.g. 6,10), --floors "
                        f"recalls (e.g. 0.7,0.8) and --rules some of {','.join(ensemble.RULES)}")
    quiet_libraries()
    with native_stderr_quiet():
        import keras  # noqa: F401  (TensorFlow's import lines)
    split, nets, answers = ensemble.held_out_answers(args.data, args.models)
    votes = split["val"][2]
    params = {k: m.count_params() for k, m in nets.items()}
    tool = None
    for floor in floors:  # each printed once done: a higher floor takes long
        rows = {(b, r): [] for b in budgets for r in rules}
        for a, b in halves(votes, args.halvings):
            for fit, test in ((a, b), (b, a)):
                for key, row in choose_and_score(answers, votes, params, fit, test, budgets, rules, floor).items():
                    rows[key].append(row)
        if tool is None:  # what tools/ensemble.py does
            tool = np.array([x[1] for x in rows[ensemble.MAX_RUNS, ensemble.RULE]])
            print(f"{len(votes)} held-out faces, {args.halvings} halvings both ways, {len(nets)} networks\n"
                  f"{'floor':>5} {'budget':>6} {'rule':8} {'chosen on':>9} {'scored on':>9} {'vs tool':>14} "
                  f"{'fear':>6} {'disgust':>7} {'runs':>5} both>=60%")
        print_rows(floor, rows, tool)
    return 0


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
