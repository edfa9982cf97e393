import type { Hole } from '../infill';

/**
 * The holes of a multi-cursor "Diffuse fill": one per selection (a cursor is an insertion), in
 * document order, with overlapping or touching ones merged (the engine needs separate holes and
 * one edit cannot replace overlapping ranges). Pure; offsets are UTF-16.
 */
export function holesFromSelections(selections: ReadonlyArray<{ start: number; end: number }>): Hole[] {
  const sorted = [...selections].sort((a, b) => a.start - b.start || a.end - b.end);
  const holes: Hole[] = [];
  for (const { start, end } of sorted) {
    const last = holes[holes.length - 1];
    if (last && start <= last.end) holes[holes.length - 1] = { start: last.start, end: Math.max(last.end, end) };
    else holes.push({ start, end });
  }
  return holes;
}
