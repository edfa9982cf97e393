import { runMochaIn } from '../suite/index';

/** The entry point of the multi-root workspace suite (see .ci/run-vscode-tests.js): the tests beside this file. */
export function run(): Promise<void> {
  return runMochaIn(__dirname);
}
