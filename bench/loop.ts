/**
 * Responsiveness of the host process while fills run: the event-loop delay (perf_hooks'
 * monitorEventLoopDelay, 1 ms resolution) and event-loop utilization of the thread that calls the
 * engine (in the extension: the extension host's), idle and during back-to-back fills. Inference
 * runs in the session's worker thread; the sampler's float64 math, tokenization and
 * post-processing run on the caller's thread.
 *
 *   node out/bench/loop.js [--model DIR] [--tasks FILE] [--limit 30] [--threads 1,2] [--idle-ms 2000]
 */
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadModel, resolveModel } from '../src/model';
import { machineInfo, modelInfo, numbers, parseFlags, publish, readTasks, repoRoot, round, run, selectTasks, type Row } from './common';
import { fillAll, keystrokesOf, kindsOf, limitOf, MODEL_FLAGS, optionsFor, SAMPLER_FLAGS } from './fills';

const FLAGS = {
  ...MODEL_FLAGS,
  ...SAMPLER_FLAGS,
  threads: 'intra-op thread counts to compare (default 1,2)',
  'idle-ms': 'idle measurement before the fills (default 2000)',
};

async function measure<T>(work: () => Promise<T>): Promise<{ value: T; p50: number; p99: number; max: number; elu: number; ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  histogram.enable();
  const value = await work();
  histogram.disable();
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const toMs = (ns: number) => round(ns / 1e6, 2);
  return { value, p50: toMs(histogram.percentile(50)), p99: toMs(histogram.percentile(99)), max: toMs(histogram.max), elu: round(100 * elu, 1), ms };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.limit === undefined) flags.limit = '30';
  const tasks = selectTasks(readTasks(flags.tasks ?? path.join(repoRoot, 'bench', 'data', 'src-tasks.jsonl')), kindsOf(flags), limitOf(flags));
  const threadCounts = numbers(flags.threads, '1,2');
  const [idleMs] = numbers(flags['idle-ms'], '2000');
  const dir = resolveModel(flags.model);
  const load0 = loadavg()[0];
  const rows: Row[] = [];
  for (const threads of threadCounts) {
    const model = await loadModel(dir, { executionProvider: (flags.ep ?? 'cpu') as 'cpu', threads });
    try {
      const idle = await measure(() => sleep(idleMs));
      rows.push({ threads, phase: 'idle', fills: 0, 'wall s': round(idle.ms / 1000, 1), 'delay p50 ms': idle.p50, 'delay p99 ms': idle.p99, 'delay max ms': idle.max, 'ELU %': idle.elu });
      const busy = await measure(() => fillAll(model, tasks, (kind) => optionsFor(kind, flags), 1, keystrokesOf(flags)));
      rows.push({ threads, phase: 'filling', fills: busy.value.length, 'wall s': round(busy.ms / 1000, 1), 'delay p50 ms': busy.p50, 'delay p99 ms': busy.p99, 'delay max ms': busy.max, 'ELU %': busy.elu });
      console.error(JSON.stringify(rows.slice(-2)));
    } finally {
      await model.dispose();
    }
  }
  publish(
    {
      bench: 'loop',
      title: 'Host event-loop delay while filling',
      machine: machineInfo(),
      model: modelInfo(dir),
      settings: {
        tasks: path.relative(repoRoot, path.resolve(flags.tasks ?? 'bench/data/src-tasks.jsonl')),
        perKind: flags.limit,
        single: optionsFor('single_line', flags),
        loadavg: `${round(load0, 2)} -> ${round(loadavg()[0], 2)}`,
      },
      rows,
      notes: ['delay: how late a 1 ms timer fires on the calling thread (monitorEventLoopDelay); ELU: share of wall time that thread was busy. The fills run back to back, the worst case for an editor.'],
    },
    flags.json,
  );
}

run(main);
