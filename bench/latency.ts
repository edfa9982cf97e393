/**
 * End-to-end infill latency: request -> post-processed text through the real engine and worker
 * session, per kind of hole (single-line / multi-line), with NFE per filled token and, since the
 * task files carry the expected text, exact match and edit similarity.
 *
 *   node out/bench/latency.js [--model DIR] [--tasks FILE] [--limit N] [--runs 1] [--ep cpu]
 *        [--threads N] [--max-tokens 32] [--multi-max-tokens 96] [--context-tokens 256]
 *        [--steps N] [--strategy confidence] [--threshold 0.9|off] [--outputs FILE]
 *        [--after-keystroke off|on|N, or a list such as off,on,2: a row for each and one for all]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { machineInfo, modelInfo, numbers, parseFlags, publish, readTasks, repoRoot, round, run, selectTasks, type Row } from './common';
import { referenceCallMs, referenceSetting } from './reference';
import { fillAll, keystrokesOf, kindsOf, limitOf, MODEL_FLAGS, openModel, optionsFor, SAMPLER_FLAGS, summarize, type Fill } from './fills';

const FLAGS = {
  ...MODEL_FLAGS,
  ...SAMPLER_FLAGS,
  'after-keystroke': `${SAMPLER_FLAGS['after-keystroke']}; or a list (off,on,2): every task filled at each in turn, a row for each and one for all (a typist's fills cycle through the chain)`,
  runs: 'passes over the tasks (default 1; fills are deterministic at temperature 0)',
  outputs: 'also write every fill as the CLI\'s output JSONL (for evaluate.py score)',
  label: 'a name for this configuration in the table (default: the model name)',
};

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  // A typist's fills cycle through the keystroke chain (a refresh, then carries), so a list of
  // chains fills every task at each in turn: a row for each, and one over them all. Each is read
  // here, before anything loads: a bad one late in the list would end the run after the fills of
  // those before it.
  const chains = (flags['after-keystroke'] ?? 'off').split(',').map((value) => ({ ...flags, 'after-keystroke': value }));
  const keystrokes = chains.map(keystrokesOf);
  if (flags.outputs && chains.length > 1) {
    throw new Error('--outputs with a list of --after-keystroke chains: the file would hold each task once a chain, and evaluate.py score keeps one fill a task id; give one chain');
  }
  const tasks = selectTasks(readTasks(flags.tasks ?? path.join(repoRoot, 'bench', 'data', 'src-tasks.jsonl')), kindsOf(flags), limitOf(flags));
  const [runs] = numbers(flags.runs, '1');
  const load0 = loadavg()[0];
  const model = await openModel(flags);
  try {
    const byChain: Fill[][] = [];
    for (const [i, chain] of chains.entries()) byChain.push(await fillAll(model, tasks, (kind) => optionsFor(kind, chain), runs, keystrokes[i]));
    const fills = byChain.flat();
    const reference = await referenceCallMs(model);
    const label = flags.label ?? model.name;
    const groups = chains.length === 1
      ? [{ config: label, fills }]
      : [...chains.map((chain, i) => ({ config: `${label}, after-keystroke ${chain['after-keystroke']}`, fills: byChain[i] })), { config: `${label}, all of them (a typist's fills)`, fills }];
    const rows: Row[] = groups.flatMap((group) => kindsOf(flags).map((kind) => ({
      config: group.config,
      kind,
      ...summarize(group.fills.filter((f) => f.kind === kind)),
    })));
    if (flags.outputs) {
      writeFileSync(flags.outputs, fills.map((f) => JSON.stringify({ task_id: f.taskId, completion: f.completion, tokens: f.tokens, nfe: f.nfe, ms: round(f.ms) })).join('\n') + '\n');
    }
    publish(
      {
        bench: 'latency',
        title: `End-to-end infill latency (${model.provider})`,
        machine: machineInfo(),
        model: modelInfo(model.dir),
        settings: {
          tasks: path.relative(repoRoot, path.resolve(flags.tasks ?? 'bench/data/src-tasks.jsonl')),
          provider: model.provider,
          threads: flags.threads ?? 'default',
          // each chain's fills carry (cacheCarry) after its first keystroke: afterKeystroke says which
          single: optionsFor('single_line', chains[0]),
          multi: optionsFor('multi_line', chains[0]),
          runs,
          // untimed fills of each task's document this many keystrokes earlier, the timed one carrying
          afterKeystroke: keystrokes,
          loadavg: `${round(load0, 2)} -> ${round(loadavg()[0], 2)}`,
          // the machine's speed after the fills: tables of different hours compare through it
          referenceCall: referenceSetting(reference),
        },
        rows,
        notes: [
          'ms: wall time of InfillEngine.fill (tokenize, canvas, every network call through the worker, sampling, decode, post-process), a fresh engine per fill (no cache hit), after one warm-up fill. cpu ms: CPU time of the process (all threads) during the fill; with 1 intra-op thread the work is serial, so it is the fill\'s time on an idle machine, whatever else the machine runs. NFE/token: network calls per generated token (padding excluded); slots/NFE: mask slots revealed per call, padding included.',
        ],
      },
      flags.json,
    );
  } finally {
    await model.dispose();
  }
}

run(main);
