import json
import math
import os

import pytest
import torch

from diffuse import graphs, md4
from diffuse.cedd import log_scores_from_x0
from diffuse.export import make_meta
from diffuse.families import Family
from diffuse.make_fixture import FAMILY_FIXTURES
from diffuse.model import Denoiser, ModelConfig, log_expm1
from diffuse.tokenizer import MASK_ID

SPECS = {**FAMILY_FIXTURES, "md4-poly2": {"objective": "md4", "schedule": "poly", "exponent": 2},
         "md4-cosine": {"objective": "md4", "schedule": "md4_cosine"}}
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "families")


def rate_matrix(p, n):
    """Dense roulette(p) generator over [N real tokens, M]: column = from, row = to."""
    Q = torch.zeros(n + 1, n + 1, dtype=torch.float64)
    Q[:n, :n] = (1 - p) / n
    Q[n, :n] = p
    Q[range(n), range(n)] -= 1
    return Q


@pytest.mark.parametrize("p", [1.0, 0.0, 0.95, 0.3])
def test_closed_form_transition_matches_matrix_exponential(p):
    n = 5
    for s in (1e-4, 0.1, 1.0, 7.0):
        P = torch.linalg.matrix_exp(s * rate_matrix(p, n))[:, 2]              # from real token 2
        m, b, c = graphs.transition(p, torch.tensor(s, dtype=torch.float64), n)
        expect = torch.full((n + 1,), float(b), dtype=torch.float64)
        expect[2], expect[n] = c, m
        assert torch.allclose(P, expect, rtol=1e-9, atol=1e-12), (p, s)


def test_roulette_near_one_is_absorb_and_near_zero_is_uniform():
    s = torch.linspace(1e-3, 8, 50, dtype=torch.float64)
    for a, b_ in zip(graphs.transition(1 - 1e-9, s, 100), graphs.transition(1.0, s, 100)):
        assert torch.allclose(a, b_, atol=1e-7)
    for a, b_ in zip(graphs.transition(1e-9, s, 100), graphs.transition(0.0, s, 100)):
        assert torch.allclose(a, b_, atol=1e-7)


def test_corrupt_frequencies_region_and_no_mask_on_uniform():
    g = torch.Generator().manual_seed(0)
    n, V = 9, 10
    x0 = torch.full((400, 500), 4)
    region = torch.ones_like(x0, dtype=torch.bool)
    region[:, :50] = False
    for p in (1.0, 0.0, 0.6):
        m, b, c = graphs.transition(p, torch.tensor(0.8), n)
        xt = graphs.corrupt(x0, region, m, b, n, MASK_ID, g)
        assert torch.equal(xt[:, :50], x0[:, :50]), "context is never corrupted"
        cnt = torch.bincount(xt[:, 50:].reshape(-1), minlength=V).double() / xt[:, 50:].numel()
        assert abs(cnt[MASK_ID] - m) < 5e-3 and abs(cnt[4] - c) < 5e-3
        assert all(abs(cnt[y] - b) < 5e-3 for y in range(V) if y not in (MASK_ID, 4))
        if p == 0.0:
            assert not (xt == MASK_ID).any()


def test_schedules_derivatives_and_ranges():
    t = torch.linspace(0.05, 0.95, 19, dtype=torch.float64)
    for st in (graphs.Schedule("loglinear"), graphs.Schedule("geometric"), graphs.Schedule("linear"),
               graphs.Schedule("md4_cosine"), graphs.Schedule("poly", exponent=3.0)):
        h = 1e-6
        fd = (st.sigma(t + h) - st.sigma(t - h)) / (2 * h)
        assert torch.allclose(st.dsigma(t), fd, rtol=1e-5), st.type
        if st.type != "geometric":
            ends = st.corrupt_chance(torch.tensor([0.0, 1.0], dtype=torch.float64))
            assert ends[0] <= st.eps + 1e-12 and ends[1] >= 1 - st.eps - 1e-12
    ll = graphs.Schedule("loglinear")
    assert torch.allclose(ll.corrupt_chance(t), (1 - ll.eps) * t)
    assert torch.allclose(ll.dsigma(t) / torch.expm1(ll.sigma(t)), 1 / t)        # MDLM's weight


def test_log_expm1_is_exact_for_small_and_large_sigma():
    s = torch.tensor([1e-7, 1e-4, 1e-3, 0.3, 0.5, 2.0, 20.0])
    ref = torch.log(torch.expm1(s.double()))
    assert torch.allclose(log_expm1(s).double(), ref, rtol=1e-5, atol=1e-6)


