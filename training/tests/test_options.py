"""The scripts' one argument convention (diffuse/options.py), and the scripts that use it."""
from dataclasses import dataclass, field

import pytest

from diffuse import evaluate
from diffuse.options import parse_options
from diffuse.train import TrainConfig


@dataclass
class Demo:
    src: str
    steps: int = 3
    rate: float = 0.5
    fast: bool = False
    name: str = "x"
    sources: list = field(default_factory=list, metadata={"flag": "dir"})


def refused(argv, message, positional=()):
    with pytest.raises(SystemExit) as e:
        parse_options(Demo, argv, "demo", positional)
    assert "demo" in str(e.value) and message in str(e.value), str(e.value)


def test_typed_values_defaults_and_repeated_flags():
    o = parse_options(Demo, ["--src=a", "--steps=7", "--rate=2e-3", "--fast=yes", "--dir=p", "--dir=q"], "demo")
    assert o == Demo(src="a", steps=7, rate=2e-3, fast=True, name="x", sources=["p", "q"])
    assert parse_options(Demo, ["--src=a", "--fast=0"], "demo").fast is False


def test_positional_fields():
    assert parse_options(Demo, ["in", "--steps=2"], "demo", positional=("src",)) == Demo(src="in", steps=2)


def test_every_mistake_names_the_flag():
    refused(["--src=a", "--out=x"], "unknown option --out")
    refused(["--steps=2"], "missing required --src")
    refused(["--src=a", "--steps=two"], "--steps must be a int")
    refused(["--src=a", "--fast=maybe"], "--fast takes")
    refused(["--src=a", "--fast"], "expected --key=value")
    refused(["in", "extra"], "expected SRC", positional=("src",))


def test_train_flags_of_the_pipeline_keep_their_meaning():
    cfg = parse_options(TrainConfig, ["--objective=cedd", "--graph=roulette", "--p_m=0.95", "--max_tokens=2e8",
                                      "--n_layer=4", "--compile=0", "--init_from=m.onnx"], "diffuse.train")
    assert (cfg.objective, cfg.graph, cfg.p_m, cfg.max_tokens, cfg.n_layer, cfg.compile, cfg.init_from) == \
        ("cedd", "roulette", 0.95, 2e8, 4, False, "m.onnx")


def test_evaluate_ppl_refuses_the_out_it_used_to_drop():
    with pytest.raises(SystemExit, match="unknown option --out"):
        evaluate.main(["ppl", "--corpus=c", "--tokenizer=t", "--mdlm=m", "--out=ppl.json"])
    with pytest.raises(SystemExit, match="unknown command"):
        evaluate.main(["perplexity"])
