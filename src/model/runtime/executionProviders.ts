import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { softwareVulkanOnly } from './vulkanDrivers';

/** The execution-provider choices of the CLI's --ep and the `diffuse.executionProvider` setting: the one list. */
export const EXECUTION_PROVIDER_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDER_CHOICES)[number];

export interface ProviderEnvironment {
  readonly platform: NodeJS.Platform;
  /** Whether onnxruntime-node's CUDA provider library was installed (its install script downloads it on request). */
  readonly cudaInstalled: boolean;
  /** Linux: the Vulkan drivers, when all are software renderers (vulkanDrivers.ts), on which WebGPU would emulate a GPU. */
  readonly softwareVulkan?: readonly string[];
}

/**
 * The execution providers to try, best first; the first that opens the model and survives a
 * warm-up run wins. CPU always closes the list, so an explicit GPU choice that fails still
 * leaves a working model (with the failure logged). The automatic choice leaves out WebGPU where
 * the only Vulkan drivers are software renderers: it would open there, and run every fill many
 * times slower than the CPU provider.
 */
export function providerCandidates(choice: ExecutionProviderChoice, environment = currentEnvironment()): string[] {
  if (choice !== 'auto') return choice === 'cpu' ? ['cpu'] : [choice, 'cpu'];
  const native = environment.platform === 'win32' ? ['dml'] : environment.platform === 'darwin' ? ['coreml'] : [];
  const webgpu = environment.softwareVulkan ? [] : ['webgpu'];
  return [...webgpu, ...native, ...(environment.cudaInstalled ? ['cuda'] : []), 'cpu'];
}

export function currentEnvironment(): ProviderEnvironment {
  const softwareVulkan = process.platform === 'linux' ? softwareVulkanOnly() : undefined;
  return { platform: process.platform, cudaInstalled: cudaInstalled(), ...(softwareVulkan ? { softwareVulkan } : {}) };
}

/** Looks for the CUDA provider library beside onnxruntime-node's binding rather than paying a failed load. */
function cudaInstalled(): boolean {
  if (process.platform !== 'linux' && process.platform !== 'win32') return false;
  let packageRoot: string;
  try {
    packageRoot = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    return false;
  }
  const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(path.join(packageRoot, 'bin', 'napi-v6', process.platform, process.arch, library));
}
