/**
 * Execution quality on MBPP-Infill: every decoding configuration fills the same holes through the
 * real engine and the CLI's request shape (what the extension inserts: the engine's
 * post-processing), and the shared evaluator runs each program against the task's asserts.
 * Per configuration and kind of hole: pass@1, exact match, edit similarity, NFE, latency.
 *
 *   node out/bench/mbpp.js [--model DIR[,DIR...]] [--split validation|train|test] [--limit N]
 *        [--kinds single_line,multi_line_light,random_span_light]
 *        [--configs 'defaults;steps=32,threshold=off;lengths=8/16/32']
 *        [--data ../shared/bench/mbpp-infill] [--evaluator ../shared/bench/make_mbpp_infill.py]
 *
 * A configuration is a comma-separated list of engine options over the shipped defaults
 * (`defaults` = none), lists written with `/`, `off` for an unset option; `syntax=off` leaves
 * out the tree-sitter check of candidates (on otherwise, as `diffuse infill --language python`). Several
 * models (comma-separated) run every configuration each. Models and configurations run round-robin
 * task by task, so load from other processes hits them alike. `cacheCarry=on` needs `afterKeystroke`
 * (on = 1, or 2: a typist's chain, bench/keystrokes.ts): the chain's first fill refreshes, so no
 * configuration carries another's fill of the same task (bench/mbppFill.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { percentile } from '../src/cli/stats';
import { DEFAULT_INFILL_OPTIONS } from '../src/infill';
import { loadSyntaxChecker } from '../src/syntax/treeSitterChecker';
import type { LoadedModel } from '../src/model';
import { editSimilarity, exactMatch, list, machineInfo, mean, modelInfo, parseFlags, publish, repoRoot, resultsFile, round, run, type Row } from './common';
import { MODEL_FLAGS, openModel } from './fills';
import { evaluate, loadTasks, lostGained, MBPP_KINDS, namesUnseenFunction } from './mbppData';
import { fillOne, modelLabels, parseConfigs } from './mbppFill';

const FLAGS = {
  model: 'model folder, or several comma-separated to compare side by side (default: the bundled default model)',
  ep: MODEL_FLAGS.ep,
  threads: MODEL_FLAGS.threads,
  split: 'MBPP split: validation | train | test | prompt (default validation; tune on validation/train only)',
  limit: 'tasks of each kind, a fixed subset of the split (default: all)',
  kinds: `kinds of hole (default ${MBPP_KINDS.join(',')})`,
  configs: "decoding configurations, ';'-separated, each 'key=value,...' over the shipped defaults (default 'defaults')",
  data: 'folder of the task files (default ../shared/bench/mbpp-infill beside the repository)',
  evaluator: 'make_mbpp_infill.py (default ../shared/bench/make_mbpp_infill.py beside the repository)',
  python: 'Python for the evaluator (default python3)',
  json: MODEL_FLAGS.json,
};

interface Fill {
  /** The model's label: its meta.json name (its folder's path when two share a name); only with several models. */
  model?: string;
  config: string;
  kind: string;
  task_id: string;
  completion: string;
  /** The engine's other candidates, best first (only with `candidates` > 1). */
  others: string[];
  canonical: string;
  /** The hole defines the tested function, whose name the context never shows (namesUnseenFunction). */
  unseenName: boolean;
  ms: number;
  cpuMs: number;
  nfe: number;
  passed?: boolean;
  result?: string;
  /** Whether any returned candidate passes: what a perfect reranker of these candidates would get. */
  anyPassed?: boolean;
}

