import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readLines, type Line } from '../../src/cli/jsonl';

/** A file stream's chunk: the default highWaterMark of `fs.createReadStream`. */
const CHUNK = 64 * 1024;

/**
 * What readLines promises: the text split at every '\n', blank lines left out (but counted), the '\r'
 * of '\r\n' dropped.
 */
function expectedLines(text: string): Line[] {
  return text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((line, i) => ({ number: i + 1, text: line.endsWith('\r') ? line.slice(0, -1) : line }))
    .filter((line) => line.text.trim() !== '');
}

describe('the CLI reads task lines', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'diffuse-jsonl-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function read(text: string): Promise<Line[]> {
    const file = path.join(dir, 'tasks.jsonl');
    writeFileSync(file, text);
    const lines: Line[] = [];
    for await (const line of readLines(file)) lines.push(line);
    return lines;
  }

  it("splits at every '\\n' across chunk boundaries: CRLF, a lone '\\r', blank lines, a byte-order mark, a last line without '\\n'", async () => {
    // The BOM takes 3 bytes of the first chunk, whose last byte is the '\r' of a '\r\n'; a 2-byte
    // 'é' straddles the second boundary; a lone '\r' (JSON whitespace) splits nothing.
    const first = `\uFEFF${'a'.repeat(CHUNK - 4)}\r\n`;
    const second = `${'b'.repeat(CHUNK - 2)}é\n`;
    const text = `${first}${second}\n  \r\n{"x":\r1}\r\n\n${'c'.repeat(3 * CHUNK)}\r\nlast`;
    assert.deepEqual([Buffer.from(text).indexOf('\r\n'), Buffer.from(text).indexOf('é')], [CHUNK - 1, 2 * CHUNK - 1]);
    const lines = await read(text);
    const expected = expectedLines(text);
    assert.equal(expected.length, 5);
    // Numbers and lengths first: a failure then prints a few numbers, not 64 KiB lines.
    assert.deepEqual(lines.map((line) => [line.number, line.text.length]), expected.map((line) => [line.number, line.text.length]));
    assert.deepEqual(lines.map((line) => line.number), [1, 2, 5, 7, 8]);
    assert.ok(lines.every((line, i) => line.text === expected[i].text));
  });

  it('reads a 35 MB line in well under two seconds, unchanged (re-splitting it at every chunk took 10 s)', async () => {
    const long = `{"task_id":"long","prefix":"${'é€xy'.repeat(5 * 1024 * 1024)}"}`;
    const text = `${long}\r\n{"task_id":"short","prefix":"p"}`;
    const started = performance.now();
    const lines = await read(text);
    const ms = performance.now() - started;
    assert.equal(lines.length, 2);
    assert.ok(lines[0].text === long, 'the long line came back changed');
    assert.deepEqual(lines[1], { number: 2, text: '{"task_id":"short","prefix":"p"}' });
    assert.ok(ms < 2000, `${Math.round(ms)} ms`);
  });
});
