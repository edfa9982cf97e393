import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

/**
 * The Vulkan drivers of a Linux machine, as its Vulkan loader finds them, and whether only software
 * renderers among them have a device to run on. onnxruntime's WebGPU provider (Dawn) runs on
 * Vulkan there, and takes a software device when it is the only one: lavapipe on a virtual machine
 * with Mesa, or SwiftShader. Its kernels then run emulated on the CPU: the tiny fixture model filled
 * in 2,080 ms p50 against 13.7 ms on onnxruntime's CPU provider, and loaded in 5.2 s against 0.4 s
 * (`diffuse bench` on SwiftShader, bench/README.md "WebGPU on a software GPU"). So the automatic
 * choice skips WebGPU on such a machine; an explicit choice still tries it.
 */

/** Library names of the software Vulkan drivers: Mesa's lavapipe, SwiftShader, the loader's mock. */
const SOFTWARE_DRIVER = /(^|[/\\])lib(vulkan_lvp|vk_swiftshader|VkICD_mock_icd)\.so/;

/** What of the machine the answer reads besides the environment; tests give their own. */
export interface VulkanHost {
  readonly home: string;
  /** The loader's system configuration folder (its SYSCONFDIR). */
  readonly sysconfDir: string;
  /** The GPU device nodes a hardware driver could run on. */
  gpuDevices(): string[];
}

const thisMachine: VulkanHost = { home: homedir(), sysconfDir: '/etc', gpuDevices: linuxGpuDevices };

/**
 * DRM render nodes (every Mesa hardware driver, NVIDIA's too), NVIDIA's own device nodes, and
 * WSL's paravirtual GPU (Mesa's Dozen driver runs on it).
 */
function linuxGpuDevices(): string[] {
  const list = (dir: string, name: RegExp): string[] => {
    try {
      return readdirSync(dir).filter((entry) => name.test(entry)).map((entry) => path.join(dir, entry));
    } catch {
      return [];
    }
  };
  return [...list('/dev/dri', /^renderD\d+$/), ...list('/dev', /^(nvidia\d+|dxg)$/)];
}

/** Where the Vulkan loader looks for driver manifests on Linux (the loader's docs, "Driver Discovery on Linux"). */
export function driverManifestSources(env: NodeJS.ProcessEnv, host: Pick<VulkanHost, 'home' | 'sysconfDir'> = thisMachine): { files: string[]; dirs: string[] } {
  const split = (value: string | undefined): string[] => (value ?? '').split(':').filter((entry) => entry.length > 0);
  // VK_DRIVER_FILES (VK_ICD_FILENAMES before loader 1.3.207) replaces the search, and then the
  // loader ignores VK_ADD_DRIVER_FILES, which otherwise adds to it
  const only = split(env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES);
  if (only.length > 0) return { files: only, dirs: [] };
  const configHome = env.XDG_CONFIG_HOME || path.join(host.home, '.config');
  const configDirs = split(env.XDG_CONFIG_DIRS || '/etc/xdg');
  const dataHome = env.XDG_DATA_HOME || path.join(host.home, '.local', 'share');
  const dataDirs = split(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share');
  const dirs = [configHome, ...configDirs, host.sysconfDir, dataHome, ...dataDirs].map((base) => path.join(base, 'vulkan', 'icd.d'));
  return { files: split(env.VK_ADD_DRIVER_FILES), dirs };
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
 * The software drivers, where they are all WebGPU could run on: the loader finds one, and either
 * no other driver or no GPU device for the others (Mesa installs its hardware drivers' manifests
 * beside lavapipe's, on a virtual machine too). Undefined where a hardware driver (or an
 * unreadable manifest, which may be one) has a device, or where there is no software driver.
 */
export function softwareVulkanOnly(env: NodeJS.ProcessEnv = process.env, host: VulkanHost = thisMachine): string[] | undefined {
  const { files, dirs } = driverManifestSources(env, host);
  // an entry of the variables may be a folder of manifests too
  const manifests = [...files.flatMap((entry) => (entry.endsWith('.json') ? [entry] : jsonFilesIn(entry))), ...dirs.flatMap(jsonFilesIn)];
  const libraries = manifests.map(manifestLibrary);
  const software = libraries.filter((library): library is string => library !== undefined && SOFTWARE_DRIVER.test(library));
  if (software.length === 0) return undefined;
  if (software.length < libraries.length && host.gpuDevices().length > 0) return undefined;
  return [...new Set(software.map((library) => path.basename(library)))];
}
