"""Training in bfloat16 where the CPU computes it natively: the model kept is float32 all the same."""
import json
from dataclasses import replace

import numpy as np
import pytest

import train
from emoji_creator import precision
from emoji_creator.recipes import RECIPES


@pytest.mark.parametrize("flags, native", [("fpu avx2 avx512f avx512_bf16 sse", True), ("fpu amx_bf16", True),
                                           ("fpu avx2 avx512f sse", False)])
def test_native_bfloat16_is_read_off_the_cpu_flags(tmp_path, flags, native):
    info = tmp_path / "cpuinfo"
    info.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n\n")
    assert precision.native_bfloat16(info) is native


def test_no_cpu_flags_to_read_means_float32(tmp_path):
    assert precision.native_bfloat16(tmp_path / "missing") is False
    (tmp_path / "odd").write_bytes(b"\xff\xfe flags")
    assert precision.native_bfloat16(tmp_path / "odd") is False


def test_a_recipe_trains_in_bfloat16_only_where_it_asks_and_the_cpu_computes_it(monkeypatch):
    monkeypatch.setattr(precision, "native_bfloat16", lambda: True)
    assert precision.policy_for(RECIPES["plus"]) == "float32"
    assert precision.policy_for(replace(RECIPES["plus"], bfloat16=True)) == "mixed_bfloat16"
    monkeypatch.setattr(precision, "native_bfloat16", lambda: False)
    assert precision.policy_for(replace(RECIPES["plus"], bfloat16=True)) == "float32"


def test_the_float32_copy_answers_as_the_bfloat16_net_does_and_the_global_policy_is_restored(monkeypatch):
    import keras

    from emoji_creator.nets import ARCHITECTURES

    monkeypatch.setattr(precision, "native_bfloat16", lambda: True)
    with precision.training_precision(replace(RECIPES["fast"], bfloat16=True)) as name:
        net = ARCHITECTURES["fast"]()
    assert name == "mixed_bfloat16" and keras.mixed_precision.global_policy().name == "float32"
    assert precision.policy_of(net) == "mixed_bfloat16"
    assert net.get_layer("probabilities").dtype_policy.name == "float32"  # the softmax never rounds to bfloat16
    copy = precision.float32_copy(net)
    assert {layer.dtype_policy.name for layer in copy.layers} == {"float32"}
    faces = np.random.default_rng(0).integers(0, 256, (8, 48, 48, 1)).astype(np.float32)
    mixed, plain = net(faces, training=False), copy(faces, training=False)
    assert plain.dtype.name == "float32"
    np.testing.assert_allclose(np.asarray(plain), np.asarray(mixed, np.float32), atol=0.05)
    assert (np.asarray(plain).argmax(1) == np.asarray(mixed).argmax(1)).mean() >= 0.75
    assert precision.float32_copy(copy) is copy


def test_a_bfloat16_run_keeps_a_float32_model_and_says_what_it_trained_in(tiny_data, tmp_path, capsys, monkeypatch):
    from emoji_creator import recipes
    from emoji_creator.model_file import load_emotion_model

    monkeypatch.setattr(precision, "native_bfloat16", lambda: True)
    monkeypatch.setitem(recipes.RECIPES, "fast", replace(RECIPES["fast"], bfloat16=True))
    out = tmp_path / "m.h5"
    args = ["--data", str(tiny_data), "--batch-size", "16", "--distill", "0", "--output", str(out),
            "--report-dir", str(tmp_path / "r"), "--checkpoint-dir", str(tmp_path / "c")]
    assert train.main(args + ["--epochs", "1"]) == 0
    assert "precision: mixed_bfloat16" in capsys.readouterr().out
    # A resumed run goes on in the precision its checkpoint was trained in, whatever this CPU says now.
    monkeypatch.setattr(precision, "native_bfloat16", lambda: False)
    assert train.main(args + ["--epochs", "2", "--resume"]) == 0
    said = capsys.readouterr().out
    assert "resuming from epoch 1" in said and "precision: mixed_bfloat16" in said
    model = load_emotion_model(out)[0]
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["precision"] == "mixed_bfloat16"
