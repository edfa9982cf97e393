"""Export a trained denoiser to the model contract (docs/model-contract.md):

    models/<name>/model.onnx  meta.json  tokenizer.json  MODEL_CARD.md

Weights are stored as fp16 initializers each followed by a Cast to fp32 (onnxruntime folds the casts
at load, so compute stays fp32 and the file is half the size). The PyTorch reference used for the
parity check has its weights rounded to fp16 the same way, so the check compares like with like.
The folder is written only if onnxruntime reproduces PyTorch's logits on random inputs.

    python3 -m diffuse.export --ckpt=out/mdlm/ckpt.pt --tokenizer=out/tokenizer.json \
        --out=../models/diffuse-small --name=diffuse-small [--results=results.json] [--card=card.md]

Any family's checkpoint exports the same way: its train_config names the family (families.py), which
sets meta's family/graph/output_kind/cond_kind/schedule/p_m, and a conditioned denoiser gets the
contract's third input, cond float32[B]. An RDLM network (sphere graph) reads input_vec float32
[B, L, D*(k+1)], the continuous state, in place of input_ids, and meta.json gets its `sphere` layout.
"""
import copy
from dataclasses import dataclass
import inspect
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

from . import onnx_ops
from .families import Family
from .model import Denoiser, ModelConfig, config_dict
from .options import parse_options
from .tokenizer import EOS_ID, MASK_ID, PAD_ID, sha256_file

OPSET = 17


class ParityError(RuntimeError):
    pass


def round_weights_fp16(model):
    """A copy of the model whose float weights are exactly representable in fp16."""
    m = copy.deepcopy(model).float().eval()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.half().float())
    return m


def state_input(cfg):
    """The network's first input: (name, example [2, 16, ...] tensor)."""
    if cfg.sphere_base:
        x = torch.rand(2, 16, cfg.sphere_digits, cfg.sphere_base + 1)
        return "input_vec", (x / x.norm(dim=-1, keepdim=True)).flatten(2)
    return "input_ids", torch.randint(3, cfg.vocab_size, (2, 16), dtype=torch.long)


CACHE_INPUTS = ["row_positions", "past_key", "past_value"]
CACHE_OUTPUTS = ["present_key", "present_value"]


