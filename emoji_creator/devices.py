"""Training on several devices with Keras's own data parallelism: every device holds the whole model,
each takes an equal share of every batch, and their gradients are averaged before each step.

    plan = plan_devices("all", batch_size=128)   # train.py --devices; UserError when it cannot be done
    with plan.scope():                           # the model is built (or loaded) and compiled in here
        model = make_model(); model.compile(..., jit_compile=plan.jit_compile)
    model.fit(...)                               # as on one device
    model = plan.plain(model)                    # a one-device copy to score, convert and save
    plan.describe()                              # for the report: backend, kind, count, strategy

JAX: keras.distribution.DataParallel. TensorFlow: tf.distribute.MirroredStrategy,
with XLA off (Keras 3 cannot compile a mirrored step: keras-team/keras#18627).
Several machines: docs/training.md ("Many devices").
"""
import argparse
import contextlib
import os

import numpy as np

from . import UserError
from .runtime import keras_backend


def available():
    """(kind, [device names]) this process can train on: its GPUs, else its CPU devices."""
    backend = keras_backend()
    if backend == "jax":
        import jax  # here: TensorFlow's import costs seconds
        import keras  # here: TensorFlow's import costs seconds

        devices = keras.distribution.list_devices()
        return jax.devices()[0].platform.upper(), devices
    if backend == "tensorflow":
        import tensorflow as tf  # here: TensorFlow's import costs seconds

        gpus = tf.config.list_logical_devices("GPU")
        return ("GPU", [d.name for d in gpus]) if gpus else ("CPU", [d.name for d in tf.config.list_logical_devices("CPU")])
    raise UserError(f"--devices needs the JAX or TensorFlow backend (KERAS_BACKEND is {backend})")


def devices_arg(text):
    """--devices: a count of at least 1, or 'all'."""

    if text == "all":
        return text
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a device count: pass 1, 2, ... or all")
    return n


class Plan:
    """Where a run trains: one device (no distribution), or several (strategy or distribution set)."""

    def __init__(self, backend, kind, devices, batch_size, strategy=None, process=(0, 1)):
        self.backend, self.kind, self.devices, self.batch_size = backend, kind, devices, batch_size
        self.strategy = strategy  # TensorFlow's MirroredStrategy, or "DataParallel" (JAX's is global)
        # (this process's index, how many): several processes (machines) feed one model, each its own
        # share of every batch (shard_rows)
        self.process = process

    @property
    def count(self):
        return len(self.devices)

    @property
    def jit_compile(self):
        return False if self.backend == "tensorflow" and self.count > 1 else "auto"

    def scope(self):
        if self.backend == "tensorflow" and self.count > 1:
            return self.strategy.scope()
        return contextlib.nullcontext()

    def plain(self, model):
        """The trained model on one device: a copy outside the distribution, with the same weights
        (scoring, LiteRT conversion and the saved file see ordinary variables)."""
        if self.count == 1:
            return model
        import keras  # here: TensorFlow's import costs seconds

        if self.backend == "jax":
            keras.distribution.set_distribution(None)
        copy = keras.models.clone_model(model)
        copy.set_weights(model.get_weights())
        return copy

    def describe(self):
        name = {1: "one device"}.get(self.count) or (
            "MirroredStrategy" if self.backend == "tensorflow" else "DataParallel")
        described = {"backend": self.backend, "kind": self.kind, "count": self.count, "strategy": name,
                     "replicas": self.count, "per_device_batch": self.batch_size // self.count}
        return described if self.process[1] == 1 else {**described, "processes": self.process[1]}

    def __str__(self):
        if self.count == 1:
            return f"one {self.kind} device"
        return (f"{self.count} {self.kind} devices ({self.describe()['strategy']}), {self.batch_size // self.count} "
                f"of each batch's {self.batch_size} images on each")


def join_cluster(backend):
    """Several machines: keras.distribution.initialize() when the launch set its variables
    (KERAS_DISTRIBUTION_JOB_ADDRESSES, _NUM_PROCESSES, _PROCESS_ID; docs/training.md). JAX only:
    TensorFlow's MultiWorkerMirroredStrategy does not work with Keras 3 (keras-team/keras#20585)."""

    if not os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        return
    if backend != "jax":
        raise UserError("training over several machines needs the JAX backend (KERAS_BACKEND=jax): TensorFlow's "
                        "multi-worker strategy does not work with Keras 3; unset KERAS_DISTRIBUTION_NUM_PROCESSES")
    import jax  # here: only a JAX run gets here
    import keras  # here: TensorFlow's import costs seconds

    # CPU processes exchange gradients over Gloo (JAX's default has no cross-process CPU collectives).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    keras.distribution.initialize()


def plan_devices(spec, batch_size):
    """The Plan for --devices spec (None: one device, as before) and the global batch size."""
    backend = keras_backend()
    join_cluster(backend)
    if spec is None or spec == 1:
        kind = "CPU"
        with contextlib.suppress(UserError, ImportError):
            kind = available()[0]
        return Plan(backend, kind, [None], batch_size)
    kind, devices = available()
    n = len(devices) if spec == "all" else spec
    if n > len(devices):
        raise UserError(f"--devices {spec}: this machine has {len(devices)} {kind} device(s) for {backend}: pass "
                        f"--devices {len(devices)} or fewer (or all)")
    if batch_size % n:
        low, high = batch_size // n * n, (batch_size // n + 1) * n
        raise UserError(f"--batch-size {batch_size} does not split evenly over {n} devices: pass a multiple of {n} "
                        f"(e.g. --batch-size {low or high} or {high}); it is the whole step's batch, each device "
                        f"takes an equal share")
    devices = devices[:n]
    if n == 1:
        return Plan(backend, kind, devices, batch_size)
    if backend == "tensorflow":
        import tensorflow as tf  # here: TensorFlow's import costs seconds

        return Plan(backend, kind, devices, batch_size, tf.distribute.MirroredStrategy(devices=devices))
    import jax  # here: only a JAX run gets here
    import keras  # here: TensorFlow's import costs seconds

    distribution = keras.distribution.DataParallel(devices=devices)
    process = (jax.process_index(), jax.process_count())
    if process[1] > 1:
        if batch_size % (process[1] * (n // process[1] or 1)):
            raise UserError(f"--batch-size {batch_size} does not split over {process[1]} processes' devices: pass "
                            f"a multiple of {n}")
        distribution.auto_shard_dataset = False  # each process feeds its own share of every batch (shard_rows)
    keras.distribution.set_distribution(distribution)
    return Plan(backend, kind, devices, batch_size, "DataParallel", process)


def shard_rows(count, batch, process):
    """The rows of `count` a process feeds when several feed one model: its share of every batch of
    `batch` rows (process = (index, how many)); a last batch that does not split evenly is left out."""
    index, n = process
    share = batch // n
    full = count // batch * batch
    rows = np.arange(full).reshape(-1, n, share)[:, index].reshape(-1)
    tail = count - full
    if tail >= n:  # the last, smaller batch, split as evenly as it goes
        part = tail // n
        rows = np.concatenate([rows, full + index * part + np.arange(part)])
    return rows
