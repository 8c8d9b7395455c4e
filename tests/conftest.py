"""Shared fixtures: tiny data sets made from real FER2013 images, a tiny trained model, a clip, Xvfb."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from emoji_creator import CLASSES  # noqa: E402

FER = ROOT.parent / "shared" / "fer2013"


@pytest.fixture(scope="session")
def fer_dir():
    if not (FER / "train").is_dir():
        pytest.skip(f"FER2013 not found at {FER}")
    return FER


def make_folder_dataset(fer_dir, dest, per_class_train=10, per_class_test=4):
    for split, n in (("train", per_class_train), ("test", per_class_test)):
        for name in CLASSES:
            d = dest / split / name
            d.mkdir(parents=True, exist_ok=True)
            for f in sorted((fer_dir / split / name).glob("*.png"))[:n]:
                shutil.copy(f, d / f.name)
    return dest


@pytest.fixture(scope="session")
def tiny_data(fer_dir, tmp_path_factory):
    """A read-only template: copy it (make_folder_dataset) before changing anything."""
    return make_folder_dataset(fer_dir, tmp_path_factory.mktemp("tiny_data"))


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
    rc = train.main(["--data", str(tiny_data), "--epochs", "1", "--batch-size", "16", "--output", str(out),
                     "--report-dir", str(out.parent / "report"), "--checkpoint-dir", str(out.parent / "ckpt")])
    assert rc == 0 and out.is_file()
    return out


@pytest.fixture(scope="session")
def clip(fer_dir, tmp_path_factory):
    """A short 640x480 video of real FER2013 faces, enlarged with a margin."""
    from emoji_creator.clip import fer_faces, write_clip

    path = tmp_path_factory.mktemp("clip") / "faces.avi"
    write_clip(path, fer_faces(fer_dir, per_class=1), hold=6)
    return path


@pytest.fixture(scope="session")
def display():
    """An X display: the one set, or a private Xvfb started for the session."""
    if os.environ.get("DISPLAY") and not os.environ.get("CI"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb not installed (apt install xvfb)")
    num = 90 + os.getpid() % 500
    proc = subprocess.Popen(["Xvfb", f":{num}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
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
