import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';

export const EXTENSION_ID = 'diffuse-dev.diffuse';

export function extension(): vscode.Extension<DiffuseApi> {
  const ext = vscode.extensions.getExtension<DiffuseApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

export async function api(): Promise<DiffuseApi> {
  return extension().activate();
}

/**
 * The checked-in tiny model (random weights: junk text, but the real loading and sampling path).
 * DIFFUSE_FIXTURE_MODEL points at it when the extension under test is an installed .vsix, which
 * carries no test fixtures.
 */
export function fixtureModel(): string {
  return process.env.DIFFUSE_FIXTURE_MODEL ?? path.join(extension().extensionPath, 'test', 'fixtures', 'tiny-model');
}

/** Writes user settings of the `diffuse` section (undefined removes one). */
export async function configure(values: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration('diffuse');
  for (const [key, value] of Object.entries(values)) await config.update(key, value, vscode.ConfigurationTarget.Global);
}

/** Deterministic fills from the fixture model, nothing suppressed for low confidence. */
export async function useFixture(): Promise<DiffuseApi> {
  const diffuse = await api();
  await configure({ model: fixtureModel(), temperature: 0, minConfidence: 0, trigger: 'automatic', executionProvider: 'cpu' });
  await waitFor(() => diffuse.modelName() === 'tiny-model' && diffuse.modelState().kind === 'ready', 'the fixture model to load');
  return diffuse;
}

/** A copy of the fixture model under another name, in a fresh temp folder; `corrupt` breaks it. */
export function copyFixture(name: string, corrupt?: (dir: string) => void): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diffuse-model-')), name);
  fs.cpSync(fixtureModel(), dir, { recursive: true });
  const metaFile = path.join(dir, 'meta.json');
  fs.writeFileSync(metaFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(metaFile, 'utf8')), name }, null, 2));
  corrupt?.(dir);
  return dir;
}

/**
 * A relative `diffuse.model` in the workspace's settings, which resolves against `base` (the folder
 * of those settings' paths): copies of the fixture, `team-model` and `other-model`, in `base`'s
 * `models` folder, the setting `./models/team-model` and that model loaded; then `check(models)`, if given;
 * then the model picker's choice of `other-model` must land in the workspace's settings as
 * `./models/other-model`, the user's untouched. The setting and the copies go afterwards, and the
 * fixture model is back.
 */
export async function withRelativeWorkspaceModel(diffuse: DiffuseApi, base: string, check?: (models: string) => Promise<void>): Promise<void> {
  const models = path.join(base, 'models');
  for (const name of ['team-model', 'other-model']) fs.cpSync(copyFixture(name), path.join(models, name), { recursive: true });
  const config = () => vscode.workspace.getConfiguration('diffuse');
  const userModel = config().inspect('model')?.globalValue;
  try {
    await config().update('model', './models/team-model', vscode.ConfigurationTarget.Workspace);
    await waitFor(() => diffuse.modelName() === 'team-model' && diffuse.modelState().kind === 'ready', 'the workspace\'s relative model to load');
    await check?.(models);
    assert.equal(await vscode.commands.executeCommand('diffuse.pickModel', path.join(models, 'other-model')), true);
    assert.equal(config().inspect('model')?.workspaceValue, './models/other-model', 'written relative to the folder the workspace\'s paths resolve against');
    assert.equal(config().inspect('model')?.globalValue, userModel, 'the user\'s settings changed');
  } finally {
    await config().update('model', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor(() => diffuse.modelName() === 'tiny-model', 'the fixture model again');
    fs.rmSync(models, { recursive: true, force: true });
  }
}

export async function openEditor(content: string, language = 'python'): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content, language });
  return vscode.window.showTextDocument(document);
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Tab on the ghost text: accepts it once VS Code shows it (it asks for it itself after a keystroke,
 * debounced; an explicit trigger would ask for a fresh fill instead of the suggestion being typed into).
 */
export async function acceptGhostText(editor: vscode.TextEditor, timeoutMs = 20_000): Promise<void> {
  const before = editor.document.version;
  const deadline = Date.now() + timeoutMs;
  while (editor.document.version === before) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the ghost text to show');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const automatic: vscode.InlineCompletionContext = {
  triggerKind: vscode.InlineCompletionTriggerKind.Automatic,
  selectedCompletionInfo: undefined,
};

export const invoke: vscode.InlineCompletionContext = { ...automatic, triggerKind: vscode.InlineCompletionTriggerKind.Invoke };

/** The provider's items as an array, whatever shape it returned. */
export async function complete(
  diffuse: DiffuseApi,
  editor: vscode.TextEditor,
  position: vscode.Position,
  context: vscode.InlineCompletionContext,
  token = new vscode.CancellationTokenSource().token,
): Promise<vscode.InlineCompletionItem[] | undefined> {
  const result = await diffuse.inlineProvider.provideInlineCompletionItems(editor.document, position, context, token);
  return result === undefined || result === null ? undefined : Array.isArray(result) ? result : result.items;
}

/** The CLI of the extension under test; an installed .vsix carries none. */
export function cliScript(): string | undefined {
  const script = path.join(extension().extensionPath, 'dist', 'cli.js');
  return fs.existsSync(script) ? script : undefined;
}

/** `diffuse infill`'s completion of one task on the fixture model, run as a user runs the CLI. */
export async function cliCompletion(script: string, task: { prefix: string; suffix: string }, args: readonly string[]): Promise<string> {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [script, 'infill', '--model', fixtureModel(), '--ep', 'cpu', ...args],
      // The extension host may be Electron's: run it as plain Node.
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 60_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
    child.stdin?.end(`${JSON.stringify({ task_id: 'same-text', ...task })}\n`);
  });
  const record = JSON.parse(stdout) as { completion?: string; error?: string };
  if (record.completion === undefined) throw new Error(`the CLI filled nothing: ${stdout}`);
  return record.completion;
}
