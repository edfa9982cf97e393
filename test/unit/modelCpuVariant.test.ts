import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelLoadError } from '../../src/core/errors';
import { loadModel } from '../../src/model';
import { denoiserGraph, writeTestModelFolder } from './helpers/onnxTestModel';

describe('model.cpu.onnx (a CPU-only variant of the graph, e.g. int8 from training/diffuse/quantize.py)', function () {
  this.timeout(30000);
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'diffuse-cpu-variant-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is what the CPU provider runs when the folder has one', async () => {
    const dir = writeTestModelFolder(path.join(root, 'preferred'));
    // model.onnx names its output differently from meta.json: opening it on the CPU would be refused.
    writeFileSync(path.join(dir, 'model.onnx'), denoiserGraph({ names: { logits: 'not_logits' } }));
    writeFileSync(path.join(dir, 'model.cpu.onnx'), denoiserGraph());
    const lines: string[] = [];
    const log = (line: string): number => lines.push(line);
    const model = await loadModel(dir, { executionProvider: 'cpu', threads: 1, logger: { trace: log, debug: log, info: log, warn: log, error: log } });
    try {
      assert.equal(model.provider, 'cpu');
      assert.ok(lines.some((l) => l.includes('(cpu, model.cpu.onnx)')), lines.join('\n'));
    } finally {
      await model.dispose();
    }
  });

  it('without one, the CPU provider runs model.onnx', async () => {
    const dir = writeTestModelFolder(path.join(root, 'absent'));
    writeFileSync(path.join(dir, 'model.onnx'), denoiserGraph({ names: { logits: 'not_logits' } }));
    await assert.rejects(loadModel(dir, { executionProvider: 'cpu', threads: 1 }), (e: unknown) =>
      e instanceof ModelLoadError && e.message.includes('model.onnx') && e.message.includes("no output 'logits'"));
  });

  it('is checked like model.onnx: a truncated one is refused, naming it', async () => {
    const dir = writeTestModelFolder(path.join(root, 'truncated'));
    writeFileSync(path.join(dir, 'model.cpu.onnx'), denoiserGraph().subarray(0, 100));
    await assert.rejects(loadModel(dir, { executionProvider: 'cpu', threads: 1 }), (e: unknown) =>
      e instanceof ModelLoadError && e.message.includes('model.cpu.onnx') && e.message.includes('truncated'));
  });
});
