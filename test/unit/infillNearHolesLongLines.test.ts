import * as assert from 'node:assert/strict';
import { holeShape, requestForModel, type InfillRequest } from '../../src/infill';
import { MARGIN_CHARS, nearHoles } from '../../src/infill/nearHoles';
import { stringAround, tripleQuoted } from '../../src/infill/tripleQuotes';
import { isInsideSurrogatePair } from '../../src/infill/unicode';
import { MAX_CHARS_PER_TOKEN } from '../../src/infill/window';

const CANVAS_TOKENS = 256;

/** What nearHoles keeps on each side of the holes for a canvas of CANVAS_TOKENS. */
const REACH = CANVAS_TOKENS * MAX_CHARS_PER_TOKEN + MARGIN_CHARS;

/** Characters a cut inside a line may move past REACH to a safe place (a few in these texts). */
const SLACK = 32;

/** A minified script's line (no line break) of at least `chars` characters. */
const minified = (chars: number) => 'var a1=f(1,"s");'.repeat(Math.ceil(chars / 16));

/**
 * Where `near`, nearHoles' slice of `request`, starts in the request's text, checked to be one
 * piece of that text with its holes on the same characters.
 */
function sliceStart(request: InfillRequest, near: InfillRequest): number {
  const from = request.holes[0].start - near.holes[0].start;
  assert.equal(request.text.slice(from, from + near.text.length), near.text, 'the slice is a piece of the text');
  assert.deepEqual(near.holes.map((h) => [h.start + from, h.end + from]), request.holes.map((h) => [h.start, h.end]));
  return from;
}

