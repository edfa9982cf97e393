"""pipeline.sh's recipe ablation (`arms`, `arms_eval`) end to end on a tiny architecture: two arms
trained side by side, each with its held-out number, the diffusion arm as a shipped int8 folder."""
import json
import math
import os
import shutil
import subprocess
import sys
import time

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")   # the exporter's parity check
pytest.importorskip("datasketch")    # the corpus build's near-duplicate pass

from diffuse.corpus import CorpusConfig, build  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
TOKENIZER = os.path.join(TRAINING, "..", "models", "diffuse-small", "tokenizer.json")


def test_arms_train_side_by_side_then_bound_and_export(tmp_path):
    work = tmp_path / "work"
    build(CorpusConfig(out=str(work / "corpus"), sources=[f"code:{os.path.join(TRAINING, 'diffuse')}"], val_permille=300))
    shutil.copy(TOKENIZER, work / "tokenizer.json")
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(work), "ARM_MINUTES": "0.05", "ARM_WINDOWS": "4",
           "ARM_MODEL": "--n_layer=1 --n_head=2 --n_embd=32 --max_length=64 --batch_size=4 --num_workers=0 --device=cpu",
           "ARMS": "holes=--infill_share=0.9;ar=--objective=ar"}
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "arms", "wait_arms", "arms_eval"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (work / "arms" / "done").read_text() == "ok\n"
    assert "holes/log.jsonl: {" in run.stdout, "wait_arms shows each arm's last log line"
    bounds = json.loads((work / "arms" / "bounds.json").read_text())
    assert set(bounds) == {"holes", "ar"}
    assert all(math.isfinite(b["nats_per_token"]) and b["tokens_seen"] > 0 for b in bounds.values())
    meta = json.loads((work / "arms" / "holes" / "model" / "meta.json").read_text())
    assert meta["name"] == "holes" and meta["training"]["infill_share"] == 0.9 and meta["context_cache"]["shared_past"]
    import onnx
    ops = {n.op_type for n in onnx.load(str(work / "arms" / "holes" / "model" / "model.onnx")).graph.node}
    assert {"DynamicQuantizeMatMul", "RotaryEmbedding", "FastGelu"} <= ops and "MultiHeadAttention" not in ops   # int8, fused, shared past
    assert not (work / "arms" / "ar" / "model").exists()     # an AR arm has no infill graph
    # a snapshot of an arm's latest checkpoint comes back as its int8 folder, in parts that join;
    # a second snapshot, of another checkpoint, carries that one's meta.json, not the first one's
    ckpt = work / "arms" / "holes" / "ckpt.pt"
    import torch
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    state["train_config"]["infill_share"] = 0.5
    (work / "arms" / "later").mkdir()
    torch.save(state, work / "arms" / "later" / "ckpt.pt")
    for arm, share in (("holes", 0.9), ("later", 0.5)):
        out = tmp_path / f"out-{arm}"     # made by the stage
        run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "snapshot"], capture_output=True, text=True,
                             env={**env, "OUT": str(out), "SNAPSHOT_OF": f"arms/{arm}"}, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        assert os.listdir(out) == ["snapshot.tar.00"]
        back = tmp_path / f"back-{arm}"
        back.mkdir()
        subprocess.run(["tar", "xf", str(out / "snapshot.tar.00"), "-C", str(back)], check=True)
        assert json.loads((back / "snapshot" / "meta.json").read_text())["training"]["infill_share"] == share
        assert (back / "snapshot" / "model.onnx").stat().st_size > 0
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "snapshot"], capture_output=True, text=True,
                         env={k: v for k, v in env.items() if k != "OUT"}, timeout=60)
    assert run.returncode != 0 and "OUT" in run.stderr
    # the arm's bound paired with a starting model's folder (here its own int8 graph: the same weights
    # but for int8's rounding), on the corpus' own source; without a graph there the stage says where
    paired = {**env, "OUT": str(tmp_path / "paired"), "ARMS": "holes=x", "VAL_SOURCE": "code", "PAIRED_WINDOWS": "4",
              "PAIRED_WITH": str(work / "arms" / "holes" / "model")}
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "paired"], env=paired, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert os.listdir(tmp_path / "paired") == ["paired-holes-code.json"], "no npm set unpacked: Python's (here code's) alone"
    result = json.loads((tmp_path / "paired" / "paired-holes-code.json").read_text())
    assert result["val_source"] == "code" and result["b"]["ckpt"] == str(work / "arms" / "holes" / "ckpt.pt")
    assert abs(result["a_minus_b"]["nats_per_token"]) < 0.05, result
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "paired"], capture_output=True, text=True, timeout=60,
                         env={**paired, "PAIRED_WITH": str(tmp_path / "nowhere")})
    assert run.returncode != 0 and f"no model.onnx in {tmp_path / 'nowhere'}" in run.stderr
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "paired"], capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in paired.items() if k != "PAIRED_WITH"})
    assert run.returncode != 0 and "started from no graph (no --init_from): name one with PAIRED_WITH" in run.stderr
    # an arm continued from a graph is paired with that graph's folder, found by its --init_from;
    # once another graph stands there (a later `receive`), the digest its checkpoint keeps says so
    start = tmp_path / "start"
    shutil.copytree(work / "arms" / "holes" / "model", start)
    cont = {**env, "ARMS": f"cont=--infill_share=0.9 --init_from={start / 'model.onnx'}", "WORK": str(work),
            "OUT": str(tmp_path / "paired"), "VAL_SOURCE": "code", "PAIRED_WINDOWS": "4"}
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "arms", "paired"], capture_output=True, text=True,
                         timeout=300, env=cont)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads((tmp_path / "paired" / "paired-cont-code.json").read_text())
    assert result["a"]["ckpt"] == str(work / "arms" / "cont" / "start.pt") and math.isfinite(result["a_minus_b"]["nats_per_token"])
    with open(start / "model.onnx", "ab") as graph:
        graph.write(b"another graph")
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "paired"], capture_output=True, text=True, timeout=120, env=cont)
    assert run.returncode != 0 and f"{start / 'model.onnx'} is not the graph" in run.stderr, run.stderr[-2000:]


