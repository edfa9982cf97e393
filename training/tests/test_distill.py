"""Distillation (distill.py): MDLM's loss with a frozen teacher's predictions among the targets."""
import copy
from dataclasses import replace

import pytest
import torch

from diffuse.distill import Distillation, teacher_network
from diffuse.families import Family
from diffuse.grow import block_count
from diffuse.model import Denoiser, ModelConfig
from diffuse.tokenizer import MASK_ID
from diffuse.train import TrainConfig, _LossModule, make_optimizer, train
from helpers import DOCS, weights_file

SHAPE = dict(vocab_size=64, n_head=2, n_embd=32, max_length=32)


def objective():
    return Family.from_config({"objective": "mdlm"}).objective_module(SHAPE["vocab_size"], MASK_ID)


def network(n_layer=2, seed=0):
    torch.manual_seed(seed)
    model = Denoiser(ModelConfig(n_layer=n_layer, **SHAPE))
    with torch.no_grad():                  # no two LayerNorms alike (the exporter shares equal constants)
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model


def batch():
    """An editor-hole row (slots 10..19) and a plain row, and one corruption of both."""
    x0 = torch.randint(3, SHAPE["vocab_size"], (2, 32), generator=torch.Generator().manual_seed(5))
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[0, 10:20] = True
    region[1] = True
    return x0, region, objective().draw(x0, region, torch.Generator().manual_seed(6))


def gradients(loss, model):
    loss.backward()
    return [p.grad.clone() for p in model.parameters() if p.grad is not None]


def test_with_no_weight_on_the_teacher_it_is_mdlm_s_loss_and_gradients():
    x0, region, drawn = batch()
    student, teacher = network(), network(4, seed=1)
    mdlm_loss = objective()(student, x0, region, drawn=drawn)
    mdlm_grads = gradients(mdlm_loss, student)
    student.zero_grad()
    distilled = Distillation(teacher, 0.0).loss(objective(), student, x0, region, drawn=drawn)
    torch.testing.assert_close(distilled, mdlm_loss)
    for a, b in zip(gradients(distilled, student), mdlm_grads):
        torch.testing.assert_close(a, b)


def test_a_student_that_predicts_what_its_teacher_does_gets_no_gradient_from_the_teacher_s_term():
    x0, region, drawn = batch()
    student = network()
    loss = Distillation(copy.deepcopy(student), 1.0).loss(objective(), student, x0, region, drawn=drawn)
    for g in gradients(loss, student):
        torch.testing.assert_close(g, torch.zeros_like(g), rtol=0, atol=1e-6)
    other = network(seed=2)             # a different student is pulled towards the teacher
    loss = Distillation(student, 1.0).loss(objective(), other, x0, region, drawn=drawn)
    assert max(float(g.abs().max()) for g in gradients(loss, other)) > 1e-4


def test_the_teacher_s_term_is_its_cross_entropy_at_the_masked_positions_under_mdlm_s_weight():
    """By hand, position by position: Σ_v p_T(v) · -log p_S(v) / t over the masked positions, over
    the region's size; never below the same sum of the teacher's entropy (the KL is ≥ 0). At the
    default share, λ = 0.5, each position's targets are half its token, half the teacher's."""
    x0, region, drawn = batch()
    t, masked, _ = drawn
    student, teacher = network(), network(4, seed=1)
    xt = torch.where(masked, torch.full_like(x0, MASK_ID), x0)
    total = entropy = nll = 0.0
    obj = objective()
    with torch.no_grad():
        for name, out in (("student", student(xt)), ("teacher", teacher(xt))):
            out[..., MASK_ID] = -1e6
            if name == "student":
                log_s = out.log_softmax(-1)
            else:
                p_t = out.softmax(-1)
        for b, l in masked.nonzero().tolist():
            w = float(obj.loss_weight(t[b:b + 1]))
            total += w * float(-(p_t[b, l] * log_s[b, l]).sum())
            entropy += w * float(-(p_t[b, l] * p_t[b, l].clamp_min(1e-30).log()).sum())
            nll += w * float(-log_s[b, l, x0[b, l]])
    got = float(Distillation(teacher, 1.0).loss(obj, student, x0, region, drawn=drawn))
    n = int(region.sum())
    assert got == pytest.approx(total / n, rel=1e-4)
    assert got > entropy / n
    half = float(Distillation(teacher, 0.5).loss(obj, student, x0, region, drawn=drawn))
    assert half == pytest.approx((0.5 * nll + 0.5 * total) / n, rel=1e-4)


def test_the_teacher_is_neither_trained_nor_kept_in_the_checkpoint():
    student, teacher = network(), network(4, seed=1)
    plain = _LossModule(network(), "mdlm", MASK_ID, Family.from_config({"objective": "mdlm"}))
    taught = _LossModule(student, "mdlm", MASK_ID, Family.from_config({"objective": "mdlm"}),
                         distillation=Distillation(teacher, 0.5))
    assert len(list(taught.parameters())) == len(list(plain.parameters()))
    assert taught.state_dict().keys() == plain.state_dict().keys()
    opt = make_optimizer(taught, TrainConfig())
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(student.parameters()))
    before = copy.deepcopy(teacher.state_dict())
    x0, region, drawn = batch()
    taught(x0, region, None, drawn).backward()
    opt.step()
    for name, value in teacher.state_dict().items():
        assert torch.equal(value, before[name]), name


@pytest.mark.parametrize("kind", ["ckpt.pt", "model.onnx"])
def test_a_teacher_is_read_at_its_own_depth_from_a_checkpoint_or_a_graph(tmp_path, kind):
    source = network(4, seed=3)
    path = weights_file(source, tmp_path, kind)
    teacher = teacher_network(path, ModelConfig(n_layer=2, **SHAPE), "cpu")
    assert teacher.cfg.n_layer == 4 and not any(p.requires_grad for p in teacher.parameters())
    ids = torch.randint(3, 64, (1, 16))
    torch.testing.assert_close(teacher(ids), source.eval()(ids), rtol=1e-4, atol=1e-4)


