"""Train the MDLM denoiser (or the AR baseline) on 1 or N GPUs, or the CPU.

    cd training
    python3 -m diffuse.train --corpus=out/corpus --tokenizer=out/tokenizer.json --out_dir=out/mdlm \
        --max_minutes=8 --schedule_minutes=16
    torchrun --standalone --nproc_per_node=8 -m diffuse.train ...        # N GPUs (DDP)
    python3 -m diffuse.train ... --objective=ar --out_dir=out/ar         # the AR baseline
    python3 -m diffuse.train ... --objective=cedd --graph=roulette --p_m=0.95 --max_tokens=2e8
                                 # the other seed families: md4 | genmd4 | sedd | cedd | rdlm (families.py)

Every TrainConfig field can be overridden with --key=value (options.py). Training is time-budgeted:
--max_minutes stops this invocation (a checkpoint is written atomically on the way out), and the
learning-rate schedule runs over --schedule_minutes of training in total, so a run split across
several invocations (--resume, the default, continues from out_dir/ckpt.pt) follows one schedule.
--max_tokens (> 0) also stops at a token budget, and then the LR schedule follows the tokens seen,
so models trained side by side on one GPU (pipeline.sh `families`) get the same data and schedule
whatever their speed.
"""
from dataclasses import asdict, dataclass, replace
import json
import math
import os
import random
import sys
import time

import torch

from .distill import Distillation, check_distillation, teacher_network
from .families import Family
from .ema import UPDATE_EVERY as EMA_UPDATE_EVERY, ema_checkpoint, ema_dir, weight_average
from .expand import PADDINGS as EXPAND_PADDINGS, ExpandMerges, check_share as check_expand_share
from .file_heads import code_start
from .grow import block_count, deepened, kept_blocks, selected, source_layers
from .qat import enable as enable_qat4
from .mdlm import HostDrawnStream
from .model import Denoiser, ModelConfig
from .options import parse_options