def tiny(spec, vocab=40, zero=False):
    from diffuse.train import TrainConfig, model_config
    fam = Family.from_config(spec)
    torch.manual_seed(0)
    layout = model_config(TrainConfig(**spec), vocab)        # RDLM's sphere input and digit head
    m = Denoiser(ModelConfig(vocab_size=vocab, n_layer=2, n_head=2, n_embd=32, max_length=32,
                             cond_kind=fam.cond_kind, sigma_shift=fam.sigma_shift, cond_dim=32,
                             sphere_base=layout.sphere_base, sphere_digits=layout.sphere_digits,
                             tie_embeddings=layout.tie_embeddings))
    if zero:
        for p in m.parameters():
            torch.nn.init.zeros_(p)
    return fam, m


def test_conditioned_network_starts_as_the_cond_free_one():
    _, free = tiny({"objective": "mdlm"})
    _, cond = tiny({"objective": "cedd", "graph": "uniform"})
    assert not any(k.startswith("cond") or "ada" in k for k in free.state_dict())
    cond.load_state_dict(free.state_dict(), strict=False)
    ids = torch.randint(0, 40, (2, 9))
    assert torch.allclose(cond(ids, cond=torch.tensor([0.1, 3.0])), free(ids), atol=1e-6)


def test_sedd_absorb_head_is_shifted_by_sigma():
    fam, m = tiny({"objective": "sedd", "graph": "absorb"})
    ids = torch.randint(0, 40, (2, 9))
    sig = torch.tensor([1e-3, 2.0])
    raw = torch.nn.functional.linear(m.hidden(ids, cond=sig).float(), m.wte.weight)
    shift = torch.log(torch.expm1(sig)) + math.log(40 - 2)
    assert torch.allclose(m(ids, cond=sig), raw - shift[:, None, None], atol=1e-4)


def overfit(spec, steps=40):
    """Train a tiny model on one learnable batch; -> (loss before, loss after, objective), each
    loss the mean of 8 draws with one fixed seed (the same t and x_t before and after)."""
    fam, model = tiny(spec, vocab=64)
    obj = fam.objective_module(64, MASK_ID)
    opt = torch.optim.AdamW(list(model.parameters()) + list(obj.parameters()), lr=3e-3)
    g = torch.Generator().manual_seed(3)
    start = torch.randint(0, 61, (16, 1), generator=g)
    x0 = (start + torch.arange(16)) % 61 + 3
    region = torch.ones_like(x0, dtype=torch.bool)
    region[:4, :6] = False                     # some context, as infill rows have

    def fixed():
        with torch.no_grad():
            fg = torch.Generator().manual_seed(9)
            return sum(float(obj(model, x0, region, generator=fg)) for _ in range(8)) / 8
    before = fixed()
    for _ in range(steps):
        loss = obj(model, x0, region, generator=g)
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return before, fixed(), obj


@pytest.mark.parametrize("name", ["md4-linear", "md4-poly2", "genmd4", "sedd-absorb", "sedd-uniform",
                                  "cedd-absorb", "cedd-uniform", "cedd-roulette"])
def test_family_loss_finite_and_falling(name):
    before, after, _ = overfit(SPECS[name])
    # uniform score entropy keeps a large floor (at high sigma the conditional ratios say little)
    factor = 0.97 if name == "sedd-uniform" else 0.8
    assert math.isfinite(after) and after < factor * before, (name, before, after)


def test_genmd4_at_w_one_is_md4_linear_integrand_and_w_learns():
    g = torch.Generator().manual_seed(5)
    logits = torch.randn(30, 20, generator=g)
    x0 = torch.randint(0, 20, (30,), generator=g)
    t = torch.rand(30, generator=g) + 0.01
    got = md4.genmd4_position_loss(logits, x0, torch.ones(20), t)
    nll = torch.nn.functional.cross_entropy(logits, x0, reduction="none")
    assert torch.allclose(got, nll / t, rtol=1e-5)
    assert (md4.genmd4_position_loss(logits, x0, torch.rand(20) * 3, t) >= -1e-6).all()
    _, _, obj = overfit(SPECS["genmd4"], steps=5)
    w = md4.token_exponents(obj.state_dict())
    assert not torch.allclose(w, torch.ones_like(w)), "the exponents get a gradient"


