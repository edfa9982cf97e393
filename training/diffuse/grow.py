"""A denoiser of another depth started from a trained one: block expansion (deeper) and block
selection (shallower).

Block expansion (LLaMA Pro, Wu et al. 2024): a deeper denoiser started from a trained one.

Each block of the source becomes `factor` consecutive blocks: the block itself, then copies whose
residual writes (the attention's and the MLP's output projections) start at zero. A block whose
writes are zero adds nothing to the residual stream, so the deeper model computes exactly what the
source did at its first step, and training grows the copies from there: the model issue's size
ablation at a size the 42 M bundled model's GPU-minutes already paid for, instead of from scratch.
The copies' other weights (LayerNorms, qkv, the MLP's first layer) are the source's, so the zeroed
projections get gradients from their first step (their inputs are not zero).

Block selection: a shallower denoiser whose blocks are some of the source's, in order (`kept_blocks`, `selected`):
the size ablation's smaller networks (bench/README.md §8, "Smaller networks": six blocks of 512
run a refresh in half the time of twelve) from the bundled model's weights instead of from
scratch. Dropping blocks leaves the residual stream's scale off what the later blocks and the head
were trained on, so such a start needs training, as the expanded one does not.
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


def kept_blocks(spec, n_layer, source_layers):
    """The source blocks `--init_layers` names ('0,2,4,6,8,10'): one for each of the model's
    n_layer blocks, ascending, each below source_layers (ValueError naming the flag otherwise)."""
    try:
        blocks = [int(part) for part in spec.split(",")]
    except ValueError:
        raise ValueError(f"init_layers={spec!r}: comma-separated block numbers, e.g. 0,2,4,6,8,10") from None
    if len(blocks) != n_layer:
        raise ValueError(f"init_layers={spec!r}: {len(blocks)} blocks for a model of n_layer={n_layer}")
    if any(b >= a for a, b in zip(blocks[1:], blocks)) or blocks[0] < 0 or blocks[-1] >= source_layers:
        raise ValueError(f"init_layers={spec!r}: ascending block numbers of the source's 0..{source_layers - 1}")
    return blocks


def selected(state, blocks):
    """The state dict of the model whose block i is block blocks[i] of `state`; every other tensor as it is."""
    where = {source: i for i, source in enumerate(blocks)}
    out = {}
    for name, value in state.items():
        match = _BLOCK.fullmatch(name)
        if match is None:
            out[name] = value
        elif int(match[1]) in where:
            out[f"blocks.{where[int(match[1])]}.{match[2]}"] = value
    return out


def block_count(names):
    """How many blocks the parameter names (a state dict's keys, a graph's initializers) hold."""
    return 1 + max((int(m[1]) for m in map(_BLOCK.fullmatch, names) if m), default=-1)
