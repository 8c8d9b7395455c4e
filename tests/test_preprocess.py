"""The preprocessing of a live face is the one used in training."""
import cv2
import pytest
import numpy as np

from emoji_creator.data import read_image, to_model_input
from emoji_creator.live import crop_faces


def test_live_crop_equals_training_input(fer_dir):
    path = sorted((fer_dir / "test" / "happy").glob("*.png"))[0]
    trained_on = read_image(path)  # what train.py feeds
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    frame = np.full((200, 300), 90, np.uint8)
    frame[50:98, 100:148] = gray
    live = crop_faces(frame, [(100, 50, 48, 48)])  # what the live loop feeds
    assert live.shape == (1, 48, 48, 1)
    np.testing.assert_array_equal(live[0], trained_on.astype(np.float32))
    assert live.max() > 1.0  # raw 0..255 pixels: the model rescales inside


def test_larger_colour_faces_are_resized_and_converted():
    face = np.random.default_rng(0).integers(0, 256, (120, 120, 3), dtype=np.uint8)
    out = to_model_input(face)
    assert out.shape == (48, 48, 1) and out.dtype == np.uint8


def test_model_rescales_inside(trained_model):
    import keras

    model = keras.models.load_model(trained_model, compile=False)
    assert type(model.layers[1]).__name__ == "Rescaling"


@pytest.mark.parametrize("backend", ["auto", "xla", "tf"])
def test_compiled_predictor_matches_the_model_for_any_number_of_faces(trained_model, backend):
    # LiteRT resizes its buffers and XLA pads to a power of two when the number
    # of faces changes: neither may change the answers for the real faces.
    from emoji_creator.model import load_emotion_model, make_predictor

    model, _ = load_emotion_model(trained_model)
    predict = make_predictor(model, backend, flip=False)
    assert predict.backend == ("litert" if backend == "auto" else backend)
    faces = np.random.default_rng(1).integers(0, 256, (3, 48, 48, 1)).astype(np.float32)
    expected = model(faces, training=False).numpy()
    for n in (1, 3, 1):
        got = predict(faces[:n])
        assert got.shape == (n, 7)
        np.testing.assert_allclose(got, expected[:n], atol=1e-5)
    assert predict(faces[:0]).shape == (0, 7)
    mirrored = model(faces[:, :, ::-1].copy(), training=False).numpy()
    np.testing.assert_allclose(make_predictor(model, backend)(faces), (expected + mirrored) / 2, atol=1e-5)


def test_random_erasing_hides_one_rectangle_in_about_half_the_images():
    import tensorflow as tf

    from emoji_creator.training import random_erasing

    tf.random.set_seed(0)
    images = tf.fill([200, 48, 48, 1], 128.0)
    erased = random_erasing(images, 0.5).numpy() != 128.0
    hit = erased.reshape(200, -1).any(axis=1)
    assert 60 < hit.sum() < 140
    for mask in erased[hit][..., 0]:
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        # one rectangle: the noise stays inside the bounding box of what was touched
        assert mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].mean() > 0.9
        assert mask.mean() <= 0.26
    assert not (random_erasing(images, 0.0).numpy() != 128.0).any()
