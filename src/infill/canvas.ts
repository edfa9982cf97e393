import { HolesApartError, InvalidRequestError } from '../core/errors';
import type { DiffusionSpec } from '../sampler';
import type { TextTokenizer } from '../tokenizer';
import { PREFIX_SHARE } from './defaults';
import type { InfillRequest } from './types';
import { encodePrefixTail, encodeSuffixHead, firstTokens, lastTokens } from './window';

/** Where one hole's mask slots sit on the canvas. */
export interface CanvasHole {
  readonly start: number;
  readonly slots: number;
}

/** One canvas row: `[eos?][prefix ids][masks][between ids][masks]…[suffix ids][eos?]`. */
export interface CanvasLayout {
  readonly ids: Int32Array;
  readonly holes: readonly CanvasHole[];
  /** Context tokens on each side of the holes, document markers included. */
  readonly prefixTokens: number;
  readonly suffixTokens: number;
}

/**
 * Lays out `request` as the model was trained to see it (fill-in-the-middle style, see
 * training/diffuse/data.py): the prefix, each piece of text between holes and the suffix are
 * tokenized separately, and each hole is a run of `slots[i]` mask ids. The holes and the text
 * between them are kept whole; what is left of `contextTokens` goes to the prefix (`PREFIX_SHARE`,
 * or more when the suffix is short) and the suffix. Where the canvas reaches the start or the end
 * of the document and there is room, an end-of-text id marks it, as in training.
 */
export async function buildCanvas(
  tokenizer: TextTokenizer,
  spec: Pick<DiffusionSpec, 'maskId' | 'eosId'>,
  request: InfillRequest,
  slots: readonly number[],
  contextTokens: number,
): Promise<CanvasLayout> {
  const { text, holes } = request;
  const between = await Promise.all(
    holes.slice(1).map(async (hole, i) => (await tokenizer.encodeText(text.slice(holes[i].end, hole.start))).ids),
  );
  const fixed = slots.reduce((a, b) => a + b, 0) + between.reduce((a, ids) => a + ids.length, 0);
  const largest = Math.max(...slots);
  if (largest > contextTokens) {
    throw new InvalidRequestError(`a hole needs ${largest} slots, more than the ${contextTokens}-token context`);
  }
  if (fixed > contextTokens) {
    throw new HolesApartError(`the holes and the text between them need ${fixed} tokens, more than the ${contextTokens}-token context`);
  }
  const room = contextTokens - fixed;
  const [prefix, suffix] = await Promise.all([
    encodePrefixTail(tokenizer, text.slice(0, holes[0].start), room),
    encodeSuffixHead(tokenizer, text.slice(holes[holes.length - 1].end), room),
  ]);
  const prefixAvailable = prefix.encoded.ids.length;
  const prefixBudget = Math.min(prefixAvailable, Math.max(Math.ceil(room * PREFIX_SHARE), room - suffix.encoded.ids.length));
  const prefixIds = lastTokens(prefix.encoded, prefixBudget);
  if (prefix.whole && prefixIds.length === prefixAvailable && prefixIds.length < room) prefixIds.unshift(spec.eosId);
  const suffixIds = firstTokens(suffix.encoded, room - prefixIds.length);
  const suffixWhole = suffix.whole && suffixIds.length === suffix.encoded.ids.length;
  if (suffixWhole && prefixIds.length + suffixIds.length < room) suffixIds.push(spec.eosId);

  const ids: number[] = [...prefixIds];
  const canvasHoles: CanvasHole[] = [];
  slots.forEach((count, i) => {
    if (i > 0) ids.push(...between[i - 1]);
    canvasHoles.push({ start: ids.length, slots: count });
    for (let k = 0; k < count; k++) ids.push(spec.maskId);
  });
  ids.push(...suffixIds);
  return { ids: Int32Array.from(ids), holes: canvasHoles, prefixTokens: prefixIds.length, suffixTokens: suffixIds.length };
}
