"""The emotion CNNs: each make_*_model() builds one net under the model contract (model_file.py).

    from emoji_creator.nets import ARCHITECTURES, join_models
    model = ARCHITECTURES["fast"]()          # the CPU recipe's net, untrained
    pair = join_models([model_a, model_b])   # one model averaging both nets' answers

Every net takes (batch, 48, 48, 1) raw 0..255 grayscale pixels and starts with
a Rescaling layer, so nothing that feeds it can drift from what training fed;
it ends in seven softmax probabilities in CLASSES order.
"""
from . import CLASSES, IMAGE_SIZE

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
ENSEMBLE_NAME = "emotion_ensemble"  # join_models() names its result so; members() recognises it by it


def _conv_bn(x, filters):
    """3x3 convolution, batch norm, ReLU: the block every project net is built of.
    No conv bias: batch norm's shift makes it redundant."""
    from keras import layers  # here: TensorFlow's import costs seconds

    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def _double_stages(x, widths):
    """For each width: two conv-BN-ReLU blocks, then 2x2 max-pooling (each stage halves the side)."""
    from keras import layers  # here: TensorFlow's import costs seconds

    for filters in widths:
        x = _conv_bn(x, filters)
        x = _conv_bn(x, filters)
        x = layers.MaxPooling2D()(x)
    return x


def _head(x, num_classes, dropout):
    """Flatten (keeps where on the face a feature fired: mouth vs brow), dense 256, softmax."""
    from keras import layers  # here: TensorFlow's import costs seconds

    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(256, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(dropout)(x)
    # float32 whatever the training precision (precision.py): a softmax in bfloat16 rounds small answers to 0.
    return layers.Dense(num_classes, activation="softmax", name="probabilities", dtype="float32")(x)


def make_model(num_classes=len(CLASSES), widths=(32, 48, 96, 192)):
    """The project's CNN ('small' at these widths): a VGG-style net with batch norm.

    One 3x3 convolution at full 48x48 resolution (edges need no more), then
    three blocks of two; filters double as the map halves, so the work is
    spread evenly. These widths (48-96-192) were chosen when the app ran the
    net through a traced tf.function, where 64-128-256 missed the time budget;
    with LiteRT the wider net fits (make_wide_model, the first shipped model);
    this one trains an epoch in about half the time.
    Regularisation is light on purpose: with augmentation on, a heavier
    version of this net was still under-fitting FER2013 after 25 epochs.
    """
    from keras import Input, Model, layers  # here: TensorFlow's import costs seconds

    inputs = Input(INPUT_SHAPE, name="pixels")
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = _conv_bn(x, widths[0])
    x = layers.MaxPooling2D()(x)
    x = _double_stages(x, widths[1:])
    return Model(inputs, _head(x, num_classes, 0.3), name="emotion_cnn")  # 3x3xwidth left


def make_seed_model(num_classes=len(CLASSES)):
    """The tutorial's CNN, layer for layer, for comparison (plus the in-model rescale)."""
    from keras import Input, Sequential, layers  # here: TensorFlow's import costs seconds

    return Sequential([
        Input(INPUT_SHAPE, name="pixels"),
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Dropout(0.25),
        layers.Conv2D(128, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(128, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax", name="probabilities"),
    ], name="seed_cnn")


def make_wide_model(num_classes=len(CLASSES)):
    """The same net at 64-128-256, the first shipped model's. With random erasing it takes the
    extra capacity without over-fitting (its figures: reports/wide_200ep_fer2013/, docs/history.md)."""
    return make_model(num_classes, widths=(32, 64, 128, 256))


def make_fast_model(num_classes=len(CLASSES), widths=(24, 32, 64, 128), dropout=0.1):
    """The CPU recipe's net ('fast'): the same VGG-style blocks, cut to what trains in minutes.

    Two changes buy the speed (benchmarks/train_speed.py): the 48x48 face is
    folded into 24x24x4 (each 2x2 patch becomes four channels) before the
    first convolution, because a 3x3 convolution over one channel at full
    resolution is the slowest layer per FLOP on a CPU (benchmarks/train_speed.py
    --layers); and the 24x24 stage has one convolution, not two, at narrower
    widths. Dropout is lighter (0.1) than the long recipes' 0.3: a 28-epoch run
    under-fits first. A wider version (32-48-96-192) trained for fewer epochs in
    the same time scored less (docs/fast_training.md has the figures).
    """
    from keras import Input, Model, layers  # here: TensorFlow's import costs seconds

    half = IMAGE_SIZE // 2
    inputs = Input(INPUT_SHAPE, name="pixels")
    x = layers.Rescaling(1.0 / 255)(inputs)
    # Space-to-depth with plain reshapes: portable across backends and LiteRT.
    x = layers.Reshape((half, 2, half, 2, 1))(x)
    x = layers.Permute((1, 3, 2, 4, 5))(x)
    x = layers.Reshape((half, half, 4), name="patches")(x)
    x = _conv_bn(x, widths[0])
    x = _conv_bn(x, widths[1])
    x = layers.MaxPooling2D()(x)
    x = _double_stages(x, widths[2:])
    return Model(inputs, _head(x, num_classes, dropout), name="emotion_cnn")


def make_student_model(num_classes=len(CLASSES)):
    """The fast net's folded shape at the shipped widths (32-64-128-256): the distilled student.

    As many parameters as the wide net, but faster a face (no convolution at
    48x48; benchmarks/quantize.py) and faster to train. Dropout as the long
    recipes': 0.3. Its runs: docs/distillation.md.
    """
    return make_fast_model(num_classes, widths=(32, 64, 128, 256), dropout=0.3)


ARCHITECTURES = {"small": make_model, "wide": make_wide_model, "seed": make_seed_model, "fast": make_fast_model,
                 "student": make_student_model}


def join_models(models):
    """One model that averages the probabilities of several trained networks.

    Networks trained apart (another seed, another augmentation) err on
    different faces, so their average beats each of them (docs/history.md). An
    ensemble passed in is unpacked, so joining never nests. The result is still
    one Keras model under the contract above: the app and load_model need
    nothing new.
    """
    from keras import Input, Model, layers  # here: TensorFlow's import costs seconds

    nets = [net for m in models for net in members(m)]
    if len(nets) == 1:
        return nets[0]
    inputs = Input(INPUT_SHAPE, name="pixels")
    # Fresh functional wrappers with unique names: every member was built as "emotion_cnn".
    outs = [Model(net.input, net.output, name=f"member_{i}")(inputs) for i, net in enumerate(nets)]
    return Model(inputs, layers.Average(name="probabilities")(outs), name=ENSEMBLE_NAME)


def members(model):
    """The networks a model averages: its member sub-models, or [model] for a single network."""
    from keras import Model  # here: TensorFlow's import costs seconds

    subs = [layer for layer in model.layers if isinstance(layer, Model)]
    return subs if model.name == ENSEMBLE_NAME and subs else [model]


