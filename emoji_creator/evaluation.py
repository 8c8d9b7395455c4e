"""A trained model scored as the app runs it, then kept: the model first, the report after.

    result = evaluate(model, base, split, data, run)    # both scores, views, members, the run's facts
    keep(model, result, history, output, report_dir, ckpt_dir, process_started, started_at)

The model of the last epoch is the one shipped: choosing the best epoch by
the test split would flatter the reported score.
"""
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import CLASSES, UserError
from .files import keep_aside, write_failed
from .model_file import save_model
from .nets import join_models, members
from .report import metrics, write_report
from .runtime import ONE_VIEW, keras_backend, make_predictor
from .votes import ferplus_metrics


def run_facts(run, model, validation_images):
    """What the report says of the run itself: its data, recipe, epochs, times, machine and size."""
    timing = run["timing"]
    return {
        "data": run["data"],
        "test_split": "PrivateTest" if run["data"].endswith(".csv") else "test/ (PublicTest)",
        "validation": f"{run['validation']}: {validation_images} images",
        "recipe": asdict(run["recipe"]),
        "epochs_trained": len(run["history"].get("loss", [])),
        "train_seconds": round(run["train_seconds"], 1),
        # This sitting's training speed (fit's own time: validation passes included).
        "images_per_second": None if run["images_per_second"] is None else round(run["images_per_second"], 1),
        "estimated_seconds": round(timing.estimate, 1) if timing.estimate else None,
        "estimate_after_two_epochs": round(timing.revised, 1) if timing.revised else None,
        "resumed_at_epoch": run["resumed_at_epoch"],
        "keras_backend": keras_backend(),
        "devices": run.get("devices"),
        "precision": run.get("precision", "float32"),  # what training computed in; the model is float32
        "machine": machine_info(),
        "parameters": int(model.count_params()),
        "best_val_accuracy": run["best"],
    }


def evaluate(model, base, split, data, run):
    """The result dict: the test scores (FER2013 label, FER+ majority when the votes are there)
    through the app's test-time views, the held-out scores with --holdout, each joined network
    alone, and the run's own facts (`run`: data name, validation, recipe, history, times)."""

    (x_val, y_val, v_val), (x_te, y_te, v_te) = split["val"], split["test"]
    recipe = run["recipe"]
    trained = model
    if base is not None:
        model = join_models([base, model])
    predict = make_predictor(model)  # as the app runs it: averaged over its test-time views
    probs = predict(x_te)
    one_view = predict.single(x_te)
    result = {**run_facts(run, model, len(x_val)), "test_views": len(predict.views), "classes": list(CLASSES),
              "test": metrics(y_te, probs),
              "test_single_view_accuracy": float((one_view.argmax(axis=1) == y_te).mean())}
    if v_te is not None:
        # Judged by the people's choice too: FER+'s majority (the FER2013 score above stays beside it).
        result["votes_file"] = data.get("votes_file")
        result["votes_kept"] = data.get("votes_info")
        result["test_ferplus"] = ferplus_metrics(v_te, probs)
        result["test_ferplus_single_view_accuracy"] = ferplus_metrics(v_te, one_view)["accuracy"]
    if recipe.holdout:
        # The figures settings are chosen on: the held-out training images, never the test split.
        val_probs = predict(x_val)
        result["validation_fer2013"] = metrics(y_val, val_probs)
        if v_val is not None:
            result["validation_ferplus"] = ferplus_metrics(v_val, val_probs)
    if run["teacher"] is not None:
        result["teacher"] = {"file": recipe.teacher, "share": recipe.distill,
                             "test_accuracy": run["teacher"]["test_accuracy"]}
    if base is not None:
        # Each network alone (one view), so the report shows what joining gained.
        nets = members(model)
        result["members"] = len(nets)
        result["member_test_accuracy"] = [
            float((make_predictor(net, views=ONE_VIEW)(x_te).argmax(axis=1) == y_te).mean()) for net in nets]
        result["trained_member_parameters"] = int(trained.count_params())
    return result, model


def keep(model, result, history, output, report_dir, ckpt_dir, process_started=None, started_at=None):
    """Save the model (the one it replaces kept aside, never lost), then the report. Returns result."""

    # The model first: a report must never describe a model that was not saved.
    aside = keep_aside(output)
    try:
        save_model(model, output)
    except OSError as exc:
        if aside is not None:
            aside.unlink(missing_ok=True)  # the old model is still in place: save_model replaces atomically
        raise UserError(write_failed(exc, f"the model {output}", f"{Path(output).name} is unchanged and the trained "
                                     f"net is checkpointed in {ckpt_dir}: run the same command with --resume "
                                     f"to save it")) from None
    if aside is not None:
        result["replaced_model_kept_as"] = str(aside)
    result["file_bytes"] = Path(output).stat().st_size
    if process_started is not None:
        # Wall-clock of this program, start-up and data loading included (a resumed run: this sitting).
        result["wall_seconds"] = round(time.time() - process_started, 1)
        result["startup_seconds"] = round(started_at - process_started, 1)  # imports, data, model
    result["history"] = history  # last in metrics.json
    try:
        write_report(report_dir, result, history)
    except OSError as exc:
        raise UserError(f"the model was saved to {output}, but " + write_failed(exc, f"the report in {report_dir}")
                        + " (train.py --resume writes it again)") from None
    return result


def machine_info():
    """What a reader needs to compare a run's times across machines."""

    import keras  # here: TensorFlow's import costs seconds

    info = {"cpu_count": os.cpu_count(), "cpu": _cpu_name(), "platform": platform.platform(),
            "python": platform.python_version(), "keras": keras.__version__, "numpy": np.__version__}
    backend = keras_backend()
    if backend in sys.modules:
        info[backend] = getattr(sys.modules[backend], "__version__", "?")
    if backend == "tensorflow":
        info["onednn"] = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "TensorFlow's default")
    return info


def _cpu_name():

    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
