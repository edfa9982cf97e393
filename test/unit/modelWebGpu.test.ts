import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadModel, type LoadedModel } from '../../src/model';
import { expectGoldenCases, readLogitsGolden } from './helpers/logitsGolden';
import { linesLogger } from './helpers/linesLogger';

/**
 * onnxruntime's WebGPU provider for real, on a software GPU: SwiftShader's Vulkan device, which
 * Debian's chromium package (installed by .ci/run for the workbench tests) ships with its loader
 * manifest. Dawn, inside onnxruntime-node, opens it through the Vulkan loader (libvulkan1) when
 * VK_ICD_FILENAMES names that manifest; the inference worker inherits the variable. So the GPU path
 * of the worker (the provider's session, the warm-up, outputs copied back, the fallback of a
 * provider that crashes) runs on every CI run, not only on the GPU machine. Skipped where the
 * manifest or the loader is missing (a development machine without them).
 */
const swiftShaderManifest = '/usr/lib/chromium/vk_swiftshader_icd.json';
const vulkanLoaders = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'];
const fixtures = path.resolve(__dirname, '../../../test/fixtures');

describe('the WebGPU provider on a software Vulkan device (SwiftShader)', function () {
  // SwiftShader compiles every shader on the CPU: a tiny model's load takes ~2 s, a forward pass ~0.1 s
  this.timeout(60000);
  let saved: string | undefined;

  before(function () {
    if (!existsSync(swiftShaderManifest) || !vulkanLoaders.some((loader) => existsSync(loader))) this.skip();
    saved = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = swiftShaderManifest;
  });
  after(() => {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  });

  /** `fixture` loaded on an explicit 'webgpu' choice (CPU its fallback), with its log lines. */
  async function loadOnWebGpu(fixture: string): Promise<{ model: LoadedModel; lines: string[] }> {
    const lines: string[] = [];
    const model = await loadModel(path.join(fixtures, fixture), { executionProvider: 'webgpu', threads: 1, logger: linesLogger(lines) });
    return { model, lines };
  }

  it('runs the plain graph on webgpu, its logits those of PyTorch', async () => {
    const { model, lines } = await loadOnWebGpu('tiny-model');
    try {
      assert.equal(model.provider, 'webgpu', lines.join('\n'));
      await expectGoldenCases(model, readLogitsGolden(path.join(fixtures, 'tiny-model')));
    } finally {
      await model.dispose();
    }
  });

  it('runs the fused context-cache graph (the GPU export) on webgpu as full calls, near PyTorch', async () => {
    const { model, lines } = await loadOnWebGpu('tiny-model-kv-fused');
    try {
      assert.equal(model.provider, 'webgpu', lines.join('\n'));
      assert.equal(model.denoiser.contextCache, false, 'a GPU provider runs full calls of a cache graph');
      // On SwiftShader, onnxruntime's WebGPU MultiHeadAttention departs from the CPU's by up to
      // ~1e-2 once a canvas has 32 rows or more (3 % of its outputs' scale; shorter canvases agree
      // to 1e-6: bench/README.md, "WebGPU on a software GPU"). So canvases of 32 rows or more are
      // held to that, and a wrong row or position, which moves logits by their whole scale, still fails.
      const golden = readLogitsGolden(path.join(fixtures, 'tiny-model-kv'));
      const short = golden.cases.filter((c) => c.input_ids[0]!.length < 32);
      assert.ok(short.length > 0 && short.length < golden.cases.length, 'the golden has canvases on both sides of 32');
      await expectGoldenCases(model, { ...golden, cases: short });
      await expectGoldenCases(model, { atol: 2e-2, cases: golden.cases.filter((c) => !short.includes(c)) });
    } finally {
      await model.dispose();
    }
  });

  it('is left out of the automatic choice on this software device: the plain graph opens on the CPU, saying why', async () => {
    const lines: string[] = [];
    const model = await loadModel(path.join(fixtures, 'tiny-model'), { executionProvider: 'auto', threads: 1, logger: linesLogger(lines) });
    try {
      assert.equal(model.provider, 'cpu', lines.join('\n'));
      assert.ok(lines.some((line) => /the only Vulkan drivers are software renderers \(libvk_swiftshader\.so\): WebGPU would emulate a GPU on the CPU; not tried/.test(line)), lines.join('\n'));
      assert.ok(!lines.some((line) => /webgpu execution provider failed/.test(line)), 'WebGPU was not tried');
    } finally {
      await model.dispose();
    }
  });

  it('falls back to the CPU, naming the crash, when the provider kills the worker: the matmul-form cache graph', async () => {
    // On SwiftShader, onnxruntime-node 1.30's WebGPU MatMul kills the process (SIGSEGV) when its
    // inner dimension is empty, as every full call of the matmul-form cache graph (an export
    // without --fused) has it: the attention to a past of C = 0 rows. (The same graph ran on the
    // H200's Vulkan driver: bench/README.md §5.) So the worker dies in the warm-up, a real crash of
    // a real provider, and the load must go on to the CPU. Should a later onnxruntime or
    // SwiftShader open it, this case needs another crash to stand on. The worker's last words on
    // stderr follow the signal where it wrote any (Vulkan's loader warns without XDG_RUNTIME_DIR).
    const { model, lines } = await loadOnWebGpu('tiny-model-kv');
    try {
      assert.equal(model.provider, 'cpu', `the graph no longer crashes the WebGPU provider on SwiftShader:\n${lines.join('\n')}`);
      assert.ok(
        lines.some((line) => /webgpu execution provider failed \(.*model\.onnx: the inference worker process exited unexpectedly \(SIGSEGV\)(: [^\n]*)?\); falling back to cpu/.test(line)),
        lines.join('\n'),
      );
      await expectGoldenCases(model, readLogitsGolden(path.join(fixtures, 'tiny-model-kv')));
    } finally {
      await model.dispose();
    }
  });
});
