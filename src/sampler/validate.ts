import { InvalidRequestError } from '../core/errors';
import { KERNELS, REVEAL_SCHEDULES, STRATEGIES, type Canvas, type Kernel, type RevealSchedule, type SampleOptions, type Strategy } from './api';
import type { DiffusionSpec } from './types';

/** SampleOptions with every default filled in and every value checked. */
export interface ResolvedOptions {
  readonly steps: number;
  readonly strategy: Strategy;
  readonly kernel: Kernel;
  readonly threshold: number | undefined;
  readonly schedule: RevealSchedule;
  readonly temperature: number;
  readonly seed: number;
  readonly blockSize: number | undefined;
  /** undefined = pad handling off. */
  readonly padPenalty: number | undefined;
  readonly nonEmpty: boolean;
  /** 1 = every call recomputes the canvas. */
  readonly cacheRefresh: number;
  readonly cacheCarry: boolean;
  /** undefined = no row is dropped. */
  readonly pruneAfter: number | undefined;
}

function fail(message: string): never {
  throw new InvalidRequestError(message);
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

/** The diffusion process the sampler drives: the families contract (docs/model-contract.md). */
export function validateSpec(spec: DiffusionSpec): void {
  const { graph, outputKind, schedule, pM } = spec;
  if (graph === 'sphere' || spec.sphere !== undefined || schedule.type === 'geometric_bridge') {
    validateSphereSpec(spec);
    return;
  }
  if (graph !== 'absorb' && graph !== 'uniform' && graph !== 'roulette') {
    fail(`the sampler drives the absorb, uniform, roulette and sphere graphs (got '${graph}')`);
  }
  if (graph === 'roulette' ? !(pM !== undefined && pM > 0 && pM < 1) : pM !== undefined) {
    fail(`pM must be in (0, 1) for the roulette graph and absent otherwise (got ${pM} on '${graph}')`);
  }
  if (outputKind === 'log_score' && graph === 'roulette') fail('log-score (SEDD) models run on the absorb or uniform graph, not roulette');
  const { expandId } = spec;
  if (expandId !== undefined && (graph !== 'absorb' || outputKind !== 'x0_logits' || expandId !== spec.vocabSize - 1 || [spec.maskId, spec.padId, spec.eosId].includes(expandId))) {
    fail(`an expand token needs the absorb graph, x0 logits and the last id ${spec.vocabSize - 1}, no other special id (got ${expandId} on '${graph}', ${outputKind})`);
  }
  if (schedule.type === 'poly' && !(schedule.exponent > 0)) fail(`the poly schedule needs an exponent > 0 (got ${schedule.exponent})`);
  if (schedule.type === 'geometric' && !(schedule.sigmaMin > 0 && schedule.sigmaMax > schedule.sigmaMin && Number.isFinite(schedule.sigmaMax))) {
    fail(`the geometric schedule needs 0 < sigmaMin < sigmaMax (got ${schedule.sigmaMin}, ${schedule.sigmaMax})`);
  }
  if (schedule.type === 'genmd4') {
    if (graph !== 'absorb' || spec.condKind === 'sigma') fail('the genmd4 schedule needs the absorb graph and no sigma conditioning (it has no single σ(t))');
    const { tokenExponents } = schedule;
    const bad = tokenExponents.findIndex((w, v) => v !== spec.maskId && !(w > 0 && Number.isFinite(w)));
    if (tokenExponents.length !== spec.vocabSize || bad >= 0) {
      fail(`the genmd4 schedule needs ${spec.vocabSize} token exponents > 0 (got ${tokenExponents.length}, bad entry ${bad})`);
    }
  }
}

/** The sphere graph (RDLM): its layout spells every id, its schedule is the bridge, it is conditioned on t. */
function validateSphereSpec(spec: DiffusionSpec): void {
  const { sphere, schedule } = spec;
  if (spec.graph !== 'sphere' || !sphere || schedule.type !== 'geometric_bridge') {
    fail('the sphere graph, a sphere layout and the geometric_bridge schedule go together');
  }
  if (!(Number.isSafeInteger(sphere.base) && sphere.base >= 2 && Number.isSafeInteger(sphere.digits) && sphere.digits >= 1)) {
    fail(`the sphere layout needs an integer base >= 2 and digits >= 1 (got ${sphere.base}, ${sphere.digits})`);
  }
  if (sphere.base ** sphere.digits < spec.vocabSize) fail(`${sphere.digits} base-${sphere.base} digits cannot spell ${spec.vocabSize} ids`);
  const { beta0, betaF, stepThr, endEps } = schedule;
  if (!(beta0 > 0 && betaF > beta0 && Number.isFinite(betaF) && stepThr >= 0 && stepThr < 1 && endEps > 0 && endEps < 0.5)) {
    fail(`the geometric_bridge schedule needs 0 < beta0 < betaF, stepThr in [0, 1) and endEps in (0, 0.5) (got ${beta0}, ${betaF}, ${stepThr}, ${endEps})`);
  }
  if (spec.outputKind !== 'x0_logits' || spec.condKind !== 't' || spec.pM !== undefined) fail('the sphere graph needs x0 logits, cond_kind t and no pM');
}

export function validateCanvas(spec: DiffusionSpec, canvas: Canvas): void {
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
  const kernel = options.kernel ?? 'analytic';
  const temperature = options.temperature ?? 1;
  if (!isPositiveInteger(steps)) fail(`steps must be an integer >= 1 (got ${steps})`);
  if (!STRATEGIES.includes(strategy)) fail(`strategy must be one of ${STRATEGIES.join(', ')} (got '${strategy}')`);
  if (!REVEAL_SCHEDULES.includes(schedule)) fail(`schedule must be one of ${REVEAL_SCHEDULES.join(', ')} (got '${schedule}')`);
  if (!(Number.isFinite(temperature) && temperature >= 0)) fail(`temperature must be a finite number >= 0 (got ${temperature})`);
  if (!Number.isSafeInteger(seed)) fail(`seed must be a safe integer (got ${seed})`);
  if (threshold !== undefined) {
    if (!(threshold > 0 && threshold <= 1)) fail(`threshold must be in (0, 1] (got ${threshold})`);
    if (strategy === 'random') fail("threshold decoding needs a confidence strategy, not 'random'");
  }
  if (blockSize !== undefined && !isPositiveInteger(blockSize)) fail(`blockSize must be an integer >= 1 (got ${blockSize})`);
  if (padPenalty !== undefined && !(Number.isFinite(padPenalty) && padPenalty >= 0)) {
    fail(`padPenalty must be a finite number >= 0 (got ${padPenalty})`);
  }
  const cacheRefresh = options.cacheRefresh ?? 1;
  if (!isPositiveInteger(cacheRefresh)) fail(`cacheRefresh must be an integer >= 1 (got ${cacheRefresh})`);
  const { pruneAfter } = options;
  if (pruneAfter !== undefined) {
    if (!isPositiveInteger(pruneAfter)) fail(`pruneAfter must be an integer >= 1, or unset for no pruning (got ${pruneAfter})`);
    if (options.onPrune === undefined) fail('pruneAfter needs an onPrune hook to choose the rows to keep');
    if (spec.graph === 'sphere') fail('the sphere graph has no final tokens before its last step to choose rows by: no pruneAfter');
  }
  if (!KERNELS.includes(kernel)) fail(`kernel must be one of ${KERNELS.join(', ')} (got '${kernel}')`);
  if (kernel === 'euler' && spec.schedule.type === 'genmd4') fail("the genmd4 schedule has no single σ(t): use kernel 'analytic'");
  if (spec.graph === 'uniform' && strategy !== 'random') {
    fail(`the uniform graph has no mask to reveal by confidence: only the 'random' (ancestral) strategy (got '${strategy}')`);
  }
  if (spec.graph === 'sphere' && (strategy !== 'random' || threshold !== undefined || padPenalty !== undefined)) {
    fail("the sphere graph walks every hole digit at every step: the 'random' strategy only, no threshold or padPenalty");
  }
  if (spec.graph !== 'absorb' && blockSize !== undefined) {
    fail(`blockSize needs the absorb graph: the ${spec.graph} graph refines every hole token at every step`);
  }
  return { steps, strategy, kernel, threshold, schedule, temperature, seed, blockSize, padPenalty, nonEmpty: options.nonEmpty === true, cacheRefresh, cacheCarry: options.cacheCarry === true, pruneAfter };
}
