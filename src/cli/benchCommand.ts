import type { Logger } from '../core/logger';
import { InfillEngine, type InfillRequest } from '../infill';
import type { LoadedModel } from '../model';
import type { BenchArgs } from './args';
import { readLines } from './jsonl';
import { distribution, type Distribution } from './stats';
import { isBadLine, parseTask, taskPlace, taskRequest } from './tasks';

/** Bench had tasks and every fill of them failed: there is nothing to report (exit code 1). */
export class NoFillError extends Error {
  override readonly name = 'NoFillError';
}

export interface BenchReport {
  readonly model: string;
  /** The model's family and graph, e.g. "cedd/roulette". */
  readonly kind: string;
  readonly provider: string;
  readonly loadMs: number;
  readonly tasks: number;
  readonly runs: number;
  readonly fills: number;
  readonly latencyMs: Distribution;
  /** Network calls per generated token: below 1 when slots are revealed in parallel. */
  readonly nfePerToken: number;
  readonly tokensPerSecond: number;
  readonly meanCanvasTokens: number;
}

/**
 * `diffuse bench`: fills every task `runs` times and summarises. Each fill goes through a fresh
 * engine, so the cache never answers; one warm-up fill first keeps one-off costs out of the numbers.
 * Throws `NoFillError` when there were tasks and none could be filled.
 */
export async function runBench(args: BenchArgs, model: LoadedModel, loadMs: number, logger: Logger): Promise<BenchReport> {
  const tasks: Array<{ readonly place: string; readonly request: InfillRequest }> = [];
  for await (const line of readLines(args.input)) {
    const task = parseTask(line.text);
    const place = taskPlace(line.number, task);
    if (isBadLine(task)) logger.warn(`[bench] ${place}: skipped: ${task.error}`);
    else tasks.push({ place, request: taskRequest(task) });
  }
  if (tasks.length > 0) {
    const [warmUp] = tasks;
    await new InfillEngine(model).fill(warmUp.request, args.options).catch((error: Error) => {
      logger.warn(`[bench] ${warmUp.place}: the warm-up fill failed: ${error.message}`);
    });
  }

  const latencies: number[] = [];
  let nfe = 0;
  let tokens = 0;
  let canvasTokens = 0;
  for (let run = 0; run < args.runs; run++) {
    for (const { place, request } of tasks) {
      const result = await new InfillEngine(model).fill(request, args.options).catch((error: Error) => {
        logger.warn(`[bench] ${place}: a fill failed: ${error.message}`);
      });
      if (!result) continue;
      latencies.push(result.ms);
      nfe += result.nfe;
      tokens += result.candidates[0].fills.reduce((sum, fill) => sum + fill.tokens, 0);
      canvasTokens += result.canvasTokens;
    }
    logger.debug(`[bench] run ${run + 1}/${args.runs} done`);
  }
  if (tasks.length > 0 && latencies.length === 0) throw new NoFillError(`bench: none of ${tasks.length * args.runs} fill(s) succeeded (the warnings above say why)`);
  const seconds = latencies.reduce((a, b) => a + b, 0) / 1000;
  return {
    model: model.name,
    kind: `${model.spec.family}/${model.spec.graph}`,
    provider: model.provider,
    loadMs,
    tasks: tasks.length,
    runs: args.runs,
    fills: latencies.length,
    latencyMs: distribution(latencies),
    nfePerToken: tokens === 0 ? NaN : nfe / tokens,
    tokensPerSecond: seconds === 0 ? NaN : tokens / seconds,
    meanCanvasTokens: latencies.length === 0 ? NaN : canvasTokens / latencies.length,
  };
}

/** The report as an aligned two-column table. */
export function formatBenchTable(report: BenchReport): string {
  const n = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
  const { latencyMs: l } = report;
  const rows: Array<[string, string]> = [
    ['model', `${report.model} (${report.kind}, ${report.provider})`],
    ['load', `${n(report.loadMs, 0)} ms`],
    ['fills', `${report.fills} (${report.tasks} tasks x ${report.runs} runs)`],
    ['latency ms', `p50 ${n(l.p50)}  p95 ${n(l.p95)}  mean ${n(l.mean)}  min ${n(l.min)}  max ${n(l.max)}`],
    ['NFE/token', n(report.nfePerToken, 3)],
    ['tokens/s', n(report.tokensPerSecond)],
    ['canvas', `${n(report.meanCanvasTokens)} tokens (mean)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n') + '\n';
}
