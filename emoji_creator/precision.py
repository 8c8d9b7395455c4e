"""Training in bfloat16 where the CPU computes it natively; every model kept is float32.

    with training_precision(recipe, plan) as policy:   # "mixed_bfloat16" or "float32"
        model = make_fast_model()                      # its layers compute in that policy
    model.fit(...)
    model = float32_copy(model)                        # the same weights, every layer in float32

Keras's mixed_bfloat16 policy keeps the weights in float32 and computes each
layer in bfloat16. CPUs with AVX-512 BF16 or AMX do that natively (faster
than float32: benchmarks/train_speed.py's bfloat16 row); elsewhere it would be
emulated and slower, so a recipe that asks for it trains in float32 there.
The model file, the app and LiteRT always see float32 (the model contract).
"""
import contextlib
from pathlib import Path

CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo's names for native bfloat16 arithmetic


def native_bfloat16(cpuinfo=Path("/proc/cpuinfo")):
    """True when this CPU does bfloat16 arithmetic natively (Linux: /proc/cpuinfo's flags; elsewhere False)."""
    try:
        flags = {word for line in cpuinfo.read_text().splitlines() if line.startswith("flags")
                 for word in line.split(":", 1)[1].split()}
    except (OSError, UnicodeDecodeError, IndexError):
        return False
    return any(flag in flags for flag in CPU_FLAGS)


def policy_for(recipe, plan=None):
    """The Keras dtype policy a run's net is built in: mixed_bfloat16 when the recipe asks for it and it
    trains on a CPU that computes bfloat16 natively (one device), else float32."""
    if not recipe.bfloat16 or (plan is not None and plan.count > 1):
        return "float32"
    from .runtime import keras_backend

    if keras_backend() != "tensorflow" or not native_bfloat16():
        return "float32"
    import tensorflow as tf  # here: TensorFlow's import costs seconds

    return "float32" if tf.config.list_logical_devices("GPU") else "mixed_bfloat16"


@contextlib.contextmanager
def training_precision(recipe, plan=None):
    """Layers built inside compute in policy_for(recipe, plan); the global policy is float32 again after."""
    import keras  # here: TensorFlow's import costs seconds

    name = policy_for(recipe, plan)
    keras.mixed_precision.set_global_policy(name)
    try:
        yield name
    finally:
        keras.mixed_precision.set_global_policy("float32")


def policy_of(model):
    """The policy a model's layers compute in: its first layer with weights' (float32 when none has any)."""
    return next((layer.dtype_policy.name for layer in model.layers if layer.weights), "float32")


def float32_copy(model):
    """The model with every layer computing in float32 and the same weights (the model itself when it
    already does): what is scored, converted and saved."""
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model

    def plain(node):
        if isinstance(node, dict):
            if node.get("class_name") == "DTypePolicy":
                return "float32"
            return {key: plain(value) for key, value in node.items()}
        return [plain(value) for value in node] if isinstance(node, list) else node

    copy = type(model).from_config(plain(model.get_config()))
    copy.set_weights(model.get_weights())
    return copy
