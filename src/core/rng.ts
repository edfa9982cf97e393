/**
 * The seeded random number generator of the sampler. The Python reference sampler
 * (`training/reference_sampler/rng.py`) implements the same algorithm bit for bit, so a seed gives
 * the same stream in both languages and golden cases can be compared exactly.
 *
 * Algorithm (all arithmetic on unsigned 32-bit integers, i.e. modulo 2^32):
 *
 * - Seeding: `seed32 = seed mod 2^32` (JS `seed >>> 0`, Python `seed & 0xFFFFFFFF`). The four
 *   state words s0..s3 are four successive outputs of splitmix32 started at `seed32`:
 *     x = x + 0x9E3779B9; z = x;
 *     z = (z ^ (z >>> 16)) * 0x85EBCA6B; z = (z ^ (z >>> 13)) * 0xC2B2AE35; z = z ^ (z >>> 16)
 *   (an all-zero state cannot arise: splitmix32 is a bijection of distinct counters).
 * - Next 32-bit word: xoshiro128** (Blackman & Vigna):
 *     result = rotl(s1 * 5, 7) * 9; t = s1 << 9;
 *     s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)
 * - Uniform in the open interval (0, 1): two words a, b; k = (a >>> 6) * 2^26 + (b >>> 6), a 52-bit
 *   integer; u = (2k + 1) / 2^53. Every step is exact in float64, u is never 0 or 1 (SEEDS.md §7:
 *   `-log(U)` and inverse-CDF draws must not see U = 0), and u has 53 significant bits.
 */

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

function splitmix32(state: number): { state: number; value: number } {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return { state: next, value: z };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` is any safe integer; only its low 32 bits matter. */
  constructor(seed: number) {
    let mix = { state: seed >>> 0, value: 0 };
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      mix = splitmix32(mix.state);
      words.push(mix.value);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
  }

  /** The next unsigned 32-bit word (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float64 uniform in the open interval (0, 1), from two 32-bit words. */
  nextUniform(): number {
    const high = this.nextUint32() >>> 6;
    const low = this.nextUint32() >>> 6;
    return (2 * (high * TWO_POW_26 + low) + 1) / TWO_POW_53;
  }
}
