"""A fast, quiet start: the LiteRT cache beside the model, trusted only when it checks out."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from emoji_creator import ROOT, UserError
from emoji_creator.runtime import cache_path, load_live_model, read_cache


@pytest.fixture
def model_copy(trained_model, tmp_path):
    dest = tmp_path / "m" / "emotion_model.h5"
    dest.parent.mkdir()
    shutil.copy(trained_model, dest)
    return dest


def test_cache_is_built_once_then_loaded_without_tensorflow(model_copy, faces):
    predict, names = load_live_model(model_copy, quiet=True)
    cache = cache_path(model_copy)
    assert cache.is_file()
    # A fresh process (as a user starts the app) loads it without importing TensorFlow or Keras.
    code = ("import sys; sys.path.insert(0, %r); from emoji_creator.runtime import load_live_model; "
            "p, n = load_live_model(%r); print('tf' if 'tensorflow' in sys.modules or 'keras' in sys.modules "
            "else 'no-tf', n[3])" % (str(ROOT), str(model_copy)))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["no-tf", names[3]]
    assert "compiling" not in r.stderr
    x = np.stack([f for _, f in faces])[..., None].astype(np.float32)
    np.testing.assert_allclose(load_live_model(model_copy, quiet=True)[0](x), predict(x), atol=1e-6)


def test_a_changed_model_rebuilds_the_cache(model_copy, trained_model, capsys):
    load_live_model(model_copy, quiet=True)
    cache = cache_path(model_copy)
    old = cache.read_bytes()
    # Another model under the same name (here: the same weights saved again, so other bytes).
    import h5py

    with h5py.File(model_copy, "a") as f:
        f.attrs["touched"] = 1
    load_live_model(model_copy)
    assert "compiling" in capsys.readouterr().err
    assert cache.read_bytes() != old
    assert read_cache(cache, __import__("emoji_creator.runtime", fromlist=["x"]).file_sha256(model_copy))


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_cache_is_never_trusted(model_copy, damage, capsys):
    predict, _ = load_live_model(model_copy, quiet=True)
    cache = cache_path(model_copy)
    data = bytearray(cache.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-5000] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"\x00" * 4096)
    else:
        data = bytearray()
    cache.write_bytes(bytes(data))
    again, _ = load_live_model(model_copy)
    assert "compiling" in capsys.readouterr().err  # rebuilt, not loaded
    x = np.random.default_rng(0).uniform(0, 255, (2, 48, 48, 1)).astype(np.float32)
    np.testing.assert_allclose(again(x), predict(x), atol=1e-6)


def test_a_read_only_model_folder_still_works(model_copy, capsys):
    if os.geteuid() == 0:
        # Root writes into read-only folders: a folder in the cache file's place fails for everyone.
        cache_path(model_copy).mkdir()
    else:
        model_copy.parent.chmod(0o500)
    try:
        predict, _ = load_live_model(model_copy)
        assert predict(np.zeros((1, 48, 48, 1), np.float32)).shape == (1, 7)
        assert "compiled again next start" in capsys.readouterr().err
    finally:
        model_copy.parent.chmod(0o700)


def test_a_model_that_does_not_output_probabilities_is_refused(tmp_path):
    import keras

    from emoji_creator.model_file import save_model

    inputs = keras.Input((48, 48, 1))
    outputs = keras.layers.Dense(7)(keras.layers.Flatten()(inputs))  # linear: no softmax
    path = tmp_path / "linear.h5"
    save_model(keras.Model(inputs, outputs), path)
    with pytest.raises(UserError, match="does not output probabilities"):
        load_live_model(path, quiet=True)


def test_scripts_print_their_own_lines_only(trained_model, faces, tmp_path):
    import cv2

    from emoji_creator.clip import compose

    image = tmp_path / "face.png"
    cv2.imwrite(str(image), compose(faces[3][1]))
    load_live_model(trained_model, quiet=True)  # warm cache: the usual start
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "OPENCV_"))}
    r = subprocess.run([sys.executable, str(ROOT / "useIt.py"), "--source", str(image), "--no-window",
                        "--model", str(trained_model)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    assert r.stdout.strip().startswith("1 frames, ") and len(r.stdout.strip().splitlines()) == 1
    r = subprocess.run([sys.executable, str(ROOT / "useIt.py"), "--source", "9", "--no-window",
                        "--model", str(trained_model)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [r.stderr.strip()]
    assert r.stderr.startswith("error: no camera at index 9")
