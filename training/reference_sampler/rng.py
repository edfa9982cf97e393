"""The seeded RNG of the sampler, bit for bit the same as `src/core/rng.ts`.

Algorithm (all arithmetic on unsigned 32-bit integers, i.e. modulo 2^32):

- Seeding: ``seed32 = seed & 0xFFFFFFFF`` (JS ``seed >>> 0``). The four state words s0..s3 are four
  successive outputs of splitmix32 started at ``seed32``::

    x = x + 0x9E3779B9; z = x
    z = (z ^ (z >> 16)) * 0x85EBCA6B; z = (z ^ (z >> 13)) * 0xC2B2AE35; z = z ^ (z >> 16)

- Next 32-bit word: xoshiro128** (Blackman & Vigna)::

    result = rotl(s1 * 5, 7) * 9; t = s1 << 9
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)

- Uniform in the open interval (0, 1): two words a, b; ``k = (a >> 6) * 2^26 + (b >> 6)``, a 52-bit
  integer; ``u = (2k + 1) / 2^53``. Exact in float64, never 0 or 1, 53 significant bits.
"""

MASK32 = 0xFFFFFFFF


def _splitmix32(state):
    state = (state + 0x9E3779B9) & MASK32
    z = state
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK32
    z = z ^ (z >> 16)
    return state, z


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK32


class Rng:
    def __init__(self, seed):
        state = seed & MASK32
        words = []
        for _ in range(4):
            state, value = _splitmix32(state)
            words.append(value)
        self.s0, self.s1, self.s2, self.s3 = words

    def next_uint32(self):
        result = (_rotl((self.s1 * 5) & MASK32, 7) * 9) & MASK32
        t = (self.s1 << 9) & MASK32
        self.s2 ^= self.s0
        self.s3 ^= self.s1
        self.s1 ^= self.s2
        self.s0 ^= self.s3
        self.s2 ^= t
        self.s3 = _rotl(self.s3, 11)
        return result

    def next_uniform(self):
        high = self.next_uint32() >> 6
        low = self.next_uint32() >> 6
        return (2 * (high * 2**26 + low) + 1) / 2**53
