import { contextRows } from './contextCacheFeeds';

/*
 * Carrying a kept context to the next fill (docs/model-contract.md, "Carrying the context to the
 * next fill"). While one types, each keystroke's fill sees nearly the canvas of the one before: the
 * same tokens, a few changed at the cursor, the rest where they were or moved by the tokens typed
 * (a full canvas's prefix window slides). Their keys and values, kept by the earlier fill's refresh,
 * stand in for a refresh of the new canvas: the same approximation the cache makes within a fill
 * (a context row saw another state of the hole), moved to their new positions by a rotation. Only
 * the context positions whose token no kept row holds run again, with the fill's first call.
 */

/** The canvas whose context the worker keeps: its tokens and, in the past's row order, each kept row's position. */
export interface KeptCanvas {
  readonly tokens: Int32Array;
  readonly positions: readonly number[];
}

/** How the next canvas takes the kept context. */
export interface ContextCarry {
  /** For each carried row: its row in the kept past, and by how many positions it moves. */
  readonly rows: number[];
  readonly shifts: number[];
  /** The new canvas position of each carried row. */
  readonly positions: number[];
  /** Context positions no kept row stands in for: run with the fresh ones, then kept too. */
  readonly recompute: number[];
}

/** Farthest a run of context moves between two fills: a few tokens typed, a window re-cut. */
export const CARRY_MAX_SHIFT = 16;

/**
 * The carry of `kept` to the canvas `tokens` whose fill runs `fresh`, or undefined when more than
 * `maxRecompute` of its context positions would have to run again (the canvas is then another
 * document, or much changed: a refresh is worth its cost). Each run of context positions between
 * fresh ones takes the one shift (|shift| ≤ CARRY_MAX_SHIFT; the smallest of equally good ones)
 * under which most of its tokens equal a kept row's; those rows carry, the rest recompute. With
 * `nearest`, that many more carried positions, those nearest the fresh ones, recompute too.
 */
export function planCarry(kept: KeptCanvas, tokens: Int32Array, fresh: Int32Array, maxRecompute: number, nearest = 0): ContextCarry | undefined {
  const keptRowAt = new Int32Array(kept.tokens.length).fill(-1);
  kept.positions.forEach((position, row) => (keptRowAt[position] = row));
  const carry: ContextCarry = { rows: [], shifts: [], positions: [], recompute: [] };
  for (const run of splitAtGaps(contextRows(fresh, tokens.length))) {
    const keptFor = (position: number, shift: number): number => {
      const from = position - shift;
      if (from < 0 || from >= kept.tokens.length || kept.tokens[from] !== tokens[position]) return -1;
      return keptRowAt[from]!;
    };
    const shift = bestShift(run, keptFor);
    for (const position of run) {
      const row = keptFor(position, shift);
      if (row < 0) {
        carry.recompute.push(position);
      } else {
        carry.rows.push(row);
        carry.shifts.push(shift);
        carry.positions.push(position);
      }
    }
  }
  if (carry.rows.length === 0 || carry.recompute.length > maxRecompute) return undefined;
  if (nearest === 0) return carry;
  // a canvas of no more context than that (a short document) carries nothing: its refresh is as cheap
  const again = withNearestAgain(carry, fresh, nearest);
  return again.rows.length > 0 ? again : undefined;
}

/**
 * `carry` with the `count` carried positions nearest a fresh one run again instead (ties: the
 * earlier position): the rows a keystroke's change reaches most, whose kept values age the most.
 */
function withNearestAgain(carry: ContextCarry, fresh: Int32Array, count: number): ContextCarry {
  const distance = (position: number): number => fresh.reduce((d, f) => Math.min(d, Math.abs(f - position)), Infinity);
  const nearest = new Set(
    carry.positions.map((position, i) => ({ d: distance(position), i })).sort((a, b) => a.d - b.d || a.i - b.i).slice(0, count).map(({ i }) => i),
  );
  const carried = (_: number, i: number): boolean => !nearest.has(i);
  return {
    rows: carry.rows.filter(carried),
    shifts: carry.shifts.filter(carried),
    positions: carry.positions.filter(carried),
    recompute: [...carry.recompute, ...carry.positions.filter((_, i) => nearest.has(i))].sort((a, b) => a - b),
  };
}

/** The shift (new position − kept position) under which most of `run` finds a kept row. */
function bestShift(run: readonly number[], keptFor: (position: number, shift: number) => number): number {
  let best = 0;
  let bestCount = -1;
  for (let distance = 0; distance <= CARRY_MAX_SHIFT; distance++) {
    for (const shift of distance === 0 ? [0] : [-distance, distance]) {
      const count = run.reduce((n, position) => n + (keptFor(position, shift) >= 0 ? 1 : 0), 0);
      if (count > bestCount) {
        best = shift;
        bestCount = count;
      }
    }
  }
  return best;
}

/** Ascending positions split where they stop being consecutive. */
function splitAtGaps(positions: readonly number[]): number[][] {
  const runs: number[][] = [];
  positions.forEach((position, i) => {
    if (i > 0 && position === positions[i - 1]! + 1) runs[runs.length - 1]!.push(position);
    else runs.push([position]);
  });
  return runs;
}
