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
canvas, so what follows the merged pair moves one slot left and a padding slot closes the hole's end.
A merged slot may merge again (it then stands for three tokens or more); merges happen among masked
slots only, as in DreamOn, so the share of expand targets follows the masking rate. Padding at a
hole's end stays the delete target it was.

Padding must not give a merge away: the engine shows a short row's slack as fixed, visible padding
(src/infill/rows.ts) whether or not the row is too short, so a share of ALL hole rows, merged or not,
show their end's padding unmasked (`fixed_padding`), and in the other rows the closing pad a merge
adds is masked at the row's own rate t, like the padding the forward process masked there. (A first
version always showed it, and a small model learnt to read "a visible pad closes the hole" as "this
row was merged" instead of reading the text: review of session 45.)

With `padding_cut` (`--expand_padding=cut`), a row that shows its padding shows only the pads after
a cut drawn between its content's end and the hole's end, the pads before the cut masked at the row's
rate like its content: a row of the engine's may be longer than its content as well as shorter, so
the model learns to pad a short row's too many slots as well as to grow it. Without it (session 46's
`expand13`) such rows show all their padding, every masked slot is content or expand there, and the
model only grows (bench/README.md §54).

Sampling (src/sampler/loop/holeGrowth.ts, and its twin in reference_sampler/sampler.py): a slot
revealed as the expand token becomes two masks, pushing the row's later slots into its trailing
padding.
"""
import torch


def check_share(share):
    """A share of hole rows to merge: in (0, 1] (0 is no expand slots, and no merging step)."""
    if not 0 < share <= 1:
        raise ValueError(f"expand_share must be in (0, 1], got {share}")


class ExpandMerges:
    """The merging step of a training stream (mdlm.HostDrawnStream). Of the hole rows (is_fim), a
    share `fixed_padding` show their end's padding unmasked (with `padding_cut`, the pads after a
    random cut, `show_padding_after_cut`), and a share `share` get `merge_masked_pairs` with at
    least one merge and at most half their masked content slots. Draws from torch's generator (each
    loader worker seeds its own)."""

    def __init__(self, share, expand_id, pad_id, fixed_padding=0.5, padding_cut=False):
        check_share(share)
        self.share, self.expand_id, self.pad_id, self.fixed_padding = share, expand_id, pad_id, fixed_padding
        self.padding_cut = padding_cut

    def __call__(self, x0, region, masked, is_fim, t):
        """-> (x0, masked) with the chosen rows merged (new tensors; the inputs are left as they
        were). t [B]: each row's diffusion time, the chance its closing pad is masked."""
        x0, masked = x0.clone(), masked.clone()
        fixed = is_fim & (torch.rand(is_fim.shape) < self.fixed_padding)
        if not self.padding_cut:
            masked &= ~(fixed[:, None] & region & (x0 == self.pad_id))
        chosen = is_fim & (torch.rand(is_fim.shape) < self.share)
        for row in chosen.nonzero().flatten().tolist():
            content = masked[row] & region[row] & (x0[row] != self.pad_id)
            available = int(content.sum())
            if available >= 2:
                merges = int(torch.randint(1, available // 2 + 1, ()))
                # shown where all the row's padding is; with the cut, masked at the row's rate until the cut shows it
                shown = fixed[row] and not self.padding_cut
                close_masked = torch.rand(merges) < (0.0 if shown else float(t[row]))
                merge_masked_pairs(x0[row], region[row], masked[row], close_masked, self.expand_id, self.pad_id)
        if self.padding_cut:
            for row in fixed.nonzero().flatten().tolist():
                show_padding_after_cut(x0[row], region[row], masked[row], self.pad_id)
        return x0, masked


def show_padding_after_cut(x0, region, masked, pad_id):
    """In place, on one hole row (x0 [L] ids, region and masked [L] bool): the slots from a cut drawn
    uniformly between the content's end (the first padding slot) and the hole's end are shown (they
    are padding); the hole's slots before it keep their masking. Returns the cut."""
    hole = region.nonzero().flatten()
    if len(hole) == 0:
        return 0
    a, b = int(hole[0]), int(hole[-1]) + 1
    content_end = a + int((x0[a:b] != pad_id).sum())     # padding is the hole's suffix (data.py, merges)
    cut = int(torch.randint(content_end, b + 1, ()))
    masked[cut:b] = False
    return cut


def merge_masked_pairs(x0, region, masked, close_masked, expand_id, pad_id):
    """In place, on one row (x0 [L] ids, region and masked [L] bool): for each entry of
    `close_masked` [merges] bool, one random pair of adjacent masked non-padding hole slots becomes
    one masked slot of target `expand_id`; the hole's later slots move one left and a `pad_id` slot,
    masked as that entry says, closes the hole. Returns the merges made (fewer where no pair is left)."""
    hole = region.nonzero().flatten()
    if len(hole) == 0:
        return 0
    a, b = int(hole[0]), int(hole[-1]) + 1             # the hole: one contiguous span (data.py)
    made = 0
    for closing in close_masked.tolist():
        content = masked[a:b] & (x0[a:b] != pad_id)
        pairs = (content[:-1] & content[1:]).nonzero().flatten()
        if len(pairs) == 0:
            break
        i = a + int(pairs[torch.randint(len(pairs), ())])
        x0[i] = expand_id
        x0[i + 1:b - 1] = x0[i + 2:b].clone()
        masked[i + 1:b - 1] = masked[i + 2:b].clone()
        x0[b - 1], masked[b - 1] = pad_id, closing
        made += 1
    return made
