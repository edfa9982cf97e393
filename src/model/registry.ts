import { existsSync, readdirSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';

export interface ModelEntry {
  name: string;
  dir: string;
  source: 'bundled' | 'folder';
}

/** Preferred bundled default; otherwise the first bundled model, otherwise the test fixture. */
const defaultModelName = 'diffuse-small';

/**
 * The package root (where package.json, node_modules and models/ live), found by walking up from
 * this module: it sits in dist/ when bundled by esbuild and in out/src/model/ when compiled by tsc.
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

/** Bundled `models/*`, then for each of `folders`: the folder itself if it is a model, else its model subfolders. */
export async function findModels(folders: readonly string[]): Promise<ModelEntry[]> {
  const entries = (await modelSubfolders(bundledModelsDir())).map((dir): ModelEntry => ({
    name: path.basename(dir),
    dir,
    source: 'bundled',
  }));
  for (const folder of folders.map((f) => path.resolve(f))) {
    const dirs = isModelFolder(folder) ? [folder] : await modelSubfolders(folder);
    entries.push(...dirs.map((dir): ModelEntry => ({ name: path.basename(dir), dir, source: 'folder' })));
  }
  return entries;
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
 * or starting with '.') is itself; a bare name is `models/<name>`; undefined is the default model.
 */
export function resolveModel(nameOrDir: string | undefined): string {
  if (nameOrDir === undefined) return defaultModel();
  const looksLikePath = path.isAbsolute(nameOrDir) || nameOrDir.startsWith('.') || /[\\/]/.test(nameOrDir);
  return looksLikePath ? path.resolve(nameOrDir) : path.join(bundledModelsDir(), nameOrDir);
}

function defaultModel(): string {
  const models = bundledModelsDir();
  const preferred = path.join(models, defaultModelName);
  if (isModelFolder(preferred)) return preferred;
  const names = existsSync(models) ? readdirSync(models).sort() : [];
  const first = names.map((name) => path.join(models, name)).find(isModelFolder);
  return first ?? path.join(packageRoot(), 'test', 'fixtures', 'tiny-model');
}