def test_cedd_scores_recover_absorb_ratio():
    logits = torch.randn(4, 12)
    xt = torch.full((4,), MASK_ID)
    s = torch.tensor([1e-3, 0.1, 1.0, 5.0])
    m, b, c = graphs.transition(1.0, s, 11)
    ls = log_scores_from_x0(logits, xt, m, b, c, MASK_ID)
    p = torch.softmax(logits.double().index_fill(1, torch.tensor([MASK_ID]), -1e6), -1)
    ref = torch.log(p / torch.expm1(s.double())[:, None])
    keep = torch.arange(12) != MASK_ID
    assert torch.allclose(ls[:, keep], ref[:, keep], rtol=1e-5)


def entropy(probs):
    return -sum(float(torch.xlogy(q, q)) * k for q, k in probs)


@pytest.mark.parametrize("name", ["md4-linear", "genmd4", "sedd-absorb", "sedd-uniform",
                                  "cedd-absorb", "cedd-uniform", "cedd-roulette"])
def test_bounds_finite_and_j1_minus_j2_is_the_forward_entropy(name):
    fam, model = tiny(SPECS[name], vocab=33)
    obj = fam.objective_module(33, MASK_ID)
    x0 = torch.randint(3, 33, (64, 16), generator=torch.Generator().manual_seed(4))
    model.eval()
    est = graphs.per_token_bound(lambda x, g: obj.bounds(model, x, g), x0, samples=6)
    for (v, se), key in zip(est, obj.BOUNDS):
        assert math.isfinite(v) and v > 0 and se < 0.2 * v, (name, key, v, se)
    if fam.objective in ("sedd", "cedd"):
        j = dict(zip(obj.BOUNDS, est))
        # E[J1 - J2] = (H(q_1) - H(q_eps)) / (1 - eps) (+ KL(q_1 || U) - log N, uniform), model-free
        n, p = 32, graphs.graph_p(fam.graph, fam.p_m)
        def h(t):
            m, b, c = graphs.transition(p, fam.schedule.sigma(torch.tensor(t, dtype=torch.float64)), n)
            return entropy([(m, 1), (b, n - 1), (c, 1)]), (m, b, c)
        h1, (_, b1, c1) = h(1.0)
        expect = (h1 - h(graphs.T_MIN)[0]) / (1 - graphs.T_MIN)
        if fam.graph == "uniform":
            expect += float(c1 * torch.log(c1 * n) + (n - 1) * b1 * torch.log(b1 * n)) - math.log(n)
        got = j["j1"][0] - j["j2"][0]
        assert abs(got - expect) < 4 * (j["j1"][1] + j["j2"][1]) + 0.02, (name, got, expect)


def objective_state(fam, vocab):
    """The exporter's objective state: GenMD4's token exponents, None for the others."""
    return fam.objective_module(vocab, MASK_ID).state_dict() if fam.objective == "genmd4" else None


@pytest.mark.parametrize("name", sorted(FAMILY_FIXTURES))
def test_meta_fields_per_contract(name, tmp_path):
    from test_export import fake_tokenizer_json
    fam, model = tiny(FAMILY_FIXTURES[name])
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    state = objective_state(fam, 40)
    meta = make_meta(name, model.cfg, tj, 1, {}, {}, fam.meta(state))
    assert meta["format_version"] == 1 and meta["graph"] == fam.graph
    assert meta["cond_kind"] == fam.cond_kind != "none" and meta["inputs"]["cond"] == "cond"
    assert ("p_m" in meta) == (fam.graph == "roulette")
    sphere = fam.graph == "sphere"
    assert ("sphere" in meta) == sphere == ("input_vec" in meta["inputs"]) != ("input_ids" in meta["inputs"])
    if fam.graph == "sphere":
        assert meta["sphere"] == {"base": 2, "digits": 6, "mask_coordinate": True}        # 40 ids
    assert meta["output_kind"] == ("log_score" if fam.objective == "sedd" else "x0_logits")
    sched = meta["schedule"]
    if fam.objective == "genmd4":
        assert meta["family"] == "md4" and sched["type"] == "genmd4"
        assert len(sched["token_exponents"]) == 40 and abs(sched["token_exponents"][5] - 1) < 1e-6
    assert json.loads(json.dumps(meta)) == meta
    with pytest.raises(ValueError):
        make_meta(name, model.cfg, tj, 1, {}, {}, Family().meta())   # cond_kind must match the graph


def test_invalid_combinations_are_refused():
    for bad in ({"objective": "md4", "schedule": "geometric"}, {"objective": "sedd", "graph": "roulette"},
                {"objective": "cedd", "graph": "roulette", "p_m": 1.0}, {"objective": "mdlm", "graph": "uniform"}):
        with pytest.raises(ValueError):
            Family.from_config(bad)


