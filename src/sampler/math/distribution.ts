import { InferenceError } from '../../core/errors';

/**
 * The SUBS x0 distribution of one queried position, p = softmax(logits) with the mask logit at
 * -inf, summarised in float64. Sums run over token ids in ascending order (the Python reference
 * does the same, so both languages round identically). A `banned` id is left out like the mask
 * (the padding id where a pad may not go, see step/padRules.ts); every field below is then of the
 * distribution renormalised without it.
 */
export interface PositionStats {
  /** The id left out besides the mask; -1 for none. */
  readonly banned: number;
  /** The distribution covers ids [0, ids): the vocabulary, or all of it but the expand token, its last id, where a hole may not grow (loop/holeGrowth.ts). */
  readonly ids: number;
  /** argmax_v p_v; ties go to the lower id. */
  readonly best: number;
  readonly maxLogit: number;
  /** Σ_v exp(logit_v - maxLogit): the normaliser Z. */
  readonly sumExp: number;
  /** p_best = 1 / Z. */
  readonly maxProb: number;
  /** p_top1 - p_top2. */
  readonly margin: number;
  /** Σ_v p_v log p_v = -entropy. */
  readonly negEntropy: number;
}

/** A network output (float32) or weights the sampler derived from one (float64). */
export type LogitRows = Float32Array | Float64Array;

/**
 * `logits[offset .. offset + ids)` is one query row of `[B, Q, V]` (or one derived log-weight row),
 * all of it (`ids` = V) or all but its last id (`ids` = V - 1, the expand token left out).
 */
export function positionStats(logits: LogitRows, offset: number, ids: number, maskId: number, banned = -1): PositionStats {
  const blocks = allowedBlocks(offset, ids, maskId, banned);
  const top = new Top();
  for (let i = 0; i < blocks.length; i += 2) top.scan(logits, blocks[i]!, blocks[i + 1]!);
  const sums = new ExpSums(top.maxLogit, top.at);
  for (let i = 0; i < blocks.length; i += 2) sums.add(logits, blocks[i]!, blocks[i + 1]!);
  const { maxLogit } = top;
  const { sumExp, weightedLogits, secondShifted } = sums;
  if (top.at < 0 || !Number.isFinite(maxLogit) || !Number.isFinite(sumExp) || !Number.isFinite(weightedLogits)) {
    throw new InferenceError('the denoiser returned non-finite logits');
  }
  return {
    banned,
    ids,
    best: top.at - offset,
    maxLogit,
    sumExp,
    maxProb: 1 / sumExp,
    margin: (1 - Math.exp(secondShifted)) / sumExp,
    negEntropy: weightedLogits / sumExp - Math.log(sumExp),
  };
}

/**
 * Ids a call of `Top.scan` or `ExpSums.add` takes at most. Whole rows in one call ran ~1.7× slower
 * for a dozen fills or more in some processes (2 of 8; the plain loop before had such processes
 * too): V8 first compiled the loop on the stack, before the code after it had run, and that code
 * then deoptimized call after call. Short calls get compiled whole; measured (20 held-out
 * single-line fills a process, 10 processes each for 512 and 2048), every process ran at one
 * speed, with a slow fill or two at most. Walking the allowed ids in blocks, untested, is also
 * ~10 % faster than the plain loop that tested each (90 against 101 µs a position of 8192 ids).
 */
const BLOCK = 2048;

/**
 * The indices in `logits` of the ids other than `maskId` and `banned`, ascending, as flat [start,
 * end) pairs of at most `BLOCK`: the loops walk them without testing each id.
 */
function allowedBlocks(offset: number, vocabSize: number, maskId: number, banned: number): number[] {
  const cuts = [maskId, banned].filter((id) => id >= 0 && id < vocabSize).sort((a, b) => a - b);
  const blocks: number[] = [];
  let start = 0;
  for (const end of [...cuts, vocabSize]) {
    if (end < start) continue; // banned is the mask
    for (let from = start; from < end; from += BLOCK) blocks.push(offset + from, offset + Math.min(end, from + BLOCK));
    start = end + 1;
  }
  return blocks;
}

/** The largest logit so far and its index (ties to the lower index; NaN is never larger); -1 before any. */
class Top {
  at = -1;
  maxLogit = -Infinity;

  scan(logits: LogitRows, start: number, end: number): void {
    let { at, maxLogit } = this;
    for (let i = start; i < end; i++) {
      const logit = logits[i]!;
      if (logit > maxLogit) {
        maxLogit = logit;
        at = i;
      }
    }
    this.at = at;
    this.maxLogit = maxLogit;
  }
}

/**
 * Σ e_i and Σ e_i (logit_i - max) with e_i = exp(logit_i - max), added in ascending index order (so
 * the sums round as the Python reference's do), and the largest logit_i - max at an index other
 * than the best's (for the margin; -inf while there is none). Every id is summed: the bundled
 * model's rows span 16-26 nats, so a skip that leaves the sums bit for bit as they are (a term
 * under half an ulp of the sum so far) drops 0.02 % of the ids, and one that drops many changes
 * them by far more than the goldens allow (bench/README.md §70).
 */
class ExpSums {
  sumExp = 0;
  weightedLogits = 0;
  secondShifted = -Infinity;

  constructor(
    private readonly maxLogit: number,
    private readonly bestAt: number,
  ) {}

  add(logits: LogitRows, start: number, end: number): void {
    const { maxLogit, bestAt } = this;
    let { sumExp, weightedLogits, secondShifted } = this;
    for (let i = start; i < end; i++) {
      const shifted = logits[i]! - maxLogit;
      if (shifted > secondShifted && i !== bestAt) secondShifted = shifted;
      const e = Math.exp(shifted);
      sumExp += e;
      if (e > 0) weightedLogits += e * shifted;
    }
    this.sumExp = sumExp;
    this.weightedLogits = weightedLogits;
    this.secondShifted = secondShifted;
  }
}

/** p_token under the untempered SUBS distribution (`banned` left out too): what `confidence` reports. */
export function probabilityOf(logits: LogitRows, offset: number, token: number, stats: PositionStats): number {
  return Math.exp(logits[offset + token]! - stats.maxLogit) / stats.sumExp;
}