@dataclass
class TrainConfig:
    corpus: str = "out/corpus"
    tokenizer: str = "out/tokenizer.json"
    out_dir: str = "out/mdlm"
    objective: str = "mdlm"          # mdlm | ar | md4 | genmd4 | sedd | cedd | rdlm
    graph: str = ""                  # "" = the family's: absorb | uniform | roulette (sedd, cedd); sphere (rdlm)
    schedule: str = ""               # "" = the family's default (families.py)
    exponent: float = 1.0            # md4 poly schedule
    p_m: float = 0.95                # roulette mask chance
    sphere_base: int = 2             # rdlm: digit base of the dimension splitting (families.py)
    step_thr: float = 0.38           # rdlm: mixture path, uniform start below this t, mask start above
    # model
    n_layer: int = 8
    n_head: int = 6
    n_embd: int = 384
    max_length: int = 256
    dropout: float = 0.0
    logit_shift: bool = False        # Dream's AR shift (model.py): for a denoiser initialised from an AR model
    # data
    batch_size: int = 256            # rows per GPU per step
    infill_share: float = 0.5        # share of rows that are editor-shaped holes (not ar)
    short_share: float = 0.2         # share of batches with a shorter canvas (64..L)
    max_hole: int = 96               # hole slots at most
    infill_doc_power: float = 1.0    # hole rows draw documents by length**power (< 1: shorter files more often)
    infill_algorithmic_power: float = 0.0   # > 0: hole rows also draw Python files by density**power (algorithmic.py)
    unit_share: float = 0.0          # share of hole rows cut from a top-level Python function (functions.py)
    head_cut_share: float = 0.0      # share of hole rows drawing a Python file whose opening comments / docstring are cut (file_heads.py)
    hole_weights: str = ""           # hole kinds' weights replaced, e.g. "lines=1" (data.hole_kind_weights)
    expand_share: float = 0.0        # share of hole rows given expand slots (expand.py; MDLM only)
    expand_padding: str = "all"      # all | cut | row: what the hole rows that show their padding show (expand.py)
    probe_slots: int = 0             # > 0: the length-probe hole size (data.py; bench/lengthProbe.ts reads it)
    probe_share: float = 0.0         # share of hole rows of at most probe_slots tokens given exactly that many slots
    hole_reveal: str = "random"      # random | confident: which hole slots MDLM's rows mask (mdlm.py)
    num_workers: int = 14
    # optimisation
    lr: float = 1.5e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 300
    weight_decay: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    ema_decay: float = 0.0           # > 0: also keep this EMA of the weights, written to <out_dir>_ema (ema.py)
    # budget
    max_minutes: float = 8.0         # this invocation
    schedule_minutes: float = 8.0    # the whole run (LR schedule), across resumes
    max_steps: int = 0               # 0 = no step limit
    max_tokens: float = 0.0          # 0 = no token budget
    ckpt_minutes: float = 2.0
    snapshot_tokens: int = 0         # also keep a copy (ckpt_snapshot.pt) once this many tokens are seen
    log_every: int = 50
    peak_tflops: float = 989.0       # the GPU's dense bf16 peak (H100/H200 SXM datasheet), for the MFU in the log
    resume: bool = True
    init_from: str = ""              # weights to start from when out_dir holds no checkpoint: a model.onnx (onnx_weights.py) or a ckpt.pt (initial_weights)
    init_deepen: int = 1             # > 1: init_from has n_layer / this many blocks, each grown into this many (grow.py)
    init_layers: str = ""            # init_from's blocks to keep, one per block, e.g. "0,2,4,6,8,10": a shallower model (grow.py)
    distill_from: str = ""           # a teacher (model.onnx or ckpt.pt) whose predictions join the targets (distill.py; MDLM)
    distill_weight: float = 0.0      # the teacher's share of the targets, in (0, 1]: required with distill_from
    qat4_from: float = 0.0           # > 0: from this share of the schedule on, train through int8from4 weights (qat.py)
    qat4_block: int = 32             # their 4-bit block (quantize.py --block)
    # system
    seed: int = 1337
    device: str = "auto"
    compile: bool = True
    bf16: bool = True


def family_of(cfg):
    return None if cfg.objective == "ar" else Family.from_config(cfg)


def model_config(cfg, vocab_size):
    fam = family_of(cfg)
    cond = {} if fam is None or fam.cond_kind == "none" else {"cond_kind": fam.cond_kind, "sigma_shift": fam.sigma_shift}
    if fam is not None and fam.objective == "rdlm":
        from .rdlm import SphereLayout
        layout = SphereLayout.for_vocab(vocab_size, fam.base)
        cond.update(sphere_base=layout.base, sphere_digits=layout.digits, tie_embeddings=False)
    return ModelConfig(vocab_size=vocab_size, n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd,
                       max_length=cfg.max_length, dropout=cfg.dropout, causal=cfg.objective == "ar",
                       logit_shift=cfg.logit_shift, **cond)


def lr_at(cfg, step, progress):
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    p = min(1.0, progress)
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def algorithmic_factors(cfg, docs, paths):
    """Each document's hole-row factor (algorithmic.hole_weights), scored over a process pool."""
    from multiprocessing import Pool
    from .algorithmic import hole_weights
    with Pool(max(1, min(16, os.cpu_count() or 1))) as pool:
        return hole_weights(docs, paths, cfg.infill_algorithmic_power, pool, cfg.infill_doc_power)


def shared_from_master(compute, ddp, master):
    """`compute()` run on rank 0 alone and its result sent to every rank: work whose result is the
    same on all ranks (scoring the corpus) is done once, not once per rank, each with its own pool."""
    if not ddp:
        return compute()
    import torch.distributed as dist
    box = [compute() if master else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def make_optimizer(model, cfg):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    kw = {"fused": True} if torch.cuda.is_available() and "fused" in torch.optim.AdamW.__init__.__code__.co_varnames else {}
    return torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), **kw)


