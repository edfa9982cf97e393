import { errorMessage, ModelLoadError } from '../../core/errors';
import { logitsWidth, type DenoiseRequest, type DiffusionSpec } from '../../sampler/types';
import type { ModelMeta } from '../folder/meta';
import type { OnnxDenoiser } from './onnxDenoiser';

/** Canvas of the warm-up runs: short, but long enough for any model (max_length >= 8). */
const warmUpLength = 8;
/** Rows computed in a different order may differ in the last bits, never by this much. */
const tolerance = 1e-3;

/**
 * Runs a new session twice on a short canvas and refuses what the sampler could not use:
 * - logits not of shape [B, Q, V] with V = meta.json's vocab_size (the sphere graph: digits × base);
 * - NaN or +Infinity, or a row with no finite logit, outside the mask column (-Infinity is a
 *   token the model rules out; the mask column is never read, and SUBS exports put -Infinity there);
 * - a graph that ignores its `positions` input: asking for positions [7, 0] and then [0, 7] must
 *   swap the rows;
 * - a context-cache graph (meta.json `context_cache`) whose cached call (after a refresh) fails or
 *   returns logits not of the full call's shape, or not finite as above; checked only where the
 *   denoiser uses the cache (`OnnxDenoiser.contextCache`: the CPU provider), as no fill makes a
 *   cached call elsewhere. Its values are not held to the full call's: an int8 graph quantizes
 *   activations per call, so a cached call of fewer rows differs from the full call by a few % of
 *   the logits' range even on an unchanged canvas, as much as a tiny random-weight graph changes
 *   when it is fed the wrong past. The export and the conversion (training/diffuse/context_cache.py)
 *   check the values against PyTorch instead.
 * Garbage from a GPU provider is a plain `Error` (the caller falls back to the next provider); the
 * same from CPU is the model's fault: a `ModelLoadError` naming `modelPath`.
 */
export async function checkWarmUp(denoiser: OnnxDenoiser, meta: ModelMeta, modelPath: string, provider: string): Promise<void> {
  const { spec } = denoiser;
  const width = logitsWidth(spec);
  const widthName = spec.sphere ? `sphere digits × base ${width}` : `vocab_size ${width}`;
  // the sphere graph's digit logits have no mask column
  const maskColumn = spec.sphere ? -1 : spec.maskId;
  const refuse = (reason: string, providerMayBeAtFault = false): never => {
    if (providerMayBeAtFault && provider !== 'cpu') throw new Error(`the warm-up run ${reason}`);
    throw new ModelLoadError(modelPath, `the warm-up run ${reason}`);
  };
  const last = warmUpLength - 1;
  // logits: [1, 2, V]
  const [reversed, inOrder] = [await denoiser.forward(warmUpRequest(spec, [last, 0])), await denoiser.forward(warmUpRequest(spec, [0, last]))];
  const { dims, data } = reversed;
  if (dims.length !== 3 || dims[2] !== width) {
    refuse(`returned logits of shape [${dims.join(', ')}], which do not end in meta.json's ${widthName}`);
  }
  if (dims[0] !== 1 || dims[1] !== 2) {
    refuse(`returned logits of shape [${dims.join(', ')}] for 1 row and 2 positions, expected [1, 2, ${width}]: ` +
      `the graph must return one row per entry of its '${meta.inputs.positions}' input`);
  }
  for (const row of [0, 1]) {
    const problem = nonFiniteProblem(data, row * width, width, maskColumn);
    if (problem) refuse(`produced ${problem}`, true);
  }
  const swapped = (row: number, v: number): boolean => Math.abs(data[row * width + v] - inOrder.data[(1 - row) * width + v]) <= tolerance;
  const rowsDiffer = data.subarray(0, width).some((x, v) => Math.abs(x - data[width + v]) > tolerance);
  const everyFinite = (v: number): boolean => Number.isFinite(data[v]) && Number.isFinite(data[width + v]);
  if (rowsDiffer) {
    for (let v = 0; v < width; v++) {
      if (everyFinite(v) && !(swapped(0, v) && swapped(1, v))) {
        refuse(`did not swap its rows when positions [${last}, 0] became [0, ${last}]: the graph ignores its '${meta.inputs.positions}' input`);
      }
    }
  }
  if (denoiser.contextCache) await checkCachedCall(denoiser, maskColumn, meta.contextCache?.sharedPast === true, refuse);
}

