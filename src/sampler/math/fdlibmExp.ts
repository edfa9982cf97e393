/*
 * exp(x) for x <= 0, the same double as V8's Math.exp: its general case (v8/src/base/ieee754.cc,
 * fdlibm by way of FreeBSD's e_exp.c) ported operation for operation, so the sampler's float64
 * sums round exactly as they did with Math.exp. Why a port: positionStats takes one exp per token
 * id (8192 a queried position, ~100 positions a fill), and a call of Math.exp leaves the compiled
 * loop for C++ every time; this one inlines, ~20 % less time for the loop.
 *
 * The port covers x in [-708, -1.5 ln 2], nearly every id of a position (its logit more than 1.04
 * below the best): there fdlibm reduces x to r = x - k ln 2 with k in [-1021, -2], and its scaling
 * by 2^k is an exact product. Everything else (the few ids near the best, the ruled-out ids' -1e4,
 * -inf, NaN) goes to Math.exp itself, which keeps fdlibm's special cases out of the loop and the
 * compiled loop on one path.
 */

/** fdlibm takes its general case from |x| = this on (its high word 0x3FF0A2B2: about 1.5 ln 2). */
const GENERAL_FROM = 1.0397205352783203;
/** Below this the result nears the subnormals, where fdlibm scales in two steps. */
const LOWEST = -708;

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.442695040888963387;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

/** 2^-i for i in [0, 1021], built by halving (exact: every entry is a normal number). */
const POW2_NEG = ((): Float64Array => {
  const table = new Float64Array(1022);
  let p = 1;
  for (let i = 0; i < table.length; i++, p /= 2) table[i] = p;
  return table;
})();

/** Math.exp(x), bit for bit, for x <= 0 (see the top of this file). */
export function expNonPositive(x: number): number {
  if (!(x <= -GENERAL_FROM && x >= LOWEST)) return Math.exp(x);
  // k = (int)(x / ln 2 - 0.5): C's cast truncates toward zero
  const k = Math.trunc(INV_LN2 * x - 0.5);
  const hi = x - k * LN2_HI;
  const lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  return (1 - (lo - (r * c) / (2.0 - c) - hi)) * POW2_NEG[-k]!;
}