function summarize(fills: readonly Fill[]): Row {
  const ms = fills.map((f) => f.ms);
  return {
    n: fills.length,
    'pass@1': round(mean(fills.map((f) => (f.passed ? 1 : 0))), 3),
    'any cand.': round(mean(fills.map((f) => (f.anyPassed ? 1 : 0))), 3),
    exact: round(mean(fills.map((f) => (exactMatch(f.completion, f.canonical) ? 1 : 0))), 3),
    'edit sim': round(mean(fills.map((f) => editSimilarity(f.completion, f.canonical))), 3),
    'empty %': round(100 * mean(fills.map((f) => (f.completion.trim() === '' ? 1 : 0))), 1),
    'unseen name %': round(100 * mean(fills.map((f) => (f.unseenName ? 1 : 0))), 1),
    NFE: round(mean(fills.map((f) => f.nfe)), 1),
    'p50 ms': round(percentile(ms, 0.5), 0),
    'p95 ms': round(percentile(ms, 0.95), 0),
    'cpu p50 ms': round(percentile(fills.map((f) => f.cpuMs), 0.5), 0),
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  const shared = path.resolve(repoRoot, '..', 'shared', 'bench');
  const dataDir = path.resolve(flags.data ?? path.join(shared, 'mbpp-infill'));
  const evaluator = path.resolve(flags.evaluator ?? path.join(shared, 'make_mbpp_infill.py'));
  const python = flags.python ?? 'python3';
  const split = flags.split ?? 'validation';
  const limit = flags.limit === undefined ? Infinity : Number(flags.limit);
  const kinds = list(flags.kinds, MBPP_KINDS.join(','));
  const configs = parseConfigs(flags.configs ?? 'defaults');
  const tasks = kinds.flatMap((kind) => loadTasks(dataDir, kind, split, limit));
  const load0 = loadavg()[0];
  const dirs = flags.model === undefined ? [undefined] : list(flags.model, '');
  const models: LoadedModel[] = [];
  const syntax = await loadSyntaxChecker();
  const fills: Fill[] = [];
  let labels: Array<string | undefined> = [undefined];
  try {
    for (const dir of dirs) models.push(await openModel({ ...flags, ...(dir === undefined ? {} : { model: dir }) }));
    if (models.length > 1) labels = modelLabels(models);
    for (const model of models) await fillOne(model, tasks[0], configs[0], syntax); // warm-up: one-off costs stay out of the numbers
    for (const [i, task] of tasks.entries()) {
      for (const [m, model] of models.entries()) {
        for (const config of configs) {
          const fill = await fillOne(model, task, config, syntax);
          fills.push({ ...(labels[m] === undefined ? {} : { model: labels[m] }), config: config.name, kind: task.kind, task_id: task.task_id, canonical: task.canonical, unseenName: namesUnseenFunction(task), ...fill });
        }
      }
      if ((i + 1) % 10 === 0) console.error(`filled ${i + 1}/${tasks.length} tasks x ${models.length} models x ${configs.length} configurations`);
    }
  } finally {
    await Promise.all(models.map((m) => m.dispose()));
  }
  // one group of fills per model, configuration and kind
  const runs = labels.flatMap((label) => configs.map((config) => ({ label, config: config.name })));
  const allOf = (run: (typeof runs)[number]) => fills.filter((f) => f.model === run.label && f.config === run.config);
  const groupOf = (run: (typeof runs)[number], kind: string) => allOf(run).filter((f) => f.kind === kind);
  for (const run of runs) {
    for (const kind of kinds) {
      const group = groupOf(run, kind);
      evaluate(evaluator, python, dataDir, kind, group).forEach((verdict, i) => Object.assign(group[i], verdict, { anyPassed: verdict.passed }));
      const others = group.flatMap((f) => f.others.map((completion) => ({ fill: f, task_id: f.task_id, completion })));
      evaluate(evaluator, python, dataDir, kind, others).forEach((verdict, i) => {
        if (verdict.passed) others[i].fill.anyPassed = true;
      });
    }
  }
  const rows: Row[] = runs.flatMap((run) => kinds.map((kind) => ({
    ...(run.label === undefined ? {} : { model: run.label }),
    config: run.config,
    kind,
    ...summarize(groupOf(run, kind)),
    ...(runs.length > 1 ? { 'lost / gained': lostGained(groupOf(runs[0], kind), groupOf(run, kind)) } : {}),
  })));
  // a shipping rule reads the kinds together (bench/README.md §28): every hole of every kind, paired
  const pooled = runs.length > 1 && kinds.length > 1
    ? [`pooled over ${kinds.join(' + ')}, lost / gained against the first: ${runs.slice(1).map((run) => `${[run.label, run.config].filter((x) => x !== undefined).join(' ')} ${lostGained(allOf(runs[0]), allOf(run))}`).join('; ')}`]
    : [];
  const date = new Date().toISOString();
  const fillsFile = resultsFile('mbpp-fills', date, 'jsonl');
  mkdirSync(path.dirname(fillsFile), { recursive: true });
  writeFileSync(fillsFile, fills.map((f) => JSON.stringify(f)).join('\n') + '\n');
  publish(
    {
      bench: 'mbpp',
      title: `Execution quality on MBPP-Infill (${split} split)`,
      machine: machineInfo(),
      model: models.length > 1 ? models.map((m) => modelInfo(m.dir)) : modelInfo(models[0].dir),
      settings: {
        split,
        perKind: flags.limit ?? 'all',
        provider: [...new Set(models.map((m) => m.provider))].join(', '),
        threads: flags.threads ?? 'default',
        defaults: DEFAULT_INFILL_OPTIONS,
        loadavg: `${round(load0, 2)} -> ${round(loadavg()[0], 2)}`,
        fills: path.relative(repoRoot, fillsFile),
      },
      rows,
      notes: [
        ...pooled,
        'lost / gained (with several models or configurations): holes the first model\'s first configuration passes and this one fails, and the reverse, over the same holes, with the two-sided sign test\'s p (how often fair coins split that many holes as unevenly). pass@1: the completion executed against the task\'s asserts by make_mbpp_infill.py (greedy: one sample per task). any cand.: share of tasks where any candidate the engine returned passes (with `candidates` > 1: the ceiling of reranking them; else = pass@1). exact: equal to the reference middle after trailing whitespace; edit sim: 1 - Levenshtein / max length. empty %: fills the engine returned empty. unseen name %: holes that define the function the asserts call while the context never names it (only a lucky guess of the name passes). NFE: network calls per fill (each call runs every batch row). ms: wall time of InfillEngine.fill through the worker session, a fresh engine per fill (no cache hit), one warm-up fill first; configurations interleaved task by task. cpu ms: CPU time of the process and its model worker process during the fill (LoadedModel.cpuUsage): with one intra-op thread the work is serial, so it is the fill\'s wall time on an otherwise idle machine, which other engineers\' jobs on this shared machine do not inflate.',
      ],
    },
    flags.json,
    date,
  );
}

run(main);
