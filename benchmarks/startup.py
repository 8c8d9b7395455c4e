"""How long a user waits: useIt.py on one image, gui.py's window and first label, cold and warm.

    python benchmarks/startup.py              # 3 rounds; needs Xvfb (or a display) for the window rows
    python benchmarks/startup.py --rounds 5

Every figure is a fresh Python process, as a user starts it. 'cold' is the first
start after a new model file (the LiteRT cache beside it does not exist yet, so
Keras and TensorFlow load and convert it); 'warm' is every later start. The
model is a copy of emotion_model.h5 in a temporary folder, so the shipped cache
is never touched. Peak memory is the process's maximum resident set size.
For scale, the same machine's `python -c "import tensorflow"` is timed too.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable

# Runs a script's main() in this child and reports its peak memory on exit.
WRAP = """
import atexit, resource, runpy, sys
atexit.register(lambda: print(f"@@peak_kb {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}", file=sys.stderr))
sys.argv = sys.argv[1:]
sys.path.insert(0, {root!r})
runpy.run_path(sys.argv[0], run_name="__main__")
"""

# Starts gui.py's window (gui.build, as main() does) and reports when it is mapped and first labels a face.
GUI = """
import resource, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
import gui
root, app = gui.build(sys.argv[1:])
# Polled, not a <Map> binding: the window sizes itself inside build() (its minimum size is
# measured there), and Tk may map it before a binding made here could see the event.
mapped = [time.perf_counter() - t0] if root.winfo_viewable() else []
deadline = time.time() + 120
while app.stats.first_label_s is None and time.time() < deadline:
    root.update()
    if not mapped and root.winfo_viewable():
        mapped.append(time.perf_counter() - t0)
    time.sleep(0.002)
label = time.perf_counter() - t0 if app.stats.first_label_s is not None else float("nan")
print(f"@@gui {{mapped[0] if mapped else float('nan'):.3f}} {{label:.3f}} "
      f"{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}", file=sys.stderr)
app.close()
"""


def run(cmd, env):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{cmd[-6:]} failed ({r.returncode}): {r.stderr[-800:]}")
    return wall, r.stderr


def tagged(stderr, tag):
    return next(line.split()[1:] for line in stderr.splitlines() if line.startswith(tag))


def make_image(path):
    import cv2
    import numpy as np

    from emoji_creator.clip import shipped_face

    face, _ = shipped_face()
    frame = np.full((480, 640), 110, np.uint8)
    frame[90:390, 170:470] = cv2.resize(face, (300, 300))
    cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--model", type=Path, default=ROOT / "emotion_model.h5")
    args = p.parse_args(argv)

    env = dict(os.environ)
    xvfb = None
    if not env.get("DISPLAY") and shutil.which("Xvfb"):
        num = 150 + os.getpid() % 300
        xvfb = subprocess.Popen(["Xvfb", f":{num}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env["DISPLAY"] = f":{num}"
        time.sleep(1)
    rows = {k: [] for k in ("tf", "useit_cold", "useit_warm", "gui_cold", "gui_warm")}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            image = tmp / "face.png"
            make_image(image)
            model = tmp / "emotion_model.h5"
            shutil.copy(args.model, model)
            cache = model.with_name(model.name + ".litert")
            useit = [PY, "-c", WRAP.format(root=str(ROOT)), str(ROOT / "useIt.py"), "--source", str(image),
                     "--no-window", "--model", str(model)]
            gui = [PY, "-c", GUI.format(root=str(ROOT)), "--source", str(image), "--model", str(model),
                   "--save-dir", str(tmp / "save")]
            for _ in range(args.rounds):
                rows["tf"].append((run([PY, "-c", "import tensorflow"], dict(env, TF_CPP_MIN_LOG_LEVEL="3"))[0], 0))
                for name, cmd in (("useit", useit), ("gui", gui)):
                    if name == "gui" and not env.get("DISPLAY"):
                        continue
                    for state in ("cold", "warm"):
                        if state == "cold":
                            cache.unlink(missing_ok=True)
                        wall, err = run(cmd, env)
                        if name == "useit":
                            rows[f"useit_{state}"].append((wall, int(tagged(err, "@@peak_kb")[0]) / 1024))
                        else:
                            mapped, label, peak = tagged(err, "@@gui")
                            rows[f"gui_{state}"].append((float(mapped), float(label), int(peak) / 1024))
    finally:
        if xvfb is not None:
            xvfb.terminate()

    med = lambda xs: statistics.median(xs)  # noqa: E731
    print(f"startup, median of {args.rounds} rounds (each a fresh process); python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'what':44} {'seconds':>8} {'peak MiB':>9}")
    tf_s = med([r[0] for r in rows["tf"]])
    label = 'python -c "import tensorflow" (for scale)'
    print(f"{label:44} {tf_s:8.2f}")
    for state in ("warm", "cold"):
        r = rows[f"useit_{state}"]
        print(f"{'useIt.py, one image, whole run, ' + state:44} {med([x[0] for x in r]):8.2f} {med([x[1] for x in r]):9.0f}")
    for state in ("warm", "cold"):
        r = rows[f"gui_{state}"]
        if r:
            print(f"{'gui.py, window mapped, ' + state:44} {med([x[0] for x in r]):8.2f} {med([x[2] for x in r]):9.0f}")
            print(f"{'gui.py, first face labelled, ' + state:44} {med([x[1] for x in r]):8.2f}")
    warm = med([x[0] for x in rows["useit_warm"]])
    print(f"useIt.py warm / import tensorflow: {warm / tf_s:.2f}")
    return rows


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
