"""FER+'s votes: matched to images by row, refused when they do not fit, scored both ways."""
import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import train
from conftest import shipped_faces
from emoji_creator import CLASSES, ROOT
from emoji_creator.votes import CLASS_COLUMNS, VOTE_COLUMNS

HEADER = ["Usage", "Image name", *VOTE_COLUMNS]


def votes_row(usage, row, top):
    """Ten votes: 7 for class `top` (one of CLASSES), 3 spread by the row number."""
    counts = dict.fromkeys(VOTE_COLUMNS, 0)
    counts[CLASS_COLUMNS[CLASSES.index(top)]] = 7
    counts[VOTE_COLUMNS[row % 7]] += 3
    return [usage, f"fer{row:07d}.png", *counts.values()]


@pytest.fixture
def row_named(tmp_path):
    """A folder of faces named by their fer2013.csv row (as this project's data is), and its votes
    file: row r's majority is CLASSES[(r + 3) % 7], whatever folder (FER2013 label) it is in."""
    import cv2

    faces = iter(shipped_faces(7 * 6))
    rows, row = [], 0
    for split, usage, n in (("train", "Training", 4), ("test", "PublicTest", 2)):
        for name in CLASSES:
            folder = tmp_path / "rows" / split / name
            folder.mkdir(parents=True)
            for _ in range(n):
                cv2.imwrite(str(folder / f"{row:05d}.png"), next(faces)[1])
                rows.append(votes_row(usage, row, CLASSES[(row + 3) % 7]))
                row += 1
    votes = tmp_path / "rows" / "fer2013new.csv"
    with open(votes, "w", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return tmp_path / "rows", votes


def test_votes_are_matched_by_the_row_each_name_carries(row_named):
    from emoji_creator.data import load_dataset
    from emoji_creator.votes import attach_votes, majority, row_of

    data = attach_votes(load_dataset(row_named[0]), row_named[1])
    rows = data["rows"]["train"]
    assert (majority(data["votes"]["train"]) == (rows + 3) % 7).all()
    assert row_of("00007.png") == 7 and row_of("fer0000007.png") == 7 and row_of("Training_7.jpg") is None


def test_votes_are_matched_by_row_for_fer2013_csv(row_named, tmp_path):
    from test_train import write_csv

    from emoji_creator.data import load_dataset
    from emoji_creator.votes import attach_votes, majority

    data_csv = tmp_path / "fer2013.csv"
    write_csv(data_csv, row_named[0])  # train rows, then each test image as PublicTest and PrivateTest
    n = sum(1 for _ in open(data_csv)) - 1
    with open(tmp_path / "fer2013new.csv", "w", newline="") as f:
        usage = [r["Usage"] for r in csv.DictReader(open(data_csv))]
        csv.writer(f).writerows([HEADER, *(votes_row(u, r, CLASSES[r % 7]) for r, u in enumerate(usage))])
    data = attach_votes(load_dataset(data_csv), tmp_path / "fer2013new.csv")
    assert (majority(data["votes"]["train"]) == data["rows"]["train"] % 7).all() and len(usage) == n
    # A votes file of another length is another data set: refused.
    with open(tmp_path / "short.csv", "w", newline="") as f:
        csv.writer(f).writerows([HEADER, *(votes_row(u, r, "happy") for r, u in enumerate(usage[:-1]))])
    with pytest.raises(Exception, match="rows"):
        attach_votes(load_dataset(data_csv), tmp_path / "short.csv")


def test_train_learns_from_votes_and_reports_both_scores(row_named, tmp_path, capsys):
    rc = train.main(["--data", str(row_named[0]), "--epochs", "1", "--batch-size", "16", "--distill", "0",
                     "--output", str(tmp_path / "m.h5"), "--report-dir", str(tmp_path / "r"),
                     "--checkpoint-dir", str(tmp_path / "c")])  # the votes file lies beside the data
    out = capsys.readouterr().out
    assert rc == 0 and "FER+ majority" in out and "FER2013 label" in out and "vote distribution" in out
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["recipe"]["labels"] == "votes"
    assert {"accuracy", "per_class", "confusion_matrix"} <= set(metrics["test_ferplus"])
    assert {"accuracy", "per_class"} <= set(metrics["test"])
    assert (tmp_path / "r" / "confusion_matrix_ferplus.png").is_file()


def test_a_kaggle_named_folder_with_votes_is_one_line(tiny_data_copy, row_named, tmp_path, capsys):
    for f in (tiny_data_copy / "train" / "happy").iterdir():
        f.rename(f.with_name("Training_" + f.name))  # the Kaggle archive's names carry no row
    rc = train.main(["--data", str(tiny_data_copy), "--votes", str(row_named[1]), "--epochs", "1",
                     "--output", str(tmp_path / "m.h5"), "--report-dir", str(tmp_path / "r"),
                     "--checkpoint-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("error:") == 1 and "fer2013.csv" in err and "Traceback" not in err


@pytest.mark.parametrize("damage", ["missing_column", "usage", "rows"])
def test_a_votes_file_that_does_not_fit_is_refused(damage, row_named, tmp_path):
    from emoji_creator import UserError
    from emoji_creator.data import load_dataset
    from emoji_creator.votes import attach_votes

    lines = list(csv.reader(open(row_named[1])))
    if damage == "missing_column":
        lines = [line[:-1] for line in lines]
    elif damage == "usage":
        lines[1][0] = "PublicTest"  # a training image filed as a test one
    else:
        lines = lines[:-3]
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="") as f:
        csv.writer(f).writerows(lines)
    with pytest.raises(UserError):
        attach_votes(load_dataset(row_named[0]), bad)


def test_odd_vote_rows_are_skipped_and_counted(tmp_path):
    from emoji_creator.votes import read_votes

    rows = [["Training", "a", *"0300000700"],  # contempt has the top vote: left out
            ["Training", "b", *"000000000x"],  # non-numeric
            ["Training", "c", "-1", *"500000000"],  # negative
            ["Training", "d", *"0000000000"],  # no votes at all
            ["Training", "e", *"5500000000"],  # a tie between two of ours: kept
            ["Training", "f", *"5000000050"]]  # neutral ties unknown: left out
    path = tmp_path / "v.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    usage, votes, reasons = read_votes(path)
    assert list(reasons) == ["other", "bad", "bad", "bad", "", "other"]
    assert np.isnan(votes[[0, 1, 2, 3, 5]]).all() and np.isfinite(votes[4]).all()


def test_ferplus_score_counts_any_top_voted_class():
    from emoji_creator.votes import ferplus_metrics

    votes = np.zeros((3, 7), np.float32)
    votes[0, [3, 4]] = 5  # happy and neutral tie: either answer is right
    votes[1, 5] = 10
    votes[2] = np.nan  # left out
    probs = np.eye(7)[[4, 0, 2]]
    m = ferplus_metrics(votes, probs)
    assert m["accuracy"] == 0.5 and m["images"] == 2 and m["left_out"] == 1


def test_answers_tools_refuse_faces_without_a_row_in_one_line(tmp_path):
    from emoji_creator import UserError
    from emoji_creator.votes import rows_of

    assert rows_of(["00007.png", "fer0000012.png"], tmp_path) == [7, 12]
    with pytest.raises(UserError, match="not named by their fer2013.csv row.*--teacher MODEL") as err:
        rows_of(["00007.png", "Training_123.jpg"], tmp_path, "train.py can take the model file itself (--teacher MODEL)")
    assert "\n" not in str(err.value)


def test_ensemble_margin_runs_on_a_small_folder_and_needs_the_votes(tiny_data_copy, trained_model):
    """benchmarks/ensemble_margin.py (a smoke run: the figure means nothing on 7 held-out faces), and
    its one line when the votes file is not beside the data."""
    from conftest import find_fer, unavailable

    found, why = find_fer()
    if found is None or not (found / "fer2013new.csv").is_file():
        unavailable(why or f"FER+'s votes not beside {found}")
    cmd = [sys.executable, str(ROOT / "benchmarks" / "ensemble_margin.py"), "--data", str(tiny_data_copy),
           "--first", str(trained_model), "--second", str(trained_model), str(trained_model)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "fer2013new.csv" in run.stderr and "data/README.md" in run.stderr
    shutil.copy(found / "fer2013new.csv", tiny_data_copy)
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "bootstrap" in run.stdout, run.stderr[-2000:]


def test_the_ensemble_tool_ships_a_half_precision_file_with_both_scores(tiny_data_copy, trained_model, tmp_path):
    """tools/ensemble.py end to end on a small folder (a smoke run: its figures mean nothing here): the
    shipped file keeps the contract with its weights stored in float16, and its report both scores."""
    from conftest import find_fer, unavailable
    from emoji_creator.model_file import load_emotion_model, stores_half

    found, why = find_fer()
    if found is None or not (found / "fer2013new.csv").is_file():
        unavailable(why or f"FER+'s votes not beside {found}")
    shutil.copy(found / "fer2013new.csv", tiny_data_copy)
    nets = [tmp_path / "a.h5", tmp_path / "b.h5"]
    for net in nets:
        shutil.copy(trained_model, net)
    sys.path.insert(0, str(ROOT / "tools"))
    import ensemble

    out, report = tmp_path / "shipped.h5", tmp_path / "report"
    assert ensemble.main([*map(str, nets), "--data", str(tiny_data_copy), "--output", str(out),
                          "--report-dir", str(report)]) == 0
    assert stores_half(out)
    model, names = load_emotion_model(out)
    assert names == CLASSES and all(w.dtype == "float32" for w in model.weights)
    metrics = json.loads((report / "metrics.json").read_text())
    assert {"test", "test_ferplus", "validation_ferplus"} <= set(metrics)
    # --refit joins networks trained on every face with that choice's views and weights: no held-out score
    chosen = json.loads((report / "choices.json").read_text())
    refits = nets[:len(chosen["networks"])]
    out2, report2 = tmp_path / "refit.h5", tmp_path / "refit_report"
    assert ensemble.main([*map(str, refits), "--data", str(tiny_data_copy), "--output", str(out2),
                          "--report-dir", str(report2), "--refit", str(report / "choices.json")]) == 0
    refit = json.loads((report2 / "metrics.json").read_text())
    assert "validation_ferplus" not in refit and refit["class_weights"] == metrics["class_weights"]
    assert json.loads((report2 / "choices.json").read_text())["views"] == chosen["views"]
    # an earlier report is never written over: a second run's goes beside it
    before = (report2 / "metrics.json").read_bytes()
    assert ensemble.main([*map(str, refits), "--data", str(tiny_data_copy), "--output", str(tmp_path / "r2.h5"),
                          "--report-dir", str(report2), "--refit", str(report / "choices.json")]) == 0
    assert (report2 / "metrics.json").read_bytes() == before and (tmp_path / "refit_report-2" / "metrics.json").is_file()
    (tmp_path / "more.json").write_text(json.dumps({**chosen, "networks": chosen["networks"] * 3}))
    for bad in (out, tmp_path, tmp_path / "more.json"):  # not JSON; a folder; another count of networks
        run = subprocess.run([sys.executable, str(ROOT / "tools" / "ensemble.py"), *map(str, refits), "--data",
                              str(tiny_data_copy), "--output", str(tmp_path / "x.h5"), "--report-dir",
                              str(tmp_path / "x"), "--refit", str(bad)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and "--refit" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert not (tmp_path / "x.h5").exists()
    # benchmarks/ensemble_rules.py makes the tool's choice on half the held-out faces and scores the other half
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import ensemble_rules

    assert ensemble_rules.main([*map(str, nets), "--data", str(tiny_data_copy), "--halvings", "1"]) == 0
    # ... and, with --floors, how high the rare classes' floor must be for 60% to hold on the other half
    from emoji_creator import UserError

    assert ensemble_rules.main([*map(str, nets), "--data", str(tiny_data_copy), "--halvings", "1", "--floors", "0.8",
                                "--budgets", "6", "--rules", "one-se"]) == 0
    assert ensemble.RARE_FLOOR == 0.70  # the tool's own floor is untouched
    with pytest.raises(UserError, match="--floors"):
        ensemble_rules.main([*map(str, nets), "--data", str(tiny_data_copy), "--floors", "1.5"])
