import type { CanvasHole, CanvasLayout } from './canvas';
import type { HoleKind, HoleShape } from './holeShape';
import { holeSlots } from './holeLength';
import type { Hole, InfillOptions } from './types';

/**
 * The batch rows of one fill: every candidate hole length (`lengths`, else one size) times the
 * sampled candidates, all on ONE canvas so a single network call per step serves them. The canvas
 * gives each hole the most slots any row needs; a row that tries fewer fixes its hole's slots
 * after its own count to padding, which is how the model was trained to see the slack of an
 * over-allocated hole (training/diffuse/data.py): so the row is told its hole's length.
 */
export interface RowSpec {
  /** The size this row tries (the candidate length). */
  readonly size: number;
  /** Mask slots of each hole in this row. */
  readonly slots: readonly number[];
  /**
   * Canvas slots each hole needs in this row: its slots, or where the model grows holes (an expand
   * token, src/sampler/loop/holeGrowth.ts) the most a fill of its kind may take, the padding after
   * its slots being the room it grows into.
   */
  readonly capacity: readonly number[];
  /** How each hole's fill is shaped in this row (a line-shaped hole keeps one line in a line-sized row). */
  readonly kinds: readonly HoleKind[];
}

export interface HoleInput {
  readonly hole: Hole;
  readonly shape: HoleShape;
  /** Tokens of the replaced selection; 0 at a cursor. */
  readonly selectionTokens: number;
}

/** Inside a line, in front of its text (a cursor or a selection there). */
function inFrontOfText(shape: HoleShape): boolean {
  return shape.kind === 'inline' && shape.textAfter;
}

/**
 * The rows for `options`: sizes from `lengths` (its `inlineLengths` when every hole is inside a
 * line, in front of text) capped at `maxTokens` (else `lineTokens` for a
 * request of line-shaped holes, else `maxTokens`), each repeated `batchPerSize` times. The sizes
 * are for cursor holes of a line or inside a line; a replaced selection is sized by its own
 * length and a block (a cursor after a block opener) by `maxTokens`, in every row, so sizes that
 * give every hole the same slots and shape share a row. A line-shaped hole is one line in a row
 * whose size is at most `lineTokens`; in a larger row it may take several whole lines, so the
 * model's score chooses between one line and more. With `inlineBreaks`, a cursor inside a line in
 * front of text is read as a block: the fill keeps the line breaks the model writes. Where the model
 * `grows` holes, the canvas keeps a hole the row reads as one line (a line's own, or inside a line)
 * or that starts inside a line `lineTokens` slots, and a block `maxTokens`: each row's hole may grow
 * into all of the canvas hole. (A hole inside a line that `inlineBreaks` reads as a block grew too
 * far at 32: bench/README.md §55.)
 */
export function planRows(holes: readonly HoleInput[], options: InfillOptions, batchPerSize: number, grows = false): RowSpec[] {
  const { lineTokens, maxTokens } = options;
  const allLines = holes.every((h) => h.shape.kind === 'line');
  const allInsideText = holes.every((h) => inFrontOfText(h.shape));
  const lengths = options.lengths && allInsideText ? (options.inlineLengths ?? options.lengths) : options.lengths;
  const sizes = lengths?.map((size) => Math.min(size, maxTokens)) ?? [allLines && lineTokens !== undefined ? lineTokens : maxTokens];
  const rows: RowSpec[] = [];
  const seen = new Set<string>();
  for (const size of sizes) {
    const kinds = holes.map(({ hole, shape }): HoleKind => {
      if (options.inlineBreaks && hole.start === hole.end && inFrontOfText(shape)) return 'block';
      if (shape.kind !== 'line') return shape.kind;
      return lineTokens !== undefined && size <= lineTokens ? 'line' : 'block';
    });
    const slots = holes.map((h) => {
      const searched = h.hole.start === h.hole.end && h.shape.kind !== 'block';
      return holeSlots(h.hole, h.selectionTokens, searched ? size : maxTokens);
    });
    const capacity = slots.map((count, i) => {
      const lineSized = (kinds[i] !== 'block' || holes[i].shape.kind === 'inline') && lineTokens !== undefined;
      return grows ? Math.max(count, lineSized ? lineTokens : maxTokens) : count;
    });
    const key = JSON.stringify([slots, kinds]);
    if (seen.has(key)) continue;
    seen.add(key);
    for (let k = 0; k < batchPerSize; k++) rows.push({ size, slots, kinds, capacity });
  }
  return rows;
}

/** Slots each hole takes on the shared canvas: the most any row needs. */
export function canvasSlots(rows: readonly RowSpec[]): number[] {
  return rows[0].capacity.map((_, i) => Math.max(...rows.map((row) => row.capacity[i])));
}

/** The batch `[rows * length]`: the canvas per row, with each hole's slots past the row's count set to `padId`. */
export function batchTokens(canvas: CanvasLayout, rows: readonly RowSpec[], padId: number): Int32Array {
  const length = canvas.ids.length;
  const tokens = new Int32Array(rows.length * length);
  rows.forEach((row, r) => {
    tokens.set(canvas.ids, r * length);
    canvas.holes.forEach((hole, i) => tokens.fill(padId, r * length + hole.start + row.slots[i], r * length + hole.start + hole.slots));
  });
  return tokens;
}

/**
 * Each row's holes on `canvas`: where each starts and the slots its fill may take: the row's, or
 * where holes grow the canvas hole's (a hole grows into all the padding after it, which may be more
 * than its own row needed; readHole reads what it took).
 */
export function rowHoles(canvas: CanvasLayout, rows: readonly RowSpec[], grows = false): CanvasHole[][] {
  return rows.map((row) => canvas.holes.map((hole, i) => ({ start: hole.start, slots: grows ? hole.slots : row.slots[i] })));
}
