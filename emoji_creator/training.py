"""Training: the optimiser and schedule, the timing lines, and the run itself (train()).

    from emoji_creator.training import train
    result = train(data, RECIPES["fast"], "emotion_model.h5", CheckpointDir("checkpoints/x"), "reports/x")

A training step's walk: train.py picks a recipe (recipes.py) and loads the
data (data.py, votes.py); train() splits it (--holdout, FER+'s kept faces),
builds the net (nets.py) or resumes it (checkpoints.py), feeds fit augmented
batches (pipeline.py: NumPy in worker threads, on every backend), checkpoints
every epoch, then scores the model as the app runs it (evaluation.py through
runtime.py), saves it (model_file.py) and writes the report (report.py).
"""
import hashlib
import sys
import time
from dataclasses import replace

import numpy as np

from . import CLASSES, UserError
from .answers import answers_beside, cached_answers, is_answers_file, read_answers
from .checkpoints import CheckpointDir, checkpoint_callback, mark_finished
from .data import class_weights
from .devices import plan_devices, shard_rows
from .evaluation import evaluate, keep
from .files import replacing
from .model_file import load_emotion_model, load_model_of_our_classes, save_model
from .nets import ARCHITECTURES
from .pipeline import VALIDATION_BATCH, training_stream, validation_stream
from .precision import float32_copy, policy_of, training_precision
from .recipes import RECIPES, Recipe
from .runtime import MIRROR, make_predictor
from .splits import split_data
from .votes import describe, majority
from .votes import targets as vote_targets


def learning_rate(recipe, steps_per_epoch):
    """The recipe's learning rate: a float, or a per-step schedule over the whole run."""
    import keras  # here: TensorFlow's import costs seconds

    total = max(1, recipe.epochs * steps_per_epoch)
    if recipe.schedule != "cosine":
        return recipe.learning_rate
    warmup = min(recipe.warmup_epochs * steps_per_epoch, total - 1)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=recipe.learning_rate / 10 if warmup else recipe.learning_rate,
        decay_steps=total - warmup, alpha=0.01,
        warmup_target=recipe.learning_rate if warmup else None, warmup_steps=warmup)


def compile_model(model, recipe, steps_per_epoch, jit_compile="auto"):
    """jit_compile: Keras' own choice by default (False on several TensorFlow devices: devices.py);
    benchmarks/train_speed.py measures XLA on and off."""
    import keras  # here: TensorFlow's import costs seconds

    lr = learning_rate(recipe, steps_per_epoch)
    if recipe.optimizer == "adamw":
        opt = keras.optimizers.AdamW(learning_rate=lr, weight_decay=recipe.weight_decay)
    else:
        opt = keras.optimizers.Adam(learning_rate=lr)
    model.compile(optimizer=opt,
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
                  metrics=["accuracy"], jit_compile=jit_compile)


