"""Training recipes: each a complete, named set of training choices (net, schedule, augmentation, labels).

    from emoji_creator.recipes import RECIPES
    recipe = RECIPES["fast"]            # train.py's default: the CPU recipe
    recipe = replace(recipe, epochs=5)  # train.py's options change a copy

A run records its recipe in every checkpoint, and --resume goes on with the
recorded one, so a later change to these defaults never changes a run half-way.
What each recipe measured is in reports/ and docs/, not here.
"""
from dataclasses import dataclass


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
    augment_kind: str = "warp"  # "warp": flip, shift and zoom layers; "crop": flip and a shifted crop (cheap)
    shift: float = 0.08  # largest shift, as a fraction of the side
    erasing: float = 0.5  # chance per image of one random rectangle replaced by noise (0 disables)
    class_weight_power: float = 0.5  # 0 disables class weights
    seed: int = 1337
    teacher: str = ""  # distillation: the model file whose answers the net also learns from ("" = none)
    distill: float = 0.0  # the teacher's share of each target (the true label has the rest)
    holdout: float = 0.0  # share of the training images held out to validate on (0: the data's own split)
    labels: str = "fer2013"  # what the net learns: "fer2013" one-hot, or FER+'s "votes", "majority" or "mix"
    init: str = ""  # fine-tuning: the model file whose weights the run starts from ("" = random weights)
    cpu_friendly: bool = False  # planned for a 2-core CPU (else train.py's long-run note says "meant for a GPU")


RECIPES = {
    # The CPU recipe, train.py's default: a net cut for speed (make_fast_model), a short
    # cosine schedule with a larger learning rate and batch, and the cheap flip-and-crop
    # augmentation; train.py asks TensorFlow for its oneDNN kernels (its time and scores:
    # README, docs/fast_training.md). No class weights: in a run this short they cost
    # accuracy overall (disgust, the rarest class, pays for it).
    "fast": Recipe(model="fast", epochs=28, batch_size=128, learning_rate=3e-3, weight_decay=5e-4,
                   warmup_epochs=1, augment_kind="crop", erasing=0.0, class_weight_power=0.0,
                   cpu_friendly=True),
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

