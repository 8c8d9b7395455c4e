"""benchmarks/held_out_choices.py: the halvings and the class weights it scores (no model, no data)."""
import sys

import numpy as np

from emoji_creator import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from held_out_choices import class_weights_for_floor, halvings, recalls  # noqa: E402


def test_halvings_take_half_of_every_class():
    y = np.repeat(np.arange(7), [40, 6, 30, 50, 20, 10, 8])
    masks = halvings(y, 3)
    assert len(masks) == 3 and not np.array_equal(masks[0], masks[1])
    for m in masks:
        assert all((m & (y == c)).sum() == (y == c).sum() // 2 for c in range(7))


def test_class_weights_lift_the_weak_class_to_the_floor_and_leave_the_rest():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, 2000)
    p = rng.random((2000, 7)) * 0.5
    p[np.arange(2000), y] += 0.6
    p[y == 2, 2] -= 0.5  # class 2 (fear) under-scored: its recall starts low
    assert recalls(p, y)[2] < 55
    w = class_weights_for_floor(p, y)
    assert recalls(p * w, y).min() >= 55
    assert w[2] > 1 and np.all(np.delete(w, 2) == 1)
