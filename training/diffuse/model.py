"""The denoiser: a small bidirectional transformer (optionally causal, for the AR baseline).

One file, plain PyTorch. Runs on torch 1.13 (plain attention) and torch 2.x (SDPA), and exports
to ONNX opset 17 with the contract's signature: input_ids int64[B, L], positions int64[B, Q]
-> logits float32[B, Q, V]. No time conditioning: the MDLM denoiser is time-independent.
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
    max_length: int = 256       # longest canvas trained on (rotary itself has no table to outgrow)
    rope_base: float = 10000.0
    dropout: float = 0.0
    causal: bool = False        # True only for the autoregressive baseline
    tie_embeddings: bool = True


def rotate_half(x):
    # NeoX convention: split the head dim in halves (x1, x2) -> (-x2, x1)
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Rotary(nn.Module):
    def __init__(self, head_dim, base):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, seq_len, device):
        # computed from the length each call (cheap) so any L works and ONNX keeps L dynamic
        t = torch.arange(seq_len, device=device, dtype=torch.float32)
        freqs = t[:, None] * self.inv_freq[None, :]           # [L, hd/2]
        emb = torch.cat((freqs, freqs), dim=-1)                # [L, hd]
        return emb.cos()[None, None], emb.sin()[None, None]    # [1, 1, L, hd]


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

    def forward(self, x, cos, sin, attn_mask=None):
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        q = q.view(B, L, self.n_head, D // self.n_head).transpose(1, 2)   # [B, H, L, hd]
        k = k.view(B, L, self.n_head, D // self.n_head).transpose(1, 2)
        v = v.view(B, L, self.n_head, D // self.n_head).transpose(1, 2)
        q = (q * cos + rotate_half(q) * sin).to(v.dtype)
        k = (k * cos + rotate_half(k) * sin).to(v.dtype)
        if self.use_sdpa:
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
        return self.proj(y)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=False)
        self.proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = MLP(cfg)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, cos, sin, attn_mask=None):
        x = x + self.drop(self.attn(self.ln1(x), cos, sin, attn_mask))
        return x + self.drop(self.mlp(self.ln2(x)))


class Denoiser(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.rotary = Rotary(cfg.n_embd // cfg.n_head, cfg.rope_base)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.lm_head = None if cfg.tie_embeddings else nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight"):   # GPT-2 style: scale residual writes by depth
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def hidden(self, input_ids, valid=None):
        """input_ids [B, L] -> final hidden states [B, L, D] (in the autocast dtype when training).
        valid [B, L] bool (training only): False marks filler after a short row; no query attends
        to it, so a short row behaves exactly like a shorter canvas. The exported graph has none."""
        x = self.wte(input_ids)
        cos, sin = self.rotary(input_ids.shape[1], input_ids.device)
        attn_mask = None if valid is None else valid[:, None, None, :]     # [B, 1, 1, L] keys
        if attn_mask is not None and self.cfg.causal:
            raise ValueError("the causal baseline trains on full windows only")
        for block in self.blocks:
            x = block(x, cos, sin, attn_mask)
        return self.ln_f(x)

    def head(self, h):
        """h [..., D] -> fp32 logits [..., V]; never under autocast (SEEDS §7.2)."""
        w = self.wte.weight if self.lm_head is None else self.lm_head.weight
        if h.is_cuda:
            with torch.autocast("cuda", enabled=False):
                return F.linear(h.float(), w.float())
        return F.linear(h.float(), w.float())

    def forward(self, input_ids, positions=None):
        """input_ids [B, L] int64; positions [B, Q] int64 or None -> logits [B, Q or L, V] float32."""
        h = self.hidden(input_ids)                                  # [B, L, D]
        if positions is not None:
            idx = positions.unsqueeze(-1).expand(-1, -1, h.shape[-1])
            h = torch.gather(h, 1, idx)                             # [B, Q, D]: gather before the head
        return self.head(h)


def config_dict(cfg):
    return asdict(cfg)
