import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';

export interface ModelEntry {
  name: string;
  dir: string;
  source: 'bundled' | 'folder';
  /** meta.json's `family` and `graph` as written (unchecked: loading validates); undefined when unreadable. */
  family: string | undefined;
  graph: string | undefined;
}

/**
 * The bundled default, and the only one: the .vsix ships models/diffuse-small and nothing else
 * (test/fixtures/ stays out of it), so a missing default is reported as missing, by its own path,
 * rather than replaced by some other folder.
 */
const defaultModelName = 'diffuse-small';

/**
 * The package root (where package.json, node_modules and models/ live), found by walking up from
 * this module: it sits in dist/ when bundled by esbuild and in out/src/model/folder/ when compiled by tsc.
 * node_modules is part of the test because tsc may copy package.json into out/.
 */
export function packageRoot(from = __dirname): string {
  const isRoot = (dir: string): boolean =>
    existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'node_modules'));
  let dir = from;
  while (!isRoot(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return isRoot(dir) ? dir : from;
}

const bundledModelsDir = (): string => path.join(packageRoot(), 'models');
const isModelFolder = (dir: string): boolean => existsSync(path.join(dir, 'meta.json'));

/**
 * Bundled `models/*`, then for each of `folders` (relative ones resolved against `base`): the
 * folder itself if it is a model, else its model subfolders. A folder found twice is listed once,
 * where it was first found.
 */
export async function findModels(folders: readonly string[], base = process.cwd()): Promise<ModelEntry[]> {
  const found = new Map<string, ModelEntry['source']>((await modelSubfolders(bundledModelsDir())).map((dir) => [dir, 'bundled']));
  for (const folder of folders.map((f) => path.resolve(base, f))) {
    const dirs = isModelFolder(folder) ? [folder] : await modelSubfolders(folder);
    for (const dir of dirs) if (!found.has(dir)) found.set(dir, 'folder');
  }
  return Promise.all([...found].map(async ([dir, source]): Promise<ModelEntry> => ({ name: path.basename(dir), dir, source, ...(await kindOf(dir)) })));
}

/**
 * What `diffuse.model` keeps for a listed model, the inverse of `resolveModel`: a bundled model's
 * name (its folder lies in the extension's versioned install folder, which an update deletes),
 * else its folder.
 */
export function modelSetting(entry: Pick<ModelEntry, 'name' | 'dir' | 'source'>): string {
  return entry.source === 'bundled' ? entry.name : entry.dir;
}

/**
 * How a workspace's settings, which a team may share, name the model folder `dir`: relative to
 * `base`, the folder their paths resolve against (`./models/team`, `.` for the folder itself),
 * where it lies inside it, else as it is. `resolveModel(…, base)` reads it back as `dir`.
 */
export function workspaceModelSetting(dir: string, base: string): string {
  const relative = path.relative(base, dir);
  if (relative === '') return '.';
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return outside ? dir : `./${relative.split(path.sep).join('/')}`;
}

/** "family/graph" for a picker or a listing, e.g. "cedd/roulette"; undefined when meta.json names neither. */
export function modelKind(entry: Pick<ModelEntry, 'family' | 'graph'>): string | undefined {
  return [entry.family, entry.graph].filter((part) => part !== undefined).join('/') || undefined;
}

/** The family and graph a model folder's meta.json names, read leniently: a listing never fails on a broken folder. */
async function kindOf(dir: string): Promise<Pick<ModelEntry, 'family' | 'graph'>> {
  const meta: unknown = await readFile(path.join(dir, 'meta.json'), 'utf8').then(JSON.parse).catch(() => undefined);
  const field = (key: string): string | undefined => {
    const value = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  return { family: field('family'), graph: field('graph') };
}

/** Sorted model folders directly under `parent`; none if it is missing or unreadable (a stale setting is not an error). */
async function modelSubfolders(parent: string): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const dirs: string[] = [];
  for (const name of names.sort()) {
    const dir = path.join(parent, name);
    if ((await stat(dir).catch(() => undefined))?.isDirectory() && isModelFolder(dir)) dirs.push(dir);
  }
  return dirs;
}

/**
 * A model folder for a setting or `--model` value: a path (absolute, or containing a separator,
 * or starting with '.') is itself, a relative one resolved against `base`; a bare name is
 * `models/<name>`; undefined is the default model.
 */
export function resolveModel(nameOrDir: string | undefined, base = process.cwd()): string {
  if (nameOrDir === undefined) return path.join(bundledModelsDir(), defaultModelName);
  return isBundledName(nameOrDir) ? path.join(bundledModelsDir(), nameOrDir) : path.resolve(base, nameOrDir);
}

/** Whether a `diffuse.model` or `--model` value names a bundled model rather than a path (`resolveModel`). */
export function isBundledName(nameOrDir: string): boolean {
  return !(path.isAbsolute(nameOrDir) || nameOrDir.startsWith('.') || /[\\/]/.test(nameOrDir));
}
