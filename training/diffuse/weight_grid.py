"""The grids the CPU graphs' weights lie on: one definition for the quantizer (quantize.py, numpy)
and for 4-bit-aware training (qat.py, torch), so that both round to the same values."""

# int8 weights use -63..63, one scale per output column (quantize.py explains why not -127..127)
INT8_STEPS = 63
# int8from4: 4-bit values -7..7 in blocks, a block's step a whole number of 28ths of its column's
# int8 step, from 1 to 9 int8 steps (252 28ths: one byte a block)
INT4_STEPS = 7
STEP_DIVISOR = 28
MAX_STEP = 9 * STEP_DIVISOR


def splits_into_blocks(inputs, block):
    """Whether a weight of `inputs` inputs splits into int8from4 blocks of `block` (even: two values a byte)."""
    return block >= 2 and block % 2 == 0 and inputs % block == 0
