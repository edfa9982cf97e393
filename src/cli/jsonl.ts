import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { fileErrorReason } from '../core/fileErrors';

/** Reading the tasks or writing the results failed midway (a full disk, a file gone): exit code 3. */
export class StreamError extends Error {
  override readonly name = 'StreamError';
}

/** A line of a task file and its number there (from 1, blank lines counted), for messages. */
export interface Line {
  readonly number: number;
  readonly text: string;
}

/**
 * The non-blank lines of `file` (stdin when undefined), streamed. Lines end at '\n' only ('\r\n'
 * too, its '\r' dropped): a lone '\r' is JSON whitespace, not a line break, so it cannot split a
 * task. A UTF-8 byte-order mark before the first line is dropped.
 */
export async function* readLines(file: string | undefined): AsyncIterable<Line> {
  const input: Readable = file === undefined ? process.stdin : createReadStream(file);
  const decoder = new StringDecoder('utf8');
  // The current line's text so far, in pieces joined once its '\n' comes: a line of many chunks
  // then costs linear time (re-splitting all of it at every chunk was quadratic: 37 MB, 10 s).
  let pieces: string[] = [];
  let first = true;
  let number = 0;
  try {
    for await (const chunk of input) {
      let text = decoder.write(chunk as Buffer);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        pieces.push(text.slice(start, end));
        const line = pieces.join('');
        pieces = [];
        start = end + 1;
        number++;
        if (line.trim() !== '') yield { number, text: withoutCarriageReturn(line) };
      }
      if (start < text.length) pieces.push(text.slice(start));
    }
  } catch (error) {
    throw new StreamError(`cannot read ${file === undefined ? 'stdin' : `--input ${file}`}: ${fileErrorReason(error)}`, { cause: error });
  }
  let last = pieces.join('') + decoder.end();
  if (first && last.charCodeAt(0) === 0xfeff) last = last.slice(1);
  if (last.trim() !== '') yield { number: number + 1, text: withoutCarriageReturn(last) };
}

/** A line without the '\r' of a '\r\n' line end. */
function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Writes lines to `file` (stdout when undefined), waiting whenever the stream asks to. A write
 * error (a full disk) rejects the write in progress or the next one with a `StreamError`. Errors
 * on stdout are the CLI's to handle (a closed pipe ends it quietly).
 */
export class JsonlWriter {
  private readonly stream: Writable;
  private failure: StreamError | undefined;

  constructor(private readonly file: string | undefined) {
    this.stream = file === undefined ? process.stdout : createWriteStream(file, 'utf8');
    if (file !== undefined) {
      this.stream.on('error', (error) => {
        this.failure = new StreamError(`cannot write --output ${file}: ${fileErrorReason(error)}`, { cause: error });
      });
    }
  }

  async write(line: string): Promise<void> {
    this.throwIfFailed();
    if (!this.stream.write(`${line}\n`)) await this.settle('drain');
    this.throwIfFailed();
  }

  /** Flushes; a file is closed, stdout is left open for the process. */
  async close(): Promise<void> {
    if (this.file === undefined) return;
    this.throwIfFailed();
    this.stream.end();
    await this.settle('close');
    this.throwIfFailed();
  }

  /** Waits for `event`; an error instead is recorded by the 'error' listener and thrown by the caller. */
  private async settle(event: string): Promise<void> {
    await once(this.stream, event).catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
