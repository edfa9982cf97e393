"""The denoiser: a small bidirectional transformer (optionally causal, for the AR baseline).

One file, plain PyTorch. Runs on torch 1.13 (plain attention) and torch 2.x (SDPA), and exports
to ONNX opset 17 with the contract's signature: input_ids int64[B, L], positions int64[B, Q]
(, cond float32[B]) -> logits float32[B, Q, V].

Conditioning (cond_kind != "none"; SEEDS §3.3, §4.2): the scalar cond (sigma, or 1000 t) goes
through a sinusoidal embedding and a small MLP to a vector c; every block and the final LayerNorm
are modulated adaLN-style by a zero-initialised Linear(c):
    h = LN(x) * (1 + scale) + shift,   x = x + (1 + gate) * f(h)
At init the modulation is exactly zero, so a conditioned network starts as the cond-free one (the
DiT "zero" gate is 1 + gate here, not gate: a zero gate would start every block as the identity).
The MDLM denoiser is time-independent (cond_kind "none"): it has none of these modules, so its
parameters, checkpoints and exported graph are those of the cond-free network.

Continuous input (RDLM, sphere_base > 0; SEEDS §5.3): the input is a state [B, L, D*(k+1)], D =
sphere_digits digits of base k = sphere_base per token, each a point of S^k whose last coordinate
is the mask's. The mask coordinates are dropped and the rest goes through Linear(D*k, n_embd) in
place of the token embedding; the head is its own Linear(n_embd, D*k) (no embedding to tie to):
D groups of k digit logits per position. vocab_size stays the tokenizer's (the ids the digits spell).

sigma_shift (SEDD absorb, scale_by_sigma): the head emits log concrete scores
    log s_y = net_y - log(expm1(sigma)) - log(V - 2)       (V - 2 = N - 1, N real tokens)
with sigma = cond, inside the graph, so the exported model's output is the score itself.
"""
from dataclasses import asdict, dataclass
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


@dataclass
class ModelConfig:
    vocab_size: int = 8192
    n_layer: int = 8
    n_head: int = 6
    n_embd: int = 384
    max_length: int = 256       # longest canvas trained on (rotary tables cover it; longer ones are computed)
    rope_base: float = 10000.0
    dropout: float = 0.0
    causal: bool = False        # True only for the autoregressive baseline
    tie_embeddings: bool = True
    cond_kind: str = "none"     # none | sigma | t_x1000 | t: what the cond input carries (contract)
    sigma_shift: bool = False   # SEDD absorb: subtract log expm1(sigma) + log(V-2) from the head
    cond_dim: int = 128         # width of the conditioning vector c
    sphere_base: int = 0        # RDLM: digit base k (0 = the input is token ids)
    sphere_digits: int = 0      # RDLM: digits per token D
    logit_shift: bool = False   # Dream's AR shift: position i is predicted from h[i-1], so the next-token
                                # head of an AR initialisation keeps its meaning (position 0 from h[0])


def attend_with_context(q, k, v, past_key, past_value):
    """Bidirectional attention of the rows' queries q [B, H, L, hd] over the context's keys and
    values [P, H, C, hd] (C may be 0) and the rows' own k, v [B, H, L, hd]: one softmax over both,
    computed as two blocks of scores so that the context is read where it is, never concatenated.
    P is B (each row its own context) or 1: one context every row shares, broadcast by the matmuls
    rather than copied per row (the context-cache graph's `shared_past`, docs/model-contract.md)."""
    scale = q.size(-1) ** -0.5
    scores = torch.cat((q @ past_key.transpose(-2, -1), q @ k.transpose(-2, -1)), dim=-1) * scale
    att = F.softmax(scores.float(), dim=-1).to(v.dtype)
    context = past_key.size(2)
    return att[..., :context] @ past_value + att[..., context:] @ v


