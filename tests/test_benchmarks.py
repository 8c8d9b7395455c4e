"""The benchmarks that read a data folder run on a small one too (a smoke run), not only on FER2013."""
import subprocess
import sys

import pytest

from emoji_creator import ROOT


@pytest.mark.parametrize("script, options", [("quantize.py", ["--rounds", "1"]),
                                             ("test_time_views.py", ["--rounds", "1"]),
                                             ("held_out_choices.py", [])])
def test_data_benchmarks_run_on_a_small_folder(script, options, tiny_data, trained_model):
    # tiny_data has 70 training faces: fewer than quantize.py's 500 calibration faces.
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--data", str(tiny_data), *options,
                          str(trained_model)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert str(trained_model) in run.stdout, run.stdout
