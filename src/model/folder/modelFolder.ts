import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ModelLoadError } from '../../core/errors';
import { fileErrorReason } from '../../core/fileErrors';
import type { DiffusionSpec } from '../../sampler/types';
import { loadTokenizer, type TextTokenizer } from '../../tokenizer';
import { parseMeta, type ModelMeta } from './meta';
import { checkOnnxFile, CPU_CONTRIB_DOMAIN } from './onnxFile';
import { checkSpecialIds } from './specialIds';
import { checkTokenizerIds } from './tokenizerIds';

export interface ModelFiles {
  readonly dir: string;
  readonly model: string;
  /**
   * model.cpu.onnx when the folder has one: the same network for the CPU provider only, e.g. with
   * int8 weights and CPU-only contrib ops (training/diffuse/quantize.py). GPU providers always run model.onnx.
   */
  readonly cpuModel?: string;
  readonly meta: string;
  readonly tokenizer: string;
}

export interface InspectedModel {
  readonly files: ModelFiles;
  /** model.onnx imports onnxruntime's CPU contrib ops (an int8 graph): 'auto' opens it on the CPU. */
  readonly cpuOnly: boolean;
  readonly meta: ModelMeta;
  readonly spec: DiffusionSpec;
  readonly tokenizer: TextTokenizer;
}

export function modelFiles(dir: string): ModelFiles {
  const resolved = path.resolve(dir);
  const file = (name: string): string => path.join(resolved, name);
  return { dir: resolved, model: file('model.onnx'), meta: file('meta.json'), tokenizer: file('tokenizer.json') };
}

/** model.cpu.onnx beside model.onnx, if it is a file. */
async function cpuModelFile(files: ModelFiles): Promise<string | undefined> {
  const file = path.join(files.dir, 'model.cpu.onnx');
  return (await stat(file).catch(() => undefined))?.isFile() ? file : undefined;
}

/**
 * Refuses, by its precise reason, a path that is not a readable folder or regular file: missing,
 * a symbolic link loop, a folder where a file belongs (or the reverse), a FIFO (reading one would
 * wait forever for a writer) or a device, unreadable.
 */
async function requireReadable(file: string, kind: 'file' | 'folder'): Promise<void> {
  const stats = await stat(file).catch((error: NodeJS.ErrnoException) => {
    const missing = kind === 'folder' ? 'model folder not found' : 'missing file';
    throw new ModelLoadError(file, error.code === 'ENOENT' ? missing : fileErrorReason(error), { cause: error });
  });
  if (kind === 'folder' && !stats.isDirectory()) throw new ModelLoadError(file, 'not a folder: a model is a folder holding model.onnx, meta.json and tokenizer.json');
  if (kind === 'file' && !stats.isFile()) {
    const what = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO (named pipe)' : 'a socket or device';
    throw new ModelLoadError(file, `${what}, not a regular file`);
  }
  // A folder must also be searchable (X) to reach its files.
  await access(file, kind === 'folder' ? constants.R_OK | constants.X_OK : constants.R_OK).catch((error: NodeJS.ErrnoException) => {
    throw new ModelLoadError(file, fileErrorReason(error), { cause: error });
  });
}

/**
 * Everything about a model folder that can be checked without an inference session: the files
 * exist, meta.json is valid, the tokenizer is the one the model was trained with and has its
 * vocabulary (as many tokens, none with an id past it), and model.onnx is a complete ONNX file.
 * The graph's signature is checked at load.
 */
export async function inspectModelFolder(dir: string): Promise<InspectedModel> {
  const files = modelFiles(dir);
  await requireReadable(files.dir, 'folder');
  for (const file of [files.meta, files.tokenizer, files.model]) await requireReadable(file, 'file');
  const meta = parseMeta(files.meta, await readFile(files.meta, 'utf8'));
  // read once: hashed here, then loaded (the tokenizer keeps what the id check needs)
  const tokenizerBytes = await readFile(files.tokenizer);
  const sha256 = createHash('sha256').update(tokenizerBytes).digest('hex');
  if (sha256 !== meta.tokenizerSha256) {
    throw new ModelLoadError(
      files.tokenizer,
      `sha256 ${sha256} does not match meta.json's tokenizer_sha256 ${meta.tokenizerSha256}: not the tokenizer this model was trained with`,
    );
  }
  const tokenizer = await loadTokenizer(files.tokenizer, tokenizerBytes);
  // an expand token (meta.json `expand_id`) is the one id past the tokenizer's: no text holds it
  const textIds = meta.spec.vocabSize - (meta.spec.expandId === undefined ? 0 : 1);
  if (tokenizer.vocabSize !== textIds) {
    const expected = meta.spec.expandId === undefined ? '' : ' plus its expand token';
    throw new ModelLoadError(
      files.meta,
      `vocab_size ${meta.spec.vocabSize} does not match the tokenizer's vocabulary of ${tokenizer.vocabSize} tokens${expected}`,
    );
  }
  checkTokenizerIds(files.tokenizer, tokenizer, meta.spec.vocabSize, textIds);
  await checkSpecialIds(files.meta, meta, tokenizer);
  const { operatorDomains } = await checkOnnxFile(files.model);
  const cpuModel = await cpuModelFile(files);
  if (cpuModel) await checkOnnxFile(cpuModel);
  return {
    files: cpuModel ? { ...files, cpuModel } : files,
    cpuOnly: operatorDomains.includes(CPU_CONTRIB_DOMAIN),
    meta,
    spec: meta.spec,
    tokenizer,
  };
}
