"""The light install (pip install -e .: OpenCV, NumPy, Pillow, LiteRT, no TensorFlow, Keras or JAX):
the window and the overlay run on the compiled model that ships, and asking for training says in one
line what to install. .ci/run makes that venv and names its Python in EMOJI_CREATOR_LIGHT_PYTHON."""
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, unavailable


@pytest.fixture(scope="module")
def light():
    python = os.environ.get("EMOJI_CREATOR_LIGHT_PYTHON")
    if not python or not os.path.exists(python):
        unavailable("no light install to test: set EMOJI_CREATOR_LIGHT_PYTHON to the Python of a venv made "
                    "with `pip install -e .` (.ci/run makes one)")
    return python


def run(python, *args, timeout=120, **kw):
    return subprocess.run([python, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kw)


def test_the_light_install_has_no_tensorflow_and_runs_the_overlay(light, tmp_path):
    assert run(light, "-c", "import tensorflow").returncode != 0
    assert run(light, "-c", "import keras").returncode != 0
    assert run(light, ROOT / "gui.py", "--help").returncode == 0
    overlay = run(light, ROOT / "useIt.py", "--source", ROOT / "tests" / "faces" / "astronaut.png", "--no-window",
                  "--log", tmp_path / "faces.csv")
    assert overlay.returncode == 0 and "1 frames, 1 faces" in overlay.stdout, overlay.stderr
    commands = os.path.dirname(light)
    assert run(os.path.join(commands, "emoji-creator-overlay"), "--help").returncode == 0  # the console command


def test_the_light_install_says_what_to_install_for_training(light):
    r = run(light, ROOT / "train.py", "--epochs", "1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "needs TensorFlow and Keras" in r.stderr and "pip install -e '.[train]'" in r.stderr


def test_the_window_runs_on_the_light_install(light, display, tmp_path):
    env = dict(os.environ, DISPLAY=display, EMOJI_CREATOR_CONFIG=str(tmp_path / "config"))
    proc = subprocess.Popen([light, str(ROOT / "gui.py"), "--source", str(ROOT / "tests" / "faces" / "astronaut.png"),
                             "--save-dir", str(tmp_path / "save")], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # the window is up and labelling (a loaded machine starts it slowly)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Traceback" not in err, err
    assert "frames shown" in out and not out.startswith("0 frames"), (out, err)
