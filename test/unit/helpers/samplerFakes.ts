/**
 * Deterministic fake denoisers for the sampler tests. `hashLogits` is the fake of
 * training/reference_sampler/fake_denoiser.py, bit for bit (see its docstring for the formula):
 * every logit is an integer numerator below 2^24 over 2^18, exact in float32 and float64. With a
 * `cond` the row hash folds in its float32 bits; log-score specs get the fake's log scores, and
 * sphere specs `sphereLogits` (the fake's `fake_sphere_logits`, smooth in the continuous state).
 * `ContextCacheFake` is the fake's context-cached twin (fake_denoiser.py's `ContextCacheFake`).
 */
import type { Canvas, DenoiseRequest, Denoiser, DiffusionSpec } from '../../../src/sampler';

export const FAKE_SPEC: DiffusionSpec = {
  family: 'mdlm',
  graph: 'absorb',
  outputKind: 'x0_logits',
  condKind: 'none',
  schedule: { type: 'loglinear', eps: 1e-3 },
  vocabSize: 24,
  maskId: 23,
  padId: 0,
  eosId: 1,
  bosId: null,
  maxLength: 64,
};

/** lowbias32 finaliser. */
function mix(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function combine(h: number, value: number): number {
  return mix((((h ^ value) >>> 0) + 0x9e3779b9) >>> 0);
}

function tokenHash(row: Int32Array): number {
  return row.reduce((h, token) => combine(h, token), 0x811c9dc5);
}

// returns logits: [B, Q, V]; rowSalts (one per row) are folded into the row hashes last
export function hashLogits(spec: DiffusionSpec, request: DenoiseRequest, rowSalts?: readonly number[]): Float32Array {
  const { tokens, batch, length, positions, queries, cond } = request;
  const { vocabSize, maskId, padId } = spec;
  const out = new Float32Array(batch * queries * vocabSize);
  const condBits = cond && new Uint32Array(cond.buffer, cond.byteOffset, cond.length);
  for (let b = 0; b < batch; b++) {
    const row = tokens.subarray(b * length, (b + 1) * length);
    const conditioned = condBits ? combine(tokenHash(row), condBits[b]!) : tokenHash(row);
    const rowHash = rowSalts ? combine(conditioned, rowSalts[b]!) : conditioned;
    for (let q = 0; q < queries; q++) {
      const position = positions[b * queries + q]!;
      const ph = combine(rowHash, position);
      const sharpness = 1 + (ph & 7);
      const endsHole = position + 1 === length || row[position + 1] !== maskId;
      const padBonus = endsHole && (ph >>> 3) % 3 === 0;
      const base = (b * queries + q) * vocabSize;
      const numerators = Array.from({ length: vocabSize }, (_, v) => {
        const numerator = sharpness * (combine(ph, v) >>> 12) + (v === padId && padBonus ? 2 ** 22 : 0);
        return v === maskId ? 2 ** 24 - 1 : numerator;
      });
      if (spec.outputKind !== 'log_score') {
        numerators.forEach((n, v) => (out[base + v] = n / 2 ** 18));
        continue;
      }
      const top = Math.max(...numerators.filter((_, v) => v !== maskId));
      const shift = spec.graph === 'absorb' ? Math.floor(cond![b]!) + 3 : -1;
      numerators.forEach((n, v) => (out[base + v] = v === maskId ? n / 2 ** 18 : (n - top) / 2 ** 20 - shift));
    }
  }
  return out;
}

/** Row hash of the canvas tokens, then the float32 bits of the row's cond when there is one. */
function rowHashOf(tokens: Int32Array, cond: Float32Array | undefined, b: number): number {
  const tokenHash = tokens.reduce((h, token) => combine(h, token), 0x811c9dc5);
  return cond ? combine(tokenHash, new Uint32Array(cond.buffer, cond.byteOffset, cond.length)[b]!) : tokenHash;
}

// returns logits: [B, Q, digits * base]; logit = f32((4 bias + 3 x_j) - x_mask) at the query's digit
export function sphereLogits(spec: DiffusionSpec, request: DenoiseRequest): Float32Array {
  const { tokens, batch, length, positions, queries, cond, state } = request;
  const { base, digits } = spec.sphere!;
  const coords = base + 1;
  const out = new Float32Array(batch * queries * digits * base);
  let i = 0;
  for (let b = 0; b < batch; b++) {
    const rowHash = rowHashOf(tokens.subarray(b * length, (b + 1) * length), cond, b);
    for (let q = 0; q < queries; q++) {
      const position = positions[b * queries + q]!;
      const ph = combine(rowHash, position);
      for (let d = 0; d < digits; d++) {
        const x = (b * length + position) * digits * coords + d * coords;
        for (let j = 0; j < base; j++) {
          const bias = (combine(ph, d * base + j) >>> 12) / 2 ** 20;
          out[i++] = 4 * bias + 3 * state![x + j]! - state![x + base]!;
        }
      }
    }
  }
  return out;
}

/** A denoiser that records every request and answers with `logitsOf` (default: the fake of its graph). */
export class RecordingDenoiser implements Denoiser {
  readonly requests: DenoiseRequest[] = [];
  onCall: ((request: DenoiseRequest) => void) | undefined;

  constructor(
    readonly spec: DiffusionSpec = FAKE_SPEC,
    private readonly logitsOf: (request: DenoiseRequest) => Float32Array = (r) => (spec.graph === 'sphere' ? sphereLogits(spec, r) : hashLogits(spec, r)),
  ) {}

  get calls(): number {
    return this.requests.length;
  }

  async denoise(request: DenoiseRequest): Promise<Float32Array> {
    this.requests.push(request);
    this.onCall?.(request);
    return this.logitsOf(request);
  }
}

/**
 * The fake with a context cache (fake_denoiser.py's `ContextCacheFake`): a refresh call, or a call
 * of another fill than the kept one, answers as `hashLogits` and keeps the canvas; a cached call
 * folds each kept row's token hash into its row hash, and refuses a query outside the fresh positions.
 * Rows are matched by `cache.rows` (the fill's canvas rows, after pruning), by position otherwise.
 */
export class ContextCacheFake extends RecordingDenoiser {
  readonly contextCache = true;
  private kept: { fill: number; tokens: Int32Array; rows: number[] } | undefined;

  /** `adjust` rewrites each answer's logits `[B, Q, V]` in place (e.g. to favour one id). */
  constructor(spec: DiffusionSpec = FAKE_SPEC, adjust?: (logits: Float32Array) => void) {
    super(spec, (request) => {
      const logits = this.answer(request);
      adjust?.(logits);
      return logits;
    });
  }

  private answer(request: DenoiseRequest): Float32Array {
    const { cache, tokens, batch, length, positions } = request;
    const rows = cache?.rows ? Array.from(cache.rows) : Array.from({ length: batch }, (_, b) => b);
    if (!cache || cache.refresh || this.kept?.fill !== cache.fill) {
      if (cache) this.kept = { fill: cache.fill, tokens: tokens.slice(), rows };
      return hashLogits(this.spec, request);
    }
    if (positions.some((p) => !cache.fresh.includes(p))) throw new Error('a cached call queried a position outside the fresh positions');
    const { tokens: kept, rows: keptRows } = this.kept;
    const salts = rows.map((row) => {
      const k = keptRows.indexOf(row);
      if (k < 0) throw new Error(`a cached call ran row ${row}, whose context is not kept`);
      return tokenHash(kept.subarray(k * length, (k + 1) * length));
    });
    return hashLogits(this.spec, request, salts);
  }
}

/** A canvas from rows of equal length. */
export function canvasOf(...rows: number[][]): Canvas {
  return { tokens: Int32Array.from(rows.flat()), batch: rows.length, length: rows[0]!.length };
}

/** A row: context lists and hole sizes, e.g. row([5, 6], 4, [7]) = 5 6 M M M M 7. */
export function row(...parts: Array<number[] | number>): number[] {
  return parts.flatMap((part) => (typeof part === 'number' ? new Array<number>(part).fill(FAKE_SPEC.maskId) : part));
}

/**
 * A denoiser whose every queried position prefers one token: `pick(rowTokens, position)` gives
 * `[token, logit]`, and every other id (the mask too, which SUBS drops) has logit 0. With the fake
 * vocabulary the preferred token's probability is e^logit / (e^logit + 22).
 */
export function scriptedDenoiser(pick: (tokens: Int32Array, position: number) => [number, number], spec = FAKE_SPEC): RecordingDenoiser {
  return new RecordingDenoiser(spec, ({ tokens, batch, length, positions, queries }) => {
    const out = new Float32Array(batch * queries * spec.vocabSize);
    for (let b = 0; b < batch; b++) {
      for (let q = 0; q < queries; q++) {
        const [token, logit] = pick(tokens.subarray(b * length, (b + 1) * length), positions[b * queries + q]!);
        out[(b * queries + q) * spec.vocabSize + token] = logit;
      }
    }
    return out;
  });
}
