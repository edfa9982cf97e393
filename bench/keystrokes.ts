/**
 * A typist's chain of fills before a timed one: the document as it was a few keystrokes earlier,
 * filled in turn, so that a fill with `cacheCarry` carries the context the fill a keystroke before
 * it kept, as the extension's fills of a typist do.
 */
import type { InfillOptions } from '../src/infill';
import { CARRY_MAX_CHAIN } from '../src/model';

/**
 * The task's document `keys` keystrokes earlier: its prefix's last `keys` characters not yet typed,
 * a character being a code point (an emoji's two UTF-16 units are one key) and a CRLF one Enter.
 */
export function keystrokeEarlier<T extends { prefix: string }>(task: T, keys = 1): T {
  let end = task.prefix.length;
  for (let key = 0; key < keys && end > 0; key++) end = keyStart(task.prefix, end);
  return { ...task, prefix: task.prefix.slice(0, end) };
}

/** Where the last key typed before `end` began: a CRLF or a surrogate pair whole, else one unit back. */
function keyStart(text: string, end: number): number {
  if (end >= 2 && text.endsWith('\r\n', end)) return end - 2;
  const last = text.codePointAt(end - 2);
  return end >= 2 && last !== undefined && last > 0xffff ? end - 2 : end - 1;
}

/**
 * A chain's length as a flag or configuration gives it: `on` is one keystroke. The engine carries
 * one context CARRY_MAX_CHAIN fills in a row, then refreshes, so a longer chain's timed fill would
 * refresh or repeat a shorter chain's carry, not measure a longer one: refused, as is a fraction.
 */
export function keystrokeChain(value: string, where: string): number {
  const keys = value === 'on' ? 1 : Number(value);
  if (!(Number.isInteger(keys) && keys >= 1 && keys <= CARRY_MAX_CHAIN)) {
    throw new Error(`${where}: '${value}' is not a keystroke chain: give on (one keystroke) or a whole number 1 to ${CARRY_MAX_CHAIN} (the engine carries a context ${CARRY_MAX_CHAIN} fills in a row at most)`);
  }
  return keys;
}

/**
 * The untimed fills of the document `keys`, ..., 1 keystrokes earlier. The first refreshes, as a
 * document's first fill does: carrying, it would carry whatever context the model kept last (the
 * warm-up's, or another configuration's fill of this very task, a keystroke ahead of the chain).
 * The others are filled with `options`: with `cacheCarry`, each carries the one before.
 */
export async function typeUpTo<T extends { prefix: string }>(task: T, keys: number, options: InfillOptions, fill: (document: T, options: InfillOptions) => Promise<unknown>): Promise<void> {
  for (let k = keys; k > 0; k--) await fill(keystrokeEarlier(task, k), k === keys ? { ...options, cacheCarry: false } : options);
}
