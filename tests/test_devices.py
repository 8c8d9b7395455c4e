"""train.py --devices on this CPU machine split into two virtual devices: data-parallel training on
TensorFlow (MirroredStrategy) and JAX (keras.distribution.DataParallel), the report's device count,
a resume on one device, the loss against a one-device run, and the one-line refusals.

Each backend runs in a process of its own: virtual devices must be set up before the backend starts."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# TensorFlow's two virtual CPUs, then train.py's main() once per argument list; prints the exit codes.
TF_RUNS = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, {root!r})
import train
print("codes", json.dumps([train.main(a) for a in json.loads(sys.argv[1])]))
"""

JAX_RUNS = """
import json, sys
sys.path.insert(0, {root!r})
import train
print("codes", json.dumps([train.main(a) for a in json.loads(sys.argv[1])]))
"""

# A first epoch's mean loss on two devices against one, relative. On JAX the two devices compute one
# global batch (BatchNormalization sees all of it): the same loss but for float rounding. TensorFlow's
# MirroredStrategy normalises each device's half of the batch on its own, so its loss moves a little.
TOLERANCE = {"jax": 0.01, "tensorflow": 0.10}


def run(script, runs, env=None, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    proc = subprocess.run([sys.executable, "-c", script.format(root=str(ROOT)), json.dumps(runs)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    codes = next((json.loads(line[6:]) for line in proc.stdout.splitlines() if line.startswith("codes ")), None)
    assert codes is not None, proc.stdout[-2000:] + proc.stderr[-3000:]
    return codes, proc.stdout, proc.stderr


def report(folder):
    return json.loads((Path(folder) / "metrics.json").read_text())


def args(data, out, *extra):
    return ["--data", str(data), "--epochs", "1", "--batch-size", "16", "--distill", "0", "--output", str(out / "m.h5"),
            "--report-dir", str(out / "report"), "--checkpoint-dir", str(out / "ckpt"), *extra]


def test_tensorflow_two_devices_train_report_resume_on_one_and_match_one_device(tiny_data, trained_model, tmp_path):
    two = tmp_path / "two"
    resumed = args(tiny_data, two, "--epochs", "2", "--resume")
    resumed[resumed.index("--report-dir") + 1] = str(two / "report-resumed")
    codes, out, err = run(TF_RUNS, [args(tiny_data, two, "--devices", "2"),
                                    args(tiny_data, tmp_path / "odd", "--devices", "2", "--batch-size", "15"),
                                    args(tiny_data, tmp_path / "many", "--devices", "3"),
                                    resumed])  # on one device: no --devices
    assert codes == [0, 2, 2, 0], err[-3000:]
    assert "does not split evenly over 2 devices: pass a multiple of 2" in err
    assert "--devices 3: this machine has 2 CPU device(s)" in err and "Traceback" not in err
    first = report(two / "report")
    assert first["devices"]["count"] == 2 and first["devices"]["replicas"] == 2
    assert first["devices"]["strategy"] == "MirroredStrategy" and first["images_per_second"] > 0
    again = report(two / "report-resumed")
    assert again["devices"]["count"] == 1 and again["resumed_at_epoch"] == 1 and len(again["history"]["loss"]) == 2
    one = report(trained_model.parent / "report")  # the same data, batch and seed on one device
    loss1, loss2 = one["history"]["loss"][0], first["history"]["loss"][0]
    assert abs(loss2 - loss1) <= TOLERANCE["tensorflow"] * loss1, (loss1, loss2)


def test_jax_two_devices_and_two_processes_match_one_device(tiny_data, tmp_path):
    import importlib.util

    if importlib.util.find_spec("jax") is None:
        from conftest import unavailable

        unavailable("JAX is not installed here: pip install -r requirements.txt")
    codes, out, err = run(JAX_RUNS, [args(tiny_data, tmp_path / "one"), args(tiny_data, tmp_path / "two", "--devices", "all")],
                          env={"KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    assert codes == [0, 0], err[-3000:]
    one, two = report(tmp_path / "one" / "report"), report(tmp_path / "two" / "report")
    assert one["devices"]["count"] == 1 and two["devices"] == {
        "backend": "jax", "kind": "CPU", "count": 2, "strategy": "DataParallel", "replicas": 2, "per_device_batch": 8}
    loss1, loss2 = one["history"]["loss"][0], two["history"]["loss"][0]
    assert abs(loss2 - loss1) <= TOLERANCE["jax"] * loss1, (loss1, loss2)
    two_processes_train_one_model(tiny_data, tmp_path, loss1)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def two_processes_train_one_model(tiny_data, tmp_path, base):
    """docs/training.md's several-machine recipe, run on this machine: two train.py processes joined by
    keras.distribution.initialize (a coordinator on the loopback address, Gloo for CPU collectives),
    each with one device, train one model; its first epoch's loss is the one-process run's (base) within 1%.
    Part of the JAX test above, which has just trained that one-process run."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "jax"}
    cluster = {**env, "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
               "KERAS_DISTRIBUTION_JOB_ADDRESSES": f"127.0.0.1:{free_port()},127.0.0.1:{free_port()}"}
    procs = [subprocess.Popen([sys.executable, str(ROOT / "train.py"), *args(tiny_data, tmp_path / f"p{i}", "--devices",
                                                                             "all")],
                              cwd=ROOT, env={**cluster, "KERAS_DISTRIBUTION_PROCESS_ID": str(i)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    try:
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    for i in range(2):
        joined = report(tmp_path / f"p{i}" / "report")
        assert joined["devices"]["processes"] == 2 and joined["devices"]["count"] == 2
        assert abs(joined["history"]["loss"][0] - base) / base < 0.01, (joined["history"]["loss"][0], base)