/** The warm-up's context cache: a name no fill takes (fills count up from 0). */
const warmUpFill = -1;

/**
 * A refresh and then a cached call of the masked rows of the warm-up canvas, twice over (two rows
 * that share their context, as a fill's length rows do: with `shared_past` one copy of it serves
 * both): usable logits of the same shape.
 */
async function checkCachedCall(
  denoiser: OnnxDenoiser,
  maskColumn: number,
  sharedPast: boolean,
  refuse: (reason: string, providerMayBeAtFault?: boolean) => never,
): Promise<void> {
  const fresh = Int32Array.from({ length: warmUpLength - 1 }, (_, i) => i + 1);
  const request = (refresh: boolean): DenoiseRequest => twoRows({ ...warmUpRequest(denoiser.spec, [warmUpLength - 1, 1]), cache: { fill: warmUpFill, refresh, fresh } });
  const run = (refresh: boolean): ReturnType<OnnxDenoiser['forward']> =>
    denoiser.forward(request(refresh)).catch((error: unknown) => {
      // a graph that wants the past in the rows' batch fails here, on a shape onnxruntime names
      if (sharedPast) refuse(`failed on two rows reading one context, which meta.json's context_cache.shared_past (true) promises: ${errorMessage(error)}`);
      throw error;
    });
  const full = await run(true);
  const cached = await run(false);
  const dims = (d: readonly number[]): string => `[${d.join(', ')}]`;
  if (dims(cached.dims) !== dims(full.dims)) refuse(`returned logits of shape ${dims(cached.dims)} on a cached call (context_cache), ${dims(full.dims)} on the full one`);
  const width = full.dims[2]!;
  for (let row = 0; row < cached.dims[0]! * cached.dims[1]!; row++) {
    const problem = nonFiniteProblem(cached.data, row * width, width, maskColumn);
    if (problem) refuse(`produced ${problem} on a cached call (context_cache)`, true);
  }
}

/** The request's one row twice: a batch of two rows with the same canvas, positions and conditioning. */
function twoRows(request: DenoiseRequest): DenoiseRequest {
  const twice = <T extends Int32Array | Float32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(2 * a.length);
    out.set(a);
    out.set(a, a.length);
    return out;
  };
  const { tokens, positions, state, cond } = request;
  return { ...request, batch: 2, tokens: twice(tokens), positions: twice(positions), ...(state ? { state: twice(state) } : {}), ...(cond ? { cond: twice(cond) } : {}) };
}

/** What is wrong with one logits row, if anything. */
function nonFiniteProblem(data: Float32Array, offset: number, vocabSize: number, maskId: number): string | undefined {
  let finite = 0;
  for (let v = 0; v < vocabSize; v++) {
    if (v === maskId) continue;
    const x = data[offset + v];
    if (Number.isNaN(x) || x === Infinity) return `a logit of ${x} (vocabulary id ${v})`;
    if (Number.isFinite(x)) finite++;
  }
  return finite === 0 ? 'a row of logits that are all -Infinity (no token possible)' : undefined;
}

/**
 * A canvas whose first token is known and the rest masked, so rows at its two ends differ in any
 * useful model; on the sphere graph every digit at the uniform point (the start of its walk).
 */
function warmUpRequest(spec: DiffusionSpec, positions: readonly number[]): DenoiseRequest {
  const tokens = new Int32Array(warmUpLength).fill(spec.maskId);
  tokens[0] = spec.eosId;
  const coords = (spec.sphere?.base ?? 0) + 1;
  const state = spec.sphere && new Float32Array(warmUpLength * spec.sphere.digits * coords).fill(1 / Math.sqrt(coords));
  return {
    ...(state ? { state } : {}),
    tokens,
    batch: 1,
    length: warmUpLength,
    positions: Int32Array.from(positions),
    queries: positions.length,
    cond: spec.condKind === 'none' ? undefined : new Float32Array([0.5]),
  };
}
