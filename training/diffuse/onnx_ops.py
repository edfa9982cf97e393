"""onnxruntime's fused operators (domain com.microsoft) for the exported context-cache graph.

Written op by op, the exported attention is ~60 small nodes a layer (rotary halves, transposes,
shape arithmetic for every view, matmul-softmax-matmul over the past and the rows) and the tanh
GELU another seven; on the CPU each node costs a fixed few microseconds, so in a cached call of a
few hole rows they take about as long as the int8 matrix multiplies themselves (bench/README.md,
"Fused operators"). onnxruntime has kernels for exactly these blocks on the CPU and WebGPU
providers: RotaryEmbedding, MultiHeadAttention (with past keys and values) and FastGelu. With
`shared_past` the attention stays matmuls (FusedAttention says why); rotary and GELU stay fused.

`fuse(model)` swaps export-only modules into a deep copy of a Denoiser; each emits one fused
node when traced by torch.onnx and computes the same function as the module it replaces when run
by PyTorch, so the parity check compares the fused graph with the unfused network.
`finish_graph(path)` then names the optional inputs MultiHeadAttention leaves empty, which
torch.onnx cannot express.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import attend_with_context, rotate_half

DOMAIN = "com.microsoft"
# MultiHeadAttention's inputs: query, key, value, bias, key_padding_mask, attention_bias, past_key,
# past_value; this graph gives the first three and the pasts, the rest stay empty ("").
MHA_INPUTS = 8
MHA_PAST = (6, 7)


class _FastGelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return F.gelu(x, approximate="tanh")

    @staticmethod
    def symbolic(g, x):
        return g.op(f"{DOMAIN}::FastGelu", x)


class _Rotary(torch.autograd.Function):
    """x [B, L, H*hd] rotated at positions [B, L] with cos/sin tables [P, hd/2] (NeoX halves, as
    model.rotate_half: onnxruntime's interleaved=0)."""

    @staticmethod
    def forward(ctx, x, positions, cos_cache, sin_cache, num_heads):
        B, L, D = x.shape
        cos = torch.cat((cos_cache[positions], cos_cache[positions]), dim=-1)[:, :, None]   # [B, L, 1, hd]
        sin = torch.cat((sin_cache[positions], sin_cache[positions]), dim=-1)[:, :, None]
        heads = x.view(B, L, num_heads, D // num_heads)
        return (heads * cos + rotate_half(heads) * sin).reshape(B, L, D)

    @staticmethod
    def symbolic(g, x, positions, cos_cache, sin_cache, num_heads):
        return g.op(f"{DOMAIN}::RotaryEmbedding", x, positions, cos_cache, sin_cache,
                    interleaved_i=0, num_heads_i=num_heads)


class _MultiHeadAttention(torch.autograd.Function):
    """Bidirectional attention of q, k, v [B, L, D] over past keys/values [B, H, C, hd] and the L
    rows -> (y [B, L, D], present key and value [B, H, C + L, hd])."""

    @staticmethod
    def forward(ctx, q, k, v, past_key, past_value, num_heads):
        B, L, D = q.shape
        split = lambda t: t.view(B, L, num_heads, D // num_heads).transpose(1, 2)   # noqa: E731
        keys = torch.cat((past_key, split(k)), dim=2)
        values = torch.cat((past_value, split(v)), dim=2)
        att = F.softmax((split(q) @ keys.transpose(-2, -1)) * (D // num_heads) ** -0.5, dim=-1)
        return (att @ values).transpose(1, 2).reshape(B, L, D), keys, values

    @staticmethod
    def symbolic(g, q, k, v, past_key, past_value, num_heads):
        return g.op(f"{DOMAIN}::MultiHeadAttention", q, k, v, past_key, past_value,
                    num_heads_i=num_heads, outputs=3)


class FusedMLP(nn.Module):
    def __init__(self, mlp):
        super().__init__()
        self.fc, self.proj = mlp.fc, mlp.proj

    def forward(self, x):
        return self.proj(_FastGelu.apply(self.fc(x)))


class FusedAttention(nn.Module):
    """Attention (model.py) with fused rotary nodes. Block passes it what the Denoiser's rotary gave,
    which after `fuse` is the row positions and the rotary tables (PositionsRotary.at), not cos and sin.
    The attention itself is one MultiHeadAttention node, or with `shared_past` the matmul-softmax-matmul
    of model.attend_with_context over the context and the rows as two blocks: MultiHeadAttention wants
    a past of the rows' batch and copies it into its present, which on the CPU cost more than the
    matmuls of a cached call of a few hole rows (bench/README.md, "One shared context"); the two
    blocks read a past of batch 1 where it is, for every row."""

    def __init__(self, attn, shared_past=False):
        super().__init__()
        self.qkv, self.proj, self.n_head = attn.qkv, attn.proj, attn.n_head
        self.shared_past = shared_past

    def forward(self, x, positions, tables, attn_mask=None, past=None):
        if attn_mask is not None or past is None:
            raise ValueError("the fused attention is the context-cache graph's: past keys and values, no mask")
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        rotate = lambda t: _Rotary.apply(t, positions, *tables, self.n_head)   # noqa: E731
        if self.shared_past:
            heads = lambda t: t.view(B, L, self.n_head, D // self.n_head).transpose(1, 2)   # noqa: E731
            q, k, v = heads(rotate(q)), heads(rotate(k)), heads(v)
            y = attend_with_context(q, k, v, past[0], past[1]).transpose(1, 2).reshape(B, L, D)
            return self.proj(y), k, v
        y, keys, values = _MultiHeadAttention.apply(rotate(q), rotate(k), v, past[0], past[1], self.n_head)
        C = past[0].shape[2]
        # this call's rows alone, as Attention returns them (the contract's present_key/value)
        return self.proj(y), keys[:, :, C:], values[:, :, C:]


class PositionsRotary(nn.Module):
    """Stands in for model.Rotary in the fused graph: `at` hands the attention the row positions and
    onnxruntime's tables, cos and sin of positions 0..max_length-1 at half width. The tables are
    computed in the graph from the frequencies, as model.Rotary computes them (the same float32
    products), and onnxruntime folds them into constants when it loads the graph."""

    def __init__(self, rotary, max_length):
        super().__init__()
        self.inv_freq = rotary.inv_freq
        self.register_buffer("table_positions", torch.arange(max_length, dtype=torch.float32), persistent=False)

    def at(self, positions):
        angles = self.table_positions[:, None] * self.inv_freq    # [P, hd/2]
        return positions, (angles.cos(), angles.sin())


def fuse(model, shared_past=False):
    """Swaps the fused modules into `model` (a deep copy of a Denoiser, exported with the context
    cache): its rotary tables cover positions 0..max_length-1, the longest canvas the model takes.
    shared_past: the attention of FusedAttention's two blocks instead of MultiHeadAttention."""
    if model.cfg.sphere_base or model.cfg.causal:
        raise ValueError("fused operators are for the token-id, bidirectional context-cache graph")
    model.rotary = PositionsRotary(model.rotary, model.cfg.max_length)
    for block in model.blocks:
        block.attn = FusedAttention(block.attn, shared_past)
        block.mlp = FusedMLP(block.mlp)
    return model


def finish_graph(path):
    """Rewrites each MultiHeadAttention node's inputs to the op's positions (the pasts are its 7th
    and 8th inputs; bias and masks left empty) and declares the com.microsoft domain."""
    import onnx
    from onnx import helper
    m = onnx.load(path)
    for node in m.graph.node:
        if node.domain == DOMAIN and node.op_type == "MultiHeadAttention":
            q, k, v, past_key, past_value = node.input
            inputs = [q, k, v] + [""] * (MHA_INPUTS - 3)
            inputs[MHA_PAST[0]], inputs[MHA_PAST[1]] = past_key, past_value
            del node.input[:]
            node.input.extend(inputs)
    if not any(o.domain == DOMAIN for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid(DOMAIN, 1))
    onnx.save(m, path)
