"""Expand slots: length supervision for editor holes (DreamOn, Wu et al. 2025; the model issue's
length-supervision ablation).

The engine gives a hole a few candidate lengths (src/infill/rows.ts) and keeps the best fill, because
an over-allocated hole is filled rather than padded (bench/README.md §53: one 16-slot row passes 11
points fewer single lines than the three rows), while a row told the true length does as well as the
three at 57 % of the CPU. A model that can say "this slot stands for more than one token" lets one
short row grow to the length its content needs.

Training: after MDLM's forward process has masked a hole row (MDLM.draw), `merge_masked_pairs` takes
that share of the hole rows and merges pairs of adjacent masked content slots (never padding, never
the context) into one masked slot whose target is the expand token: the hole keeps its place on the
canvas, so what follows the merged pair moves one slot left and a visible padding slot closes the
hole's end, as a short row's fixed padding does in the engine. A merged slot may merge again (it then
stands for three tokens or more); merges happen among masked slots only, as in DreamOn, so the share
of expand targets follows the masking rate. Padding at a hole's end stays the delete target it was.

Sampling (the engine's part, not built yet): a slot revealed as the expand token becomes two masks,
pushing the row's later slots into its trailing padding.
"""
import torch


class ExpandMerges:
    """The merging step of a training stream: `share` of the hole rows (is_fim) get `merge_masked_pairs`
    with at least one merge and at most half their masked content slots. Draws from torch's generator
    (each loader worker seeds its own)."""

    def __init__(self, share, expand_id, pad_id):
        if not 0 < share <= 1:
            raise ValueError(f"expand_share must be in (0, 1], got {share}")
        self.share, self.expand_id, self.pad_id = share, expand_id, pad_id

    def __call__(self, x0, region, masked, is_fim):
        """-> (x0, masked) with the chosen rows merged (new tensors; the inputs are left as they were)."""
        x0, masked = x0.clone(), masked.clone()
        chosen = is_fim & (torch.rand(is_fim.shape) < self.share)
        for row in chosen.nonzero().flatten().tolist():
            content = masked[row] & region[row] & (x0[row] != self.pad_id)
            available = int(content.sum())
            if available >= 2:
                merges = int(torch.randint(1, available // 2 + 1, ()))
                merge_masked_pairs(x0[row], region[row], masked[row], merges, self.expand_id, self.pad_id)
        return x0, masked


def merge_masked_pairs(x0, region, masked, merges, expand_id, pad_id):
    """In place, on one row (x0 [L] ids, region and masked [L] bool): up to `merges` times, one
    random pair of adjacent masked non-padding hole slots becomes one masked slot of target
    `expand_id`; the hole's later slots move one left and a visible `pad_id` slot closes the hole.
    Returns the merges made (fewer where no pair is left)."""
    hole = region.nonzero().flatten()
    if len(hole) == 0:
        return 0
    a, b = int(hole[0]), int(hole[-1]) + 1             # the hole: one contiguous span (data.py)
    made = 0
    for _ in range(merges):
        content = masked[a:b] & (x0[a:b] != pad_id)
        pairs = (content[:-1] & content[1:]).nonzero().flatten()
        if len(pairs) == 0:
            break
        i = a + int(pairs[torch.randint(len(pairs), ())])
        x0[i] = expand_id
        x0[i + 1:b - 1] = x0[i + 2:b].clone()
        masked[i + 1:b - 1] = masked[i + 2:b].clone()
        x0[b - 1], masked[b - 1] = pad_id, False
        made += 1
    return made
