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


def test_views_can_be_chosen_on_held_out_faces(tiny_data_copy, trained_model, capsys):
    # --holdout scores the faces train.py --holdout 0.1 holds out; it needs FER+'s votes to split as train.py does.
    # In this process (TensorFlow is loaded already): the script's own run is the test above.
    import shutil

    from conftest import find_fer, unavailable
    from emoji_creator import UserError

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import test_time_views

    args = ["--data", str(tiny_data_copy), "--holdout", "--rounds", "1", str(trained_model)]
    with pytest.raises(UserError, match="fer2013new.csv"):
        test_time_views.main(args)
    found, why = find_fer()
    if found is None or not (found / "fer2013new.csv").is_file():
        unavailable(why or f"FER+'s votes not beside {found}")
    shutil.copy(found / "fer2013new.csv", tiny_data_copy)
    test_time_views.main(args)
    out = capsys.readouterr().out
    assert "held-out training images" in out and str(trained_model) in out