def rotate_half(x):
    # NeoX convention: split the head dim in halves (x1, x2) -> (-x2, x1)
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Rotary(nn.Module):
    def __init__(self, head_dim, base, max_length):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        # cos/sin of positions 0..max_length-1 as tables: under torch.compile they are then inputs of
        # the step, where angles computed in the graph were recomputed by every fused kernel reading
        # them (the qkv gradient's among them); not saved, so checkpoints are unchanged
        cos, sin = self.at(torch.arange(max_length)[None])
        self.register_buffer("cos_table", cos, persistent=False)
        self.register_buffer("sin_table", sin, persistent=False)

    def forward(self, seq_len, device):
        """cos, sin [1, L, 1, hd] of positions 0..L-1 (sliced from the tables, so ONNX keeps L
        dynamic; computed when L is longer than the tables)."""
        if seq_len <= self.cos_table.shape[1]:
            return self.cos_table[:, :seq_len], self.sin_table[:, :seq_len]
        return self.at(torch.arange(seq_len, device=device)[None])

    def at(self, positions):
        """cos, sin [B, L, 1, hd] at the canvas positions [B, L] of a call's rows (one value for
        every head): the context-cache graph runs rows that are not 0..L-1, and reading positions
        from an input keeps the graph free of Range (the same float32 products as the tables, so the
        two agree exactly)."""
        freqs = positions.float()[..., None] * self.inv_freq   # [B, L, hd/2]
        emb = torch.cat((freqs, freqs), dim=-1)                # [B, L, hd]
        return emb.cos()[:, :, None], emb.sin()[:, :, None]


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        assert cfg.n_embd % cfg.n_head == 0
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=False)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)
        self.causal = cfg.causal
        self.dropout = cfg.dropout
        self.use_sdpa = HAS_SDPA   # export switches this off: plain matmul-softmax is the portable graph

    def forward(self, x, cos, sin, attn_mask=None, past=None):
        """x [B, L, D], cos and sin [1 or B, L, 1, hd] (Rotary) -> (y [B, L, D], k, v [B, H, L, hd]):
        k and v are this call's rows, rotated, which the context cache keeps. past: (k, v)
        [P, H, C, hd] of C rows computed by an earlier call (P = B, or 1: one context every row
        shares), attended to besides the L rows (C may be 0), without a mask: the context-cache
        graph's bidirectional attention."""
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.n_head, D // self.n_head).unbind(2)   # [B, L, H, hd]
        # rotated in the layout qkv wrote, before the heads move to the front: the rotation's
        # gradient then lands where the qkv gradient is read (rotating [B, H, L, hd] views made
        # training's slowest elementwise kernel, a transposing copy: training/README.md, "Rotary in
        # the layout the qkv matmul writes")
        q = (q * cos + rotate_half(q) * sin).to(v.dtype).transpose(1, 2)             # [B, H, L, hd]
        k = (k * cos + rotate_half(k) * sin).to(v.dtype).transpose(1, 2)
        v = v.transpose(1, 2)
        present = (k, v)
        if past is not None:
            if attn_mask is not None or self.causal:
                raise ValueError("attention over a past is the context-cache graph's: bidirectional, no mask")
            y = attend_with_context(q, k, v, past[0], past[1])
        elif self.use_sdpa:
            y = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attn_mask, dropout_p=self.dropout if self.training else 0.0,
                is_causal=self.causal and attn_mask is None)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))   # [B, H, L, L]
            if self.causal:
                keep = torch.ones(L, L, dtype=torch.bool, device=x.device).tril()
                att = att.masked_fill(~keep, float("-inf"))
            if attn_mask is not None:
                att = att.masked_fill(~attn_mask, float("-inf"))
            att = F.softmax(att.float(), dim=-1).to(v.dtype)
            if self.training and self.dropout > 0:
                att = F.dropout(att, self.dropout)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, L, D)
        return self.proj(y), present[0], present[1]


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=False)
        self.proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x), approximate="tanh"))


def modulate(h, shift, scale):
    """adaLN: h [B, L, D], shift/scale [B, D]."""
    return h * (1 + scale[:, None]) + shift[:, None]


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = MLP(cfg)
        self.drop = nn.Dropout(cfg.dropout)
        self.ada = None if cfg.cond_kind == "none" else nn.Linear(cfg.cond_dim, 6 * cfg.n_embd)

    def forward(self, x, cos, sin, attn_mask=None, c=None, past=None):
        """-> (x, k, v): the block's output and its attention's keys and values (Attention.forward)."""
        if self.ada is None:
            y, k, v = self.attn(self.ln1(x), cos, sin, attn_mask, past)
            x = x + self.drop(y)
            return x + self.drop(self.mlp(self.ln2(x))), k, v
        sh1, sc1, g1, sh2, sc2, g2 = self.ada(c).chunk(6, dim=-1)          # each [B, D]
        y, k, v = self.attn(modulate(self.ln1(x), sh1, sc1), cos, sin, attn_mask, past)
        x = x + (1 + g1[:, None]) * self.drop(y)
        return x + (1 + g2[:, None]) * self.drop(self.mlp(modulate(self.ln2(x), sh2, sc2))), k, v


