import type { CondKind, DiffusionSpec, Family, Graph, OutputKind, Schedule, ScheduleType, SphereLayout } from '../../sampler/types';
import { parseContextCache, type ContextCacheMeta } from './contextCacheMeta';
import { MetaFields } from './metaFields';

const families: readonly Family[] = ['mdlm', 'md4', 'sedd', 'cedd', 'rdlm'];
const graphs: readonly Graph[] = ['absorb', 'uniform', 'roulette', 'sphere'];
const outputKinds: readonly OutputKind[] = ['x0_logits', 'log_score'];
const condKinds: readonly CondKind[] = ['none', 'sigma', 't_x1000', 't'];
const scheduleTypes: readonly ScheduleType[] = ['loglinear', 'cosine', 'linear', 'md4_cosine', 'poly', 'genmd4', 'geometric', 'geometric_bridge'];
/** A canvas shorter than this cannot hold a useful prefix, hole and suffix. */
const minMaxLength = 8;

interface FamilyRule {
  readonly outputKind: OutputKind;
  readonly condKinds: readonly CondKind[];
  /** The graphs the family runs on, each with the schedules it may have there. */
  readonly schedules: Readonly<Partial<Record<Graph, readonly ScheduleType[]>>>;
}

/** The combinations this version runs (docs/model-contract.md, "Families"). */
const familyRules: Readonly<Record<Family, FamilyRule>> = {
  mdlm: { outputKind: 'x0_logits', condKinds: ['none', 'sigma'], schedules: { absorb: ['loglinear', 'cosine'] } },
  md4: { outputKind: 'x0_logits', condKinds: ['t_x1000'], schedules: { absorb: ['linear', 'md4_cosine', 'poly', 'genmd4'] } },
  sedd: { outputKind: 'log_score', condKinds: ['sigma'], schedules: { absorb: ['loglinear'], uniform: ['geometric', 'loglinear'] } },
  cedd: {
    outputKind: 'x0_logits',
    condKinds: ['sigma'],
    schedules: { absorb: ['loglinear'], uniform: ['loglinear', 'geometric'], roulette: ['loglinear'] },
  },
  rdlm: { outputKind: 'x0_logits', condKinds: ['t'], schedules: { sphere: ['geometric_bridge'] } },
};

/** meta.json (format_version 1) after validation; see docs/model-contract.md. */
export interface ModelMeta {
  readonly formatVersion: 1;
  readonly name: string;
  /** The diffusion fields: what the sampler needs from the meta. */
  readonly spec: DiffusionSpec;
  /**
   * ONNX graph input names: `inputIds` (int64 ids) on the discrete graphs, `inputVec` (the float32
   * state) on the sphere graph, the other null; `cond` is set exactly when `condKind` is not `none`.
   */
  readonly inputs: { readonly inputIds: string | null; readonly inputVec: string | null; readonly positions: string; readonly cond: string | null };
  readonly outputs: { readonly logits: string };
  /** The graph also serves context-cached calls (meta.json `context_cache`); undefined: full calls only. */
  readonly contextCache?: ContextCacheMeta;
  readonly logitsDtype: 'float32';
  readonly tokenizerSha256: string;
  readonly parameters: number;
  readonly training: Readonly<Record<string, unknown>>;
  readonly results: Readonly<Record<string, unknown>>;
}

