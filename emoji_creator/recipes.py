"""Training recipes: each a complete, named set of training choices (net, schedule, augmentation, labels).

    from emoji_creator.recipes import RECIPES
    recipe = RECIPES["fast"]            # train.py's default: the CPU recipe
    recipe = replace(recipe, epochs=5)  # train.py's options change a copy

A run records its recipe in every checkpoint, and --resume goes on with the
recorded one, so a later change to these defaults never changes a run half-way.
What each recipe measured is in reports/ and docs/, not here.
"""
from dataclasses import dataclass, replace

from . import ROOT, UserError
from .files import kind


@dataclass
class Recipe:
    model: str = "wide"
    epochs: int = 200  # wide: a GPU job (README: Results gives the times); resumable
    batch_size: int = 64
    learning_rate: float = 1e-3
    optimizer: str = "adamw"
    weight_decay: float = 1e-4
    schedule: str = "cosine"  # cosine decay after a short warm-up; "constant" for the seed
    warmup_epochs: int = 2
    label_smoothing: float = 0.1
    augment: bool = True
    # "warp": flip, shift and zoom; "crop": flip and a shifted crop (cheap); "webcam": the crop, then blur, noise...
    augment_kind: str = "warp"
    shift: float = 0.08  # largest shift, as a fraction of the side
    erasing: float = 0.5  # chance per image of one random rectangle replaced by noise (0 disables)
    class_weight_power: float = 0.5  # 0 disables class weights
    mixing: str = "none"  # "mixup" or "cutmix": half the batches blend pairs of faces and their targets
    seed: int = 1337
    teacher: str = ""  # distillation: the model file whose answers the net also learns from ("" = none)
    distill: float = 0.0  # the teacher's share of each target (the true label has the rest)
    holdout: float = 0.0  # share of the training images held out to validate on (0: the data's own split)
    labels: str = "fer2013"  # what the net learns: "fer2013" one-hot, or FER+'s "votes", "majority" or "mix"
    init: str = ""  # fine-tuning: the model file whose weights the run starts from ("" = random weights)
    bfloat16: bool = False  # train in mixed bfloat16 where the CPU computes it natively (precision.py)
    cpu_friendly: bool = False  # planned for a 2-core CPU (else train.py's long-run note says "meant for a GPU")


RECIPES = {
    # The CPU recipe, train.py's default: a net cut for speed (make_fast_model), a short
    # cosine schedule with a larger learning rate and batch, and the cheap flip-and-crop
    # augmentation; train.py asks TensorFlow for its oneDNN kernels (its time and scores:
    # README, docs/fast_training.md). No class weights: in a run this short they cost
    # accuracy overall (disgust, the rarest class, pays for it). Half of each target is the
    # answer of a teacher kept in git (teachers/README.md), chosen on held-out faces
    # (docs/ferplus.md); --distill 0 trains it alone. In mixed bfloat16 where the CPU computes
    # it natively (precision.py): that buys the 36 epochs inside the quarter hour; elsewhere
    # the same epochs run in float32, slower.
    "fast": Recipe(model="fast", epochs=36, batch_size=128, learning_rate=3e-3, weight_decay=5e-4,
                   warmup_epochs=1, augment_kind="crop", erasing=0.0, class_weight_power=0.0,
                   teacher="teachers/fast_recipe.h5", distill=0.5, bfloat16=True, cpu_friendly=True),
    # The first shipped model: the wide net, regularised by random erasing, 200 epochs
    # (reports/wide_200ep_fer2013/).
    "wide": Recipe(),
    # The distilled student (issue 24): the shipped net's size in the fast net's folded shape,
    # learning 70% of each target from a teacher's answers (--teacher), 50 epochs (its runs:
    # docs/distillation.md). Batch 128 at twice the wide recipe's rate (linear scaling); the cheap crop
    # augmentation plus the wide recipe's erasing and class weights.
    "student": Recipe(model="student", epochs=50, batch_size=128, learning_rate=2e-3, weight_decay=5e-4,
                      augment_kind="crop", distill=0.7, cpu_friendly=True),
    # The shipped model's recipe on FER+'s votes: the fast net and schedule, longer, with mild
    # class weights so that the rare classes (disgust above all) keep their recall (reports/emotion_model/).
    "plus": Recipe(model="fast", epochs=48, batch_size=128, learning_rate=3e-3, weight_decay=5e-4,
                   warmup_epochs=1, augment_kind="crop", erasing=0.0, class_weight_power=0.3,
                   cpu_friendly=True),
    # Fine-tuning (--init MODEL): the shipped net's training continued on FER+'s votes at a
    # third of the wide recipe's rate, one warm-up epoch, the cheap crop augmentation plus
    # erasing. No label smoothing: the votes are soft targets already.
    "finetune": Recipe(model="wide", epochs=12, learning_rate=3e-4, warmup_epochs=1, augment_kind="crop",
                       label_smoothing=0.0, init="required", cpu_friendly=True),
    # The tutorial's recipe: Adam 1e-4, 50 epochs, batch 64, no augmentation, plain loss.
    "seed": Recipe(model="seed", epochs=50, batch_size=64, learning_rate=1e-4, optimizer="adam",
                   weight_decay=0.0, schedule="constant", warmup_epochs=0, label_smoothing=0.0,
                   augment=False, erasing=0.0, class_weight_power=0.0),
}


