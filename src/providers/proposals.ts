import { columnAfter, nextTabStop, type Hole, type HoleFill } from '../infill';
import { gateByConfidence } from './confidenceGate';

/** One change a "Diffuse fill" preview offers: replace `[start, end)` (UTF-16 offsets) by `text`. */
export interface Proposal {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly confidence: number;
  /** Below `diffuse.minConfidence`, shown only because nothing else would be. */
  readonly lowConfidence: boolean;
}

export interface Proposals {
  readonly proposals: Proposal[];
  /** Holes the model left empty, with the post-processing reason (for the log and the notice). */
  readonly empty: string[];
  /** Holes hidden by `diffuse.minConfidence`. */
  readonly belowFloor: number;
}

/**
 * The preview of a fill: one proposal per hole the model filled, gated by confidence as the ghost
 * text is (`confidenceGate.ts`); when every filled hole is below the floor, all of them are shown
 * marked low-confidence (the user asked for a fill; nothing is written before they accept). A hole
 * the model left empty is no proposal: an empty fill is no reason to delete a selection. Pure.
 */
export function proposalsFor(holes: readonly Hole[], fills: ReadonlyArray<HoleFill | undefined>, minConfidence: number): Proposals {
  const filled: Proposal[] = [];
  const empty: string[] = [];
  holes.forEach((hole, i) => {
    const fill = fills[i];
    if (!fill || fill.text === '') empty.push(fill?.reason ?? 'empty fill');
    else filled.push({ start: hole.start, end: hole.end, text: fill.text, confidence: fill.confidence, lowConfidence: false });
  });
  const gated = gateByConfidence(filled, (p) => p.confidence, minConfidence, Number.POSITIVE_INFINITY);
  const proposals = gated.lowConfidence ? gated.kept.map((p) => ({ ...p, lowConfidence: true })) : gated.kept;
  return { proposals, empty, belowFloor: gated.lowConfidence ? 0 : gated.hidden };
}

/** Longest preview text shown inline, in characters; the hover has all of it. */
const PREVIEW_CHARS = 120;

/** Splits text into what a reader sees as single characters (an emoji with its modifiers and joiners, a flag). */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A fill as one line of decoration text (an injected decoration cannot break lines): line breaks
 * as `⏎`, tabs as spaces to the editor's next tab stop (`tabSize`; the fill's first line begins at
 * visual column `column`, each later one at 0), spaces as no-break spaces, long text cut with `…`
 * between whole visible characters (a cut inside an emoji would show half of it, or U+FFFD inside
 * a surrogate pair). The editor lays decoration text out as HTML (`white-space: nowrap`), which
 * drops the spaces a line begins with and merges runs of them: an inserted line showed without its
 * indentation. No-break spaces keep every one, as in the editor's own lines.
 */
export function previewText(text: string, tabSize = 4, column = 0): string {
  const lines = text.split(/\r?\n/).map((line, i) => expandTabs(line, tabSize, i === 0 ? column : 0));
  const one = Array.from(graphemes.segment(lines.join('⏎').replace(/ /g, '\u00a0')), (g) => g.segment);
  return one.length > PREVIEW_CHARS ? one.slice(0, PREVIEW_CHARS - 1).join('') + '…' : one.join('');
}

/**
 * The decoration text of each proposal's preview (`previewText`, in the proposals' order), drawn at
 * its end in a document of text `text` at tab size `tabSize`. A preview's first line begins at the
 * column where it is drawn: after its line's text before it, and after the previews drawn before it
 * on that line (decoration text goes between the document's characters, whose own tabs keep their
 * widths: the editor lays its lines out without it). Pure.
 */
export function previewTexts(text: string, proposals: readonly Proposal[], tabSize: number): string[] {
  const drawn: string[] = [];
  let lineStart = -1;
  let before = 0;   // columns of the previews drawn earlier on the line
  const byEnd = proposals.map((_, i) => i).sort((a, b) => proposals[a].end - proposals[b].end || a - b);
  for (const i of byEnd) {
    const { end } = proposals[i];
    const start = end === 0 ? 0 : text.lastIndexOf('\n', end - 1) + 1;
    if (start !== lineStart) {
      lineStart = start;
      before = 0;
    }
    drawn[i] = previewText(proposals[i].text, tabSize, columnAfter(text.slice(start, end), tabSize) + before);
    before += columnAfter(drawn[i], tabSize);   // no tab left in it
  }
  return drawn;
}

/**
 * `line` with each tab as the spaces to the next tab stop (`columnAfter`, VS Code's rule), the line
 * beginning at visual column `column`.
 */
export function expandTabs(line: string, tabSize: number, column = 0): string {
  const [first, ...rest] = line.split('\t');
  let out = first;
  let at = columnAfter(first, tabSize, column);
  for (const piece of rest) {
    const stop = nextTabStop(at, tabSize);
    out += ' '.repeat(stop - at) + piece;
    at = columnAfter(piece, tabSize, stop);
  }
  return out;
}
