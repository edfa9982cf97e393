import type { Logger } from '../core/logger';

/**
 * The CLI's logger: every line goes to stderr, so stdout carries nothing but results (JSONL or the
 * bench table). Debug and trace lines only with `--verbose`.
 */
export function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (message: string) => {
    process.stderr.write(`${level} ${message}\n`);
  };
  const quiet = () => undefined;
  return {
    trace: verbose ? write('trace') : quiet,
    debug: verbose ? write('debug') : quiet,
    info: write('info '),
    warn: write('warn '),
    error: write('error'),
  };
}
