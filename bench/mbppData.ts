/**
 * MBPP-Infill (the shared benchmark built by make_mbpp_infill.py): reading its task files, the
 * deterministic subset a run uses, and scoring completions by executing them with the shared
 * evaluator, so pass@1 here is the number the evaluator itself prints.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { binomialDistribution } from 'simple-statistics';

/** One line of `<kind>.jsonl`; prefix + canonical + suffix is the reference program. */
export interface MbppTask {
  task_id: string;
  kind: string;
  split: string;
  prefix: string;
  suffix: string;
  canonical: string;
  /** The function the asserts call. */
  entry_point: string;
  canonical_ok?: boolean;
  trivial?: boolean;
}

/**
 * Whether the hole defines the function the asserts call while the context never names it (the
 * name is only in the asserts, which the model does not see): no fill can pass such a hole except
 * by guessing the name. About one single-line hole in seven in every split.
 */
export function namesUnseenFunction(task: MbppTask): boolean {
  const name = task.entry_point;
  const defines = new RegExp(`\\bdef\\s+${name}\\s*\\(`).test(task.canonical);
  return defines && !new RegExp(`\\b${name}\\b`).test(task.prefix + task.suffix);
}

export const MBPP_KINDS = ['single_line', 'multi_line_light', 'random_span_light'] as const;

/**
 * The usable tasks of one kind and split (the evaluator's own filter: the reference passes and an
 * empty hole fails), in a fixed pseudo-random order: by sha256 of the task id. The task files list
 * every line of one problem together, so their first N single-line holes would come from a handful
 * of problems; this order spreads any `limit` over the split and stays the same from run to run.
 */
export function loadTasks(dataDir: string, kind: string, split: string, limit: number): MbppTask[] {
  const file = path.join(dataDir, `${kind}.jsonl`);
  const tasks = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MbppTask)
    .filter((t) => t.split === split && t.canonical_ok !== false && t.trivial !== true);
  const key = (t: MbppTask) => createHash('sha256').update(t.task_id).digest('hex');
  return tasks.map((t) => ({ t, k: key(t) })).sort((a, b) => (a.k < b.k ? -1 : 1)).slice(0, limit).map(({ t }) => t);
}

export interface Verdict {
  passed: boolean;
  result: string;
}

/**
 * The evaluator's arguments. `--isolation fork` explicitly: its two modes disagree on a program
 * that calls `exit()` (a forked child's exit fails it, `python3 -I` per program passes it), and
 * fork, the stricter, is the one every number in bench/README.md used; a change of the
 * evaluator's default must not move them.
 */
export function evaluateArgs(tasksFile: string, samplesFile: string): string[] {
  return ['evaluate', '--tasks', tasksFile, '--samples', samplesFile, '--isolation', 'fork'];
}

/**
 * Runs `python evaluator evaluate` on the completions of one kind and returns the verdict of each,
 * in order. The evaluator executes model output (rlimits and time-outs, no sandbox), as its README
 * says: a throw-away machine.
 */
export function evaluate(
  evaluator: string,
  python: string,
  dataDir: string,
  kind: string,
  samples: ReadonlyArray<{ task_id: string; completion: string }>,
): Verdict[] {
  if (samples.length === 0) return [];
  const dir = mkdtempSync(path.join(tmpdir(), 'mbpp-eval-'));
  try {
    const file = path.join(dir, 'samples.jsonl');
    writeFileSync(file, samples.map((s) => JSON.stringify({ task_id: s.task_id, completion: s.completion })).join('\n') + '\n');
    const run = spawnSync(python, [evaluator, ...evaluateArgs(path.join(dataDir, `${kind}.jsonl`), file)], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (run.status !== 0) throw new Error(`the evaluator failed (${run.status}): ${run.stderr || run.error?.message}`);
    const rows = readFileSync(`${file}_results.jsonl`, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { task_id: string; completion: string; passed: boolean; result: string });
    if (rows.length !== samples.length) throw new Error(`the evaluator scored ${rows.length} of ${samples.length} samples`);
    return rows.map((r, i) => {
      if (r.task_id !== samples[i].task_id) throw new Error(`evaluator order: ${r.task_id} where ${samples[i].task_id} was expected`);
      return { passed: r.passed, result: r.result };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fill's hole and verdict, as a paired comparison reads them. */
export interface PairedFill {
  readonly task_id: string;
  readonly passed?: boolean;
}

/**
 * The paired comparison of two runs over the same holes: holes the first passes and `other` fails
 * (lost), and the reverse (gained), with the two-sided sign test's p-value. Pass rates a few points
 * apart on a few hundred holes are often noise; the counts show whether a change moves many holes
 * both ways or a few one way, and p how often a coin would split them as unevenly.
 */
export function lostGained(first: readonly PairedFill[], other: readonly PairedFill[]): string {
  const firstPassed = new Map(first.map((f) => [f.task_id, f.passed === true]));
  let lost = 0;
  let gained = 0;
  for (const fill of other) {
    const before = firstPassed.get(fill.task_id);
    if (before === undefined) throw new Error(`hole ${fill.task_id} is missing from the first run`);
    if (before && !fill.passed) lost++;
    if (!before && fill.passed) gained++;
  }
  return lost + gained === 0 ? '0 / 0' : `${lost} / ${gained} (p ${signTestP(lost, gained).toPrecision(2)})`;
}

/**
 * The exact two-sided sign test: the chance that `lost + gained` fair coin flips split at least as
 * unevenly as `lost` to `gained` (scipy.stats.binomtest(lost, lost + gained).pvalue).
 */
export function signTestP(lost: number, gained: number): number {
  const n = lost + gained;
  if (n === 0) return 1;
  // The mass function from 0 successes up; simple-statistics stops the table once the remaining
  // tail is negligible, which lies beyond the smaller count whenever that tail matters.
  const mass = binomialDistribution(n, 0.5);
  if (mass === undefined) throw new Error(`sign test: no binomial table for ${n} trials`);
  let tail = 0;
  for (let k = 0; k <= Math.min(lost, gained); k++) tail += mass[k] ?? 0;
  return Math.min(1, 2 * tail);
}
