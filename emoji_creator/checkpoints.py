"""Checkpoints: one training run's folder of consistent per-epoch units, one run at a time.

    ckpt = CheckpointDir("checkpoints/emotion_model"); ckpt.lock()
    ckpt.save_epoch(model, state)          # epoch-NNNN/ (model.keras + state.json), renamed into place
    model, state = ckpt.load_latest()      # --resume: the newest unit that loads, else an older one

epoch-NNNN/ holds model.keras (whole model with optimizer and schedule state)
and state.json (epochs done, history, recipe, which epoch is best), written
together into a hidden folder and renamed into place, so a kill at any moment
leaves the previous epoch complete and never weights a step ahead of their
state. The newest unit, the one before it and the best one are kept. A lock
keeps a second run off the folder.
"""
import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from . import UserError
from .files import as_disk_error
from .recipes import Recipe


class CheckpointDir:
    """One training run's checkpoint folder: consistent units, one run at a time.

    A unit is a folder (epoch-NNNN/) with model.keras and state.json,
    written whole under a hidden name and renamed into place:
    renaming a folder is atomic, so either the whole unit is there or none of
    it. Older units go only after the new one is complete. Checkpoints from
    before this layout (last.keras, best.keras, state.json side by side) are
    still read for --resume.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.lock_file = None

    # -- one run at a time --------------------------------------------------
    def lock(self):
        """Hold the folder for this process; a second run gets one clear line."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the checkpoint folder {self.path}: {exc.strerror}; "
                            f"pass another --checkpoint-dir") from None
        self.lock_file = open(self.path / ".lock", "a+")
        try:
            import fcntl

            fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows: no fcntl; one run per folder is then up to the user
            pass
        except OSError:
            self.lock_file.seek(0)
            other = self.lock_file.read().strip() or "another process"
            self.lock_file.close()
            self.lock_file = None
            raise UserError(f"another train.py run ({other}) is using {self.path}: wait for it to finish, "
                            f"or pass another --checkpoint-dir") from None
        self.lock_file.seek(0)
        self.lock_file.truncate()
        self.lock_file.write(f"pid {os.getpid()}")
        self.lock_file.flush()
        for partial in self.path.glob(".partial-*"):  # left by a kill mid-write; we hold the lock
            shutil.rmtree(partial, ignore_errors=True)

    def unlock(self):
        if self.lock_file is not None:
            self.lock_file.close()
            self.lock_file = None
            try:  # a run refused by its checks leaves no empty folder behind
                if [p.name for p in self.path.iterdir()] == [".lock"]:
                    (self.path / ".lock").unlink()
                    self.path.rmdir()
            except OSError:
                pass

    # -- what is there --------------------------------------------------------
    def units(self):
        """Complete epoch units, newest first: [(epochs, folder)]."""
        found = []
        for d in self.path.glob("epoch-*"):
            try:
                n = int(d.name.split("-", 1)[1])
            except ValueError:
                continue
            if (d / "model.keras").is_file() and (d / "state.json").is_file():
                found.append((n, d))
        return sorted(found, reverse=True)

    def legacy(self):
        return (self.path / "last.keras").is_file() and (self.path / "state.json").is_file()

    def holds_run(self):
        """Epochs done by the run in this folder (0 when it holds none)."""
        units = self.units()
        if units:
            return units[0][0]
        if self.legacy():
            try:
                return int(json.loads((self.path / "state.json").read_text())["epochs_done"])
            except (OSError, ValueError, KeyError, TypeError):
                return 1
        return 0

    # -- writing ------------------------------------------------------------
    def _write_unit(self, name, model, state):
        tmp = self.path / f".partial-{name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir()
            model.save(tmp / "model.keras")
            (tmp / "state.json").write_text(json.dumps(state, indent=2))
            for f in tmp.iterdir():  # on disk before the rename makes the unit visible
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
        except BaseException as exc:  # a full disk, a kill: no half unit left behind
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, Exception):
                raise as_disk_error(exc, self.path) from None
            raise
        final = self.path / name
        if final.exists():  # the same epoch again (after falling back to an older unit)
            shutil.rmtree(final)
        os.rename(tmp, final)
        return final

    def save_epoch(self, model, state):
        """Write epoch N's unit; then keep it, the one before it (a fallback should this one be
        damaged later) and the best epoch's, which state["best"] names: one rename per epoch, so
        the best model and the state that names it can never disagree."""
        n = state["epochs_done"]
        unit = self._write_unit(f"epoch-{n:04d}", model, state)
        units = self.units()
        keep = {n, state["best"]["epoch"]} | {m for m, _ in units[1:2]}
        for m, old in units:  # only now: the new unit is complete
            if m not in keep:
                shutil.rmtree(old, ignore_errors=True)
        return unit

    # -- reading --------------------------------------------------------------
    def load_latest(self):
        """(model, state) of the newest unit that loads, falling back to older ones (the one
        before it, the best) with a warning; raises UserError when nothing can be resumed."""
        import keras

        candidates = [(d / "model.keras", d / "state.json", d.name) for _, d in self.units()]
        if self.legacy():
            candidates.append((self.path / "last.keras", self.path / "state.json", "last.keras"))
        first = None
        for model_path, state_path, name in candidates:
            try:
                state = json.loads(state_path.read_text())
                int(state["epochs_done"]), Recipe(**state["recipe"])
                model = keras.models.load_model(model_path)
            except Exception:  # truncated, corrupt, or from another program
                first = first or name
                continue
            if first is not None:
                print(f"warning: {first} in {self.path} is damaged; resuming from {name} "
                      f"(epoch {state['epochs_done']}) instead")
            return model, state
        if first is not None:
            raise UserError(f"every checkpoint in {self.path} is damaged: start over with --restart")
        raise UserError(f"nothing to resume in {self.path}: start a run without --resume")

    def move_aside(self):
        """--restart: keep the old run under a new name instead of deleting it; returns that name."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.before-{stamp}")
        os.rename(self.path, aside)
        return aside


def checkpoint_callback(ckpt, recipe, history, best, started, data_name="", fingerprint=None):
    """Keras callback: a whole-model checkpoint unit every epoch, plus the best so far."""
    import keras

    class Checkpoint(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            for k, v in logs.items():
                history.setdefault(k, []).append(float(v))
            # Training seconds at the end of each epoch, across resumes: the report's curve by time.
            history.setdefault("seconds", []).append(round(started["before"] + time.time() - started["at"], 1))
            val = float(logs.get("val_accuracy", -1))
            if val > best["val_accuracy"]:
                best.update(val_accuracy=val, epoch=epoch + 1)
            ckpt.save_epoch(self.model, {
                "epochs_done": epoch + 1, "recipe": asdict(recipe), "history": history, "best": dict(best),
                "train_seconds": started["before"] + time.time() - started["at"], "data": data_name,
                "fingerprint": fingerprint,
            })

    return Checkpoint()
