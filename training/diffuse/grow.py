"""Block expansion (LLaMA Pro, Wu et al. 2024): a deeper denoiser started from a trained one.

Each block of the source becomes `factor` consecutive blocks: the block itself, then copies whose
residual writes (the attention's and the MLP's output projections) start at zero. A block whose
writes are zero adds nothing to the residual stream, so the deeper model computes exactly what the
source did at its first step, and training grows the copies from there: the model issue's size
ablation at a size the 42 M bundled model's GPU-minutes already paid for, instead of from scratch.
The copies' other weights (LayerNorms, qkv, the MLP's first layer) are the source's, so the zeroed
projections get gradients from their first step (their inputs are not zero).
"""
import re

import torch

# the Linear weights through which a block writes into the residual stream (model.Block)
RESIDUAL_WRITES = ("attn.proj.weight", "mlp.proj.weight")
_BLOCK = re.compile(r"blocks\.(\d+)\.(.+)")


def source_layers(n_layer, factor):
    """The source's depth for a model of `n_layer` blocks grown `factor`-fold (ValueError if it is not whole)."""
    if factor < 1 or n_layer % factor:
        raise ValueError(f"init_deepen={factor}: the model's n_layer={n_layer} must be a whole multiple of it")
    return n_layer // factor


def deepened(state, factor):
    """The state dict of the `factor`-fold deeper model whose blocks 2i, 2i+1, ... (for factor 2)
    are block i of `state` and its zero-write copies; every other tensor as it is."""
    out = {}
    for name, value in state.items():
        match = _BLOCK.fullmatch(name)
        if match is None:
            out[name] = value
            continue
        index, rest = int(match[1]), match[2]
        for k in range(factor):
            out[f"blocks.{index * factor + k}.{rest}"] = torch.zeros_like(value) if k and rest in RESIDUAL_WRITES else value.clone()
    return out