def test_a_teacher_of_another_vocabulary_is_refused_naming_the_flag_and_file(tmp_path):
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model": network(2).state_dict()}, path)
    with pytest.raises(ValueError, match=f"--distill_from={path}: not a teacher.*vocabulary 80"):
        teacher_network(path, ModelConfig(n_layer=2, **{**SHAPE, "vocab_size": 80}), "cpu")


@pytest.mark.parametrize("flags, words", [
    ({"distill_weight": 0.0}, "must be in"),
    ({"distill_weight": 1.5}, "must be in"),
    ({"objective": "md4"}, "objective mdlm"),
    ({"hole_reveal": "confident"}, "hole_reveal random"),
    ({"expand_share": 0.5}, "no expand_share"),
])
def test_runs_that_cannot_distil_are_refused_before_anything_loads(tmp_path, flags, words):
    cfg = TrainConfig(out_dir=str(tmp_path), device="cpu", compile=False, distill_from="missing.onnx",
                      **{"distill_weight": 0.5, **flags})
    with pytest.raises(ValueError, match=words):
        train(cfg, docs=["x = 1\n"] * 4, log=lambda line: None)


def test_the_loss_refuses_an_objective_that_is_not_mdlm_s_random_masking():
    """MDLM's loss would otherwise mask the holes its own way (hole_reveal), or another family's."""
    x0, region, drawn = batch()
    distillation = Distillation(network(4, seed=1), 0.5)
    confident = Family.from_config({"objective": "mdlm"}).objective_module(SHAPE["vocab_size"], MASK_ID,
                                                                           hole_reveal="confident")
    with pytest.raises(ValueError, match="random masking, not hole_reveal 'confident'"):
        distillation.loss(confident, network(), x0, region, drawn=drawn)
    md4 = Family.from_config({"objective": "md4"}).objective_module(SHAPE["vocab_size"], MASK_ID)
    with pytest.raises(TypeError, match="teaches MDLM, not MD4"):
        distillation.loss(md4, network(), x0, region, drawn=drawn)


def test_a_teacher_s_weight_without_a_teacher_is_refused(tmp_path):
    cfg = TrainConfig(out_dir=str(tmp_path), device="cpu", compile=False, distill_weight=0.5)
    with pytest.raises(ValueError, match="--distill_weight weighs the teacher of --distill_from: set it too"):
        train(cfg, docs=["x = 1\n"] * 4, log=lambda line: None)


def test_a_six_block_cut_trains_with_its_twelve_block_teacher_and_resumes_with_it(tmp_path, monkeypatch):
    """The run distillation is for: a shallower student cut from its teacher (--init_layers) and
    taught by it: a few steps on the CPU, the student two blocks deep, every step's loss the
    distilled one and finite; resumed from its checkpoint, it goes on being taught."""
    taught = []                          # the teacher's share, once per step that distilled
    distilled = Distillation.loss
    monkeypatch.setattr(Distillation, "loss", lambda self, *args, **kw: taught.append(self.weight) or
                        distilled(self, *args, **kw))
    T = pytest.importorskip("diffuse.tokenizer")
    pytest.importorskip("tokenizers")
    tokenizer = str(tmp_path / "tok.json")
    T.train_tokenizer(DOCS * 3, vocab_size=300).save(tokenizer)
    vocab = T.load(tokenizer).get_vocab_size()
    teacher = Denoiser(ModelConfig(vocab_size=vocab, n_layer=4, n_head=2, n_embd=16, max_length=32))
    path = str(tmp_path / "teacher.pt")
    torch.save({"model": teacher.state_dict()}, path)
    lines = []
    cfg = TrainConfig(tokenizer=tokenizer, out_dir=str(tmp_path / "run"), n_layer=2, n_head=2, n_embd=16,
                      max_length=32, batch_size=4, max_steps=3, warmup_steps=1, compile=False, device="cpu",
                      infill_share=0.5, init_from=path, init_layers="0,3", distill_from=path, distill_weight=0.5,
                      log_every=1)
    ck = train(cfg, docs=DOCS * 3, log=lines.append)
    assert ck["step"] == 3 and block_count(ck["model"]) == 2 and taught == [0.5] * 3
    ck = train(replace(cfg, max_steps=5), docs=DOCS * 3, log=lines.append)
    assert ck["step"] == 5 and any('"resumed"' in line for line in lines) and taught == [0.5] * 5
    losses = [float(line.split('"loss": ')[1].split(",")[0]) for line in lines if '"loss"' in line]
    assert len(losses) == 5 and all(torch.isfinite(torch.tensor(losses)))


def test_a_checkpoint_of_another_shape_than_the_student_s_but_depth_is_refused_naming_the_field(tmp_path):
    """Other heads load the same tensors into another attention: refused where the checkpoint says
    its shape; its depth and max_length may differ."""
    path = str(tmp_path / "ckpt.pt")
    source = network(4)
    torch.save({"model": source.state_dict(), "model_config": {**vars(source.cfg), "n_head": 4}}, path)
    with pytest.raises(ValueError, match="model_config's n_head 4 \\(the student's 2\\)"):
        teacher_network(path, ModelConfig(n_layer=2, **SHAPE), "cpu")
    torch.save({"model": source.state_dict(), "model_config": {**vars(source.cfg), "max_length": 64}}, path)
    assert teacher_network(path, ModelConfig(n_layer=2, **SHAPE), "cpu").cfg.n_layer == 4
