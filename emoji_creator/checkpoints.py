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
import re
import shutil
import stat
import sys
import time
from dataclasses import asdict
from pathlib import Path

from . import UserError, files
from .files import as_disk_error, same_file, write_atomic
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
        try:  # never through a link: a planted .lock -> somefile would have somefile truncated
            fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise UserError(f"{files.printable(self.path / '.lock')} cannot be opened ({exc.strerror}: a link, or "
                            f"not a file?): remove it, or pass another --checkpoint-dir") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UserError(f"{files.printable(self.path / '.lock')} is not a regular file: remove it, or pass "
                            f"another --checkpoint-dir")
        self.lock_file = os.fdopen(fd, "r+")
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
                return int(files.read_json(self.path / "state.json")["epochs_done"])
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
        import keras  # here: TensorFlow's import costs seconds

        candidates = [(d / "model.keras", d / "state.json", d.name) for _, d in self.units()]
        if self.legacy():
            candidates.append((self.path / "last.keras", self.path / "state.json", "last.keras"))
        first = None
        for model_path, state_path, name in candidates:
            try:
                state = files.read_json(state_path)
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

    def foreign(self):
        """What the folder holds that no run wrote (anything but units, their leftovers and markers)."""
        ours = re.compile(r"^(epoch-\d+|\.partial-.*|\.lock|state\.json|last\.keras|best\.keras|teacher\.npz|"
                          r"join_base\.h5|finished\.json|\.\w+\.partial-.*)$")
        try:
            return sorted(p.name for p in self.path.iterdir() if not ours.match(p.name))
        except OSError:
            return ["(unreadable)"]

    def move_aside(self):
        """--restart: keep the old run under a new name instead of deleting it; returns that name. Only a
        folder that holds nothing but a run's own files is moved: never data, a project or a user's files."""
        if others := self.foreign():
            raise UserError(f"{files.printable(self.path)} holds files no training run wrote ({', '.join(others[:3])}"
                            f"{', …' if len(others) > 3 else ''}): it is not moved aside; pass a --checkpoint-dir "
                            f"of its own")
        path = files.resolved(self.path, "--checkpoint-dir")
        aside = path.with_name(f"{path.name}.before-{files.stamp()}")
        os.rename(path, aside)
        return aside


def checkpoint_callback(ckpt, recipe, history, best, started, data_name="", fingerprint=None):
    """Keras callback: a whole-model checkpoint unit every epoch, plus the best so far."""
    import keras  # here: TensorFlow's import costs seconds

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


# -- a run's life: new, running (locked), interrupted, finished ---------------------------------
FINISHED = "finished.json"  # written once the model is saved: the run is over, it blocks no later one


def run_state(ckpt):
    """'new' (nothing there), 'interrupted' (epochs done, no model saved yet) or 'finished'."""
    if (ckpt.path / FINISHED).is_file():
        return "finished"
    return "interrupted" if ckpt.holds_run() else "new"


def mark_finished(ckpt, output, epochs):
    """The run is over: its model is saved. A later run with the same options starts afresh (a marker
    that cannot be written is a warning: the model is saved all the same)."""
    try:
        write_atomic(ckpt.path / FINISHED, json.dumps({"output": str(output), "epochs": epochs,
                                                       "finished": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
    except OSError as exc:
        print(f"warning: could not mark {ckpt.path} as finished ({exc.strerror or exc}); the model is saved",
              file=sys.stderr)


def finished_line(ckpt):
    """'finished at epoch N (model saved to X)', from the marker."""
    try:
        info = files.read_json(ckpt.path / FINISHED)
        return f"finished at epoch {int(info['epochs'])} (its model was saved to {info['output']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "finished"


def check_resume(args, ckpt):
    """--resume goes on with the run's own recipe and data: refuse options that would change them, and a
    finished run unless --epochs adds to it. Returns the run's batch size (None when its state cannot be read)."""
    life = run_state(ckpt)
    if life == "new":
        raise UserError(f"nothing to resume in {ckpt.path}: start a run without --resume")
    units = ckpt.units()
    state_file = units[0][1] / "state.json" if units else ckpt.path / "state.json"
    try:
        state = files.read_json(state_file)
        saved = {"holdout": 0.0, **state["recipe"]}  # runs from before --holdout validated on the data's own split
    except (OSError, ValueError, KeyError, TypeError):
        state = saved = None  # a damaged state: load_latest falls back or says so
    if saved is not None and (changed := changed_options(args, state, saved)):
        raise UserError("--resume continues a run with its own options, but this asks for " + "; ".join(changed)
                        + ": drop them (or --epochs only), or start over with --restart")
    if life == "finished":
        if args.epochs is None or args.epochs <= ckpt.holds_run():
            raise UserError(f"the run in {ckpt.path} {finished_line(ckpt)}: nothing to resume; start a new run "
                            f"without --resume (or with --restart), or add epochs to it with --resume --epochs N "
                            f"(more than {ckpt.holds_run()})")
        (ckpt.path / FINISHED).unlink()  # extended: it runs again, and is finished again at its new end
    return None if saved is None else saved.get("batch_size")


def changed_options(args, state, saved):
    """The options that would change a run's recipe, teacher or data, as the message names them."""

    flags = {"class_weight_power": "class-weights", "augment_kind": "augment"}
    changed = [f"--{flags.get(name, name.replace('_', '-'))} {given} (the run has {saved.get(name)})"
               for name, given in (("batch_size", args.batch_size), ("erasing", args.erasing), ("seed", args.seed),
                                   ("holdout", args.holdout), ("mixing", args.mixing),
                                   ("class_weight_power", args.class_weight_power),
                                   ("augment_kind", getattr(args, "augment_kind", None)))
               if given is not None and saved.get(name) is not None and given != saved.get(name)]
    # The run learns from the teacher's answers kept at its start; another teacher or share would be ignored.
    share = (saved.get("distill") or 0.0) if saved.get("teacher") else 0.0
    if args.distill is not None and args.distill != share:
        changed.append(f"--distill {args.distill} (the run has {share})")
    if args.teacher is not None and not (saved.get("teacher") and same_file(args.teacher, saved["teacher"])):
        changed.append(f"--teacher {args.teacher} (the run has {saved.get('teacher') or 'none'})")
    if isinstance(state.get("data"), str) and state["data"] and \
            Path(state["data"]).resolve() != Path(args.data).resolve():
        changed.append(f"--data {args.data} (the run trains on {state['data']})")
    return changed


def claim(ckpt, resume, restart):
    """Take the checkpoint folder for this run (locked), as the run's life says: a new or finished run's
    folder starts afresh (a finished run's checkpoints kept aside, renamed), an interrupted one only with
    --resume (continue) or --restart (start over, the old one kept aside). Returns a line to print, or None."""
    ckpt.lock()
    state = run_state(ckpt)
    if resume or state == "new":
        return None
    if state == "interrupted" and not restart:
        raise UserError(f"{ckpt.path} holds a run at epoch {ckpt.holds_run()} that was interrupted: continue it "
                        f"with 'python train.py --resume' (same options), or start over with --restart (the old "
                        f"run is kept, renamed)")
    what = f"the previous run ({finished_line(ckpt)})" if state == "finished" else "the previous run's checkpoints"
    ckpt.unlock()
    aside = ckpt.move_aside()
    ckpt.lock()
    return f"a new run: {what} kept in {aside}"
