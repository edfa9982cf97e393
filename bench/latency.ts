/**
 * End-to-end infill latency: request -> post-processed text through the real engine and worker
 * session, per kind of hole (single-line / multi-line), with NFE per filled token and, since the
 * task files carry the expected text, exact match and edit similarity.
 *
 *   node out/bench/latency.js [--model DIR] [--tasks FILE] [--limit N] [--runs 1] [--ep cpu]
 *        [--threads N] [--max-tokens 32] [--multi-max-tokens 96] [--context-tokens 256]
 *        [--steps N] [--strategy confidence] [--threshold 0.9|off] [--outputs FILE]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { machineInfo, modelInfo, numbers, parseFlags, publish, readTasks, repoRoot, round, run, selectTasks, type Row } from './common';
import { referenceCallMs, referenceSetting } from './reference';
import { fillAll, kindsOf, limitOf, MODEL_FLAGS, openModel, optionsFor, SAMPLER_FLAGS, summarize } from './fills';

const FLAGS = {
  ...MODEL_FLAGS,
  ...SAMPLER_FLAGS,
  runs: 'passes over the tasks (default 1; fills are deterministic at temperature 0)',
  outputs: 'also write every fill as the CLI\'s output JSONL (for evaluate.py score)',
  label: 'a name for this configuration in the table (default: the model name)',
};

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  const tasks = selectTasks(readTasks(flags.tasks ?? path.join(repoRoot, 'bench', 'data', 'src-tasks.jsonl')), kindsOf(flags), limitOf(flags));
  const [runs] = numbers(flags.runs, '1');
  const load0 = loadavg()[0];
  const model = await openModel(flags);
  try {
    const fills = await fillAll(model, tasks, (kind) => optionsFor(kind, flags), runs);
    const reference = await referenceCallMs(model);
    const rows: Row[] = kindsOf(flags).map((kind) => ({
      config: flags.label ?? model.name,
      kind,
      ...summarize(fills.filter((f) => f.kind === kind)),
    }));
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
          single: optionsFor('single_line', flags),
          multi: optionsFor('multi_line', flags),
          runs,
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