def test_arms_without_arms_names_the_variable(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path)}
    env.pop("ARMS", None)
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "arms"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "ARMS" in run.stderr


def test_wait_arms_times_out_while_arms_train_and_reports_a_failed_run(tmp_path):
    (tmp_path / "arms").mkdir()
    (tmp_path / "arms" / "pid").write_text(f"{os.getpid()}\n")      # a live process stands for the arms run
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path), "WAIT_S": "2"}
    pipeline = os.path.join(TRAINING, "pipeline.sh")
    run = subprocess.run(["bash", pipeline, "wait_arms"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 3 and "still training after 2 s" in run.stdout
    (tmp_path / "arms" / "done").write_text("failed\n")
    run = subprocess.run(["bash", pipeline, "wait_arms", "arms_eval"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "arms failed" in run.stdout and "=== arms_eval" not in run.stdout


def test_wait_arms_cuts_a_wait_long_enough_to_lose_the_machine(tmp_path):
    (tmp_path / "arms").mkdir()
    (tmp_path / "arms" / "done").write_text("ok\n")
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path), "WAIT_S": "540"}
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "wait_arms"], env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "WAIT_S=540 cut to 470" in run.stdout


def test_wait_arms_on_a_machine_where_no_arms_ran_says_so_at_once(tmp_path):
    # a fresh machine (the last went back 30 s after a call): nothing will ever write `done`
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path), "WAIT_S": "500"}
    started = time.monotonic()
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "wait_arms", "arms_eval"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 4 and "no arms run on this machine" in run.stdout and "=== arms_eval" not in run.stdout
    assert time.monotonic() - started < 30


def test_wait_arms_stops_waiting_when_the_arms_process_is_gone_without_a_word(tmp_path):
    (tmp_path / "arms").mkdir()
    gone = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True).stdout.strip()
    (tmp_path / "arms" / "pid").write_text(gone + "\n")
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path), "WAIT_S": "60"}
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "wait_arms"], env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode == 1 and "arms failed" in run.stdout
    assert (tmp_path / "arms" / "done").read_text() == "failed\n"


def test_receive_puts_each_carried_file_where_the_later_stages_look(tmp_path):
    carried = tmp_path / "xfer1"
    carried.mkdir()
    for name, body in (("pypi-101.tar.xz", b"part"), ("datasketch-2.0.0-py3-none-any.whl", b"wheel"), ("init.onnx", b"graph")):
        (carried / name).write_bytes(body)
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path / "work"), "PARTS": str(tmp_path / "parts"),
           "WHEELS": str(tmp_path / "whl"), "RECEIVE": str(carried)}
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "receive"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "parts" / "pypi-101.tar.xz").read_bytes() == b"part"
    assert (tmp_path / "whl" / "datasketch-2.0.0-py3-none-any.whl").read_bytes() == b"wheel"
    assert (tmp_path / "work" / "init" / "model.onnx").read_bytes() == b"graph"
    assert sorted(os.listdir(tmp_path / "parts")) == ["pypi-101.tar.xz"]


def test_receive_reads_a_relative_folder_from_the_repository_root(tmp_path):
    # as the device tool carries it: `.xfer...` at the root, named relative to it (git-ignored: /.xfer*/)
    carried = os.path.join(TRAINING, "..", f".xfer-test-{os.getpid()}")
    os.makedirs(carried)
    try:
        with open(os.path.join(carried, "pypi-103.tar.xz"), "wb") as f:
            f.write(b"part")
        env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path / "work"), "PARTS": str(tmp_path / "parts"),
               "WHEELS": str(tmp_path / "whl"), "RECEIVE": os.path.basename(carried)}
        run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "receive"], env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        assert (tmp_path / "parts" / "pypi-103.tar.xz").read_bytes() == b"part"
    finally:
        shutil.rmtree(carried)