def train(cfg: TrainConfig, docs=None, log=print):
    """Runs until max_minutes/max_steps; returns the final checkpoint dict. `docs` (list of str)
    replaces the corpus (tests)."""
    from .data import BatchStream, hole_kind_weights
    from .tokenizer import MASK_ID, PAD_ID, load

    hole_kind_weights(cfg.hole_weights)      # a bad spec fails here, not in a loader worker
    check_distillation(cfg)
    if (cfg.init_layers or cfg.init_deepen != 1) and not cfg.init_from:
        raise ValueError("--init_layers / --init_deepen shape the weights of --init_from: set it too (without it the run would start from scratch)")
    if cfg.expand_share:
        check_expand_share(cfg.expand_share)
    if cfg.expand_padding not in EXPAND_PADDINGS:
        raise ValueError(f"--expand_padding must be one of {', '.join(EXPAND_PADDINGS)}, got {cfg.expand_padding!r}")
    if cfg.expand_padding != "all" and not cfg.expand_share:
        raise ValueError(f"--expand_padding={cfg.expand_padding} shapes the rows of --expand_share: set it too")
    if cfg.expand_share and (cfg.objective != "mdlm" or cfg.hole_reveal != "random" or not cfg.infill_share
                             or cfg.probe_share):
        raise ValueError("--expand_share merges the slots MDLM's forward process masks in hole rows: objective "
                         f"mdlm, hole_reveal random, infill_share > 0, no probe_share (got {cfg.objective!r}, "
                         f"{cfg.hole_reveal!r}, {cfg.infill_share}, {cfg.probe_share})")
    ddp = int(os.environ.get("RANK", -1)) != -1
    rank, world = 0, 1
    if ddp:
        import torch.distributed as dist
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if torch.cuda.is_available():
            device = f"cuda:{int(os.environ['LOCAL_RANK'])}"
            torch.cuda.set_device(device)
        else:
            device = "cpu"     # gloo: the tests' two-process runs
    else:
        device = cfg.device if cfg.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    master = rank == 0
    torch.manual_seed(cfg.seed + rank)
    random.seed(cfg.seed + rank)
    if device.startswith("cuda"):
        allow_tf32()

    tok = load(cfg.tokenizer)
    # the expand token, where the run trains one, is the id after the tokenizer's vocabulary
    expand_id = tok.get_vocab_size() if cfg.expand_share > 0 else None
    mcfg = model_config(cfg, tok.get_vocab_size() + (expand_id is not None))
    model = Denoiser(mcfg).to(device)
    teacher = teacher_network(cfg.distill_from, mcfg, device) if cfg.distill_from else None
    distillation = Distillation(teacher, cfg.distill_weight) if teacher is not None else None
    loss_module = _LossModule(model, cfg.objective, MASK_ID, family_of(cfg), cfg.out_dir, cfg.hole_reveal,
                              distillation).to(device)
    opt = make_optimizer(loss_module, cfg)     # the network's parameters, then GenMD4's w
    ckpt_path = os.path.join(cfg.out_dir, "ckpt.pt")
    if cfg.ema_decay and cfg.qat4_from:
        raise ValueError("--ema_decay with --qat4_from: the average would mix float and 4-bit-aware weights")
    step, tokens_seen, elapsed_before = 0, 0, 0.0
    weights_digest = 0                  # of the weights the run started from (--init_from), kept by its checkpoints
    kept_average = None                 # the weights' average a resumed run kept (--ema_decay)
    if cfg.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device)
        kept_average = ck.get("ema")
        model.load_state_dict(ck["model"])
        if "objective" in ck:
            loss_module.objective.load_state_dict(ck["objective"])
        if "optimizer" in ck:
            opt.load_state_dict(ck["optimizer"])
        step, tokens_seen, elapsed_before = ck["step"], ck["tokens_seen"], ck["elapsed_s"]
        weights_digest = ck.get("weights_digest", 0)    # a continuation resumed keeps its own stream
        if master:
            log(json.dumps({"resumed": ckpt_path, "step": step, "tokens_seen": tokens_seen}))
    elif cfg.init_from:
        model.load_state_dict(initial_weights(cfg.init_from, model, cfg.init_deepen, grow_vocab=expand_id is not None, layers=cfg.init_layers))
        weights_digest = digest_of(cfg.init_from)
        if master:
            log(json.dumps({"initialised_from": cfg.init_from}))
    # the weights' average (rank 0's alone), from the weights the run starts with or the one it kept
    average = weight_average(model, cfg.ema_decay) if master and cfg.ema_decay else None
    if average is not None and kept_average is not None:
        average.load_state_dict(kept_average)
    if master:
        os.makedirs(cfg.out_dir, exist_ok=True)
        log(json.dumps({"parameters": model.num_parameters(), "model": asdict(mcfg), "train": asdict(cfg)}))

    hidden_fn = model.hidden
    compiled = cfg.compile and hasattr(torch, "compile") and device.startswith("cuda")
    if compiled:
        model.hidden = torch.compile(model.hidden)
        if teacher is not None:
            teacher.hidden = torch.compile(teacher.hidden)
            # the two networks share Denoiser.hidden's code, so their compiled variants count against
            # one limit, past which the rest would run uncompiled with only a warning
            limits = torch._dynamo.config
            name = "recompile_limit" if hasattr(limits, "recompile_limit") else "cache_size_limit"
            setattr(limits, name, max(getattr(limits, name), 16))
    train_model = loss_module
    if ddp:
        from torch.nn.parallel import DistributedDataParallel as DDP
        train_model = DDP(loss_module, device_ids=[torch.device(device).index] if device.startswith("cuda") else None)

    if docs is None:
        from .corpus import read_split
        files = list(read_split(cfg.corpus, "train"))
        docs = [f["text"] for f in files]
        paths = [f["path"] for f in files]
        del files
    else:
        paths = ["doc.py"] * len(docs)
    python_docs = [d for d, p in zip(docs, paths) if p.endswith(".py")]
    infill_factors = None
    if cfg.infill_algorithmic_power > 0:
        infill_factors = shared_from_master(lambda: algorithmic_factors(cfg, docs, paths), ddp, master)
        if master:
            log(json.dumps({"algorithmic_factors": len(infill_factors),
                            "mean": round(sum(infill_factors) / len(infill_factors), 4)}))
    units = []
    if cfg.unit_share > 0:
        from .functions import function_units
        units = function_units(python_docs)
        log(json.dumps({"function_units": len(units), "mb": round(sum(map(len, units)) / 1e6, 1)}))
    code_starts = None
    if cfg.head_cut_share > 0:
        code_starts = [code_start(d) if p.endswith(".py") else 0 for d, p in zip(docs, paths)]
        if master:
            log(json.dumps({"heads_cut": sum(1 for c in code_starts if c), "of": len(code_starts)}))
    # one stream per rank and starting point: a resumed run (its step) and a run continuing another's
    # weights (their digest) draw new documents and corruptions (the loader's workers take their torch
    # seeds from this process's generator) instead of replaying the stream that made those weights;
    # arms started from the same weights on the same corpus still share theirs, as paired runs should
    stream_seed = cfg.seed + 7919 * (rank + world * step) + weights_digest
    torch.manual_seed(stream_seed)
    ds = BatchStream(docs, cfg.tokenizer, cfg.batch_size, seed=stream_seed,
                     max_length=cfg.max_length,
                     infill_share=cfg.infill_share if cfg.objective != "ar" else 0.0,
                     short_share=cfg.short_share if cfg.objective != "ar" else 0.0,
                     max_hole=cfg.max_hole, infill_doc_power=cfg.infill_doc_power,
                     infill_factors=infill_factors, units=units, unit_share=cfg.unit_share,
                     probe_slots=cfg.probe_slots, probe_share=cfg.probe_share,
                     code_starts=code_starts, head_cut_share=cfg.head_cut_share, hole_weights=cfg.hole_weights)
    if hasattr(loss_module.objective, "draw"):
        merges = (ExpandMerges(cfg.expand_share, expand_id, PAD_ID, padding=cfg.expand_padding)
                  if expand_id is not None else None)
        ds = HostDrawnStream(ds, loss_module.objective, merges)    # MDLM: the step never waits for the GPU
    nw = cfg.num_workers if device.startswith("cuda") else 0
    extra = {"prefetch_factor": 4, "persistent_workers": True} if nw > 0 else {}
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=nw, pin_memory=nw > 0, **extra)
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if cfg.bf16 and device.startswith("cuda")
                else _nullcontext())

    def checkpoint():
        ck = {"model": model.state_dict(), "optimizer": opt.state_dict(), "model_config": asdict(mcfg),
              "train_config": asdict(cfg), "step": step, "tokens_seen": tokens_seen, "weights_digest": weights_digest,
              "elapsed_s": elapsed_before + (time.time() - t_start)}
        if loss_module.objective is not None and loss_module.objective.state_dict():
            ck["objective"] = loss_module.objective.state_dict()     # GenMD4's token exponents
        if average is not None:
            ck["ema"] = average.state_dict()
            os.makedirs(ema_dir(cfg.out_dir), exist_ok=True)
            save_atomic(ema_checkpoint(average, ck), os.path.join(ema_dir(cfg.out_dir), "ckpt.pt"))
        if master:
            save_atomic(ck, ckpt_path)
        return ck

    flops_per_token = training_flops_per_token(model.num_parameters(), mcfg)
    if teacher is not None:             # its forward pass: a third of a training step's FLOPs
        flops_per_token += training_flops_per_token(teacher.num_parameters(), teacher.cfg) / 3
    t_start = time.time()
    t_ckpt, t_log, tok_log = t_start, t_start, tokens_seen
    waited = 0.0                      # seconds the loop spent waiting for the loader since the last log
    t_ready = t_start
    budget_s = cfg.max_minutes * 60
    snapped = bool(cfg.snapshot_tokens) and tokens_seen >= cfg.snapshot_tokens
    schedule_s = max(cfg.schedule_minutes, 1e-6) * 60
    first_step = step
    qat_on = False
    for x0, region, valid, is_fim, *host_drawn in loader:
        waited += time.time() - t_ready
        if (step - first_step) % CLOCK_SYNC_STEPS == 0:     # the same steps on every rank, a resumed run's first too
            elapsed = agreed_elapsed(time.time() - t_start, ddp, device)
        progress = (elapsed_before + elapsed) / schedule_s
        if cfg.max_steps:
            progress = max(progress, step / cfg.max_steps)
        if cfg.max_tokens:
            progress = tokens_seen / cfg.max_tokens
        if elapsed > budget_s or (cfg.max_steps and step >= cfg.max_steps) or \
                (cfg.max_tokens and tokens_seen >= cfg.max_tokens):
            break
        if cfg.qat4_from > 0 and not qat_on and progress >= cfg.qat4_from:
            qat_on = True      # every rank at the same step: progress follows the agreed clock
            layers = enable_qat4(model, cfg.qat4_block)
            if compiled:                                # trace the new forwards afresh
                torch._dynamo.reset()
                model.hidden = torch.compile(hidden_fn)
            if master:
                log(json.dumps({"qat4": layers, "step": step, "progress": round(progress, 4)}))
        lr = lr_at(cfg, step, progress)
        for g in opt.param_groups:
            g["lr"] = lr
        x0 = x0.to(device, non_blocking=True)
        region = region.to(device, non_blocking=True)
        valid = key_mask(valid, device)
        drawn = tuple(d.to(device, non_blocking=True) for d in host_drawn[0]) if host_drawn else None
        with autocast:
            loss = train_model(x0, region, valid, drawn)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        step += 1
        if average is not None and step % EMA_UPDATE_EVERY == 0:
            average.update_parameters(model)
        tokens_seen += x0.numel() * world
        if master and step % cfg.log_every == 0:
            loss_value = float(loss.detach())    # waits for the GPU: the rates below are real
            now = time.time()
            tok_per_s = (tokens_seen - tok_log) / (now - t_log)
            log(json.dumps({"step": step, "loss": round(loss_value, 4), "lr": round(lr, 6),
                            "tok_per_s": round(tok_per_s),
                            "mfu": round(tok_per_s * flops_per_token / (world * cfg.peak_tflops * 1e12), 3),
                            "data_wait": round(waited / (now - t_log), 3),
                            "tokens_seen": tokens_seen, "elapsed_s": round(elapsed_before + now - t_start, 1)}))
            t_log, tok_log, waited = now, tokens_seen, 0.0
        if time.time() - t_ckpt > cfg.ckpt_minutes * 60:
            checkpoint()
            t_ckpt = time.time()
        if cfg.snapshot_tokens and not snapped and tokens_seen >= cfg.snapshot_tokens:
            snapped = True   # an equal-token copy for the AR comparison
            ck = checkpoint()
            if master:
                save_atomic(ck, os.path.join(cfg.out_dir, "ckpt_snapshot.pt"))
                log(json.dumps({"snapshot": True, "step": step, "tokens_seen": tokens_seen}))
        t_ready = time.time()
    ck = checkpoint()
    if master:
        log(json.dumps({"done": True, "step": step, "tokens_seen": tokens_seen, "elapsed_s": round(ck["elapsed_s"], 1)}))
    if ddp:
        import torch.distributed as dist
        dist.destroy_process_group()
    model.hidden = hidden_fn
    return ck


