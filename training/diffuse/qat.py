"""4-bit-aware finishing: the last part of a run trains the blocks' weights through the values an
`int8from4` graph will run (quantize.py), so storing them in 4 bits costs nothing more at export.

Rounded to 4 bits after training, v5's weights moved 9 % of its argmaxes (bench/README.md §8), and a
24-layer model lost three random spans of 89 to them (model card, "Twice as deep"). Quantization-
aware training with the straight-through estimator fixes that the usual way: the forward uses the
quantized weight, the backward treats the rounding as the identity, so the float weights keep
learning and settle where their rounding is good. `train.py --qat4_from=P` turns it on once a share
P of the schedule has passed.

The rule is quantize.pack4's to the last rounding, in float32 and in the same order, so the weights
trained through are exactly those the folded graph multiplies by (tested against pack4 / unpack4).
Only the blocks' Linear layers are affected: the embedding table (which the tied head reads) stays
int8 in an int8from4 graph, whose error is the shipped int8 graph's.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .weight_grid import INT4_STEPS, INT8_STEPS, MAX_STEP, STEP_DIVISOR, splits_into_blocks


def check_block(inputs, block):
    if not splits_into_blocks(inputs, block):
        raise ValueError(f"qat4_block={block}: a weight of {inputs} inputs does not split into blocks of it")


def int8from4_weight(weight, block=32):
    """The weight [out, in] as an int8from4 graph runs it: 4-bit values in blocks of `block` inputs,
    each block's step a whole number of 28ths (1..252) of its output row's int8 step, rounded to
    that int8 step and multiplied back by the row's scale."""
    rows, inputs = weight.shape
    check_block(inputs, block)
    w = weight.float()
    absmax = w.abs().amax(dim=1)
    scale = torch.where(absmax > 0, absmax / INT8_STEPS, torch.ones_like(absmax))[:, None, None]
    blocks = w.view(rows, inputs // block, block)
    widest = blocks.abs().amax(dim=2, keepdim=True) / scale
    steps = torch.clamp(torch.round(widest / INT4_STEPS * STEP_DIVISOR), 1, MAX_STEP)
    q = torch.clamp(torch.round(blocks / (steps / STEP_DIVISOR * scale)), -INT4_STEPS, INT4_STEPS)
    int8 = torch.round(q / STEP_DIVISOR * steps)
    return (int8 * scale).view(rows, inputs).to(weight.dtype)


class Int8From4Linear(nn.Linear):
    """An nn.Linear whose forward reads its weight as an int8from4 graph will (the gradient passes
    straight through the rounding). `enable` turns a model's block Linears into these in place."""

    block = 32

    def forward(self, x):
        w = self.weight
        return F.linear(x, w + (int8from4_weight(w.detach(), self.block) - w).detach(), self.bias)


def enable(model, block=32):
    """Trains `model`'s block Linears through their int8from4 weights from now on; returns how many.
    The modules change class in place, so parameters, optimizer state and state_dict keys stay as
    they are (a checkpoint loads into a plain model). A compiled forward must be compiled again
    after this: its guards need not notice a module's class."""
    layers = [m for block in model.blocks for m in block.modules() if type(m) is nn.Linear]
    for m in layers:
        check_block(m.in_features, block)                    # a block size a weight refuses fails here, before any change
    for m in layers:
        m.__class__ = Int8From4Linear
        m.block = block
    return len(layers)
