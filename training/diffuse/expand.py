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

`--expand_padding` says what a row that shows its padding shows. `all` (session 46's `expand13`):
all of it, so every masked slot there is content or expand, and the model only grows
(bench/README.md §54). `cut`: the pads after a cut drawn between the content's end and the hole's
end, the pads before it masked like the content (probed as `cut`, §55); in a merged row that leaves
expand targets and masked padding in one row, which no engine row needs. `row`: the row the
engine shows, S slots then padding, drawn first: shorter than the content, its content merged;
longer, masked padding in it; so the model learns to grow a short row and to pad a long one, each
where the text asks for it.

Sampling (src/sampler/loop/holeGrowth.ts, and its twin in reference_sampler/sampler.py): a slot
revealed as the expand token becomes two masks, pushing the row's later slots into its trailing
padding.
"""
import torch


def check_share(share):
    """A share of hole rows to merge: in (0, 1] (0 is no expand slots, and no merging step)."""
    if not 0 < share <= 1:
        raise ValueError(f"expand_share must be in (0, 1], got {share}")


PADDINGS = ("all", "cut", "row")


class ExpandMerges:
    """The merging step of a training stream (mdlm.HostDrawnStream). Of the hole rows (is_fim), a
    share `fixed_padding` show their end's padding unmasked, as `padding` says:
    - "all": all of it (session 46's `expand13`);
    - "cut": the pads after a random cut (`show_padding_after_cut`);
    - "row": the pads after a row drawn as the engine's (`shape_as_engine_row`): its slots merged
      where it is shorter than the content, masked padding in it where it is longer.
    A share `share` of the hole rows (with "row", of the others) get `merge_masked_pairs` with at
    least one merge and at most half their masked content slots. Draws from torch's generator (each
    loader worker seeds its own)."""

    def __init__(self, share, expand_id, pad_id, fixed_padding=0.5, padding="all"):
        check_share(share)
        if padding not in PADDINGS:
            raise ValueError(f"expand padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        self.share, self.expand_id, self.pad_id, self.fixed_padding = share, expand_id, pad_id, fixed_padding
        self.padding = padding

    def __call__(self, x0, region, masked, is_fim, t):
        """-> (x0, masked) with the chosen rows merged (new tensors; the inputs are left as they
        were). t [B]: each row's diffusion time, the chance its closing pad is masked."""
        x0, masked = x0.clone(), masked.clone()
        fixed = is_fim & (torch.rand(is_fim.shape) < self.fixed_padding)
        if self.padding == "all":
            masked &= ~(fixed[:, None] & region & (x0 == self.pad_id))
        chosen = is_fim & (torch.rand(is_fim.shape) < self.share)
        if self.padding == "row":
            for row in fixed.nonzero().flatten().tolist():
                shape_as_engine_row(x0[row], region[row], masked[row], self.expand_id, self.pad_id)
            chosen &= ~fixed
        for row in chosen.nonzero().flatten().tolist():
            content = masked[row] & region[row] & (x0[row] != self.pad_id)
            available = int(content.sum())
            if available >= 2:
                merges = int(torch.randint(1, available // 2 + 1, ()))
                # shown where all the row's padding is; with the cut, masked at the row's rate until the cut shows it
                shown = fixed[row] and self.padding == "all"
                close_masked = torch.rand(merges) < (0.0 if shown else float(t[row]))
                merge_masked_pairs(x0[row], region[row], masked[row], close_masked, self.expand_id, self.pad_id)
        if self.padding == "cut":
            for row in fixed.nonzero().flatten().tolist():
                show_padding_after_cut(x0[row], region[row], masked[row], self.pad_id)
        return x0, masked


def hole_span(region):
    """A hole row's hole as [a, b) (one contiguous span, data.py), or None for a row without one."""
    hole = region.nonzero().flatten()
    return None if len(hole) == 0 else (int(hole[0]), int(hole[-1]) + 1)


def shape_as_engine_row(x0, region, masked, expand_id, pad_id):
    """In place, on one hole row (x0 [L] ids, region and masked [L] bool): the hole as the engine's
    row of S slots followed by shown padding, S drawn uniformly from [ceil(n / 2), H] (n content
    tokens, H hole slots; a merge halves two slots at most). Shorter than the content, the row's
    content is merged (`merge_masked_pairs`, n - S merges, fewer where no masked pair is left, and S
    grows to match); longer, the padding inside it keeps its masking: a row holds expand targets or
    masked padding, never both. Returns S."""
    span = hole_span(region)
    if span is None:
        return 0
    a, b = span
    n = int((x0[a:b] != pad_id).sum())
    size = int(torch.randint(max(1, (n + 1) // 2), b - a + 1, ()))
    if size < n:
        size = n - merge_masked_pairs(x0, region, masked, torch.zeros(n - size, dtype=torch.bool), expand_id, pad_id)
    masked[a + size:b] = False
    return size


def show_padding_after_cut(x0, region, masked, pad_id):
    """In place, on one hole row (x0 [L] ids, region and masked [L] bool): the slots from a cut drawn
    uniformly between the content's end (the first padding slot) and the hole's end are shown (they
    are padding); the hole's slots before it keep their masking. Returns the cut."""
    span = hole_span(region)
    if span is None:
        return 0
    a, b = span
    content_end = a + int((x0[a:b] != pad_id).sum())     # padding is the hole's suffix (data.py, merges)
    cut = int(torch.randint(content_end, b + 1, ()))
    masked[cut:b] = False
    return cut


def merge_masked_pairs(x0, region, masked, close_masked, expand_id, pad_id):
    """In place, on one row (x0 [L] ids, region and masked [L] bool): for each entry of
    `close_masked` [merges] bool, one random pair of adjacent masked non-padding hole slots becomes
    one masked slot of target `expand_id`; the hole's later slots move one left and a `pad_id` slot,
    masked as that entry says, closes the hole. Returns the merges made (fewer where no pair is left)."""
    span = hole_span(region)
    if span is None:
        return 0
    a, b = span
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
