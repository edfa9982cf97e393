import type { Denoiser, DenoiseRequest } from '../sampler/types';
import type { TextTokenizer } from '../tokenizer';
import type { HoleLayout } from './types';

/**
 * A line-shaped hole keeps one line (rows.ts), so a fill whose first token ends the line is an
 * empty line: it shows nothing, like a fill of padding alone, which `nonEmpty` already rules out at
 * a hole's first slot (the sampler's pad rules). This rules out the rest: the tokens that end a
 * line before any text (`\n`, `  \n`, `\n\n    `). A model that has learnt that a file often opens
 * with a blank line offers one at the top of a short program, where the user asked for a line
 * (bench/README.md §16: a continuation of v5 filled 11 of 32 import-line holes with one).
 */

/** A logit no softmax gives weight to, finite so that 0 · log p stays 0 in the sampler's sums. */
const RULED_OUT = -1e4;

/** Text that ends its line before any other character. */
const ENDS_LINE = /^[ \t]*[\r\n]/;

const lineEnders = new WeakMap<TextTokenizer, Promise<Int32Array>>();

/** The ids whose text ends a line before any other character, once per tokenizer. */
export function lineEndingIds(tokenizer: TextTokenizer): Promise<Int32Array> {
  let ids = lineEnders.get(tokenizer);
  if (ids === undefined) {
    ids = (async () => {
      const found: number[] = [];
      for (let id = 0; id < tokenizer.vocabSize; id++) {
        if (!tokenizer.specialTokens.has(id) && ENDS_LINE.test(await tokenizer.decode([id]))) found.push(id);
      }
      return Int32Array.from(found);
    })();
    lineEnders.set(tokenizer, ids);
  }
  return ids;
}

/**
 * The canvas positions of the first slot of every line-shaped hole, where every row agrees: the
 * same start, and each row keeps the hole one line (a larger row may take several lines, and
 * there a first line break is a fill's own choice).
 */
export function lineHoleStarts(layout: HoleLayout, lineShaped: readonly (readonly boolean[])[]): number[] {
  const first = layout.rows[0] ?? [];
  return first
    .map((hole, i) => ({ start: hole.start, everyRow: layout.rows.every((row, r) => row[i]?.start === hole.start && lineShaped[r]?.[i] === true) }))
    .filter((h) => h.everyRow)
    .map((h) => h.start);
}

/**
 * `denoiser` whose logits at the canvas positions `starts` give `ids` no weight: the sampler never
 * draws them there. Nothing else changes (the spec, the context cache, the logits elsewhere).
 */
export function ruleOutAtStarts(denoiser: Denoiser, starts: readonly number[], ids: Int32Array): Denoiser {
  if (starts.length === 0 || ids.length === 0) return denoiser;
  const at = new Set(starts);
  const width = denoiser.spec.vocabSize;
  return {
    spec: denoiser.spec,
    ...(denoiser.contextCache === undefined ? {} : { contextCache: denoiser.contextCache }),
    // the answers are the model's own arrays, edited in place
    ...(denoiser.recycle ? { recycle: (logits: Float32Array) => denoiser.recycle!(logits) } : {}),
    async denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array> {
      const logits = await denoiser.denoise(request, signal);
      request.positions.forEach((position, query) => {
        if (!at.has(position)) return;
        const offset = query * width;
        for (const id of ids) logits[offset + id] = RULED_OUT;
      });
      return logits;
    },
  };
}
