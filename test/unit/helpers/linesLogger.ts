import type { Logger } from '../../../src/core/logger';

/** A logger that appends every message, whatever its level, to `lines`. */
export function linesLogger(lines: string[]): Logger {
  const record = (message: string): number => lines.push(message);
  return { trace: record, debug: record, info: record, warn: record, error: record };
}
