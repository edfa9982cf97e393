/**
 * Quality against speed: exact match and edit similarity against network calls (NFE) for each
 * unmasking strategy, confidence threshold and step budget, on the same tasks and model in one
 * run, so the step slider's and the threshold's defaults are chosen from data.
 *
 * The grid: for each strategy, threshold decoding at each --thresholds value with the full step
 * budget (not for 'random', which has no confidence order), and plain step-budget decoding
 * (threshold off) at each --fractions of the hole's slots.
 *
 *   node out/bench/quality.js [--model DIR] [--tasks FILE] [--limit 40]
 *        [--strategies confidence,margin,entropy,random] [--thresholds 0.5,0.7,0.8,0.9,0.95]
 *        [--fractions 1,0.5,0.25,0.125] [--max-tokens 32] [--multi-max-tokens 96] [--context-tokens 256]
 */
import { loadavg } from 'node:os';
import * as path from 'node:path';
import type { Strategy } from '../src/sampler';
import { list, machineInfo, modelInfo, numbers, parseFlags, publish, readTasks, repoRoot, round, run, selectTasks, type Row } from './common';
import { fillAll, fitted, keystrokesOf, kindsOf, limitOf, MODEL_FLAGS, openModel, optionsFor, SAMPLER_FLAGS, summarize } from './fills';

const FLAGS = {
  ...MODEL_FLAGS,
  'max-tokens': 'mask slots of a single-line hole (default 32)',
  'multi-max-tokens': 'mask slots of a multi-line hole (default 96)',
  'context-tokens': 'canvas budget in tokens (default 256)',
  strategies: 'strategies (default confidence,margin,entropy,random)',
  thresholds: 'thresholds for threshold decoding (default 0.5,0.7,0.8,0.9,0.95)',
  fractions: 'step budgets without threshold, as fractions of the slots (default 1,0.5,0.25,0.125)',
  'pad-penalty': SAMPLER_FLAGS['pad-penalty'],
};

interface Config {
  strategy: Strategy;
  threshold: number | undefined;
  fraction: number;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.limit === undefined) flags.limit = '40';
  const kinds = kindsOf(flags);
  const tasks = selectTasks(readTasks(flags.tasks ?? path.join(repoRoot, 'bench', 'data', 'src-tasks.jsonl')), kinds, limitOf(flags));
  const strategies = list(flags.strategies, 'confidence,margin,entropy,random') as Strategy[];
  const thresholds = numbers(flags.thresholds, '0.5,0.7,0.8,0.9,0.95');
  const fractions = numbers(flags.fractions, '1,0.5,0.25,0.125');
  const configs: Config[] = strategies.flatMap((strategy) => [
    ...(strategy === 'random' ? [] : thresholds.map((threshold) => ({ strategy, threshold, fraction: 1 }))),
    ...fractions.map((fraction) => ({ strategy, threshold: undefined, fraction })),
  ]);
  const load0 = loadavg()[0];
  const model = await openModel(flags);
  const rows: Row[] = [];
  try {
    for (const config of configs) {
      const optionsOf = (kind: string) => {
        const base = fitted(optionsFor(kind, { ...flags, threshold: 'off' }), model.spec.maxLength);
        const steps = Math.max(1, Math.round(base.maxTokens * config.fraction));
        return { ...base, strategy: config.strategy, threshold: config.threshold, steps };
      };
      const fills = await fillAll(model, tasks, optionsOf, 1, keystrokesOf(flags));
      for (const kind of kinds) {
        const row: Row = {
          strategy: config.strategy,
          threshold: config.threshold ?? 'off',
          steps: config.fraction === 1 ? 'slots' : `slots×${config.fraction}`,
          kind,
          ...summarize(fills.filter((f) => f.kind === kind)),
        };
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    }
    publish(
      {
        bench: 'quality',
        title: 'Quality vs speed: strategy x threshold x steps',
        machine: machineInfo(),
        model: modelInfo(model.dir),
        settings: {
          tasks: path.relative(repoRoot, path.resolve(flags.tasks ?? 'bench/data/src-tasks.jsonl')),
          perKind: flags.limit,
          provider: model.provider,
          single: optionsFor('single_line', flags),
          multi: optionsFor('multi_line', flags),
          loadavg: `${round(load0, 2)} -> ${round(loadavg()[0], 2)}`,
        },
        rows,
        notes: ['Greedy tokens (temperature 0). exact %: evaluate.py\'s exact match (trailing whitespace ignored); edit sim: 1 - Levenshtein / max length.'],
      },
      flags.json,
    );
  } finally {
    await model.dispose();
  }
}

run(main);
