import type * as Ort from 'onnxruntime-node';
import { toBigInt64Array } from './int64';
import type { WireTensor } from './workerProtocol';

/** A wire tensor as onnxruntime's: int64 ids widened from the Int32Array they travel as. */
export function ortTensor(ort: typeof Ort, { type, data, dims }: WireTensor): Ort.Tensor {
  return type === 'int64' ? new ort.Tensor('int64', toBigInt64Array(data), dims) : new ort.Tensor('float32', data, dims);
}

/** A call's wire feeds, by input name, as onnxruntime's tensors. */
export function ortFeeds(ort: typeof Ort, feeds: Readonly<Record<string, WireTensor>>): Record<string, Ort.Tensor> {
  return Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, ortTensor(ort, tensor)]));
}
