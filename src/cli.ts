#!/usr/bin/env node
/**
 * The headless CLI on the same engine as the extension (ARCHITECTURE.md §4). stdout carries only
 * results (JSONL, or the bench report); logs and errors go to stderr.
 */
import { performance } from 'node:perf_hooks';
import { fileErrorReason } from './core/fileErrors';
import { loadModel, resolveModel, type LoadedModel } from './model';
import { parseCommandLine, UsageError, type CommandLine } from './cli/args';
import { formatBenchTable, NoFillError, runBench } from './cli/benchCommand';
import { checkFiles } from './cli/files';
import { runInfill } from './cli/infillCommand';
import { StreamError } from './cli/jsonl';
import { stderrLogger } from './cli/stderrLogger';
import { USAGE } from './cli/usage';

const EXIT_OK = 0;
const EXIT_MODEL = 1;
const EXIT_USAGE = 2;
const EXIT_STREAM = 3;

async function main(argv: readonly string[]): Promise<number> {
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(argv);
    if (commandLine.command !== 'help') checkFiles(commandLine.input, commandLine.command === 'infill' ? commandLine.output : undefined);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`diffuse: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (commandLine.command === 'help') {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }

  const logger = stderrLogger(commandLine.verbose);
  const started = performance.now();
  let model: LoadedModel;
  try {
    const timeoutMs = commandLine.timeout === undefined ? undefined : commandLine.timeout * 1000;
    model = await loadModel(resolveModel(commandLine.model), { executionProvider: commandLine.ep, logger, timeoutMs });
  } catch (error) {
    process.stderr.write(`diffuse: cannot load the model: ${oneLine((error as Error).message)}\n`);
    return EXIT_MODEL;
  }
  const loadMs = performance.now() - started;
  try {
    if (commandLine.command === 'infill') {
      await runInfill(commandLine, model, logger);
    } else {
      const report = await runBench(commandLine, model, loadMs, logger);
      process.stdout.write(commandLine.json ? `${JSON.stringify(report)}\n` : formatBenchTable(report));
    }
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof StreamError || error instanceof NoFillError)) throw error;
    process.stderr.write(`diffuse: ${error.message}\n`);
    return error instanceof NoFillError ? EXIT_MODEL : EXIT_STREAM;
  } finally {
    await model.dispose();
  }
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}

// A reader that stops early (`diffuse infill | head`) closes the pipe: stop quietly, as Unix tools
// do. Any other failure of stdout (a full disk) ends the run with one line, not a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_OK);
  process.stderr.write(`diffuse: cannot write stdout: ${fileErrorReason(error)}\n`);
  process.exit(EXIT_STREAM);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`diffuse: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