def timing_callback(recipe, steps, val_images, epochs_left, faster=None):
    """Keras callback: times a few steps of the first epoch this run trains and prints the
    expected length of the whole run on this machine, naming `faster` when it is over an hour."""
    import keras  # here: TensorFlow's import costs seconds

    skip, measure = 3, 20  # the first steps include tracing; then enough to average out a slow one

    class Timing(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.marks, self.estimate, self.images_per_second = [], None, None
            self.epochs_seen, self.revised = 0, None

        def on_train_begin(self, logs=None):
            self.began = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            if self.estimate is not None or batch < skip:
                return
            self.marks.append(time.perf_counter())
            if len(self.marks) > measure:
                per_step = (self.marks[-1] - self.marks[0]) / (len(self.marks) - 1)
                # Validation runs forward only: about a third of a training step's work per image.
                per_epoch = steps * per_step + val_images / (3 * recipe.batch_size / per_step)
                self.report(recipe.batch_size / per_step, per_epoch, (batch + 1) * per_step)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_began = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.epochs_seen += 1
            if self.estimate is None:  # an epoch too short to time its steps: time the epoch
                per_epoch = now - self.began
                self.report(steps * recipe.batch_size / per_epoch, per_epoch, per_epoch)
            elif self.epochs_seen == 2 and epochs_left > 2:
                # The early estimate times training steps only; a whole epoch also holds the
                # validation pass and the checkpoint (it ran a little short on most fast-recipe runs).
                # The second epoch is the first without tracing: time it and say so if it moves.
                self.revised = now - self.began + (epochs_left - 2) * (now - self.epoch_began)
                if abs(self.revised - self.estimate) > 0.05 * self.estimate:
                    done = time.strftime("%H:%M", time.localtime(time.time() + self.revised - (now - self.began)))
                    say(f"timing: a whole epoch takes {now - self.epoch_began:.0f} s with its validation "
                        f"and checkpoint, so the {epochs_left} epochs should take about {minutes(self.revised)} "
                        f"(done about {done})")

        def report(self, images_per_second, per_epoch, spent):
            self.images_per_second, self.estimate = images_per_second, epochs_left * per_epoch
            done = time.strftime("%H:%M", time.localtime(time.time() + self.estimate - spent))
            say(f"timing: {images_per_second:.0f} images/s on this machine, so {epochs_left} epoch(s) "
                f"should take about {minutes(self.estimate)} (done about {done})")
            if self.estimate > 3600 and faster:
                say(f"that is over an hour on this machine: {faster}")

    return Timing()


def minutes(seconds):
    """'40 s', '14 min' or '2.5 h', for the timing lines: never '0 min'."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def say(line):
    """A timing line beside Keras's progress bar: in a terminal the bar's unfinished line is cleared
    first (the bar redraws itself below), so neither cuts into the other."""
    print(("\r\033[K" if sys.stdout.isatty() else "\n") + line, flush=True)


def train(data, recipe, output, ckpt_dir, report_dir, resume=False, verbose=1, data_name="", join=None,
          process_started=None, faster=None, devices=None):
    """Fit, evaluate, write the report and only then replace `output`. Returns the result dict.
    process_started: time.time() when the program started, for the report's wall-clock (data loading
    and start-up included); faster: what to suggest when the run's timing says it will take over an hour.
    join: a model file whose networks the new one is averaged with (join_models); `output` then holds
    the ensemble. The file is copied into the checkpoint folder when the run starts, so a resumed run
    joins the same networks even when `output` (often the same path) has been replaced since.
    devices: a devices.Plan (train.py --devices); None trains on one device.
    """
    import keras  # here: TensorFlow's import costs seconds

    plan = devices or plan_devices(None, recipe.batch_size)
    if plan.count > 1 and verbose:
        print(f"devices: {plan}")
    keras.utils.set_random_seed(recipe.seed)
    ckpt = ckpt_dir if isinstance(ckpt_dir, CheckpointDir) else CheckpointDir(ckpt_dir)
    if ckpt.lock_file is None:
        ckpt.lock()
    base = _join_base(ckpt.path, join, resume)
    with plan.scope():  # a model trained on several devices is made (or loaded) on them
        model, state, recipe = _resumed(ckpt, recipe, plan) if resume else (None, None, recipe)
    split = split_data(data, recipe)
    (x_tr, y_tr, v_tr), (x_val, _, _), (x_te, y_te, _) = split["train"], split["val"], split["test"]
    validation = _describe(data, split, recipe, data_name, verbose)
    fingerprint = data_fingerprint(x_tr, y_tr if v_tr is None else v_tr)
    steps = int(np.ceil(len(x_tr) / recipe.batch_size))
    if resume:
        history, best, initial_epoch, before, stream_seed = _carry_on(model, state, recipe, fingerprint, steps, ckpt.path)
    else:
        model = _new_model(recipe, steps, plan)
        history, best, initial_epoch, before, stream_seed = {}, {"val_accuracy": -1.0, "epoch": 0}, 0, 0.0, recipe.seed
    precision = _precision(model, verbose)  # a resumed run's is its checkpoint's
    truth, val_truth, cw = _targets(recipe, split)
    teacher = _teacher(ckpt.path, recipe, x_tr, split["train_rows"], x_te, y_te, resume) if recipe.teacher else None
    goal = truth if teacher is None else mix_targets(teacher["train"], truth, recipe.distill)
    started = {"at": time.time(), "before": before}
    timing = timing_callback(recipe, steps, len(x_val), recipe.epochs - initial_epoch, faster)
    if initial_epoch < recipe.epochs:
        # Several processes (machines) feed one model: each its share of every batch, validation too.
        val = shard_rows(len(x_val), VALIDATION_BATCH, plan.process) if plan.process[1] > 1 else slice(None)
        model.fit(training_stream(x_tr, goal, recipe, stream_seed, class_weight=cw, process=plan.process),
                  validation_data=validation_stream(x_val[val], val_truth[val]),
                  validation_batch_size=VALIDATION_BATCH // plan.process[1],
                  epochs=recipe.epochs, initial_epoch=initial_epoch, verbose=verbose,
                  shuffle=False,  # the stream shuffles (and weighs its samples) itself
                  callbacks=[timing, checkpoint_callback(ckpt, recipe, history, best, started, data_name,
                                                         fingerprint)])
    session = time.time() - started["at"]
    epochs_now = recipe.epochs - initial_epoch
    run = {"data": data_name, "validation": validation, "recipe": recipe, "history": history, "best": best,
           "train_seconds": before + session, "timing": timing, "teacher": teacher,
           "images_per_second": epochs_now * len(x_tr) / session if epochs_now > 0 else None,
           "resumed_at_epoch": initial_epoch if resume else None, "devices": plan.describe(),
           "precision": precision}
    result, model = evaluate(float32_copy(plan.plain(model)), base, split, data, run)
    result = keep(model, result, history, output, report_dir, ckpt.path, process_started, started["at"])
    mark_finished(ckpt, output, recipe.epochs)  # the next run with the same options starts afresh
    return result


def _resumed(ckpt, recipe, plan):
    """(model, checkpoint state, the run's own recipe) from the latest checkpoint, on the plan's
    devices (however many the run had before: the checkpoint holds one copy of the weights)."""
    model, state = ckpt.load_latest()
    model.jit_compile = plan.jit_compile
    saved = Recipe(**state["recipe"])
    if saved.model not in {r.model for r in RECIPES.values()}:  # a net no recipe trains now ("default", "small")
        raise UserError(f"the checkpoint in {ckpt.path} holds a '{saved.model}' net, which this version no longer "
                        f"trains: start over with --restart (the old checkpoints are kept aside)")
    if saved.model != recipe.model:
        raise UserError(f"the checkpoint in {ckpt.path} is a '{saved.model}' model: resume with --model {saved.model}")
    # The run goes on with its own recipe (augmentation, loss, seed, batch size, held-out
    # images); only the length given now applies (train.py refuses other changes), so a
    # later change to the defaults cannot quietly change a run half-way through.
    state["saved_epochs"], state["saved_schedule"] = saved.epochs, saved.schedule
    return model, state, replace(saved, epochs=recipe.epochs)


def _carry_on(model, state, recipe, fingerprint, steps, ckpt_dir):
    """(history, best, epochs done, seconds trained before, the stream's seed) of a resumed run."""
    import keras  # here: TensorFlow's import costs seconds

    if state.get("fingerprint") and state["fingerprint"] != fingerprint:
        raise UserError(f"the training data changed since the run in {ckpt_dir} started (images or votes "
                        f"added, removed or edited): resuming would mix two data sets; start over with --restart")
    initial_epoch = state["epochs_done"]
    if recipe.epochs != state["saved_epochs"] and state["saved_schedule"] == "cosine":
        # A longer (or shorter) run: the schedule is stretched to the new length.
        # The optimizer keeps its moments and step count, so it carries on from
        # where that longer schedule is at this step, not from a fresh warm-up.
        model.optimizer.learning_rate = learning_rate(recipe, steps)
    # Reseeding with the run's own seed would replay its data stream from epoch 1:
    # the same shuffle order and mostly the same augmented pixels, which the net
    # then partly recognises (its training accuracy jumped on a resume, validation
    # did not move). Each resumed part gets a stream of its own instead.
    stream_seed = resume_seed(recipe.seed, initial_epoch)
    keras.utils.set_random_seed(stream_seed)
    print(f"resuming from epoch {initial_epoch} of {recipe.epochs} ({ckpt_dir})")
    return state["history"], state["best"], initial_epoch, state.get("train_seconds", 0.0), stream_seed


def _new_model(recipe, steps, plan):
    """The recipe's net, fresh or (--init) a trained model's, compiled, on the plan's devices and in
    the recipe's precision on this CPU (precision.py)."""
    with plan.scope(), training_precision(recipe, plan):
        if recipe.init:
            model = load_model_of_our_classes(recipe.init, "it cannot be fine-tuned into this app's model")
        else:
            model = ARCHITECTURES[recipe.model]()
        compile_model(model, recipe, steps, plan.jit_compile)
    return model


def _precision(model, verbose):
    """The policy the model trains in, said when it is not float32."""
    name = policy_of(model)
    if name != "float32" and verbose:
        print(f"precision: {name} (bfloat16 arithmetic on float32 weights; the model kept is float32)")
    return name


def _describe(data, split, recipe, data_name, verbose):
    """What validates the run (for the report), printed with the split's sizes and the labels."""
    from_csv = data_name.endswith(".csv")  # fer2013.csv: PublicTest validates, PrivateTest is the score
    validation = "PublicTest" if from_csv else "test/ (PublicTest), also the test score"
    if recipe.holdout:
        validation = f"{recipe.holdout:.0%} of the training images, held out"
    if verbose:
        n_tr, n_val, n_te = (len(split[k][0]) for k in ("train", "val", "test"))
        print(f"data: {n_tr} training, {n_val} validation ({validation}), {n_te} test images"
              + (f" from {data_name}" if data_name else ""))
        if data.get("votes_info"):
            print(f"labels: {LABEL_NAMES[recipe.labels]}; FER+ votes from {data['votes_file']}: "
                  f"{describe(data['votes_info'])}")
    return validation


def _targets(recipe, split):
    """(training targets, validation targets, class weights or None) for the recipe's labels."""

    (_, y_tr, v_tr), (_, y_val, v_val) = split["train"], split["val"]
    truth = y_tr if recipe.labels == "fer2013" else vote_targets(recipe.labels, v_tr, y_tr)
    val_truth = y_val if recipe.labels == "fer2013" else vote_targets(recipe.labels, v_val, y_val)
    cw = (class_weights(y_tr if recipe.labels == "fer2013" else majority(v_tr), recipe.class_weight_power)
          if recipe.class_weight_power else None)
    return truth, val_truth, cw


def resume_seed(seed, epochs_done):
    """The random seed for a run resumed after `epochs_done` epochs: distinct per resume point.

    Spaced a large prime apart so a resumed run never shares a stream with a
    fresh run of a nearby seed (1338 is not 1337 resumed after one epoch).
    """
    return (seed + 1_000_003 * epochs_done) % 2**32  # any seed a fresh run accepts can be resumed


def mix_targets(teacher_probs, truth, share):
    """Distillation targets: `share` of the teacher's probabilities, the rest the truth
    (class numbers, or rows of target probabilities such as FER+'s votes)."""
    onehot = truth if np.ndim(truth) == 2 else np.eye(len(CLASSES), dtype=np.float32)[truth]
    return (share * teacher_probs + (1.0 - share) * onehot).astype(np.float32)


LABEL_NAMES = {"fer2013": "FER2013's single label", "votes": "FER+'s vote distribution",
               "majority": "FER+'s majority as a hard label", "mix": "half FER+'s votes, half FER2013's label"}


def data_fingerprint(x, y):
    """A short hash of what a run trains on (pixels and targets), recorded in its checkpoints so that
    --resume refuses data that changed under it."""

    h = hashlib.sha256()
    h.update(np.ascontiguousarray(x).tobytes())
    h.update(np.nan_to_num(np.asarray(y, np.float64)).tobytes())
    return h.hexdigest()[:16]


def _teacher(ckpt_dir, recipe, x_tr, rows, x_te, y_te, resume):
    """The teacher's answers on the training faces (and its own test score), computed once per run.

    A model file's answers are averaged over face and mirror, as the app answers with a
    single net, and taken on the faces as they are: the recipe's shifts of a
    few pixels barely move them. An ensemble gets the mirror too, although the
    app gives one a single view: a teacher's time is free, and the mirror
    helps a joined teacher too (docs/distillation.md). An answers file (answers.py), given or kept
    beside the model file, is read by the faces' rows and has no test score. The answers are kept in
    the checkpoint folder, so a resumed run learns from the same answers even if the teacher file
    has been replaced since.
    """

    kept = ckpt_dir / "teacher.npz"
    if resume and kept.is_file():
        with np.load(kept) as f:
            score = float(f["test_accuracy"])
            return {"train": f["train"], "test_accuracy": None if np.isnan(score) else score}
    started = time.time()
    if is_answers_file(recipe.teacher):
        probs, test_accuracy = read_answers(recipe.teacher, rows), None
        print(f"teacher {recipe.teacher}: its answers on {len(x_tr)} training faces, read from the file")
    elif (probs := cached_answers(recipe.teacher, rows)) is not None:
        test_accuracy = None
        print(f"teacher {recipe.teacher}: its answers on {len(x_tr)} training faces, read from "
              f"{answers_beside(recipe.teacher).name} beside it")
    else:
        predict = teacher_predictor(recipe.teacher)
        probs = predict(x_tr).astype(np.float32)
        test_accuracy = float((predict(x_te).argmax(axis=1) == y_te).mean())
        print(f"teacher {recipe.teacher}: {test_accuracy:.2%} on the test split; its answers on "
              f"{len(x_tr)} training faces took {time.time() - started:.0f} s")
    with replacing(kept) as partial:  # renamed into place whole, never half-written
        np.savez(partial, train=probs, test_accuracy=np.nan if test_accuracy is None else test_accuracy)
    return {"train": probs, "test_accuracy": test_accuracy}


def teacher_predictor(path):
    """A teacher model file's answers, as train.py learns from them: face and mirror averaged."""
    return make_predictor(load_model_of_our_classes(path, "it cannot teach this net"), views=MIRROR)


def _join_base(ckpt_dir, join, resume):
    """The model a run joins its network to, or None: the copy kept in the
    checkpoint folder once there is one, else the file given with --join."""

    kept = ckpt_dir / "join_base.h5"
    if resume and kept.is_file():
        if join is not None:
            print(f"joining the networks kept in {kept} when this run started (not {join} as it is now)")
        return load_emotion_model(kept)[0]
    if join is None:
        if not resume:
            kept.unlink(missing_ok=True)  # left by an earlier run: it must not join a later --resume of this one
        return None
    base = load_model_of_our_classes(join, "it cannot be joined")
    save_model(base, kept)
    return base
