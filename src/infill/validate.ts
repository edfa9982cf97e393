import { InvalidRequestError } from '../core/errors';
import type { InfillOptions, InfillRequest } from './types';
import { isInsideSurrogatePair } from './unicode';

/**
 * Rejects a request the engine cannot serve, naming the field: no hole, a hole out of range or
 * splitting a character or a CRLF line break (the fill would leave a lone '\r'), holes out of
 * order, overlapping or touching (their fills could not be told apart), a bad `maxTokens`.
 */
export function validateRequest(request: InfillRequest): void {
  const { text, holes } = request;
  if (typeof text !== 'string') throw new InvalidRequestError('text must be a string');
  if (!Array.isArray(holes) || holes.length === 0) throw new InvalidRequestError('a request needs at least one hole');
  holes.forEach((hole, i) => {
    const name = `holes[${i}]`;
    if (!Number.isInteger(hole.start) || !Number.isInteger(hole.end) || hole.start < 0 || hole.end < hole.start || hole.end > text.length) {
      throw new InvalidRequestError(`${name} [${hole.start}, ${hole.end}) is not a range inside the ${text.length}-character text`);
    }
    if (isInsideSurrogatePair(text, hole.start) || isInsideSurrogatePair(text, hole.end)) {
      throw new InvalidRequestError(`${name} [${hole.start}, ${hole.end}) cuts a character in half`);
    }
    if (isInsideCrlf(text, hole.start) || isInsideCrlf(text, hole.end)) {
      throw new InvalidRequestError(`${name} [${hole.start}, ${hole.end}) cuts a line break (\\r\\n) in half`);
    }
    if (hole.maxTokens !== undefined) requirePositiveInteger(`${name}.maxTokens`, hole.maxTokens);
    if (i > 0 && hole.start <= holes[i - 1].end) {
      throw new InvalidRequestError(`${name} starts at ${hole.start}, not after holes[${i - 1}] ends (${holes[i - 1].end}): holes must be sorted, apart`);
    }
  });
}

/** Whether `index` falls between the '\r' and the '\n' of one line break. */
function isInsideCrlf(text: string, index: number): boolean {
  return text[index - 1] === '\r' && text[index] === '\n';
}

/** Checks the options this layer owns; the sampler checks its own. */
export function validateOptions(options: InfillOptions): void {
  requirePositiveInteger('maxTokens', options.maxTokens);
  requirePositiveInteger('contextTokens', options.contextTokens);
  if (options.candidates !== undefined) requirePositiveInteger('candidates', options.candidates);
  if (options.lineTokens !== undefined) requirePositiveInteger('lineTokens', options.lineTokens);
  requireSizes('lengths', options.lengths);
  requireSizes('inlineLengths', options.inlineLengths);
}

function requireSizes(name: string, sizes: readonly number[] | undefined): void {
  if (sizes === undefined) return;
  if (sizes.length === 0) throw new InvalidRequestError(`${name} must list at least one size when given`);
  sizes.forEach((size, i) => requirePositiveInteger(`${name}[${i}]`, size));
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new InvalidRequestError(`${name} must be a positive integer, got ${value}`);
}
