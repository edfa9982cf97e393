import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';

/** The non-blank lines of `file` (stdin when undefined), streamed. */
export function readLines(file: string | undefined): AsyncIterable<string> {
  const input = file === undefined ? process.stdin : createReadStream(file, 'utf8');
  return (async function* nonBlank() {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line.trim() !== '') yield line;
    }
  })();
}

/** Writes JSON lines to `file` (stdout when undefined), waiting whenever the stream asks to. */
export class JsonlWriter {
  private readonly stream: Writable;

  constructor(file: string | undefined) {
    this.stream = file === undefined ? process.stdout : createWriteStream(file, 'utf8');
  }

  async write(record: object): Promise<void> {
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await once(this.stream, 'drain');
  }

  /** Flushes; a file is closed, stdout is left open for the process. */
  async close(): Promise<void> {
    if (this.stream === process.stdout) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