describe('infill: a document of very long lines fills as a bounded slice of it', () => {
  it('cuts inside a line that reaches far past what a fill reads (a minified script, lines of 1.6 MB)', () => {
    const line = minified(1_600_000);
    const half = line.length / 2;
    const inLine = `${line}\r\n${line.slice(0, half)}x = ${line.slice(half)}\r\n${line}\r\n`;
    const betweenLines = `${line}\r\n${line}\r\nlet x = ;\r\n${line}\r\n${line}\r\n`;
    const holeInLine = line.length + 2 + half + 4;
    const holeBetween = betweenLines.indexOf('= ;') + 2;
    const requests: InfillRequest[] = [
      { text: inLine, holes: [{ start: holeInLine, end: holeInLine }, { start: holeInLine + 10, end: holeInLine + 14 }], languageId: 'javascript' },
      { text: betweenLines, holes: [{ start: holeBetween, end: holeBetween }], languageId: 'javascript' },
    ];
    for (const request of requests) {
      const near = nearHoles(request, CANVAS_TOKENS);
      const from = sliceStart(request, near);
      const first = request.holes[0].start;
      const last = request.holes[request.holes.length - 1].end;
      assert.ok(near.text.length <= 2 * REACH + (last - first) + SLACK, `${near.text.length} of ${request.text.length} characters kept`);
      assert.ok(first - from >= REACH && from + near.text.length - last >= REACH, 'what the canvas reads and the margin, on each side');
    }
  });

  it('reads no indentation from a line cut inside: a tab inside a long line is no tab-indented file', () => {
    for (let pad = 0; pad < 3; pad++) {
      // the padding moves the cut over each character of the data's '1,\t'
      const text = `const data = [${'1,\t'.repeat(400_000)}];\n${'/'.repeat(pad)}\nfunction f() {\n  return \n}\n`;
      const at = text.indexOf('return ') + 7;
      const request: InfillRequest = { text, holes: [{ start: at, end: at }], languageId: 'javascript' };
      assert.equal(requestForModel(request), request, 'the whole document is indented with spaces');
      const near = nearHoles(request, CANVAS_TOKENS);
      assert.ok(near.text.length < text.length / 10, `pad ${pad}: ${near.text.length} characters kept`);
      assert.equal(requestForModel(near), near, `pad ${pad}: the slice read as indented with tabs`);
    }
  });

  it('keeps text after a hole on its line where the whole line has some, past a long run of spaces', () => {
    const tail = `${' '.repeat(REACH + MARGIN_CHARS / 2)}end();${minified(1_000_000)}\n`;
    const text = `${minified(1_000_000)}\nlet s = ${tail}`;
    const at = text.indexOf('let s = ') + 8;
    const request: InfillRequest = { text, holes: [{ start: at, end: at }], languageId: 'javascript' };
    const near = nearHoles(request, CANVAS_TOKENS);
    assert.ok(near.text.length < text.length / 10, `${near.text.length} characters kept`);
    assert.deepEqual(holeShape(near.text, near.holes[0]), holeShape(text, request.holes[0]));
  });

  it('never cuts a character of a long line in half', () => {
    // a letter and an emoji outside the Basic Multilingual Plane: two UTF-16 code units each
    const line = '\u{1D465}\u{1F600},'.repeat(500_000);
    for (let pad = 0; pad < 5; pad++) {
      const text = `${line}\n${'.'.repeat(pad)}y = \n${line}\n`;
      const at = text.indexOf('y = ') + 4;
      const request: InfillRequest = { text, holes: [{ start: at, end: at }] };
      const near = nearHoles(request, CANVAS_TOKENS);
      const from = sliceStart(request, near);
      assert.ok(near.text.length <= 2 * REACH + SLACK, `pad ${pad}: ${near.text.length} characters kept`);
      assert.equal(isInsideSurrogatePair(text, from), false, `pad ${pad}: starts inside a character`);
      assert.equal(isInsideSurrogatePair(text, from + near.text.length), false, `pad ${pad}: ends inside a character`);
    }
  });

  it('starts a Python slice cut inside a long line out of its triple-quoted strings, their delimiters whole', () => {
    const data = `DATA = [${"'''ab''', ".repeat(100_000)}]\n`;
    for (let pad = 0; pad < 11; pad++) {
      // the padding moves the cut over each character of the data's strings
      const text = `${data}${'#'.repeat(pad)}\ndef g(x):\n    y = \n`;
      const at = text.length - 1;
      const request: InfillRequest = { text, holes: [{ start: at, end: at }], languageId: 'python' };
      const near = nearHoles(request, CANVAS_TOKENS);
      const from = sliceStart(request, near);
      assert.ok(near.text.length <= REACH + SLACK, `pad ${pad}: ${near.text.length} characters kept`);
      const strings = tripleQuoted(text);
      assert.equal(stringAround(strings, from), undefined, `pad ${pad}: starts inside a string`);
      const shifted = tripleQuoted(near.text).map(({ open, close }) => [open + from, close + from]);
      assert.deepEqual(shifted, strings.filter(({ open }) => open >= from).map(({ open, close }) => [open, close]), `pad ${pad}: strings paired otherwise`);
    }
  });

  it("cuts a Python slice inside a long comment or one-line string, but in front of one whose rest, read as code, would open a string (a ''' in it)", () => {
    const code = "\ndef g(x):\n    '''Doc.'''\n    y = \n";
    const numbers = `[${'1, '.repeat(20_000)}]`;
    const words = 'words '.repeat(20_000);
    // [the long line, where the slice starts in it: undefined where anywhere inside the comment or string holding the cut]
    const comment = `LINE = ${numbers}  # ${words}use ''' for docstrings`;
    const string = `LINE = ${numbers}; T = '${words}'''`;
    const lines: Array<[string, number | undefined]> = [
      [`DATA = "${"it's data, ".repeat(10_000)}"`, undefined],
      [`x = 1  # ${"don't ".repeat(20_000)}`, undefined],
      [`x = 1  # ${words}'''`, 0], // the comment's line starts near it
      [comment, comment.indexOf('#')],
      [string, string.indexOf("'")],
    ];
    for (const [line, starts] of lines) {
      for (let pad = 0; pad < 7; pad++) {
        const text = `${line}${'#'.repeat(pad)}${code}`;
        const at = text.length - 1;
        const request: InfillRequest = { text, holes: [{ start: at, end: at }], languageId: 'python' };
        const near = nearHoles(request, CANVAS_TOKENS);
        const from = sliceStart(request, near);
        if (starts === undefined) assert.ok(near.text.length <= REACH + SLACK, `${line.slice(0, 12)}, pad ${pad}: ${near.text.length} characters kept`);
        else assert.equal(from, starts, `${line.slice(0, 12)}, pad ${pad}: the slice starts inside what holds the cut`);
        const strings = tripleQuoted(text);
        const shifted = tripleQuoted(near.text).map(({ open, close }) => [open + from, close + from]);
        assert.deepEqual(shifted, strings.filter(({ open }) => open >= from).map(({ open, close }) => [open, close]), `${line.slice(0, 12)}, pad ${pad}: strings paired otherwise`);
        assert.equal(strings.length, 1, 'the docstring alone');
      }
    }
  });
});
