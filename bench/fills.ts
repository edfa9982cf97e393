/**
 * Filling task files through the real engine (the extension's path: loadModel's worker-thread
 * session, InfillEngine, post-processing), one fresh engine per fill so its cache never answers.
 */
import { performance } from 'node:perf_hooks';
import { taskRequest } from '../src/cli/tasks';
import { DEFAULT_INFILL_OPTIONS, defaultSteps, InfillEngine, type InfillOptions } from '../src/infill';
import { loadModel, resolveModel, type ExecutionProviderChoice, type LoadedModel } from '../src/model';
import type { Strategy } from '../src/sampler';
import { percentile } from '../src/cli/stats';
import { editSimilarity, exactMatch, mean, numbers, round, type BenchTask, type Flags, type Row } from './common';
import { keystrokeChain, typeUpTo } from './keystrokes';

export const MODEL_FLAGS = {
  model: 'model folder (default: the bundled default model)',
  tasks: 'task file (JSONL, CLI format + "expected"/"kind"; default bench/data/src-tasks.jsonl)',
  limit: 'tasks of each kind (default: all)',
  kinds: 'task kinds (default single_line,multi_line)',
  ep: 'execution provider (default cpu)',
  threads: 'intra-op threads of the session (default: loadModel\'s default)',
  json: 'write the JSON report here instead of bench/results/',
};

export const SAMPLER_FLAGS = {
  'max-tokens': `mask slots of a single-line hole (default the engine's, ${DEFAULT_INFILL_OPTIONS.maxTokens})`,
  'multi-max-tokens': 'mask slots of a multi-line hole (default 96, as evaluate.py\'s reference)',
  'context-tokens': `canvas budget in tokens (default the engine's, ${DEFAULT_INFILL_OPTIONS.contextTokens})`,
  steps: 'step budget (default: the shipped defaults\' slots per step for the hole\'s slots: 12 for 32)',
  'steps-fraction': 'step budget as a fraction of the hole\'s slots, e.g. 0.125 = 8 slots per call (instead of --steps)',
  strategy: `unmasking strategy (default ${DEFAULT_INFILL_OPTIONS.strategy})`,
  threshold: `confidence threshold, or off (default the engine's, ${DEFAULT_INFILL_OPTIONS.threshold ?? 'off'})`,
  'pad-penalty': `padPenalty of the sampler, or off (default the engine's, ${DEFAULT_INFILL_OPTIONS.padPenalty ?? 'off'})`,
  'prune-after': `steps after which only the best length row runs on, or off (default the engine's, ${DEFAULT_INFILL_OPTIONS.pruneAfter ?? 'off'})`,
  'after-keystroke': "on or N: fill each task after untimed fills of its document N, ..., 1 keystrokes earlier (on: 1), the first refreshing and each later one carrying the context of the one before (cacheCarry), as a typist's fills do; default off: every fill is its document's first",
};

export async function openModel(flags: Flags): Promise<LoadedModel> {
  const ep = (flags.ep ?? 'cpu') as ExecutionProviderChoice;
  const threads = flags.threads === undefined ? undefined : Number(flags.threads);
  return loadModel(resolveModel(flags.model), { executionProvider: ep, ...(threads ? { threads } : {}) });
}

/** The typist's keystrokes before each timed fill (`--after-keystroke`): 0 when off. */
export function keystrokesOf(flags: Flags): number {
  const value = flags['after-keystroke'];
  return value === undefined || value === 'off' ? 0 : keystrokeChain(value, '--after-keystroke');
}

/** A flag that is a number or 'off' (undefined); absent = `fallback`. */
function optionalNumber(flag: string | undefined, fallback: number | undefined): number | undefined {
  if (flag === undefined) return fallback;
  return flag === 'off' ? undefined : Number(flag);
}

/** The step budget of a `maxTokens`-slot hole: `--steps`, else `--steps-fraction` of its slots, else the shipped defaults' rate. */
function stepsFor(maxTokens: number, flags: Flags): number {
  if (flags.steps !== undefined) return Number(flags.steps);
  if (flags['steps-fraction'] !== undefined) return Math.max(1, Math.round(maxTokens * Number(flags['steps-fraction'])));
  return defaultSteps(maxTokens);
}

/** Engine options for one kind of hole, from the flags (or `overrides`). */
export function optionsFor(kind: string, flags: Flags, overrides: Partial<InfillOptions> = {}): InfillOptions {
  const single = flags['max-tokens'] === undefined ? DEFAULT_INFILL_OPTIONS.maxTokens : Number(flags['max-tokens']);
  const multi = flags['multi-max-tokens'] === undefined ? 96 : Number(flags['multi-max-tokens']);
  const maxTokens = overrides.maxTokens ?? (kind === 'multi_line' ? multi : single);
  const threshold = optionalNumber(flags.threshold, DEFAULT_INFILL_OPTIONS.threshold);
  return {
    ...DEFAULT_INFILL_OPTIONS,
    maxTokens,
    steps: stepsFor(maxTokens, flags),
    strategy: (flags.strategy ?? DEFAULT_INFILL_OPTIONS.strategy) as Strategy,
    threshold,
    padPenalty: optionalNumber(flags['pad-penalty'], DEFAULT_INFILL_OPTIONS.padPenalty),
    pruneAfter: optionalNumber(flags['prune-after'], DEFAULT_INFILL_OPTIONS.pruneAfter),
    contextTokens: flags['context-tokens'] === undefined ? DEFAULT_INFILL_OPTIONS.contextTokens : Number(flags['context-tokens']),
    // each task is its document's first fill (the engine's default) unless asked: two tasks cut
    // from one file must not carry each other's context
    cacheCarry: keystrokesOf(flags) > 0,
    ...overrides,
  };
}