@pytest.mark.parametrize("name", sorted(FAMILY_FIXTURES))
def test_checked_in_fixtures_follow_the_contract(name):
    onnx = pytest.importorskip("onnx")
    d = os.path.join(FIXTURES, name)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    fam = Family.from_config(FAMILY_FIXTURES[name])
    want = fam.meta({"w_param": torch.zeros(meta["vocab_size"])} if fam.objective == "genmd4" else None)
    for k, v in want.items():
        if k == "schedule" and fam.objective == "genmd4":
            assert len(meta[k]["token_exponents"]) == meta["vocab_size"]
            assert min(meta[k]["token_exponents"]) > 0
        elif v is not None:
            assert meta[k] == v, (name, k)
    inputs = [i.name for i in onnx.load(os.path.join(d, "model.onnx")).graph.input]
    assert inputs == ["input_vec" if fam.graph == "sphere" else "input_ids", "positions", "cond"]
    assert sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) < 1 << 20


@pytest.mark.parametrize("name", sorted(FAMILY_FIXTURES))
def test_export_round_trip_and_parity(name, tmp_path):
    pytest.importorskip("onnxruntime")
    from diffuse.export import write_model_folder
    from test_export import fake_tokenizer_json
    fam, model = tiny(FAMILY_FIXTURES[name])
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "ada" in n or n.startswith("cond_embed"):
                p.normal_(0, 0.1)                      # so that cond matters
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    out = str(tmp_path / name)
    meta = write_model_folder(model, tj, out, name, family_meta=fam.meta(objective_state(fam, 40)))
    assert meta["results"]["onnx_parity_max_abs_diff"] < 1e-3
    with open(os.path.join(out, "meta.json")) as f:
        assert json.load(f) == meta


@pytest.mark.parametrize("spec", [{"objective": "genmd4"}, {"objective": "cedd", "graph": "roulette", "p_m": 0.9},
                                  {"objective": "sedd", "graph": "absorb"}, {"objective": "rdlm"}])
def test_train_bound_export_end_to_end(spec, tmp_path):
    tokenizers = pytest.importorskip("tokenizers")   # noqa: F841
    from diffuse import tokenizer as T
    from diffuse.corpus import CorpusConfig, build
    from diffuse.evaluate import family_bound
    from diffuse.train import TrainConfig, train
    from helpers import DOCS
    src = tmp_path / "src"
    for i, d in enumerate(DOCS * 3):
        (src / f"d{i}").mkdir(parents=True)
        (src / f"d{i}" / "f.py").write_text(d + f"# {i}\n")
    build(CorpusConfig(out=str(tmp_path / "corpus"), sources=[f"demo:{src}"], val_permille=500))
    tp = str(tmp_path / "tok.json")
    T.train_tokenizer(DOCS * 20, vocab_size=300).save(tp)
    cfg = TrainConfig(corpus=str(tmp_path / "corpus"), tokenizer=tp, out_dir=str(tmp_path / "run"), n_layer=1,
                      n_head=2, n_embd=16, max_length=32, batch_size=4, max_tokens=3 * 4 * 32, warmup_steps=2,
                      compile=False, device="cpu", log_every=1, short_share=0.0, **spec)
    lines = []
    ck = train(cfg, log=lines.append)
    assert ck["step"] == 3 and ("objective" in ck) == (spec["objective"] == "genmd4")
    assert any('"tok_per_s"' in line for line in lines)
    ckpt = os.path.join(cfg.out_dir, "ckpt.pt")
    res = family_bound(cfg.corpus, tp, ckpt, windows=8, samples=2, batch_size=4, device="cpu")
    assert math.isfinite(res["bound_nats_per_token"]) and res["bound_ppl"] > 1
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return
    from diffuse.export import main as export_main
    out = str(tmp_path / "model")
    export_main([f"--ckpt={ckpt}", f"--tokenizer={tp}", f"--out={out}", "--name=x"])
    with open(os.path.join(out, "meta.json")) as f:
        meta = json.load(f)
    assert meta["family"] == Family.from_config(spec).meta_family and meta["inputs"]["cond"] == "cond"


def test_contract_table_is_the_checked_in_one():
    # The TypeScript loader's test reads this file: regenerate it with
    # `cd training && python3 -m diffuse.make_fixture --only=contract` when the table changes.
    from diffuse.families import trained_combinations
    with open(os.path.join(FIXTURES, "contract.json")) as f:
        assert json.load(f) == trained_combinations()
