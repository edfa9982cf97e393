/**
 * The decoding configurations of bench/mbpp.ts (`--configs`) and one MBPP-Infill fill under one of
 * them, as `diffuse infill --language python` makes it.
 */
import { taskRequest } from '../src/cli/tasks';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type SyntaxChecker } from '../src/infill';
import * as path from 'node:path';
import { CARRY_MAX_CHAIN, type LoadedModel } from '../src/model';
import { repoRoot } from './common';
import { keystrokeChain, typeUpTo } from './keystrokes';
import { withProbedLengths } from './lengthProbe';
import type { MbppTask } from './mbppData';

/** `6/10/16` as sizes, or `off`. */
function sizesOrOff(value: string): number[] | undefined {
  return value === 'off' ? undefined : value.split('/').map(Number);
}

/** The options a configuration may set, and how its value is read. */
export const CONFIG_KEYS: Record<string, (value: string) => unknown> = {
  steps: Number,
  strategy: String,
  threshold: (v) => (v === 'off' ? undefined : Number(v)),
  temperature: Number,
  maxTokens: Number,
  lineTokens: (v) => (v === 'off' ? undefined : Number(v)),
  lineIndents: (v) => v === 'on',
  inlineBreaks: (v) => v === 'on',
  contextTokens: Number,
  padPenalty: (v) => (v === 'off' ? undefined : Number(v)),
  candidates: Number,
  lengths: sizesOrOff,
  inlineLengths: sizesOrOff,
  seed: Number,
  blockSize: Number,
  nonEmpty: (v) => v === 'on',
  cacheRefresh: (v) => (v === 'off' ? undefined : Number(v)),
  cacheCarry: (v) => v === 'on',
  pruneAfter: (v) => (v === 'off' ? undefined : Number(v)),
  // not an engine option: before the timed fill, untimed ones of the document N keystrokes earlier,
  // then N - 1, ..., 1 (the prefix's last characters not yet typed; 'on' = 1), whose context a
  // fill with `cacheCarry` carries from one to the next
  afterKeystroke: (v) => keystrokeChain(v, 'afterKeystroke'),
  // not engine options: the true length as the hole's size (a diagnostic: what length search could gain at best)
  oracleLength: (v) => v === 'on',
  // the N likeliest lengths of a length-probe model's probe as the sizes tried (lengthProbe.ts; a diagnostic)
  probedLengths: Number,
  // and: whether the engine gets the tree-sitter syntax check (default on)
  syntax: (v) => v !== 'off',
};

export interface Config {
  name: string;
  options: InfillOptions;
  syntax: boolean;
  oracleLength: boolean;
  probedLengths?: number;
  afterKeystroke: number;
}

export function parseConfig(spec: string): Config {
  const name = spec.trim() === '' ? 'defaults' : spec.trim();
  // Every fill here is a document's first (the engine's default) unless a configuration sets
  // `cacheCarry=on` with `afterKeystroke=on`, whose fill a keystroke earlier refreshes (fillOne).
  const options: Record<string, unknown> = { ...DEFAULT_INFILL_OPTIONS };
  if (name !== 'defaults') {
    for (const pair of name.split(',')) {
      const [key, value] = pair.split('=').map((s) => s.trim());
      const read = CONFIG_KEYS[key];
      if (!read || value === undefined) throw new Error(`bad configuration item '${pair}' (keys: ${Object.keys(CONFIG_KEYS).join(', ')})`);
      options[key] = read(value);
    }
  }
  const { syntax = true, oracleLength = false, probedLengths, afterKeystroke = 0, ...engineOptions } = options;
  // Configurations take turns on one model task by task: without a keystroke chain that starts
  // from a refresh, a carrying fill would carry the context the last configuration's fill of this
  // very task kept (the task's own canvas, a keystroke ahead of the chain), or the warm-up's.
  if (engineOptions.cacheCarry === true && afterKeystroke === 0) {
    throw new Error(`configuration '${name}': cacheCarry=on needs afterKeystroke (on: one keystroke, up to ${CARRY_MAX_CHAIN}): without a chain a task's fill would carry whatever context the model kept last: another configuration's fill of the same task, or the warm-up's`);
  }
  return {
    name, options: engineOptions as unknown as InfillOptions, syntax: syntax as boolean, oracleLength: oracleLength as boolean,
    probedLengths: probedLengths as number | undefined, afterKeystroke: afterKeystroke as number,
  };
}

/**
 * The `--configs` list (';'-separated). Rows and fills are grouped by a configuration's name, so a
 * name given twice would merge the two configurations' fills into each of two rows: refused.
 */
export function parseConfigs(specs: string): Config[] {
  const configs = specs.split(';').map(parseConfig);
  refuseDuplicates('configuration', '--configs', configs.map((c) => c.name));
  return configs;
}

/**
 * Short names for the models: each one's meta.json name, or its folder's path where two share a
 * name. Rows and fills are grouped by the label, so one folder given twice (the same label) is
 * refused rather than merged.
 */
export function modelLabels(models: ReadonlyArray<Pick<LoadedModel, 'name' | 'dir'>>): string[] {
  const names = models.map((m) => m.name);
  const labels = models.map((m, i) => (names.indexOf(names[i]) === names.lastIndexOf(names[i]) ? names[i] : path.relative(repoRoot, m.dir) || m.dir));
  refuseDuplicates('model', '--model', labels);
  return labels;
}

function refuseDuplicates(what: string, flag: string, names: readonly string[]): void {
  const twice = [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
  if (twice.length > 0) {
    throw new Error(`${flag} gives the ${what} ${twice.map((n) => `'${n}'`).join(', ')} more than once: rows and fills are grouped by ${what}, so their fills would be merged into each of the rows; give each ${what} once`);
  }
}

/**
 * One fill exactly as `diffuse infill --language python` makes it: the task as a cursor hole, a
 * fresh engine (no cache hit). With `afterKeystroke` N, untimed fills of the document N, ..., 1
 * keystrokes earlier come first, the first of them a refresh and the others filled as the timed
 * one is (with `cacheCarry`, each carrying the one before: a typist's chain), whichever
 * configuration filled the task before.
 */
export async function fillOne(model: LoadedModel, task: MbppTask, config: Config, syntax?: SyntaxChecker): Promise<{ completion: string; others: string[]; ms: number; cpuMs: number; nfe: number }> {
  const maxTokens = config.oracleLength ? (await model.tokenizer.encode(task.canonical)).ids.length : undefined;
  const requestOf = (t: MbppTask) => ({ ...taskRequest({ taskId: t.task_id, prefix: t.prefix, suffix: t.suffix, maxTokens }), languageId: 'python' });
  const engine = () => new InfillEngine(model, undefined, { syntax: config.syntax ? syntax : undefined });
  await typeUpTo(task, config.afterKeystroke, config.options, (document, options) => engine().fill(requestOf(document), options));
  const request = requestOf(task);
  const cpu0 = model.cpuUsage();
  // The probe is one more network call of the fill: its time and call count are the fill's.
  const probeStart = performance.now();
  const options = config.probedLengths ? await withProbedLengths(model, request, config.options, config.probedLengths) : config.options;
  const probe = { ms: performance.now() - probeStart, nfe: config.probedLengths ? 1 : 0 };
  const result = await engine().fill(request, options);
  const others = result.candidates.slice(1).map((c) => c.fills[0].text);
  const cpu = model.cpuUsage(cpu0);
  return { completion: result.candidates[0].fills[0].text, others, ms: result.ms + probe.ms, cpuMs: (cpu.user + cpu.system) / 1000, nfe: result.nfe + probe.nfe };
}