MIXINGS = ("none", "mixup", "cutmix")
AUGMENTATIONS = ("crop", "warp", "webcam")
MAX_BATCH = 65536  # larger batches overflow TensorFlow's shapes long before they would fit in memory


def recipe_from(args):
    """train.py's options as a recipe: the named one with the options' changes, every value checked
    against its range and every option that needs another named (UserError says which)."""

    recipe = RECIPES[args.model]
    changes = {name: getattr(args, name) for name in ("epochs", "batch_size", "erasing", "seed", "holdout",
                                                          "mixing", "class_weight_power", "augment_kind")}
    recipe = replace(recipe, **{k: v for k, v in changes.items() if v is not None})
    if args.augment_kind is not None:  # the tutorial's recipe has none: asking for one turns it on
        recipe = replace(recipe, augment=True)
    if not (1 <= recipe.epochs <= 100_000 and 1 <= recipe.batch_size <= MAX_BATCH and 0 <= recipe.erasing <= 1):
        raise UserError(f"--epochs must be 1 to 100000, --batch-size 1 to {MAX_BATCH}, --erasing between 0 and 1")
    if not 0 <= recipe.class_weight_power <= 2:
        raise UserError("--class-weights is a power from 0 (no weights) to 2 (e.g. 0.5: square-root weights)")
    if not 0 <= recipe.holdout <= 0.5:
        raise UserError("--holdout is the share of training images to validate on: 0 to 0.5 (e.g. 0.1)")
    for option, given, fix in (("--teacher", args.teacher, "name a model file (.h5)"),
                               ("--join", args.join, "pass the emotion_model.h5 to add a network to"),
                               ("--init", args.init, "name a model file (.h5)"),
                               ("--votes", args.votes, "name FER+'s fer2013new.csv")):
        if given is not None and kind(given) != "file":
            what = "no such model file" if option != "--votes" else "no such file"
            raise UserError(f"{option} {given}: " + (what if kind(given) == "missing" else
                                                     f"that is a {kind(given)}, not a file") + f"; {fix}")
    return _with_teacher_and_init(recipe, args)


def _with_teacher_and_init(recipe, args):
    """The teacher's share and the fine-tuned model: each recipe that needs one refuses to go without."""
    if args.distill == 0 and args.teacher is None:  # e.g. a recipe alone, as a control for what its teacher adds
        recipe = replace(recipe, teacher="", distill=0.0)
    elif (teacher := args.teacher if args.teacher is not None else recipe_teacher(recipe, args.resume)):
        share = args.distill if args.distill is not None else (recipe.distill or 0.5)
        if not 0 < share <= 1:
            raise UserError("--distill is the teacher's share of each target: more than 0, at most 1")
        recipe = replace(recipe, teacher=str(teacher), distill=share)
    elif args.distill is not None and not args.resume:  # a share of nothing would silently train alone
        raise UserError("--distill is the share of each target taken from --teacher MODEL: pass the teacher too, "
                        "or --distill 0 to train without one")
    elif recipe.distill and not args.resume:
        raise UserError(f"the {args.model} recipe learns from a teacher: pass --teacher MODEL (a model file, or "
                        f"several joined with tools/join.py; README: Training), or --distill 0 to train it alone")
    if args.init is not None:
        recipe = replace(recipe, init=str(args.init))
    elif recipe.init == "required" and not args.resume:
        raise UserError(f"the {args.model} recipe fine-tunes a trained model: pass --init MODEL "
                        f"(e.g. --init emotion_model.h5)")
    return recipe


def recipe_teacher(recipe, resume):
    """The teacher a recipe names (a file kept in git, under the project root), or None.
    A resumed run learns from the answers its checkpoints keep, so it needs no file."""
    if not recipe.teacher:
        return None
    path = ROOT / recipe.teacher
    if (found := kind(path)) != "file" and not resume:
        raise UserError(f"the {recipe.model} recipe learns from {recipe.teacher}, which is "
                        f"{'missing' if found == 'missing' else 'not a file'}: restore it "
                        f"('git checkout -- {recipe.teacher}'), or pass --distill 0 to train without it")
    return path
