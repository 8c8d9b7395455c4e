"""A teacher kept as answers (emoji_creator/answers.py) and the tools that make them (the out-of-fold
teachers, tools/fold_teachers.py; a model's own, tools/teacher_answers.py): found by row, refused in one
line, and taught from by train.py."""
import json
import sys

import numpy as np
import pytest

from emoji_creator import CLASSES, ROOT, UserError, run_tool
from emoji_creator.answers import read_answers, write_answers

sys.path.insert(0, str(ROOT / "tools"))
import fold_teachers  # noqa: E402
import teacher_answers  # noqa: E402


def test_answers_are_found_by_row_and_anything_else_is_one_line(tmp_path):
    probs = np.random.default_rng(0).dirichlet(np.ones(len(CLASSES)), 3)
    path = tmp_path / "answers.npz"
    write_answers(path, [5, 2, 9], probs)
    np.testing.assert_allclose(read_answers(path, np.array([9, 5])), probs[[2, 0]], atol=2e-3)
    with pytest.raises(UserError, match="no answer for 1 of these 2 .*row 7"):
        read_answers(path, np.array([9, 7]))
    write_answers(tmp_path / "none.npz", [], np.zeros((0, len(CLASSES))))
    with pytest.raises(UserError, match="no answer for 2 of these 2"):
        read_answers(tmp_path / "none.npz", np.array([9, 5]))
    with pytest.raises(UserError, match="carry none"):
        read_answers(path, None)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    np.savez(tmp_path / "other.npz", rows=[1], probs=np.ones((1, 8)), classes=np.array(list(CLASSES) + ["contempt"]))
    for bad, says in (("junk.npz", "not a teacher's answers file"), ("other.npz", "not this app's classes")):
        with pytest.raises(UserError, match=says):
            read_answers(tmp_path / bad, np.array([1]))


def test_fold_teachers_answer_each_face_with_the_net_that_never_saw_it(tiny_data_copy, trained_model, tmp_path,
                                                                       capsys):
    import shutil

    import train
    from conftest import find_fer, unavailable

    found, why = find_fer()
    if found is None or not (found / "fer2013new.csv").is_file():
        unavailable(why or f"FER+'s votes not beside {found}")
    shutil.copy(found / "fer2013new.csv", tiny_data_copy)
    folds = tmp_path / "folds"
    assert run_tool(lambda: fold_teachers.main(["folds", "--data", str(tiny_data_copy), "--out", str(folds),
                                                "--k", "2"])) == 0
    seen = [{p.name for p in (folds / str(k) / "train").rglob("*.png")} for k in (0, 1)]
    every = {p.name for p in (tiny_data_copy / "train").rglob("*.png")}
    with np.load(folds / "folds.npz") as f:
        held = {f"{r:05d}.png" for r in f["rows"][f["fold"] < 0]}
    # Each fold's folder trains on the other fold only; the held-out faces are in none.
    assert held and seen[0] and seen[1] and not seen[0] & seen[1] and seen[0] | seen[1] == every - held
    assert (folds / "0" / "fer2013new.csv").is_file() and len(list((folds / "1" / "test").rglob("*.png"))) == 28
    out = tmp_path / "answers.npz"
    answer = ["answers", "--data", str(tiny_data_copy), "--folds", str(folds), "--output", str(out)]
    assert run_tool(lambda: fold_teachers.main(answer + [str(trained_model)])) == 2  # one model for two folds
    assert run_tool(lambda: fold_teachers.main(answer + [str(trained_model)] * 2)) == 0
    kept = out.read_bytes()
    assert run_tool(lambda: fold_teachers.main(answer + [str(trained_model)] * 2)) == 2  # never over a file
    assert out.read_bytes() == kept and "name a new file" in capsys.readouterr().err
    # What a user can get wrong is one line each, and nothing is written.
    (tmp_path / "a-file").write_text("")
    for wrong, says in ((["folds", "--data", str(tiny_data_copy), "--out", str(tmp_path / "a-file")], "not an empty folder"),
                        (["folds", "--data", str(ROOT / "tests"), "--out", str(tmp_path / "f")], "votes"),
                        (answer[:3] + ["--folds", str(tmp_path), "--output", str(tmp_path / "o.npz")]
                         + [str(trained_model)] * 2, "missing or damaged"),
                        (answer[:6] + [str(tmp_path / "no" / "o.npz")] + [str(trained_model)] * 2, "not a folder")):
        assert run_tool(lambda: fold_teachers.main(wrong)) == 2
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "f").exists() and not (tmp_path / "o.npz").exists()
    # train.py learns from it as from any teacher.
    report = tmp_path / "report"
    assert train.main(["--data", str(tiny_data_copy), "--epochs", "1", "--batch-size", "16", "--teacher", str(out),
                       "--output", str(tmp_path / "m.h5"), "--report-dir", str(report),
                       "--checkpoint-dir", str(tmp_path / "ckpt")]) == 0
    teacher = json.loads((report / "metrics.json").read_text())["teacher"]
    assert teacher == {"file": str(out), "share": 0.5, "test_accuracy": None}


def test_a_models_answers_kept_beside_it_are_read_while_they_are_still_its_own(tiny_data_copy, trained_model,
                                                                              tmp_path, capsys):
    import shutil

    import train
    from emoji_creator.answers import cached_answers
    from emoji_creator.data import load_dataset
    from emoji_creator.model_file import load_emotion_model
    from emoji_creator.runtime import MIRROR, make_predictor

    teacher = tmp_path / "teacher.h5"
    shutil.copy(trained_model, teacher)
    make = ["--data", str(tiny_data_copy), str(teacher)]
    assert run_tool(lambda: teacher_answers.main(make)) == 0
    beside = tmp_path / "teacher.npz"
    kept = beside.read_bytes()
    assert run_tool(lambda: teacher_answers.main(make)) == 2 and beside.read_bytes() == kept  # never over a file
    assert "name a new file" in capsys.readouterr().err
    data = load_dataset(tiny_data_copy)
    x, rows = data["train"][0], data["rows"]["train"]
    answers = make_predictor(load_emotion_model(teacher)[0], views=MIRROR)(x)
    np.testing.assert_allclose(cached_answers(teacher, rows), answers, atol=2e-3)
    assert cached_answers(teacher, np.append(rows, 10**7)) is None  # a face it has no answer for

    def run(name):
        assert train.main(["--data", str(tiny_data_copy), "--epochs", "1", "--batch-size", "16", "--teacher",
                           str(teacher), "--output", str(tmp_path / f"{name}.h5"), "--report-dir",
                           str(tmp_path / f"report_{name}"), "--checkpoint-dir", str(tmp_path / f"ckpt_{name}")]) == 0
        return capsys.readouterr().out

    assert "read from teacher.npz beside it" in run("a")
    shutil.copy(tmp_path / "a.h5", teacher)  # the teacher replaced: the answers beside it are another model's
    assert cached_answers(teacher, rows) is None
    out = run("b")
    assert "beside it" not in out and "training faces took" in out
