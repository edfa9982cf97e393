import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { driverManifestSources, softwareVulkanOnly, type VulkanHost } from '../../src/model/runtime/vulkanDrivers';

describe('Vulkan drivers: whether WebGPU would run on a software renderer (vulkanDrivers.ts)', () => {
  let root: string;
  let count = 0;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'diffuse-vulkan-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A data folder whose vulkan/icd.d holds a manifest per library (a string: the file's raw text instead). */
  function icdFolder(manifests: Record<string, string | { library: string }>): string {
    const base = path.join(root, `share-${count++}`);
    const dir = path.join(base, 'vulkan', 'icd.d');
    mkdirSync(dir, { recursive: true });
    for (const [name, manifest] of Object.entries(manifests)) {
      const text = typeof manifest === 'string' ? manifest : JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: manifest.library, api_version: '1.3.0' } });
      writeFileSync(path.join(dir, name), text);
    }
    return base;
  }

  /** An environment whose only search folder is `dataDir`'s (the XDG folders pointed at nothing). */
  const onlyData = (dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    XDG_DATA_DIRS: dataDir,
    XDG_DATA_HOME: path.join(root, 'none'),
    XDG_CONFIG_HOME: path.join(root, 'none'),
    XDG_CONFIG_DIRS: path.join(root, 'none'),
    ...extra,
  });
  /** A machine whose home and system folders hold nothing, with these GPU device nodes. */
  const nowhere = path.join(tmpdir(), 'diffuse-vulkan-nowhere');
  const host = (...gpuDevices: string[]): VulkanHost => ({ home: path.join(nowhere, 'home'), sysconfDir: path.join(nowhere, 'etc'), gpuDevices: () => gpuDevices });
  const noGpu = host();
  const gpu = host('/dev/dri/renderD128');

  // what Debian's mesa-vulkan-drivers installs: lavapipe beside the hardware drivers' manifests
  const mesa = { library: 'libvulkan_lvp.so' };
  const mesaHardware = { 'intel_icd.x86_64.json': { library: '/usr/lib/x86_64-linux-gnu/libvulkan_intel.so' }, 'radeon_icd.x86_64.json': { library: 'libvulkan_radeon.so' } };

  it("names lavapipe and SwiftShader when they are the only drivers, the loader's mock too", () => {
    const data = icdFolder({
      'lvp_icd.x86_64.json': { library: '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so' },
      'swiftshader.json': { library: './libvk_swiftshader.so' },
    });
    assert.deepEqual(softwareVulkanOnly(onlyData(data), gpu)?.sort(), ['libvk_swiftshader.so', 'libvulkan_lvp.so']);
    assert.deepEqual(softwareVulkanOnly(onlyData(icdFolder({ 'mock.json': { library: 'libVkICD_mock_icd.so' } })), noGpu), ['libVkICD_mock_icd.so']);
  });

  it("names lavapipe beside Mesa's hardware drivers where no GPU device is there for them (a virtual machine)", () => {
    const data = icdFolder({ 'lvp_icd.x86_64.json': mesa, ...mesaHardware });
    assert.deepEqual(softwareVulkanOnly(onlyData(data), noGpu), ['libvulkan_lvp.so']);
    assert.equal(softwareVulkanOnly(onlyData(data), gpu), undefined, 'a render node: the hardware driver runs');
    assert.equal(softwareVulkanOnly(onlyData(data), host('/dev/nvidia0')), undefined);
    assert.equal(softwareVulkanOnly(onlyData(data), host('/dev/dxg')), undefined, "WSL's paravirtual GPU");
  });

  it('says nothing where a hardware driver (or an unreadable manifest) has a device, or where there is no software driver', () => {
    assert.equal(softwareVulkanOnly(onlyData(icdFolder({ 'lvp.json': mesa, 'nvidia_icd.json': { library: 'libGLX_nvidia.so.0' } })), host('/dev/nvidia0')), undefined);
    assert.equal(softwareVulkanOnly(onlyData(icdFolder({ 'lvp.json': mesa, 'broken.json': '{ "ICD": ' })), gpu), undefined);
    assert.equal(softwareVulkanOnly(onlyData(icdFolder(mesaHardware)), noGpu), undefined, 'no software driver: WebGPU fails on its own');
    assert.equal(softwareVulkanOnly(onlyData(icdFolder({ 'readme.txt': 'not a manifest' })), noGpu), undefined);
    assert.equal(softwareVulkanOnly(onlyData(path.join(root, 'no-such-folder')), noGpu), undefined);
  });

  it('reads VK_DRIVER_FILES (or VK_ICD_FILENAMES) instead of the folders, files or folders of them, and VK_ADD_DRIVER_FILES only without them', () => {
    const hardware = icdFolder({ 'radeon_icd.json': { library: 'libvulkan_radeon.so' } });
    const software = icdFolder({ 'lvp.json': mesa });
    const softwareFile = path.join(software, 'vulkan', 'icd.d', 'lvp.json');
    const hardwareFile = path.join(hardware, 'vulkan', 'icd.d', 'radeon_icd.json');
    assert.deepEqual(softwareVulkanOnly(onlyData(hardware, { VK_ICD_FILENAMES: softwareFile }), gpu), ['libvulkan_lvp.so']);
    assert.deepEqual(softwareVulkanOnly(onlyData(hardware, { VK_DRIVER_FILES: path.join(software, 'vulkan', 'icd.d') }), gpu), ['libvulkan_lvp.so']);
    // the loader ignores VK_ADD_DRIVER_FILES where VK_DRIVER_FILES names the drivers
    assert.deepEqual(softwareVulkanOnly(onlyData(hardware, { VK_DRIVER_FILES: softwareFile, VK_ADD_DRIVER_FILES: hardwareFile }), gpu), ['libvulkan_lvp.so']);
    assert.equal(softwareVulkanOnly(onlyData(software, { VK_ADD_DRIVER_FILES: hardwareFile }), gpu), undefined);
  });

  it("searches the loader's folders: the XDG config and data folders (with their defaults) and the system's", () => {
    const { files, dirs } = driverManifestSources({}, { home: '/home/u', sysconfDir: '/etc' });
    assert.deepEqual(files, []);
    assert.deepEqual(dirs, [
      '/home/u/.config/vulkan/icd.d',
      '/etc/xdg/vulkan/icd.d',
      '/etc/vulkan/icd.d',
      '/home/u/.local/share/vulkan/icd.d',
      '/usr/local/share/vulkan/icd.d',
      '/usr/share/vulkan/icd.d',
    ]);
  });
});
