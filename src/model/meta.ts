import type { CondKind, DiffusionSpec, Family, Graph, OutputKind, ScheduleType } from '../sampler/types';
import { MetaFields } from './metaFields';

const families: readonly Family[] = ['mdlm', 'md4', 'sedd', 'cedd', 'rdlm'];
const graphs: readonly Graph[] = ['absorb', 'uniform', 'roulette', 'sphere'];
const outputKinds: readonly OutputKind[] = ['x0_logits', 'log_score'];
const condKinds: readonly CondKind[] = ['none', 'sigma', 't_x1000', 't'];
const scheduleTypes: readonly ScheduleType[] = ['loglinear', 'cosine', 'linear', 'geometric'];
/** A canvas shorter than this cannot hold a useful prefix, hole and suffix. */
const minMaxLength = 8;

/** meta.json (format_version 1) after validation; see docs/model-contract.md. */
export interface ModelMeta {
  readonly formatVersion: 1;
  readonly name: string;
  readonly family: Family;
  readonly graph: Graph;
  readonly outputKind: OutputKind;
  readonly condKind: CondKind;
  readonly schedule: { readonly type: ScheduleType; readonly eps: number };
  readonly vocabSize: number;
  readonly maskId: number;
  readonly padId: number;
  readonly eosId: number;
  readonly bosId: number | null;
  readonly maxLength: number;
  /** ONNX graph input names; `cond` is set exactly when `condKind` is not `none`. */
  readonly inputs: { readonly inputIds: string; readonly positions: string; readonly cond: string | null };
  readonly outputs: { readonly logits: string };
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
  const schedule = fields.object('schedule');
  const inputs = fields.object('inputs');
  const cond = inputs.nullableString('cond');
  if ((cond === null) !== (condKind === 'none')) {
    const expected = condKind === 'none' ? 'null when cond_kind is none' : `the cond input's name (cond_kind is ${condKind})`;
    inputs.fail('cond', expected);
  }
  const tokenizerSha256 = fields.string('tokenizer_sha256');
  if (!/^[0-9a-f]{64}$/.test(tokenizerSha256)) fields.fail('tokenizer_sha256', '64 lowercase hex digits');
  return {
    formatVersion: 1,
    name: fields.string('name'),
    family: fields.oneOf('family', families),
    graph: fields.oneOf('graph', graphs),
    outputKind: fields.oneOf('output_kind', outputKinds),
    condKind,
    schedule: { type: schedule.oneOf('type', scheduleTypes), eps: schedule.number('eps', 0, 1) },
    vocabSize,
    maskId: fields.integer('mask_id', 0, maxId),
    padId: fields.integer('pad_id', 0, maxId),
    eosId: fields.integer('eos_id', 0, maxId),
    bosId: fields.nullableInteger('bos_id', 0, maxId),
    maxLength: fields.integer('max_length', minMaxLength),
    inputs: { inputIds: inputs.string('input_ids'), positions: inputs.string('positions'), cond },
    outputs: { logits: fields.object('outputs').string('logits') },
    logitsDtype: fields.oneOf('logits_dtype', ['float32']),
    tokenizerSha256,
    parameters: fields.integer('parameters', 0),
    training: fields.optionalRecord('training'),
    results: fields.optionalRecord('results'),
  };
}

/** What the sampler needs from the meta. */
export function toDiffusionSpec(meta: ModelMeta): DiffusionSpec {
  const { family, graph, outputKind, condKind, schedule, vocabSize, maskId, padId, eosId, bosId, maxLength } = meta;
  return { family, graph, outputKind, condKind, schedule, vocabSize, maskId, padId, eosId, bosId, maxLength };
}

