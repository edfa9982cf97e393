import type { HoleShape } from './holeShape';
import { indentOf, neighbourIndents } from './indentVariants';
import type { Candidate, InfillRequest } from './types';

/**
 * A whole line filled at column 0 carries the model's own indentation, and a small model often
 * gets it wrong where the code itself is right (a quarter of the failed MBPP-Infill single-line
 * fills, bench/README.md). Such a fill is also tried indented like its neighbouring lines; the
 * syntax check keeps a re-indented one only where it parses better than the model's own
 * (`betterIndented`), so the model's indentation stays wherever the parser cannot tell them apart.
 */
export interface Reindented {
  readonly candidate: Candidate;
  /** Index of the candidate it re-indents. */
  readonly of: number;
}

/** The re-indented alternatives of each candidate of a single 'line' hole at column 0; none otherwise. */
export function reindentedAlternatives(request: InfillRequest, shape: HoleShape, candidates: readonly Candidate[]): Reindented[] {
  const { holes, text } = request;
  if (holes.length !== 1 || shape.kind !== 'line' || !shape.atLineStart) return [];
  const indents = neighbourIndents(text, holes[0].start);
  const alternatives: Reindented[] = [];
  candidates.forEach((candidate, of) => {
    const [fill] = candidate.fills;
    if (fill.text.trim() === '' || fill.text.trimEnd().includes('\n')) return;
    const own = indentOf(fill.text);
    for (const indent of indents) {
      if (indent === own) continue;
      const reindentedFill = { ...fill, text: indent + fill.text.slice(own.length), reason: 'indented like the neighbouring lines' };
      alternatives.push({ candidate: { ...candidate, fills: [reindentedFill], syntaxErrors: undefined }, of });
    }
  });
  return alternatives;
}

/** The alternatives (syntax already checked) that add fewer parse errors than the candidate they re-indent. */
export function betterIndented(alternatives: readonly Reindented[], candidates: readonly Candidate[]): Candidate[] {
  return alternatives
    .filter(({ candidate, of }) => candidate.syntaxErrors !== undefined && candidate.syntaxErrors < (candidates[of].syntaxErrors ?? 0))
    .map(({ candidate }) => candidate);
}
