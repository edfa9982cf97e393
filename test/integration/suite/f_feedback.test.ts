import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { automatic, complete, configure, invoke, openEditor, useFixture, waitFor } from './helpers';

describe('feedback: why nothing shows, and the status bar', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  it('an explicit trigger below minConfidence still shows the best suggestion and says it is low-confidence', async () => {
    const editor = await openEditor('width = \n');
    const position = new vscode.Position(0, 8);
    await configure({ minConfidence: 1 });
    try {
      const before = diffuse.notice();
      assert.deepEqual(await complete(diffuse, editor, position, automatic), [], 'an automatic request is gated silently');
      assert.equal(diffuse.notice(), before, 'an automatic request gave a notice');
      const items = await complete(diffuse, editor, position, invoke);
      assert.equal(items?.length, 1, 'the explicit trigger did not get the best suggestion');
      assert.match(diffuse.notice() ?? '', /low-confidence suggestion/);
      assert.match(diffuse.statusBar().text, /low-confidence suggestion/);
    } finally {
      await configure({ minConfidence: 0 });
    }
  });

  it('an explicit trigger in a disabled language says so', async () => {
    const plain = await openEditor('some prose \n', 'plaintext');
    assert.equal(await complete(diffuse, plain, new vscode.Position(0, 11), invoke), undefined);
    assert.match(diffuse.notice() ?? '', /off for plaintext/);
  });

  it('an explicit trigger whose fill fails says so; an automatic request stays quiet', async () => {
    const editor = await openEditor('depth = \n');
    const real = editor.document;
    // A hole past the end of the text: the engine refuses the request, as any failure of the fill would end.
    const broken = new Proxy(real, {
      get: (target, key) => {
        if (key === 'offsetAt') return () => target.getText().length + 10;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const position = new vscode.Position(0, 8);
    const run = (context: vscode.InlineCompletionContext) =>
      diffuse.inlineProvider.provideInlineCompletionItems(broken, position, context, new vscode.CancellationTokenSource().token);
    const before = diffuse.notice();
    assert.equal(await run(automatic), undefined);
    assert.equal(diffuse.notice(), before, 'an automatic request that failed gave a notice');
    assert.equal(await run(invoke), undefined);
    assert.equal(diffuse.notice(), 'the fill failed: see the Diffuse log');
    assert.match(diffuse.statusBar().text, /Diffuse: the fill failed/);
  });

  it('labels the latency, and clicking picks a model while idle', async () => {
    const editor = await openEditor('height = \n');
    await complete(diffuse, editor, new vscode.Position(0, 9), automatic);
    await waitFor(() => /last fill \d+ ms/.test(diffuse.statusBar().text), `a labelled latency (${diffuse.statusBar().text})`, 10_000);
    assert.equal(diffuse.statusBar().command, 'diffuse.pickModel');
    assert.match(diffuse.statusBar().tooltip, /Click to select a model/);
    assert.doesNotMatch(diffuse.statusBar().tooltip, /cancel/i);
  });

  it('while a ghost-text fill runs, the click cancels it (and the tooltip says so)', async () => {
    // One token per step over a block-shaped hole (after a line that opens a block: maxHoleTokens
    // slots, where a line-shaped one would get a line's): a fill long enough to click during.
    await configure({ threshold: 0, maxHoleTokens: 48, steps: 48 });
    try {
      const editor = await openEditor('def depth():\n');
      const pending = complete(diffuse, editor, new vscode.Position(0, 12), invoke);
      await waitFor(() => diffuse.activity().kind === 'filling', 'the fill to start');
      // one fill of its own: its steps, no "hole k of N" (that is a "Diffuse fill" of holes filled one after another)
      assert.match(diffuse.statusBar().text, / · filling \d+\/\d+$/);
      assert.doesNotMatch(diffuse.statusBar().text, /hole \d+ of/);
      assert.equal(diffuse.statusBar().command, 'diffuse.cancelFill');
      assert.match(diffuse.statusBar().tooltip, /Click to cancel the running fill/);
      assert.doesNotMatch(diffuse.statusBar().tooltip, /select a model/);
      await vscode.commands.executeCommand(diffuse.statusBar().command);
      assert.equal(await pending, undefined);
      assert.equal(diffuse.lastFill()?.cancelled, true);
      await waitFor(() => diffuse.statusBar().command === 'diffuse.pickModel', 'the picker click back after the cancel');
    } finally {
      await configure({ threshold: undefined, maxHoleTokens: undefined, steps: undefined });
    }
  });
});

describe('pausing suggestions', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  after(async () => {
    await configure({ enable: undefined });
  });

  for (const scope of ['language', 'all']) {
    it(`the toggle (${scope}) pauses the ghost text, says so in the status bar and on an explicit trigger, and resumes it`, async () => {
      const editor = await openEditor('speed = \n');
      const position = new vscode.Position(0, 8);
      assert.match(diffuse.suggestionToggle()?.tooltip ?? '', /on for python/);
      assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', scope), false);
      await waitFor(() => /paused/.test(diffuse.suggestionToggle()?.text ?? ''), 'the status bar entry to say paused');
      assert.equal(await complete(diffuse, editor, position, automatic), undefined);
      assert.equal(await complete(diffuse, editor, position, invoke), undefined);
      assert.match(diffuse.notice() ?? '', /off for python/);
      assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', scope), true);
      await waitFor(() => /on for python/.test(diffuse.suggestionToggle()?.tooltip ?? ''), 'the status bar entry to say on');
      assert.ok((await complete(diffuse, editor, position, automatic))?.length, 'no suggestion after resuming');
    });
  }

  it('where the workspace\'s settings set diffuse.enable, the toggle writes there (a user entry stays hidden under theirs)', async () => {
    const config = () => vscode.workspace.getConfiguration('diffuse');
    await config().update('enable', { go: false }, vscode.ConfigurationTarget.Global);
    await config().update('enable', { python: true }, vscode.ConfigurationTarget.Workspace);
    try {
      await openEditor('speed = \n');
      assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', 'language'), false);
      await waitFor(() => /paused/.test(diffuse.suggestionToggle()?.text ?? ''), 'the status bar entry to say paused');
      assert.deepEqual(config().inspect('enable')?.workspaceValue, { python: false });
      assert.deepEqual(config().inspect('enable')?.globalValue, { go: false }, 'the user\'s settings changed');
      assert.equal(await vscode.commands.executeCommand('diffuse.toggleSuggestions', 'language'), true);
    } finally {
      await config().update('enable', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
