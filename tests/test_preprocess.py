"""The preprocessing of a live face is the one used in training."""
import cv2
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
