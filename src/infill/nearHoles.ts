import type { InfillRequest } from './types';
import { MAX_CHARS_PER_TOKEN } from './window';

/**
 * Characters kept on each side of the holes besides what the canvas can read: more than the
 * syntax check's window (syntax.ts) and than any run of lines a fill is compared with, so a long
 * document fills as this slice of it does. What the cut saves is work on the rest: re-spacing,
 * reading its indentation and scanning it for a repeated suffix took 0.3 s a fill in a 5.6 MB
 * Python file (a keystroke's fill in the editor, which sends the whole document).
 */
const MARGIN_CHARS = 32_768;

/**
 * `request` cut to the whole lines around its holes that a fill can read, with the holes moved to
 * match: for a canvas of `canvasTokens`, as many characters as it could take on each side
 * (window.ts reads at most MAX_CHARS_PER_TOKEN a token) plus MARGIN_CHARS. The request itself
 * when nothing would be cut. The cuts fall after a '\n', so never inside a character or a CRLF.
 */
export function nearHoles(request: InfillRequest, canvasTokens: number): InfillRequest {
  const { text, holes } = request;
  const reach = canvasTokens * MAX_CHARS_PER_TOKEN + MARGIN_CHARS;
  const before = holes[0].start - reach;
  const after = holes[holes.length - 1].end + reach;
  const from = before <= 0 ? 0 : text.lastIndexOf('\n', before - 1) + 1;
  const lineEnd = after >= text.length ? -1 : text.indexOf('\n', after);
  const to = lineEnd < 0 ? text.length : lineEnd + 1;
  if (from === 0 && to === text.length) return request;
  return { ...request, text: text.slice(from, to), holes: holes.map((hole) => ({ ...hole, start: hole.start - from, end: hole.end - from })) };
}
