"""The training report written next to the model: metrics JSON, confusion matrix and curves."""
import json
from pathlib import Path

import numpy as np

from . import CLASSES
from .files import replacing, write_atomic


def metrics(y_true, probs, class_names=CLASSES):
    """Overall accuracy, per-class recall/precision and the confusion matrix (rows: true)."""
    y_pred = probs.argmax(axis=1)
    n = len(class_names)
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    per_class = {
        name: {
            "recall": float(cm[i, i] / support[i]) if support[i] else None,
            "precision": float(cm[i, i] / predicted[i]) if predicted[i] else None,
            "support": int(support[i]),
        }
        for i, name in enumerate(class_names)
    }
    return {
        "accuracy": float(np.trace(cm) / max(cm.sum(), 1)),
        "images": int(cm.sum()),
        "per_class": per_class,
        "confusion_matrix": cm.tolist(),
    }


def write_report(report_dir, result, history, class_names=CLASSES):
    """Write metrics.json, confusion_matrix.png and curves.png into report_dir."""
    import matplotlib  # here: only where it is needed

    matplotlib.use("Agg")  # files only: never needs a display
    import matplotlib.pyplot as plt  # here: only where it is needed

    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(report_dir / "metrics.json", (json.dumps(result, indent=2) + "\n").encode())  # whole, or none

    draw_confusion(result["test"], report_dir / "confusion_matrix.png",
                   f"{result.get('test_split', 'test')}, FER2013 label: accuracy {result['test']['accuracy']:.1%}",
                   "true (FER2013 label)", class_names)
    if "test_ferplus" in result:
        m = result["test_ferplus"]
        draw_confusion(m, report_dir / "confusion_matrix_ferplus.png",
                       f"{result.get('test_split', 'test')}, FER+ majority: accuracy {m['accuracy']:.1%}",
                       "true (FER+ majority)", class_names)

    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("loss", "train"), ("val_loss", "validation")):
        if history.get(key):
            ax1.plot(epochs, history[key], marker="o", markersize=3, label=label)  # one epoch: a dot
    for key, label in (("accuracy", "train"), ("val_accuracy", "validation")):
        if history.get(key):
            ax2.plot(epochs, history[key], marker="o", markersize=3, label=label)
    ax1.set_title("loss")
    ax2.set_title("accuracy")
    for ax in (ax1, ax2):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    with replacing(report_dir / "curves.png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def draw_confusion(m, path, title, ylabel, class_names=CLASSES):
    """One confusion matrix (rows: truth, normalised per row, counts beside) as a PNG."""
    import matplotlib.pyplot as plt  # here: only where it is needed

    cm = np.asarray(m["confusion_matrix"], dtype=np.float64)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
    ax.set_yticks(range(len(class_names)), class_names)
    for i in range(len(class_names)):
        for j in range(len(class_names)):
            ax.text(j, i, f"{norm[i, j]:.2f}\n({int(cm[i, j])})", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