export interface Fill {
  taskId: string;
  kind: string;
  completion: string;
  /** Wall time of `fill`, request to post-processed text. */
  ms: number;
  /**
   * CPU time of the whole process (all threads) during the fill. With one intra-op thread the work
   * is serial, so this is what the fill takes on an otherwise idle machine: a figure that other
   * load on a shared machine does not inflate (it shows as wall ms > cpu ms).
   */
  cpuMs: number;
  nfe: number;
  /** Generated tokens (padding excluded). */
  tokens: number;
  /** Mask slots of the hole: what the sampler revealed, padding included. */
  slots: number;
  canvasTokens: number;
  exact: boolean;
  editSimilarity: number;
}

export async function fillTask(model: LoadedModel, task: BenchTask, requested: InfillOptions, keystrokes = 0): Promise<Fill> {
  const options = fitted(requested, model.spec.maxLength);
  const requestOf = (t: BenchTask) => taskRequest({ taskId: t.task_id, prefix: t.prefix, suffix: t.suffix, ...(t.max_tokens ? { maxTokens: t.max_tokens } : {}) });
  if (options.cacheCarry && keystrokes === 0) {
    throw new Error('fillTask: cacheCarry without a keystroke chain would carry whatever context the model kept last (the warm-up\'s fill of this very task, or the task before, which may be cut from the same file): give keystrokes (--after-keystroke)');
  }
  const engine = new InfillEngine(model);
  await typeUpTo(task, keystrokes, options, (document, options) => engine.fill(requestOf(document), options));
  const request = requestOf(task);
  const cpu0 = model.cpuUsage();
  const started = performance.now();
  const result = await engine.fill(request, options);
  const ms = performance.now() - started;
  const cpu = model.cpuUsage(cpu0);
  const [fill] = result.candidates[0].fills;
  const expected = task.expected ?? '';
  return {
    taskId: task.task_id,
    kind: task.kind ?? 'single_line',
    completion: fill.text,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    nfe: result.nfe,
    tokens: fill.tokens,
    slots: task.max_tokens ?? options.maxTokens,
    canvasTokens: result.canvasTokens,
    exact: exactMatch(fill.text, expected),
    editSimilarity: editSimilarity(fill.text, expected),
  };
}

/** A hole never takes more than half the canvas a model can hold (the test fixture's is 64 tokens). */
export function fitted(options: InfillOptions, maxLength: number): InfillOptions {
  const cap = Math.floor(Math.min(options.contextTokens, maxLength) / 2);
  if (options.maxTokens <= cap) return options;
  return { ...options, maxTokens: cap, steps: Math.min(options.steps, cap) };
}

/**
 * Fills every task (kind-specific options), after one untimed warm-up fill; with `keystrokes`,
 * each after its typist's chain (keystrokes.ts).
 */
export async function fillAll(model: LoadedModel, tasks: readonly BenchTask[], optionsOf: (kind: string) => InfillOptions, runs = 1, keystrokes = 0): Promise<Fill[]> {
  if (tasks.length > 0) await fillTask(model, tasks[0], optionsOf(tasks[0].kind ?? 'single_line'), keystrokes);
  const fills: Fill[] = [];
  for (let r = 0; r < runs; r++) {
    for (const task of tasks) fills.push(await fillTask(model, task, optionsOf(task.kind ?? 'single_line'), keystrokes));
  }
  return fills;
}

/** One row of numbers over a group of fills. */
export function summarize(fills: readonly Fill[]): Row {
  const ms = fills.map((f) => f.ms);
  const nfe = fills.reduce((s, f) => s + f.nfe, 0);
  const tokens = fills.reduce((s, f) => s + f.tokens, 0);
  const slots = fills.reduce((s, f) => s + f.slots, 0);
  return {
    n: fills.length,
    'p50 ms': round(percentile(ms, 0.5)),
    'p95 ms': round(percentile(ms, 0.95)),
    'mean ms': round(mean(ms)),
    'cpu p50 ms': round(percentile(fills.map((f) => f.cpuMs), 0.5)),
    'cpu p95 ms': round(percentile(fills.map((f) => f.cpuMs), 0.95)),
    'NFE mean': round(nfe / Math.max(1, fills.length), 2),
    'NFE/token': round(tokens === 0 ? NaN : nfe / tokens, 3),
    'tokens/NFE': round(nfe === 0 ? NaN : tokens / nfe, 2),
    'slots/NFE': round(nfe === 0 ? NaN : slots / nfe, 2),
    'exact %': round((100 * fills.filter((f) => f.exact).length) / Math.max(1, fills.length), 1),
    'edit sim': round(mean(fills.map((f) => f.editSimilarity)), 3),
    canvas: round(mean(fills.map((f) => f.canvasTokens)), 0),
  };
}

export function kindsOf(flags: Flags): string[] {
  return (flags.kinds ?? 'single_line,multi_line').split(',').filter((k) => k !== '');
}

export function limitOf(flags: Flags): number {
  return flags.limit === undefined ? Infinity : numbers(flags.limit, '0')[0];
}