/** Parses and validates the text of meta.json; `file` names it in every error. */
export function parseMeta(file: string, text: string): ModelMeta {
  const fields = MetaFields.parse(file, text);
  fields.integer('format_version', 1, 1);
  const vocabSize = fields.integer('vocab_size', 1);
  const maxId = vocabSize - 1;
  const condKind = fields.oneOf('cond_kind', condKinds);
  const scheduleFields = fields.object('schedule');
  const inputs = fields.object('inputs');
  const cond = inputs.nullableString('cond');
  if ((cond === null) !== (condKind === 'none')) {
    const expected = condKind === 'none' ? 'null when cond_kind is none' : `the cond input's name (cond_kind is ${condKind})`;
    inputs.fail('cond', expected);
  }
  const tokenizerSha256 = fields.string('tokenizer_sha256');
  if (!/^[0-9a-f]{64}$/.test(tokenizerSha256)) fields.fail('tokenizer_sha256', '64 lowercase hex digits');
  const family = fields.oneOf('family', families);
  const graph = fields.oneOf('graph', graphs);
  const outputKind = fields.oneOf('output_kind', outputKinds);
  const schedule = parseSchedule(scheduleFields, vocabSize);
  checkCombination(fields, scheduleFields, { family, graph, outputKind, condKind, schedule });
  const pM = parsePM(fields, graph);
  const sphere = parseSphere(fields, graph, vocabSize);
  const [idsInput, vecInput] = sphere ? ['input_vec', 'input_ids'] : ['input_ids', 'input_vec'];
  const stateInput = inputs.string(idsInput);
  if (!inputs.isUnset(vecInput)) inputs.reject(vecInput, `the ${graph} graph's network reads '${idsInput}'; leave '${vecInput}' out or null`);
  const positions = inputs.string('positions');
  const outputs = { logits: fields.object('outputs').string('logits') };
  const contextCache = parseContextCache(fields, graph, [stateInput, positions, ...(cond ? [cond] : [])], [outputs.logits]);
  const expandId = parseExpandId(fields, graph, outputKind, maxId);
  return {
    formatVersion: 1,
    name: fields.string('name'),
    spec: {
      family,
      graph,
      outputKind,
      condKind,
      schedule,
      ...(pM === undefined ? {} : { pM }),
      ...(sphere === undefined ? {} : { sphere }),
      vocabSize,
      maskId: fields.integer('mask_id', 0, maxId),
      padId: fields.integer('pad_id', 0, maxId),
      eosId: fields.integer('eos_id', 0, maxId),
      bosId: fields.nullableInteger('bos_id', 0, maxId),
      maxLength: fields.integer('max_length', minMaxLength),
      ...(expandId === undefined ? {} : { expandId }),
    },
    inputs: { inputIds: sphere ? null : stateInput, inputVec: sphere ? stateInput : null, positions, cond },
    outputs,
    ...(contextCache ? { contextCache } : {}),
    logitsDtype: fields.oneOf('logits_dtype', ['float32']),
    tokenizerSha256,
    parameters: fields.integer('parameters', 0),
    training: fields.optionalRecord('training'),
    results: fields.optionalRecord('results'),
  };
}

/**
 * `expand_id`, optional: the expand token of a model trained with expand slots (DreamOn's length
 * supervision, training/diffuse/expand.py), the last id (the one after the tokenizer's vocabulary).
 * The sampler grows a hole where it is revealed (src/sampler/loop/holeGrowth.ts), which the absorb
 * graph's x0 logits alone support.
 */
function parseExpandId(fields: MetaFields, graph: Graph, outputKind: OutputKind, maxId: number): number | undefined {
  if (fields.isUnset('expand_id')) return undefined;
  if (graph !== 'absorb' || outputKind !== 'x0_logits') {
    fields.reject('expand_id', `a model with an expand token needs the absorb graph and x0_logits (got ${graph}, ${outputKind})`);
  }
  const expandId = fields.integer('expand_id', 0, maxId);
  if (expandId !== maxId) fields.reject('expand_id', `the expand token is the last id, vocab_size - 1 = ${maxId}`);
  return expandId;
}

/** Schedules whose keep probability is MD4's (1 - 2eps)·α̃(t) + eps. */
const MD4_SCALED: readonly ScheduleType[] = ['linear', 'md4_cosine', 'poly'];

