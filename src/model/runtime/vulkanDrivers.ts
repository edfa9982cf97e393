import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

/**
 * The Vulkan drivers of a Linux machine, as its Vulkan loader finds them, and whether all of them
 * are software renderers. onnxruntime's WebGPU provider (Dawn) runs on Vulkan there, and takes a
 * software device when it is the only one: lavapipe on a virtual machine with Mesa, or SwiftShader.
 * Its kernels then run emulated on the CPU: the tiny fixture model filled in 2,080 ms p50 against
 * 13.7 ms on onnxruntime's CPU provider, and loaded in 5.2 s against 0.4 s (`diffuse bench` on
 * SwiftShader, bench/README.md "WebGPU on a software GPU"). So the automatic choice skips WebGPU
 * on such a machine; an explicit choice still tries it.
 */

/** Library names of the software Vulkan drivers: Mesa's lavapipe, SwiftShader, the loader's mock. */
const SOFTWARE_DRIVER = /(^|[/\\])lib(vulkan_lvp|vk_swiftshader|VkICD_mock_icd)\.so/;

/** Where the Vulkan loader looks for driver manifests on Linux, in its order (the loader's docs, "Driver Discovery on Linux"). */
export function driverManifestSources(env: NodeJS.ProcessEnv, home = homedir()): { files: string[]; dirs: string[] } {
  const split = (value: string | undefined): string[] => (value ?? '').split(':').filter((entry) => entry.length > 0);
  // VK_DRIVER_FILES (VK_ICD_FILENAMES before loader 1.3.207) replaces the search; VK_ADD_DRIVER_FILES adds to it
  const only = split(env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES);
  const added = split(env.VK_ADD_DRIVER_FILES);
  if (only.length > 0) return { files: [...added, ...only], dirs: [] };
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const configDirs = split(env.XDG_CONFIG_DIRS || '/etc/xdg');
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const dataDirs = split(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share');
  const dirs = [configHome, ...configDirs, '/etc', dataHome, ...dataDirs].map((base) => path.join(base, 'vulkan', 'icd.d'));
  return { files: added, dirs };
}

/** The library a driver manifest names (`ICD.library_path`), or undefined for an unreadable one. */
function manifestLibrary(file: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: unknown } };
    const library = manifest.ICD?.library_path;
    return typeof library === 'string' ? library : undefined;
  } catch {
    return undefined;
  }
}

function jsonFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/**
 * The software drivers, when every driver manifest the loader would read names one (at least one
 * manifest found); undefined when there is a hardware driver, an unreadable manifest (it may be
 * one), or none at all (WebGPU then fails on its own, quickly).
 */
export function softwareVulkanOnly(env: NodeJS.ProcessEnv = process.env, home?: string): string[] | undefined {
  const { files, dirs } = driverManifestSources(env, home);
  // an entry of the variables may be a folder of manifests too
  const manifests = [...files.flatMap((entry) => (entry.endsWith('.json') ? [entry] : jsonFilesIn(entry))), ...dirs.flatMap(jsonFilesIn)];
  const libraries = manifests.map(manifestLibrary);
  if (libraries.length === 0 || !libraries.every((library) => library !== undefined && SOFTWARE_DRIVER.test(library))) return undefined;
  return [...new Set(libraries.map((library) => path.basename(library!)))];
}
