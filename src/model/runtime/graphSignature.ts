import * as path from 'node:path';
import { ModelLoadError } from '../../core/errors';
import type { ContextCacheMeta } from '../folder/contextCacheMeta';
import type { ModelMeta } from '../folder/meta';
import type { SessionSignature, ValueSignature } from './workerProtocol';

/**
 * Refuses a graph whose inputs/outputs differ from what meta.json names (docs/model-contract.md),
 * or whose context cache is not shaped as meta.json's `context_cache` says (naming `metaFile`).
 */
export function checkGraphSignature(modelFile: string, metaFile: string, meta: ModelMeta, signature: SessionSignature): void {
  const expectedInputs: ValueSignature[] = [
    meta.inputs.inputVec ? { name: meta.inputs.inputVec, type: 'float32' } : { name: meta.inputs.inputIds!, type: 'int64' },
    { name: meta.inputs.positions, type: 'int64' },
    ...(meta.inputs.cond ? [{ name: meta.inputs.cond, type: 'float32' }] : []),
  ];
  const expectedOutputs: ValueSignature[] = [{ name: meta.outputs.logits, type: 'float32' }];
  const cache = meta.contextCache;
  if (cache) {
    expectedInputs.push({ name: cache.rowPositions, type: 'int64' }, { name: cache.pastKey, type: 'float32' }, { name: cache.pastValue, type: 'float32' });
    expectedOutputs.push({ name: cache.presentKey, type: 'float32' }, { name: cache.presentValue, type: 'float32' });
  }
  const describe = (values: readonly ValueSignature[]): string => values.map((v) => `${v.name}: ${v.type}`).join(', ');
  const refuse = (reason: string): never => {
    throw new ModelLoadError(
      modelFile,
      `${reason} (graph inputs: ${describe(signature.inputs)}; outputs: ${describe(signature.outputs)})`,
    );
  };
  for (const [role, expected, actual] of [
    ['input', expectedInputs, signature.inputs],
    ['output', expectedOutputs, signature.outputs],
  ] as const) {
    for (const { name, type } of expected) {
      const found = actual.find((v) => v.name === name);
      if (!found) refuse(`the graph has no ${role} '${name}' named in meta.json`);
      else if (found.type !== type) refuse(`graph ${role} '${name}' is ${found.type}, expected ${type}`);
    }
  }
  const extra = signature.inputs.find((v) => !expectedInputs.some((e) => e.name === v.name));
  if (extra) refuse(`graph input '${extra.name}' is not named in meta.json, so nothing could feed it`);
  if (cache) checkContextCacheShape(modelFile, metaFile, cache, signature);
}

/** The axes of the past and present [layers, B, heads, C or L, head_dim] that meta.json's context_cache gives. */
const cacheAxes = [
  { axis: 0, field: 'layers', key: 'layers' },
  { axis: 2, field: 'heads', key: 'heads' },
  { axis: 4, field: 'head_dim', key: 'headDim' },
] as const;

/**
 * Refuses a context_cache whose layers, heads or head_dim differ from a fixed axis of the graph's
 * past or present: the engine shapes the past it feeds by them, and onnxruntime's complaint about
 * that feed at the warm-up named neither meta.json nor the field. Dynamic axes are not checked,
 * nor a value of another rank than the contract's five axes, whose axes say nothing of these.
 */
function checkContextCacheShape(modelFile: string, metaFile: string, cache: ContextCacheMeta, signature: SessionSignature): void {
  const values = [
    ...signature.inputs.filter((v) => v.name === cache.pastKey || v.name === cache.pastValue).map((value) => ({ role: 'input', value })),
    ...signature.outputs.filter((v) => v.name === cache.presentKey || v.name === cache.presentValue).map((value) => ({ role: 'output', value })),
  ];
  for (const { role, value: { name, shape } } of values) {
    if (shape?.length !== 5) continue;
    for (const { axis, field, key } of cacheAxes) {
      const size = shape[axis];
      if (typeof size === 'number' && size !== cache[key]) {
        throw new ModelLoadError(
          metaFile,
          `context_cache.${field} is ${cache[key]}, but the graph's ${role} '${name}' has ${size} (${path.basename(modelFile)}: [${shape.join(', ')}])`,
        );
      }
    }
  }
}