# Every rank must stop at the same step (a rank that stops early leaves the others waiting in the
# gradient all-reduce forever) and follow the same LR schedule, so the wall clock that decides both
# is agreed between ranks, every this many steps (each agreement waits for the GPU: not every step).
CLOCK_SYNC_STEPS = 10


def agreed_elapsed(local_elapsed, ddp, device):
    """The slowest rank's elapsed seconds (the local value when training alone)."""
    if not ddp:
        return local_elapsed
    import torch.distributed as dist
    t = torch.tensor([local_elapsed], dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return float(t.item())


def allow_tf32():
    """fp32 matmuls (the fp32 logits head, SEEDS §7.2) on the tensor cores as TF32: the head's
    gradient tolerates TF32's 10-bit mantissa, and plain fp32 runs them as SIMT kernels, ~4x slower."""
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True


def digest_of(path):
    """The digest of a starting weights file that a run's checkpoints keep (`weights_digest`): it
    seeds the run's data stream, and `pipeline.sh paired` checks a start against it."""
    from .tokenizer import sha256_file
    return int(sha256_file(path)[:8], 16)


def initial_weights(path, model, deepen=1, grow_vocab=False, layers=""):
    """The state dict `--init_from` names: an exported model.onnx (the bundled model, continued), or
    another run's training checkpoint, ckpt.pt, of the same shape: an AR run's starts an
    AR-initialised MDLM (DiffuLLaMA / Dream; the model issue's ablation). With `deepen` > 1 the
    source has 1/deepen of the model's blocks, each grown into `deepen`; with `layers` ('0,2,4')
    the model has those of the source's blocks (grow.py). The optimiser restarts. With `grow_vocab`
    (a run that trains the expand token, expand.py) the source may have one token fewer: its
    embedding grows by a row (with_vocab)."""
    if layers and deepen != 1:
        raise ValueError("init_layers with init_deepen: a model is grown or cut, not both")
    depth = source_layers(model.cfg.n_layer, deepen)
    if path.endswith(".pt"):
        state = torch.load(path, map_location="cpu")["model"]
        depth = block_count(state) if layers else depth
    else:
        from .onnx_weights import graph_blocks, state_dict_from_onnx
        depth = graph_blocks(path) if layers else depth
        source = model if depth == model.cfg.n_layer else Denoiser(replace(model.cfg, n_layer=depth))
        try:
            state = state_dict_from_onnx(path, source)
        except ValueError as error:
            if not grow_vocab:
                raise
            try:                 # a model without the expand token, continued by a run that trains one
                state = state_dict_from_onnx(path, Denoiser(replace(source.cfg, vocab_size=source.cfg.vocab_size - 1)))
            except ValueError:
                raise error from None
    if grow_vocab:
        state = with_vocab(state, model.cfg.vocab_size)
    if layers:
        return selected(state, kept_blocks(layers, model.cfg.n_layer, depth))
    return state if deepen == 1 else deepened(state, deepen)


def with_vocab(state, vocab_size):
    """`state` with its token embedding grown to `vocab_size` rows where it has one fewer (the expand
    token added to a model trained without it): the new row is the mean embedding, so its tied
    logit starts near the average token's, neither favoured nor ruled out."""
    wte = state.get("wte.weight")
    if wte is None or wte.dim() != 2 or wte.shape[0] != vocab_size - 1:
        return state
    return {**state, "wte.weight": torch.cat([wte, wte.mean(0, keepdim=True)])}


def key_mask(valid, device):
    """The batch's key mask [B, L] on the device, or None where every row is full (the loader keeps
    full rows apart: data.apart_by_filler), so that attention runs its unmasked kernel. Read on the
    host, before the copy: no wait for the GPU."""
    return None if bool(valid.all()) else valid.to(device, non_blocking=True)


def training_flops_per_token(parameters, mcfg):
    """Model FLOPs of one training token (forward + backward), PaLM's estimate: 6 per parameter
    (the tied head counted once, as if every position paid for it) plus the attention scores and
    values, 12 x layers x width x canvas length. The denominator of the logged MFU."""
    return 6 * parameters + 12 * mcfg.n_layer * mcfg.n_embd * mcfg.max_length


class _LossModule(torch.nn.Module):
    """Wraps the denoiser so DDP sees the whole loss (the tied head lives inside forward)."""

    def __init__(self, model, kind, mask_id, family=None, cache_dir=None, hole_reveal="random", distillation=None):
        super().__init__()
        self.model, self.kind, self.mask_id = model, kind, mask_id
        self.objective = None if kind == "ar" else \
            family.objective_module(model.cfg.vocab_size, mask_id, cache_dir, hole_reveal)
        self.distillation = distillation      # a plain object: its teacher stays out of the trained module

    def forward(self, x0, region, valid, drawn=None):
        """drawn: the batch's corruption drawn by the loader (MDLM.draw), for the objectives that
        take one."""
        from .ar import ar_loss
        if self.objective is None:
            return ar_loss(self.model, x0)     # full packed windows only (infill_share=0)
        if self.distillation is not None:
            return self.distillation.loss(self.objective, self.model, x0, region, valid, drawn)
        if drawn is not None:
            return self.objective(self.model, x0, region, valid, drawn=drawn)
        return self.objective(self.model, x0, region, valid)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main(argv):
    cfg = parse_options(TrainConfig, argv, "diffuse.train")
    log_path = None

    def log(line):
        print(line, flush=True)
        if log_path:
            with open(log_path, "a") as f:
                f.write(line + "\n")

    os.makedirs(cfg.out_dir, exist_ok=True)
    log_path = os.path.join(cfg.out_dir, "log.jsonl")
    train(cfg, log=log)


if __name__ == "__main__":
    main(sys.argv[1:])
