"""The deterministic fake denoiser shared with the TS tests (`test/unit/helpers/samplerFakes.ts`).

Every logit is an integer numerator over 2^18 with numerator < 2^24, so it is exact in float32 and
float64 alike, and both languages see identical logits. For a row with canvas tokens x and a query
position q (uint32 arithmetic, ``mix`` = lowbias32 finaliser):

    row_hash = fold(combine, x, 0x811C9DC5)        combine(h, value) = mix(((h ^ value) + 0x9E3779B9) mod 2^32)
    ph = combine(row_hash, q)
    sharpness = 1 + (ph & 7)                        positions differ in how peaked they are
    numerator[v] = sharpness * (combine(ph, v) >> 12)
    numerator[pad] += 2^22    when q ends a hole (q is last or x[q+1] is context) and (ph >> 3) % 3 == 0
    numerator[mask] = 2^24 - 1                      the largest logit: SUBS must suppress it

Because the hash covers the whole canvas, logits change whenever a token is revealed.

Time-conditioned specs (a `cond` per row, float32 on the TS side): the row hash also folds in the
float32 bits of the row's cond, ``row_hash = combine(row_hash, f32bits(cond[b]))``, so logits depend
on the step's time too. Log-score specs (SEDD) return log scores instead, rounded to float32:
``logit[v] = f32((numerator[v] - max_real_numerator) / 2^20 - shift)`` for every real id, the mask entry
as above (ignored by the sampler); shift = floor(f32(cond[b])) + 3 on the absorb graph (scores fall
like 1 / (e^σ - 1) as the noise grows), -1 on the uniform graph (ratios around 1).

Context caching (`ContextCacheFake`, a denoiser that honours the sampler's ContextCacheRequest): a
refresh call, or a call of another fill than the kept one, answers as above and keeps the canvas;
a cached call answers as above with each row's hash also folding in the kept canvas row's token
hash, ``row_hash = combine(row_hash, fold(combine, kept_row, 0x811C9DC5))`` (after cond): its
context saw the hole as it was at the refresh. It refuses to be queried outside the fresh positions.

Sphere specs (RDLM) read the continuous state (float32, [batch, length, digits, base + 1]) and
return `digits * base` logits per query, smooth in the state so that an ulp of difference between
two libms stays an ulp (the walk's tokens are then the same in both languages): with the row hash
as above (cond folded in) and x the query position's digit d,

    logit[d * base + j] = f32((4 (combine(ph, d * base + j) >> 12) / 2^20 + 3 x[j]) - x[base])
"""

import math
import struct

MASK32 = 0xFFFFFFFF

FAKE_SPEC = {
    "family": "mdlm",
    "graph": "absorb",
    "outputKind": "x0_logits",
    "condKind": "none",
    "schedule": {"type": "loglinear", "eps": 1e-3},
    "vocabSize": 24,
    "maskId": 23,
    "padId": 0,
    "eosId": 1,
    "bosId": None,
    "maxLength": 64,
}


def mix(x):
    x ^= x >> 16
    x = (x * 0x7FEB352D) & MASK32
    x ^= x >> 15
    x = (x * 0x846CA68B) & MASK32
    x ^= x >> 16
    return x


def combine(h, value):
    return mix(((h ^ value) + 0x9E3779B9) & MASK32)


def f32(x):
    """x rounded to float32 (what a TS Float32Array holds)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def token_hash(row):
    h = 0x811C9DC5
    for token in row:
        h = combine(h, token)
    return h


def fake_logits(spec, tokens, batch, length, positions, queries, cond=None, row_salts=None):
    """Logits ``[batch, queries, vocab]`` (flat list) for the queried positions; row_salts (one per
    row) are folded into the row hashes last (ContextCacheFake's cached calls)."""
    vocab, mask_id, pad_id = spec["vocabSize"], spec["maskId"], spec["padId"]
    log_score = spec["outputKind"] == "log_score"
    out = []
    for b in range(batch):
        row = tokens[b * length:(b + 1) * length]
        row_hash = token_hash(row)
        if cond is not None:
            row_hash = combine(row_hash, f32_bits(cond[b]))
        if row_salts is not None:
            row_hash = combine(row_hash, row_salts[b])
        for q in range(queries):
            position = positions[b * queries + q]
            ph = combine(row_hash, position)
            sharpness = 1 + (ph & 7)
            ends_hole = position + 1 == length or row[position + 1] != mask_id
            pad_bonus = ends_hole and (ph >> 3) % 3 == 0
            numerators = []
            for v in range(vocab):
                numerator = sharpness * (combine(ph, v) >> 12)
                if v == pad_id and pad_bonus:
                    numerator += 2**22
                if v == mask_id:
                    numerator = 2**24 - 1
                numerators.append(numerator)
            if not log_score:
                out += [n / 2**18 for n in numerators]
                continue
            top = max(n for v, n in enumerate(numerators) if v != mask_id)
            shift = math.floor(f32(cond[b])) + 3 if spec["graph"] == "absorb" else -1
            out += [n / 2**18 if v == mask_id else f32((n - top) / 2**20 - shift) for v, n in enumerate(numerators)]
    return out


class ContextCacheFake:
    """The fake with a context cache (see the module doc); keeps one fill's canvas at a time."""
    context_cache = True

    def __init__(self, spec):
        self.spec = spec
        self.kept = None            # (fill, canvas tokens at its last refresh)

    def __call__(self, tokens, batch, length, positions, queries, cond=None, cache=None):
        if cache is None or cache["refresh"] or self.kept is None or self.kept[0] != cache["fill"]:
            if cache is not None:
                self.kept = (cache["fill"], list(tokens))
            return fake_logits(self.spec, tokens, batch, length, positions, queries, cond)
        fresh = set(cache["fresh"])
        if any(p not in fresh for p in positions):
            raise ValueError("a cached call queried a position outside the fresh positions")
        kept = self.kept[1]
        salts = [token_hash(kept[b * length:(b + 1) * length]) for b in range(batch)]
        return fake_logits(self.spec, tokens, batch, length, positions, queries, cond, salts)


def fake_sphere_logits(spec, tokens, batch, length, positions, queries, cond, state):
    """Logits ``[batch, queries, digits * base]`` (flat list) of a sphere spec (see the docstring)."""
    base, digits = spec["sphere"]["base"], spec["sphere"]["digits"]
    coords = base + 1
    out = []
    for b in range(batch):
        row_hash = 0x811C9DC5
        for token in tokens[b * length:(b + 1) * length]:
            row_hash = combine(row_hash, token)
        row_hash = combine(row_hash, f32_bits(cond[b]))
        for q in range(queries):
            position = positions[b * queries + q]
            ph = combine(row_hash, position)
            for d in range(digits):
                x = (b * length + position) * digits * coords + d * coords
                for j in range(base):
                    bias = (combine(ph, d * base + j) >> 12) / 2**20
                    out.append(f32((4 * bias + 3 * state[x + j]) - state[x + base]))
    return out
