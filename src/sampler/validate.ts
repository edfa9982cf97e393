import { InvalidRequestError } from '../core/errors';
import type { Canvas, RevealSchedule, SampleOptions, Strategy } from './api';
import type { DiffusionSpec } from './types';

/** SampleOptions with every default filled in and every value checked. */
export interface ResolvedOptions {
  readonly steps: number;
  readonly strategy: Strategy;
  readonly threshold: number | undefined;
  readonly schedule: RevealSchedule;
  readonly temperature: number;
  /** 0 = off. */
  readonly topK: number;
  /** 1 = off. */
  readonly topP: number;
  readonly seed: number;
  readonly blockSize: number | undefined;
  /** undefined = pad handling off. */
  readonly padPenalty: number | undefined;
}

const STRATEGIES: readonly Strategy[] = ['confidence', 'margin', 'entropy', 'random'];
const SCHEDULES: readonly RevealSchedule[] = ['linear', 'cosine'];

function fail(message: string): never {
  throw new InvalidRequestError(message);
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

export function validateCanvas(spec: DiffusionSpec, canvas: Canvas): void {
  if (spec.graph !== 'absorb' || spec.outputKind !== 'x0_logits') {
    fail(`the sampler drives absorbing x0-logit models only (got graph '${spec.graph}', output '${spec.outputKind}')`);
  }
  if (!isPositiveInteger(canvas.batch)) fail(`canvas.batch must be an integer >= 1 (got ${canvas.batch})`);
  if (!isPositiveInteger(canvas.length)) fail(`canvas.length must be an integer >= 1 (got ${canvas.length})`);
  if (canvas.length > spec.maxLength) {
    fail(`canvas.length ${canvas.length} exceeds the model's maximum length ${spec.maxLength}`);
  }
  if (canvas.tokens.length !== canvas.batch * canvas.length) {
    fail(`canvas.tokens has ${canvas.tokens.length} ids; batch ${canvas.batch} x length ${canvas.length} needs ${canvas.batch * canvas.length}`);
  }
  const badIndex = canvas.tokens.findIndex((id) => id < 0 || id >= spec.vocabSize);
  if (badIndex >= 0) {
    fail(`canvas.tokens[${badIndex}] = ${canvas.tokens[badIndex]} is outside the vocabulary [0, ${spec.vocabSize})`);
  }
}

export function resolveOptions(spec: DiffusionSpec, options: SampleOptions): ResolvedOptions {
  const { steps, strategy, threshold, seed, blockSize, padPenalty } = options;
  const schedule = options.schedule ?? 'linear';
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  if (!isPositiveInteger(steps)) fail(`steps must be an integer >= 1 (got ${steps})`);
  if (!STRATEGIES.includes(strategy)) fail(`strategy must be one of ${STRATEGIES.join(', ')} (got '${strategy}')`);
  if (!SCHEDULES.includes(schedule)) fail(`schedule must be one of ${SCHEDULES.join(', ')} (got '${schedule}')`);
  if (!(Number.isFinite(temperature) && temperature >= 0)) fail(`temperature must be a finite number >= 0 (got ${temperature})`);
  if (!(Number.isSafeInteger(topK) && topK >= 0)) fail(`topK must be an integer >= 0 (got ${topK})`);
  if (!(topP > 0 && topP <= 1)) fail(`topP must be in (0, 1] (got ${topP})`);
  if (!Number.isSafeInteger(seed)) fail(`seed must be a safe integer (got ${seed})`);
  if (threshold !== undefined) {
    if (!(threshold > 0 && threshold <= 1)) fail(`threshold must be in (0, 1] (got ${threshold})`);
    if (strategy === 'random') fail("threshold decoding needs a confidence strategy, not 'random'");
  }
  if (blockSize !== undefined && !isPositiveInteger(blockSize)) fail(`blockSize must be an integer >= 1 (got ${blockSize})`);
  if (padPenalty !== undefined && !(Number.isFinite(padPenalty) && padPenalty >= 0)) {
    fail(`padPenalty must be a finite number >= 0 (got ${padPenalty})`);
  }
  if (spec.condKind !== 'none' && spec.schedule.type !== 'loglinear' && spec.schedule.type !== 'cosine') {
    fail(`a time-conditioned model needs a loglinear or cosine schedule (got '${spec.schedule.type}')`);
  }
  if (strategy === 'random' && spec.schedule.type !== 'loglinear' && spec.schedule.type !== 'cosine') {
    fail(`the 'random' (ancestral) strategy needs a loglinear or cosine schedule (got '${spec.schedule.type}')`);
  }
  return { steps, strategy, threshold, schedule, temperature, topK, topP, seed, blockSize, padPenalty };
}
