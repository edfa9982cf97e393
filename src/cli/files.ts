import { accessSync, constants, fstatSync, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { fileErrorReason } from '../core/fileErrors';
import { UsageError } from './args';

/**
 * Checks of --input and --output made before the model loads, so a wrong path costs no load time
 * and, above all, the output never truncates the input: a UsageError says what is wrong.
 */
export function checkFiles(input: string | undefined, output: string | undefined): void {
  if (input !== undefined) checkInput(input);
  if (output !== undefined) checkOutput(output, input);
}

function checkInput(file: string): void {
  const stats = statOrRefuse('--input', file);
  // A FIFO or a device is a stream to read (`--input <(...)`, /dev/stdin); a folder is not.
  if (stats.isDirectory()) throw new UsageError(`--input ${file}: a folder, not a task file`);
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    throw new UsageError(`--input ${file}: ${fileErrorReason(error)}`);
  }
}

function checkOutput(file: string, input: string | undefined): void {
  const existing = statIfExists('--output', file);
  if (existing?.isDirectory()) throw new UsageError(`--output ${file}: a folder, not a file`);
  // The output is truncated when opened: never when it is the file the tasks come from.
  const source = input === undefined ? stdinFile() : statSync(input);
  if (existing && source && existing.isFile() && existing.dev === source.dev && existing.ino === source.ino) {
    throw new UsageError(`--output ${file}: the input file; writing it would destroy the tasks before they are read`);
  }
  if (existing) return;
  const folder = path.dirname(path.resolve(file));
  const parent = statIfExists('--output', folder);
  if (!parent) throw new UsageError(`--output ${file}: no such folder ${folder}`);
  if (!parent.isDirectory()) throw new UsageError(`--output ${file}: ${folder} is not a folder`);
}

function statOrRefuse(flag: string, file: string): Stats {
  try {
    return statSync(file);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: ${fileErrorReason(error)}`);
  }
}

function statIfExists(flag: string, file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`${flag} ${file}: ${fileErrorReason(error)}`);
  }
}

/** What stdin reads from, when that is a file (`diffuse infill < tasks.jsonl`). */
function stdinFile(): Stats | undefined {
  try {
    return fstatSync(0);
  } catch {
    return undefined;
  }
}
