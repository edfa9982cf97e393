import { ModelLoadError } from '../../core/errors';
import type { ModelMeta } from '../folder/meta';
import type { SessionSignature, ValueSignature } from './workerProtocol';

/** Refuses a graph whose inputs/outputs differ from what meta.json names (docs/model-contract.md). */
export function checkGraphSignature(modelFile: string, meta: ModelMeta, signature: SessionSignature): void {
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
}