def test_receive_of_an_empty_missing_or_nested_folder_names_it(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "nested" / "inner").mkdir(parents=True)
    for folder, says in (("empty", "is missing or holds no file"), ("missing", "is missing or holds no file"),
                         ("nested", "is not a file")):
        env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path / "work"), "PARTS": str(tmp_path / "parts"),
               "WHEELS": str(tmp_path / "whl"), "RECEIVE": str(tmp_path / folder)}
        run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "receive"], env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and says in run.stdout, (folder, run.stdout)


def bring_back(tmp_path, arms):
    """`pipeline.sh bring_back` of ARMS=`arms` (None: unset) from tmp_path/work into a fresh
    tmp_path/out; the run and that folder."""
    out = tmp_path / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    env = {**os.environ, "PYTHON": sys.executable, "WORK": str(tmp_path / "work"), "OUT": str(out)}
    env.pop("ARMS", None)
    if arms is not None:
        env["ARMS"] = arms
    run = subprocess.run(["bash", os.path.join(TRAINING, "pipeline.sh"), "bring_back"], env=env, capture_output=True, text=True, timeout=60)
    return run, out


def test_bring_back_cuts_each_arm_into_parts_that_join_to_its_folder(tmp_path):
    arm = tmp_path / "work" / "arms" / "reveal"
    (arm / "model").mkdir(parents=True)
    weights = os.urandom(40 << 20)            # 40 MiB: three parts of at most 15 MiB
    (arm / "model" / "model.onnx").write_bytes(weights)
    (arm / "log.jsonl").write_text('{"step": 1}\n')
    (arm / "bound.json").write_text("{}\n")
    run, out = bring_back(tmp_path, "reveal=--lr=3e-4")
    assert run.returncode == 0, run.stdout + run.stderr
    parts = sorted(os.listdir(out))
    assert parts == ["reveal.tar.00", "reveal.tar.01", "reveal.tar.02"]
    assert all((out / p).stat().st_size <= 15 << 20 for p in parts)
    joined = tmp_path / "joined.tar"
    joined.write_bytes(b"".join((out / p).read_bytes() for p in parts))
    back = tmp_path / "back"
    back.mkdir()
    subprocess.run(["tar", "xf", str(joined), "-C", str(back)], check=True)
    assert (back / "model" / "model.onnx").read_bytes() == weights and (back / "log.jsonl").exists()


def test_bring_back_says_when_two_arms_are_more_than_a_call_brings_back(tmp_path):
    for name in ("a", "a_ema"):
        (tmp_path / "work" / "arms" / name / "model").mkdir(parents=True)
        (tmp_path / "work" / "arms" / name / "model" / "model.onnx").write_bytes(os.urandom(40 << 20))
    for arms, warned in (("a=x;a_ema=x", True), ("a_ema=x", False)):
        run, _ = bring_back(tmp_path, arms)
        assert run.returncode == 0, run.stdout + run.stderr
        assert ("over the 64 MiB a call brings back" in run.stdout) == warned, (arms, run.stdout)


def test_bring_back_without_arms_names_the_variable_and_writes_nothing(tmp_path):
    run, out = bring_back(tmp_path, None)
    assert run.returncode != 0 and "ARMS" in run.stderr
    assert os.listdir(out) == []


def test_bring_back_of_a_failed_arm_brings_its_log(tmp_path):
    (tmp_path / "work" / "arms" / "failed").mkdir(parents=True)
    (tmp_path / "work" / "arms" / "failed" / "log.jsonl").write_text('{"step": 1}\n')
    run, out = bring_back(tmp_path, "failed=x;gone=x")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "arms/gone holds nothing to bring" in run.stdout
    assert os.listdir(out) == ["failed.tar.00"]
    listed = subprocess.run(["tar", "tf", str(out / "failed.tar.00")], capture_output=True, text=True, check=True).stdout.split()
    assert listed == ["log.jsonl"]
    assert "no int8 folder" not in run.stdout


def test_bring_back_before_arms_eval_says_the_int8_folder_is_not_written_yet(tmp_path):
    arm = tmp_path / "work" / "arms" / "trained"
    arm.mkdir(parents=True)
    (arm / "ckpt.pt").write_bytes(b"weights")
    (arm / "log.jsonl").write_text('{"done": true}\n')
    run, out = bring_back(tmp_path, "trained=x")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "trained has a checkpoint but no int8 folder: arms_eval exports it" in run.stdout
    assert os.listdir(out) == ["trained.tar.00"]
