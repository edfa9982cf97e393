/**
 * Several MBPP-Infill runs read as one paired comparison: the fills files `mbpp.js` writes (one a
 * split, each with the same models and configurations), every model and configuration's holes lost
 * and gained against the first one's, file by file and pooled over all of them, with the sign
 * test's p, after a table of each file and kind's pass@1 and lost / gained. The rule each
 * candidate model has been held to since bench/README.md §39 pools the validation and train splits
 * so; both tables were written by hand before.
 *
 *   node out/bench/pool.js --fills bench/results/mbpp-fills-A.jsonl,bench/results/mbpp-fills-B.jsonl \
 *     [--kinds single_line,random_span_light]
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { list, markdownTable, parseFlags, run, type Row } from './common';
import { lostGained, type PairedFill } from './mbppData';

/** One line of a fills file, as far as a paired comparison reads it. */
export interface PooledFill extends PairedFill {
  readonly model?: string;
  readonly config: string;
  readonly kind: string;
}

/** A fills file's lines; a line that is not a fill is an error naming the file, the line and the field. */
export function readFills(file: string, text = readFileSync(file, 'utf8')): PooledFill[] {
  const fills: PooledFill[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let fill: Record<string, unknown>;
    try {
      fill = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${where}: not JSON (${(error as Error).message})`, { cause: error });
    }
    for (const field of ['task_id', 'config', 'kind'] as const) {
      if (typeof fill[field] !== 'string') throw new Error(`${where}: field '${field}' is missing or not a string`);
    }
    if (typeof fill.passed !== 'boolean') throw new Error(`${where}: field 'passed' is missing or not true/false`);
    if (fill.model !== undefined && typeof fill.model !== 'string') throw new Error(`${where}: field 'model' is not a string`);
    fills.push(fill as unknown as PooledFill);
  });
  return fills;
}

const armOf = (fill: PooledFill) => `${fill.model ?? ''}\t${fill.config}`;

/** The files' fills with only `kinds` kept, and the arms (model and configuration) of the first file, in its order. */
function armsOf(files: ReadonlyArray<{ readonly name: string; readonly fills: readonly PooledFill[] }>, kinds?: readonly string[]) {
  if (files.length === 0) throw new Error('no fills file given');
  const names = files.map((f) => path.basename(f.name));
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new Error(`two fills files are named ${repeated}: the tables name each file by its name alone`);
  const kept = files.map((f) => ({ name: f.name, fills: f.fills.filter((x) => kinds === undefined || kinds.includes(x.kind)) }));
  const arms = [...new Set(kept[0]!.fills.map(armOf))];
  if (arms.length < 2) throw new Error(`${kept[0]!.name}: one model and configuration only: nothing to compare`);
  for (const file of kept) {
    const here = new Set(file.fills.map(armOf));
    const missing = arms.filter((arm) => !here.has(arm));
    const extra = [...here].filter((arm) => !arms.includes(arm));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(`${file.name}: not the models and configurations of ${kept[0]!.name} (${[...missing.map((a) => `lacks ${a}`), ...extra.map((a) => `adds ${a}`)].join('; ').replace(/\t/g, ' ')})`);
    }
  }
  return { kept, arms };
}

/** An arm's name in a table: its model, and its configuration where the arms differ in it. */
function armLabel(arm: string, arms: readonly string[]): string {
  const [model, config] = arm.split('\t');
  const configs = new Set(arms.map((a) => a.split('\t')[1]));
  return configs.size > 1 ? `${model || '(one model)'} ${config}` : model || config!;
}

/**
 * A row for each model and configuration after the first (of the first file): its lost / gained
 * against the first in each file, then pooled. Every file must hold the same ones; `kinds` keeps
 * only those kinds of hole.
 */
export function pooledRows(files: ReadonlyArray<{ readonly name: string; readonly fills: readonly PooledFill[] }>, kinds?: readonly string[]): Row[] {
  const { kept, arms } = armsOf(files, kinds);
  // an arm's holes in file i, named by file, kind and task (the splits' task ids may repeat, and so may a file's per kind)
  const holes = (arm: string, i: number) =>
    kept[i]!.fills.filter((f) => armOf(f) === arm).map((f) => ({ task_id: `${i}/${f.kind}/${f.task_id}`, passed: f.passed }));
  const pooled = (arm: string) => kept.flatMap((_, i) => holes(arm, i));
  return arms.slice(1).map((arm) => {
    const [model, config] = arm.split('\t');
    const row: Row = { model: model || '(one model)', config: config! };
    kept.forEach((file, i) => (row[path.basename(file.name)] = lostGained(holes(arms[0]!, i), holes(arm, i))));
    row.pooled = lostGained(pooled(arms[0]!), pooled(arm));
    return row;
  });
}

/**
 * A row for each file and kind of hole: the holes, each arm's pass@1, and each arm after the first
 * its lost / gained against the first (the table bench/README.md gives a candidate, split by split).
 */
export function splitRows(files: ReadonlyArray<{ readonly name: string; readonly fills: readonly PooledFill[] }>, kinds?: readonly string[]): Row[] {
  const { kept, arms } = armsOf(files, kinds);
  return kept.flatMap((file) => {
    const fileKinds = [...new Set(file.fills.map((f) => f.kind))];
    return fileKinds.map((kind) => {
      const holes = (arm: string) => file.fills.filter((f) => f.kind === kind && armOf(f) === arm);
      const count = holes(arms[0]!).length;
      const row: Row = { file: path.basename(file.name), kind, holes: count };
      for (const arm of arms) {
        const fills = holes(arm);
        if (fills.length !== count) {
          throw new Error(`${file.name}: ${armLabel(arm, arms)} has ${fills.length} ${kind} holes where ${armLabel(arms[0]!, arms)} has ${count}`);
        }
        row[armLabel(arm, arms)] = (fills.filter((f) => f.passed).length / count).toFixed(3);
      }
      for (const arm of arms.slice(1)) row[`lost / gained, ${armLabel(arm, arms)}`] = lostGained(holes(arms[0]!), holes(arm));
      return row;
    });
  });
}

if (require.main === module) {
  run(async () => {
    const flags = parseFlags(process.argv.slice(2), {
      fills: 'fills files written by mbpp.js, comma-separated (e.g. a validation and a train run)',
      kinds: 'only these kinds of hole, comma-separated (default: every kind in the files)',
    });
    const names = list(flags.fills, '');
    const kinds = flags.kinds === undefined ? undefined : list(flags.kinds, '');
    const files = names.map((name) => ({ name, fills: readFills(name) }));
    console.log('pass@1 by file and kind of hole, and lost / gained against the first model and configuration (two-sided sign test):\n');
    console.log(markdownTable(splitRows(files, kinds)));
    console.log('lost / gained against the first model and configuration of the first file, per file and pooled:\n');
    console.log(markdownTable(pooledRows(files, kinds)));
  });
}