class CondEmbedding(nn.Module):
    """cond [B] -> c [B, cond_dim]: sinusoidal features (periods up to 10000, as DiT/SEDD use for
    sigma and MD4 for 1000 t) then Linear-SiLU-Linear-SiLU."""

    def __init__(self, dim, freq_dim=64):
        super().__init__()
        half = freq_dim // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half) / half), persistent=False)
        self.mlp = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim), nn.SiLU())

    def forward(self, cond):
        args = cond.float()[:, None] * self.freqs[None]
        return self.mlp(torch.cat([args.cos(), args.sin()], dim=-1))


def log_expm1(x):
    """log(e^x - 1) in float32 for x > 0, exact near 0 too, with ops every ONNX runtime has
    (opset 17 has no Expm1): Kahan's expm1(x) = (e^x - 1) x / log(e^x) where e^x rounds to != 1."""
    x = x.float()
    u = torch.exp(x)
    small = u == 1.0
    em1 = torch.where(small, x, (u - 1) * x / torch.where(small, torch.ones_like(u), torch.log(u)))
    return torch.log(em1)


class Denoiser(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.sphere = cfg.sphere_base > 0
        if self.sphere:
            self.wte = nn.Linear(cfg.sphere_digits * cfg.sphere_base, cfg.n_embd)
        else:
            self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.rotary = Rotary(cfg.n_embd // cfg.n_head, cfg.rope_base, cfg.max_length)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        out = cfg.sphere_digits * cfg.sphere_base if self.sphere else cfg.vocab_size
        self.lm_head = None if cfg.tie_embeddings and not self.sphere else nn.Linear(cfg.n_embd, out, bias=False)
        conditioned = cfg.cond_kind != "none"
        if cfg.sigma_shift and cfg.cond_kind != "sigma":
            raise ValueError("sigma_shift needs cond_kind 'sigma'")
        if cfg.logit_shift and cfg.causal:
            raise ValueError("logit_shift is for a denoiser: the causal (AR) baseline shifts its own targets")
        self.cond_embed = CondEmbedding(cfg.cond_dim) if conditioned else None
        self.ada_f = nn.Linear(cfg.cond_dim, 2 * cfg.n_embd) if conditioned else None
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight"):   # GPT-2 style: scale residual writes by depth
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))
        for ada in [b.ada for b in self.blocks] + [self.ada_f]:
            if ada is not None:                # adaLN-zero: no modulation at init
                nn.init.zeros_(ada.weight)
                nn.init.zeros_(ada.bias)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def embed(self, inputs):
        """Token ids [B, L], or an RDLM state [B, L, D*(k+1)] without its mask coordinates -> [B, L, n_embd]."""
        if not self.sphere:
            return self.wte(inputs)
        B, L = inputs.shape[:2]
        k = self.cfg.sphere_base
        return self.wte(inputs.view(B, L, self.cfg.sphere_digits, k + 1)[..., :k].reshape(B, L, -1))

    def hidden(self, input_ids, valid=None, cond=None):
        """input_ids [B, L] (RDLM: the state, see embed) -> final hidden states [B, L, D] (in the
        autocast dtype when training); with logit_shift, row i holds position i - 1's (row 0 its own).
        valid [B, L] bool (training only): False marks filler after a short row; no query attends
        to it, so a short row behaves exactly like a shorter canvas. The exported graph has none.
        cond [B] float: required when cond_kind != "none", ignored otherwise."""
        x = self.embed(input_ids)
        cos, sin = self.rotary(input_ids.shape[1], input_ids.device)
        attn_mask = None if valid is None else valid[:, None, None, :]     # [B, 1, 1, L] keys
        if attn_mask is not None and self.cfg.causal:
            raise ValueError("the causal baseline trains on full windows only")
        c = self.conditioning(cond)
        for block in self.blocks:
            x = block(x, cos, sin, attn_mask, c)[0]
        h = self.final_norm(x, c)
        if self.cfg.logit_shift:
            h = torch.cat([h[:, :1], h[:, :-1]], dim=1)
        return h

    def conditioning(self, cond):
        """cond [B] -> c [B, cond_dim], or None for a cond-free denoiser."""
        if self.cond_embed is None:
            return None
        if cond is None:
            raise ValueError(f"this denoiser needs cond ({self.cfg.cond_kind})")
        return self.cond_embed(cond)

    def final_norm(self, x, c):
        if c is None:
            return self.ln_f(x)
        shift, scale = self.ada_f(c).chunk(2, dim=-1)
        return modulate(self.ln_f(x), shift, scale)

    def head(self, h, sigma=None):
        """h [..., D] -> fp32 logits [..., V]; never under autocast (SEEDS §7.2). With sigma_shift,
        sigma (shaped like h[..., 0]) turns them into SEDD's log scores."""
        w = self.wte.weight if self.lm_head is None else self.lm_head.weight
        if h.is_cuda:
            with torch.autocast("cuda", enabled=False):
                out = F.linear(h.float(), w.float())
        else:
            out = F.linear(h.float(), w.float())
        if self.cfg.sigma_shift:
            out = out - (log_expm1(sigma) + math.log(self.cfg.vocab_size - 2)).unsqueeze(-1)
        return out

    def forward(self, input_ids, positions=None, cond=None, row_positions=None, past_key=None, past_value=None):
        """input_ids [B, L] int64 (RDLM: input_vec [B, L, D*(k+1)] float32); positions [B, Q] int64 or
        None; cond [B] float32 (when cond_kind != "none") -> logits [B, Q or L, V] float32 (RDLM: V = D*k).
        With row_positions, past_key and past_value: the context-cache graph (forward_cached), one
        forward so that both graphs export from the same module scopes (the weights' node names)."""
        if past_key is not None:
            return self.forward_cached(input_ids, row_positions, positions, past_key, past_value, cond)
        return self.rows_logits(self.hidden(input_ids, cond=cond), positions, cond)

    def rows_logits(self, h, positions, cond):
        """h [B, L, D] -> logits [B, Q, V] of the rows `positions` [B, Q] (all L rows when None)."""
        if positions is not None:
            idx = positions.unsqueeze(-1).expand(-1, -1, h.shape[-1])
            h = torch.gather(h, 1, idx)                             # [B, Q, D]: gather before the head
        sigma = cond[:, None].expand(h.shape[:2]) if self.cfg.sigma_shift else None
        return self.head(h, sigma)

    def forward_cached(self, input_ids, row_positions, positions, past_key, past_value, cond=None):
        """The context-cache graph (docs/model-contract.md, `context_cache`). The L rows of input_ids
        [B, L] sit at canvas positions row_positions [B, L]; past_key/past_value [n_layer, B, H, C, hd]
        hold the rotated keys and values of C other canvas rows (the context, kept from an earlier
        call; C may be 0), which every row attends to besides the L rows; their batch may be 1, one
        context shared by the B rows.
        -> logits [B, Q, V] of the rows `positions` [B, Q] (indices into the L rows), and
        present_key/present_value [n_layer, B, H, L, hd] of the L rows. With C = 0 and row_positions
        0..L-1 this is forward() exactly; with C > 0 the context's keys and values are those of the
        earlier call, which saw the hole as it was then (Fast-dLLM's dual cache, approximate)."""
        if self.sphere:
            raise ValueError("the context cache takes token ids; the sphere graph reads a continuous state")
        if self.cfg.logit_shift:
            # a hole's first slot is predicted from the context row before it, which a cached call
            # does not run
            raise ValueError("a logit_shift denoiser has no context-cache graph")
        if self.cfg.causal:
            raise ValueError("a causal denoiser has no context-cache graph: its rows attend to the rows before them alone")
        x = self.wte(input_ids)
        cos, sin = self.rotary.at(row_positions)
        c = self.conditioning(cond)
        keys, values = [], []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, cos, sin, None, c, (past_key[i], past_value[i]))
            keys.append(k)
            values.append(v)
        logits = self.rows_logits(self.final_norm(x, c), positions, cond)
        return logits, torch.stack(keys), torch.stack(values)


def config_dict(cfg):
    return asdict(cfg)