/** The `schedule` object: its type and that type's own fields. */
function parseSchedule(schedule: MetaFields, vocabSize: number): Schedule {
  const type = schedule.oneOf('type', scheduleTypes);
  if (type === 'geometric') {
    const sigmaMin = schedule.numberBetween('sigma_min', 0);
    const sigmaMax = schedule.numberBetween('sigma_max', 0);
    if (!(sigmaMin < sigmaMax)) schedule.reject('sigma_max', `sigma_max must exceed sigma_min (${sigmaMin})`);
    return { type, sigmaMin, sigmaMax };
  }
  if (type === 'geometric_bridge') return parseBridge(schedule);
  // eps = 0 puts σ(1) at infinity; MD4's α_t = (1-2eps)·α̃(t) + eps runs backwards from eps = 1/2.
  const eps = schedule.numberBetween('eps', 0, MD4_SCALED.includes(type) ? 0.5 : 1);
  if (type === 'poly') return { type, eps, exponent: schedule.numberBetween('exponent', 0) };
  if (type === 'genmd4') return { type, eps, tokenExponents: schedule.numbersBetween('token_exponents', vocabSize, 0) };
  return { type, eps };
}

/** The sphere bridge's `schedule` (RDLM): β's ends, the mixture threshold and the end time. */
function parseBridge(schedule: MetaFields): Schedule {
  const beta0 = schedule.numberBetween('beta_0', 0);
  const betaF = schedule.numberBetween('beta_f', 0);
  if (!(beta0 < betaF)) schedule.reject('beta_f', `beta_f must exceed beta_0 (${beta0})`);
  const stepThr = schedule.numberBetween('step_thr', -1, 1);
  if (stepThr < 0) schedule.reject('step_thr', 'step_thr must be in [0, 1)');
  return { type: 'geometric_bridge', beta0, betaF, stepThr, endEps: schedule.numberBetween('end_eps', 0, 0.5) };
}

/** `sphere`: required on the sphere graph ({base, digits, mask_coordinate: true}, base^digits >= vocab_size), absent otherwise. */
function parseSphere(fields: MetaFields, graph: Graph, vocabSize: number): SphereLayout | undefined {
  if (graph !== 'sphere') {
    if (!fields.isUnset('sphere')) fields.reject('sphere', `the sphere layout belongs to the sphere graph only (graph is ${graph})`);
    return undefined;
  }
  const sphere = fields.object('sphere');
  const base = sphere.integer('base', 2, 1 << 16);
  const digits = sphere.integer('digits', 1, 64);
  if (base ** digits < vocabSize) sphere.reject('digits', `${digits} base-${base} digits cannot spell vocab_size ${vocabSize} ids`);
  sphere.requireTrue('mask_coordinate');
  return { base, digits };
}

/** Rejects a family/graph/output/conditioning/schedule combination this version does not run, naming the field at odds. */
function checkCombination(
  fields: MetaFields,
  scheduleFields: MetaFields,
  meta: Pick<DiffusionSpec, 'family' | 'graph' | 'outputKind' | 'condKind' | 'schedule'>,
): void {
  const { family, graph, outputKind, condKind, schedule } = meta;
  const rule = familyRules[family];
  const allowedSchedules = rule.schedules[graph];
  if (!allowedSchedules) fields.reject('graph', `${family} runs on graph ${alternatives(Object.keys(rule.schedules))}`);
  if (outputKind !== rule.outputKind) fields.reject('output_kind', `${family} needs output_kind ${rule.outputKind}`);
  if (!rule.condKinds.includes(condKind)) fields.reject('cond_kind', `${family} needs cond_kind ${alternatives(rule.condKinds)}`);
  if (!allowedSchedules.includes(schedule.type)) {
    scheduleFields.reject('type', `${family} on graph ${graph} needs schedule ${alternatives(allowedSchedules)}`);
  }
}

/** `p_m`: required on the roulette graph, absent or null on every other. */
function parsePM(fields: MetaFields, graph: Graph): number | undefined {
  if (graph === 'roulette') return fields.numberBetween('p_m', 0, 1);
  if (!fields.isUnset('p_m')) fields.reject('p_m', `p_m belongs to the roulette graph only (graph is ${graph}); leave it out or null`);
  return undefined;
}

function alternatives(values: readonly string[]): string {
  return values.join(' or ');
}
