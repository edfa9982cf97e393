import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readLines } from '../../src/cli/jsonl';

/** A file stream's chunk: the default highWaterMark of `fs.createReadStream`. */
const CHUNK = 64 * 1024;

/** What readLines promises: the text split at every '\n', blank lines left out, the '\r' of '\r\n' dropped. */
function expectedLines(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

describe('the CLI reads task lines', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'diffuse-jsonl-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function read(text: string): Promise<string[]> {
    const file = path.join(dir, 'tasks.jsonl');
    writeFileSync(file, text);
    const lines: string[] = [];
    for await (const line of readLines(file)) lines.push(line);
    return lines;
  }

  it("splits at every '\\n' across chunk boundaries: CRLF, a lone '\\r', blank lines, a byte-order mark, a last line without '\\n'", async () => {
    // The BOM takes 3 bytes of the first chunk, whose last byte is the '\r' of a '\r\n'; a 2-byte
    // 'é' straddles the second boundary; a lone '\r' (JSON whitespace) splits nothing.
    const first = `\uFEFF${'a'.repeat(CHUNK - 4)}\r\n`;
    const second = `${'b'.repeat(CHUNK - first.length - 1)}é\n`;
    const text = `${first}${second}\n  \r\n{"x":\r1}\r\n\n${'c'.repeat(3 * CHUNK)}\r\nlast`;
    assert.equal(Buffer.byteLength(first), CHUNK + 1);
    const lines = await read(text);
    const expected = expectedLines(text);
    assert.equal(expected.length, 5);
    // Lengths first: a failure then prints five numbers, not 64 KiB lines.
    assert.deepEqual(lines.map((line) => line.length), expected.map((line) => line.length));
    assert.ok(lines.every((line, i) => line === expected[i]));
  });

  it('reads a 35 MB line in well under two seconds, unchanged (re-splitting it at every chunk took 10 s)', async () => {
    const long = `{"task_id":"long","prefix":"${'é€xy'.repeat(5 * 1024 * 1024)}"}`;
    const text = `${long}\r\n{"task_id":"short","prefix":"p"}`;
    const started = performance.now();
    const lines = await read(text);
    const ms = performance.now() - started;
    assert.equal(lines.length, 2);
    assert.ok(lines[0] === long, 'the long line came back changed');
    assert.equal(lines[1], '{"task_id":"short","prefix":"p"}');
    assert.ok(ms < 2000, `${Math.round(ms)} ms`);
  });
});
