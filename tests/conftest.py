"""Shared fixtures: tiny data sets, a tiny trained model, a clip, Xvfb.

Faces come from FER2013 when it is found where users are told to put it
(data/, $EMOJI_CREATOR_DATA, or ../shared/fer2013), else from the face shipped
in tests/faces/ (public domain), so a fresh clone runs nearly every test. A test
that still cannot run is skipped with its reason, or fails when CI is set:
nothing passes in CI by being skipped.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# A suite started in the background (`pytest &` from a script) inherits Ctrl-C ignored, and so would
# every program a test starts: the tests that press Ctrl-C on one want it heard, as from a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from emoji_creator import CLASSES, UserError  # noqa: E402

def latest_unit(ckpt):
    """The newest complete checkpoint unit (epoch-NNNN/ with model.keras and state.json)."""
    units = sorted(d for d in Path(ckpt).glob("epoch-*") if (d / "state.json").is_file())
    assert units, f"no checkpoint unit in {ckpt}"
    return units[-1]


def unavailable(reason):
    """Skip a test that cannot run here, with its reason; under CI, fail it instead."""
    if os.environ.get("CI"):
        pytest.fail(f"cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def find_fer():
    from emoji_creator.data import find_data

    try:
        found = find_data()
    except UserError as exc:
        return None, str(exc)
    if found.is_file():
        return None, f"FER2013 at {found} is a CSV; these tests need the folder layout (train/, test/)"
    return found, ""


@pytest.fixture(scope="session")
def fer_dir():
    """FER2013's folder (train/, test/), for the tests that need the real data set."""
    found, why = find_fer()
    if found is None:
        unavailable(why)
    return found


def shipped_faces(n):
    """n variants [(class, 48x48 uint8)] of the shipped face: brightness, shift, mirror, noise.

    Class names cycle through CLASSES: they are labels for the contract tests,
    not the face's emotion (she smiles).
    """
    import numpy as np

    from emoji_creator.clip import shipped_face, tight

    img, box = shipped_face()
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        dx, dy = rng.integers(-4, 5, 2)
        face = tight(img, box, dx, dy)
        face = face.astype(np.float32) * rng.uniform(0.7, 1.2) + rng.normal(0, 4, face.shape)
        face = np.clip(face, 0, 255).astype(np.uint8)
        out.append((CLASSES[i % len(CLASSES)], face[:, ::-1].copy() if i % 2 else face))
    return out


@pytest.fixture(scope="session")
def faces():
    """[(class, 48x48 uint8)], one per class: FER2013 test faces if present, else the shipped face."""
    from emoji_creator.clip import fer_faces

    found, _ = find_fer()
    return fer_faces(found, per_class=1) if found else shipped_faces(len(CLASSES))


def make_folder_dataset(fer_dir, dest, per_class_train=10, per_class_test=4):
    """A FER2013-layout folder: real faces from fer_dir, or shipped-face variants when it is None."""
    import cv2

    for split, n in (("train", per_class_train), ("test", per_class_test)):
        made = iter(shipped_faces(n * len(CLASSES))) if fer_dir is None else None
        for name in CLASSES:
            d = dest / split / name
            d.mkdir(parents=True, exist_ok=True)
            if fer_dir is None:
                for i in range(n):
                    cv2.imwrite(str(d / f"{split}_{i}.png"), next(made)[1])
                continue
            for f in sorted((fer_dir / split / name).glob("*.png"))[:n]:
                shutil.copy(f, d / f.name)
    return dest


def train_eagerly():
    """Trainings inside the test process run their steps eagerly: on the tiny set, tracing the
    training step into a graph costs more than the epochs it would speed up. The tests that
    start train.py as a program (Ctrl-C, SIGTERM, kills, devices) still train it compiled."""
    import tensorflow as tf

    tf.config.run_functions_eagerly(True)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """A read-only template: copy it (make_folder_dataset) before changing anything."""
    train_eagerly()  # every in-process training test trains on this set or a copy of it
    found, _ = find_fer()
    return make_folder_dataset(found, tmp_path_factory.mktemp("tiny_data"))


@pytest.fixture
def tiny_data_copy(tiny_data, tmp_path):
    dest = tmp_path / "data"
    shutil.copytree(tiny_data, dest)
    return dest


@pytest.fixture(scope="session")
def trained_model(tiny_data, tmp_path_factory):
    """A model trained by train.py itself (1 epoch on the tiny set): the contract, not accuracy."""
    import train

    out = tmp_path_factory.mktemp("model") / "tiny_model.h5"
    rc = train.main(["--data", str(tiny_data), "--epochs", "1", "--batch-size", "16", "--distill", "0", "--output", str(out),
                     "--report-dir", str(out.parent / "report"), "--checkpoint-dir", str(out.parent / "ckpt")])
    assert rc == 0 and out.is_file()
    return out


@pytest.fixture(scope="session")
def clip(faces, tmp_path_factory):
    """A short 640x480 video of seven real faces, enlarged with a margin, each held 6 frames."""
    from emoji_creator.clip import write_clip

    path = tmp_path_factory.mktemp("clip") / "faces.avi"
    write_clip(path, faces, hold=6)
    return path


@pytest.fixture
def app_for(display, trained_model, tmp_path):
    """make(*gui.py options) -> (root, app): the real window, on the tiny model, saving into tmp_path/save."""
    import gui

    made = []

    def make(*extra, save_dir=None):
        # YuNet unless a test names the finder: the cheapest per frame, and the window tests are
        # about the window (test_detectors.py and the finder test cover each finder).
        finder = [] if "--detector" in extra else ["--detector", "yunet"]
        root, app = gui.build(["--model", str(trained_model), "--save-dir", str(save_dir or tmp_path / "save"),
                               "--max-fps", "0", *finder, *extra])
        made.append(root)
        return root, app

    yield make
    for root in made:
        try:
            root.destroy()
        except Exception:
            pass


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """Each test's window remembers its settings in its own folder, never in the user's."""
    monkeypatch.setenv("EMOJI_CREATOR_CONFIG", str(tmp_path / "config"))
    return tmp_path / "config" / "settings.json"


@pytest.fixture(scope="session")
def display():
    """An X display: the one set, or a private Xvfb started for the session."""
    if os.environ.get("DISPLAY") and not os.environ.get("CI"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        unavailable("Xvfb not installed (apt install xvfb)")
    num = 90 + os.getpid() % 500
    proc = subprocess.Popen(["Xvfb", f":{num}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not Path(f"/tmp/.X11-unix/X{num}").exists() and time.time() < deadline:
        time.sleep(0.1)
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{num}"
    yield os.environ["DISPLAY"]
    proc.terminate()
    proc.wait()
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old



def useit_with_file_limit(limit, *args):
    """useIt.py run as a user would, in a process that may write only `limit` bytes a file (RLIMIT_FSIZE):
    a real write failure, as on a disk that fills up. Returns the CompletedProcess."""
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); sys.path.insert(0, {str(ROOT)!r}); "
            "import useIt; sys.exit(useIt.main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=120)