def context_cache_meta(cfg, shared_past=False):
    """meta.json's `context_cache` (docs/model-contract.md) of a cache graph exported from cfg; a
    shared past also names the rotary base its kept keys are rotated by, so the engine can move a
    kept context to the next fill's canvas."""
    meta = {"row_positions": "row_positions", "past_key": "past_key", "past_value": "past_value",
            "present_key": "present_key", "present_value": "present_value",
            "layers": cfg.n_layer, "heads": cfg.n_head, "head_dim": cfg.n_embd // cfg.n_head}
    return dict(meta, shared_past=True, rotary_base=cfg.rope_base) if shared_past else meta


def cache_example(cfg, rows, context, batch=2, seed=0):
    """(row_positions [B, rows], past_key, past_value [n_layer, B, H, context, hd]) to trace or test with."""
    g = torch.Generator().manual_seed(seed)
    row_positions = torch.stack([torch.randperm(rows + context, generator=g)[:rows] for _ in range(batch)])
    shape = (cfg.n_layer, batch, cfg.n_head, context, cfg.n_embd // cfg.n_head)
    return row_positions, torch.randn(shape, generator=g), torch.randn(shape, generator=g)


def export_onnx(model, path, context_cache=False, fused=False, shared_past=False):
    """Write the fp32 graph: input_ids [B, L] (RDLM: input_vec [B, L, D*(k+1)]), positions [B, Q]
    (, cond [B]) -> logits [B, Q, V] (RDLM: [B, Q, D*k]). With context_cache (token ids only): the
    context-cache graph of Denoiser.forward_cached, which also takes row_positions [B, L] and
    past_key/past_value [n_layer, B, H, C, hd] and also returns present_key/present_value. With
    fused (context_cache only): onnxruntime's fused operators in place of the plain ones (onnx_ops.py).
    With shared_past (context_cache only): the past's batch is its own axis, 1 (one context every row
    attends to) or B, traced at 1; fused, the attention is then onnx_ops' two-block form."""
    model = copy.deepcopy(model).float().eval().cpu()
    for block in model.blocks:
        block.attn.use_sdpa = False   # plain matmul-softmax: the portable graph for every EP
    if (fused or shared_past) and not context_cache:
        raise ValueError("fused operators and a shared past are exported for the context-cache graph only")
    if fused:
        onnx_ops.fuse(model, shared_past)
    first, example = state_input(model.cfg)
    pos = torch.tensor([[1, 5, 7], [0, 2, 15]], dtype=torch.long)
    args, names, outputs = (example, pos), [first, "positions"], ["logits"]
    axes = {first: {0: "B", 1: "L"}, "positions": {0: "B", 1: "Q"}, "logits": {0: "B", 1: "Q"}}
    named = {}
    if model.cfg.cond_kind != "none":
        named["cond"] = torch.tensor([0.5, 2.0])
        axes["cond"] = {0: "B"}
    if context_cache:
        if model.cfg.sphere_base:
            raise ValueError("the context cache takes token ids; the sphere graph reads a continuous state")
        # traced with C > 0 and C != L, so that neither length is frozen into the graph
        row_positions, past_key, past_value = cache_example(model.cfg, example.shape[1], 5)
        past_batch = "B"
        if shared_past:
            past_key, past_value, past_batch = past_key[:, :1], past_value[:, :1], "P"
        named.update(zip(CACHE_INPUTS, (row_positions, past_key, past_value)))
        outputs += CACHE_OUTPUTS
        axes.update({"row_positions": {0: "B", 1: "L"}, "past_key": {1: past_batch, 3: "C"}, "past_value": {1: past_batch, 3: "C"},
                     "present_key": {1: "B", 3: "L"}, "present_value": {1: "B", 3: "L"}})
    names += list(named)
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False      # torch >= 2.9 defaults to the dynamo exporter; keep one path
    with torch.no_grad():
        torch.onnx.export(
            model, args + (named,), path, opset_version=OPSET,
            input_names=names, output_names=outputs, dynamic_axes=axes,
            # no folding: the tied head's transposed embedding would otherwise be stored twice;
            # onnxruntime folds the transpose at load time
            do_constant_folding=False, **kwargs)
    if fused:
        onnx_ops.finish_graph(path)


def to_fp16_initializers(path, min_elements=256):
    """Store large float initializers as fp16 + Cast(to=float). Returns bytes saved."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    m = onnx.load(path)
    g = m.graph
    before = os.path.getsize(path)
    casts, keep = [], []
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT and int(np.prod(init.dims)) >= min_elements:
            arr = numpy_helper.to_array(init).astype(np.float16)
            new = numpy_helper.from_array(arr, init.name + "__fp16")
            keep.append(new)
            casts.append(helper.make_node("Cast", [new.name], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + "__cast"))
        else:
            keep.append(init)
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return before - os.path.getsize(path)


COND_RANGE = {"sigma": (1e-3, 8.0), "t_x1000": (0.0, 1000.0), "t": (0.0, 1.0)}


def sphere_state(ids, cfg, g):
    """An RDLM input for ids [B, L]: masked positions at random points of the sphere (the walk's
    states), the rest at their digits' vertices. -> [B, L, D*(k+1)] float32."""
    from .rdlm import SphereLayout
    layout = SphereLayout(cfg.sphere_base, cfg.sphere_digits)
    state = layout.vertices(ids)
    noise = torch.randn(state.shape, generator=g)
    state = torch.where((ids == MASK_ID)[..., None, None], noise / noise.norm(dim=-1, keepdim=True), state)
    return state.flatten(2)


def random_cases(vocab_size, max_length, seed=0, cond_kind="none", cfg=None):
    """(first input, positions, cond or None) of a few shapes, with masks sprinkled in (ids; for an
    RDLM network cfg, the state of sphere_state); cond spans the cond_kind's range (small sigma
    included: the SEDD shift's log expm1 is sharpest there)."""
    g = torch.Generator().manual_seed(seed)
    cases = []
    for B, L, Q in [(1, 8, 3), (2, max_length, 5), (3, max(8, max_length // 2 + 3), 7)]:
        ids = torch.randint(3, vocab_size, (B, L), generator=g)
        ids[torch.rand(B, L, generator=g) < 0.3] = MASK_ID
        ids[:, -1] = PAD_ID
        if cfg is not None and cfg.sphere_base:
            ids = sphere_state(ids, cfg, g)
        pos = torch.stack([torch.randperm(L, generator=g)[:Q].sort().values for _ in range(B)])
        cond = None
        if cond_kind != "none":
            lo, hi = COND_RANGE[cond_kind]
            cond = lo + (hi - lo) * torch.rand(B, generator=g) ** 2
        cases.append((ids, pos, cond))
    return cases


def check_parity(model, onnx_path, cases, atol=2e-3, rtol=1e-3, shared_past=False):
    """Raise ParityError unless onnxruntime's logits match PyTorch's. Returns the max abs diff.
    A context-cache graph is checked twice per case: the full call (no past) against forward(), and
    a cached call of the case's queried rows against forward_cached() on the other rows' keys and
    values, logits and present keys/values both; with shared_past a third time, every row's queried
    rows those of the first, against the first row's context fed once (batch 1)."""
    import onnxruntime as ort
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    cached = "past_key" in {i.name for i in sess.get_inputs()}
    model = model.float().eval().cpu()
    worst = 0.0

    def compare(got, ref):
        nonlocal worst
        if got.shape != ref.shape or got.dtype != np.float32:
            raise ParityError(f"shape/dtype mismatch: onnx {got.shape} {got.dtype} vs torch {ref.shape}")
        diff = float(np.abs(got - ref).max())
        worst = max(worst, diff)
        if not np.allclose(got, ref, atol=atol, rtol=rtol):
            raise ParityError(f"onnxruntime logits differ from PyTorch: max abs diff {diff:.3g}")

    first = state_input(model.cfg)[0]
    for ids, pos, cond in cases:
        with torch.no_grad():
            ref = model(ids, pos, cond).numpy()
        feed = {first: ids.numpy(), "positions": pos.numpy()}
        if cond is not None:
            feed["cond"] = cond.numpy()
        if cached:
            feed.update(full_call_feed(model.cfg, ids))
        compare(sess.run(["logits"], feed)[0], ref)
        if cached:
            calls = [cached_call(model, ids, pos, cond, feed)]
            if shared_past:
                calls.append(cached_call(model, ids, pos[:1].expand_as(pos), cond, feed, shared=True))
            for call, reference in calls:
                for got, want in zip(sess.run(["logits"] + CACHE_OUTPUTS, call), reference):
                    compare(got, want)
    return worst


def empty_past(cfg, batch):
    """past_key, past_value of a full call: no context rows (C = 0)."""
    empty = torch.zeros(cfg.n_layer, batch, cfg.n_head, 0, cfg.n_embd // cfg.n_head)
    return empty, empty


def full_call_feed(cfg, ids):
    """The cache inputs of a full call over every row of ids [B, L]: rows at 0..L-1, no past."""
    B, L = ids.shape
    past_key, past_value = empty_past(cfg, B)
    return {"row_positions": np.tile(np.arange(L), (B, 1)), "past_key": past_key.numpy(), "past_value": past_value.numpy()}


def cached_call(model, ids, pos, cond, feed, shared=False):
    """The feed of a cached call that runs the rows pos [B, Q] of ids [B, L] (sorted, distinct)
    against the other rows' keys and values from a full PyTorch call, and PyTorch's answer
    (logits [B, Q, V], present_key, present_value), as (feed, reference). shared: the feed's past
    is the first row's context alone (batch 1), PyTorch's that context repeated for every row."""
    B, L = ids.shape
    context = torch.stack([torch.tensor([p for p in range(L) if p not in set(row.tolist())]) for row in pos])
    with torch.no_grad():
        _, keys, values = model.forward_cached(ids, torch.arange(L).expand(B, L), pos, *empty_past(model.cfg, B), cond)
        index = context[None, :, None, :, None].expand(keys.shape[0], B, keys.shape[2], -1, keys.shape[4])
        past = keys.gather(3, index), values.gather(3, index)
        if shared:
            past = tuple(t[:, :1].expand_as(t) for t in past)
        rows = ids.gather(1, pos)
        within = torch.arange(pos.shape[1]).expand(B, -1)
        reference = [t.numpy() for t in model.forward_cached(rows, pos, within, *past, cond)]
    fed = tuple(t[:, :1] if shared else t for t in past)
    out = dict(feed, **{state_input(model.cfg)[0]: rows.numpy(), "positions": within.numpy(),
                        "row_positions": pos.numpy(), "past_key": fed[0].numpy(), "past_value": fed[1].numpy()})
    return out, reference


def make_meta(name, cfg: ModelConfig, tokenizer_path, parameters, training, results, family_meta=None):
    """family_meta: the model's Family.meta() (p_m included); the default family's (Family()) if None."""
    fam = dict(family_meta or Family().meta())
    if fam["cond_kind"] != cfg.cond_kind:
        raise ValueError(f"meta cond_kind {fam['cond_kind']!r} != the network's {cfg.cond_kind!r}")
    if (fam["graph"] == "sphere") != bool(cfg.sphere_base):
        raise ValueError("the sphere graph and a sphere-input network go together")
    if cfg.sphere_base:
        fam["sphere"] = {"base": cfg.sphere_base, "digits": cfg.sphere_digits, "mask_coordinate": True}
    first = state_input(cfg)[0]
    return {
        "format_version": 1,
        "name": name,
        **{k: v for k, v in fam.items() if v is not None},
        "vocab_size": cfg.vocab_size,
        "mask_id": MASK_ID,
        "pad_id": PAD_ID,
        "eos_id": EOS_ID,
        "bos_id": None,
        "max_length": cfg.max_length,
        "inputs": {first: first, "positions": "positions",
                   "cond": None if cfg.cond_kind == "none" else "cond"},
        "outputs": {"logits": "logits"},
        "logits_dtype": "float32",
        "tokenizer_sha256": sha256_file(tokenizer_path),
        "parameters": parameters,
        "training": training,
        "results": results,
    }


def has_context_cache(cfg):
    """Whether cfg's network gets the context-cache graph: every token-id network but a logit_shift
    one, whose hole's first slot is predicted from the context row before it, which a cached call
    does not run, and a causal one (the sphere graph reads a continuous state)."""
    return not cfg.sphere_base and not cfg.logit_shift and not cfg.causal


def write_model_folder(model, tokenizer_path, out_dir, name, training=None, results=None,
                       card="", fp16=True, require_parity=True, family_meta=None, context_cache=None, fused=False,
                       shared_past=False):
    """Export, verify parity, then move the finished folder into place. Returns the meta dict.
    context_cache (default: has_context_cache(cfg)) writes the context-cache graph and declares it;
    fused operators and a shared past exist for that graph only (export_onnx refuses them without it)."""
    cfg = model.cfg
    if context_cache is None:
        context_cache = has_context_cache(cfg)
    ref = round_weights_fp16(model) if fp16 else copy.deepcopy(model).float().eval()
    parent = os.path.dirname(os.path.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
        onnx_path = os.path.join(tmp, "model.onnx")
        export_onnx(ref, onnx_path, context_cache, fused, shared_past)
        if fp16:
            to_fp16_initializers(onnx_path)
        results = dict(results or {})
        try:
            results["onnx_parity_max_abs_diff"] = check_parity(
                ref, onnx_path, random_cases(cfg.vocab_size, cfg.max_length, cond_kind=cfg.cond_kind, cfg=cfg),
                shared_past=shared_past)
        except ImportError:
            if require_parity:
                raise ParityError("onnxruntime is not installed: refusing to write an unverified model")
        training = dict(training or {})
        # a model trained with expand slots (expand.py) has one token past the tokenizer's: the expand token
        expands = training.get("expand_share", 0) > 0
        if vocab_of(tokenizer_path) + expands != cfg.vocab_size:
            raise ValueError(f"tokenizer vocab {vocab_of(tokenizer_path)}{' + the expand token' if expands else ''}"
                             f" != model vocab {cfg.vocab_size}")
        shutil.copyfile(tokenizer_path, os.path.join(tmp, "tokenizer.json"))
        training.setdefault("model", config_dict(cfg))
        meta = make_meta(name, cfg, os.path.join(tmp, "tokenizer.json"), ref.num_parameters(),
                         training, results, family_meta)
        if context_cache:
            meta["context_cache"] = context_cache_meta(cfg, shared_past)
        if expands:
            meta["expand_id"] = vocab_of(tokenizer_path)
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        with open(os.path.join(tmp, "MODEL_CARD.md"), "w") as f:
            f.write(card or f"# {name}\n\nNo card was written for this export.\n")
        if os.path.isdir(out_dir):
            for fn in ("model.onnx", "meta.json", "tokenizer.json", "MODEL_CARD.md"):
                os.replace(os.path.join(tmp, fn), os.path.join(out_dir, fn))
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, out_dir)
        return meta
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def vocab_of(tokenizer_path):
    with open(tokenizer_path) as f:
        tj = json.load(f)
    ids = set(tj["model"]["vocab"].values()) | {t["id"] for t in tj.get("added_tokens", [])}
    return max(ids) + 1


def load_checkpoint(path, map_location="cpu"):
    ck = torch.load(path, map_location=map_location)
    cfg = ModelConfig(**ck["model_config"])
    model = Denoiser(cfg)
    model.load_state_dict(ck["model"])
    return model, ck


@dataclass
class ExportOptions:
    ckpt: str                        # train.py's checkpoint
    tokenizer: str                   # the tokenizer.json it was trained with
    out: str                         # the model folder to write
    name: str                        # meta.json's name
    results: str = ""                # a JSON of measured numbers for meta.json "results"
    card: str = ""                   # a MODEL_CARD.md to copy in
    fused: bool = False              # onnxruntime's fused operators in the context-cache graph (onnx_ops.py); a network without that graph exports unfused, and says so
    shared_past: bool = False        # the context-cache graph's past may be one context for every row (meta.json context_cache.shared_past)


def main(argv):
    args = parse_options(ExportOptions, argv, "diffuse.export")
    model, ck = load_checkpoint(args.ckpt)
    results = {}
    if args.results:
        with open(args.results) as f:
            results = json.load(f)
    card = ""
    if args.card:
        with open(args.card) as f:
            card = f.read()
    training = {k: v for k, v in ck.get("train_config", {}).items()}
    training["tokens_seen"] = ck.get("tokens_seen")
    training["steps"] = ck.get("step")
    training["model"] = ck["model_config"]
    family = Family.from_config(ck.get("train_config", {}))
    cache = has_context_cache(model.cfg)
    if (args.fused or args.shared_past) and not cache:
        print(json.dumps({"fused": False, "shared_past": False, "why": "no context-cache graph for this network (logit_shift, causal or sphere)"}))
    meta = write_model_folder(model, args.tokenizer, args.out, args.name, training, results, card,
                              family_meta=family.meta(ck.get("objective")), fused=args.fused and cache,
                              shared_past=args.shared_past and cache)
    print(json.dumps({"wrote": args.out, "parameters": meta["parameters"],
                      "parity": meta["results"].get("onnx_parity_max_abs_diff"),
                      "onnx_bytes": os.path.getsize(os.path.join(args.out, "model.onnx"))}))


if __name__ == "__main__":
    main(sys.argv[1:])
