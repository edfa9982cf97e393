import { InvalidRequestError } from '../../core/errors';
import type { DenoiseRequest, DiffusionSpec } from '../../sampler/types';

/** Refuses a request the graph would reject with an opaque runtime error (or, worse, read out of bounds). */
export function checkDenoiseRequest(request: DenoiseRequest, spec: DiffusionSpec): void {
  const { tokens, batch, length, positions, queries, cond, state } = request;
  const fail = (reason: string): never => {
    throw new InvalidRequestError(`denoise request: ${reason}`);
  };
  for (const [name, value] of Object.entries({ batch, length, queries })) {
    if (!Number.isInteger(value) || value < 1) fail(`${name} must be a positive integer, got ${value}`);
  }
  if (length > spec.maxLength) fail(`length ${length} exceeds the model's max_length ${spec.maxLength}`);
  if (tokens.length !== batch * length) fail(`tokens has ${tokens.length} ids, expected batch × length = ${batch * length}`);
  if (positions.length !== batch * queries) {
    fail(`positions has ${positions.length} entries, expected batch × queries = ${batch * queries}`);
  }
  if (tokens.some((id) => id < 0 || id >= spec.vocabSize)) fail(`token ids must lie in [0, ${spec.vocabSize})`);
  if (positions.some((p) => p < 0 || p >= length)) fail(`positions must lie in [0, ${length})`);
  if (spec.sphere) {
    const width = spec.sphere.digits * (spec.sphere.base + 1);
    if (state?.length !== batch * length * width) fail(`state must hold batch × length × ${width} floats on the sphere graph`);
  } else if (state) {
    fail('only a sphere-graph model takes a continuous state');
  }
  const rows = request.cache?.rows;
  if (rows && (rows.length !== batch || rows.some((row, i) => row < 0 || (i > 0 && row <= rows[i - 1]!)))) {
    fail(`cache.rows must name the canvas row of each of the ${batch} rows, ascending (got [${Array.from(rows).join(', ')}])`);
  }
  if (spec.condKind === 'none') {
    if (cond) fail('this model takes no cond input');
  } else if (cond?.length !== batch) {
    fail(`cond must hold one value per row (${batch}) for cond_kind ${spec.condKind}`);
  }
}
