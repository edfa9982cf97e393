import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { acceptGhostText, automatic, cliCompletion, cliScript, complete, configure, invoke, openEditor, useFixture, waitFor } from './helpers';

describe('inline completion on the fixture model', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  it('suggests an insertion at the cursor', async () => {
    const editor = await openEditor('def add(a, b):\n    return \n\nprint(add(1, 2))\n');
    const position = new vscode.Position(1, 11);
    editor.selection = new vscode.Selection(position, position);
    const items = await complete(diffuse, editor, position, automatic);
    assert.ok(items && items.length >= 1, 'no suggestion');
    const item = items[0];
    assert.equal(typeof item.insertText, 'string');
    assert.ok((item.insertText as string).trim().length > 0);
    assert.ok(item.range?.isEmpty && item.range.start.isEqual(position), `range ${JSON.stringify(item.range)}`);
    assert.equal(diffuse.lastFill()?.holes, 1);
  });

  it('offers no ghost text for a selection, within a line or across lines, whichever way it was made; an explicit trigger says why and names Diffuse fill', async () => {
    const editor = await openEditor('def mean(values):\n    total = 0\n    for v in values:\n        total += v\n    return total / len(values)\n');
    const notice = /^ghost text can't replace a selection: use Diffuse fill$/;
    // another notice before each explicit trigger, so that each says its own (a document of a
    // disabled language, not shown: the editor with the selection stays the active one)
    const prose = await vscode.workspace.openTextDocument({ content: 'prose \n', language: 'plaintext' });
    const otherNotice = async () => {
      await diffuse.inlineProvider.provideInlineCompletionItems(prose, new vscode.Position(0, 6), invoke, new vscode.CancellationTokenSource().token);
      assert.match(diffuse.notice() ?? '', /off for plaintext/);
    };
    // `values` on the last line, selected rightwards and leftwards (VS Code asks at the selection's
    // end, the cursor at its start); whole lines as Shift+Down selects them (up to the start of the
    // next line), and the same lines from the end of the last one upwards
    const selections = [new vscode.Selection(4, 23, 4, 29), new vscode.Selection(4, 29, 4, 23), new vscode.Selection(1, 0, 4, 0), new vscode.Selection(3, 18, 1, 0)];
    for (const selection of selections) {
      editor.selection = selection;
      const before = { fill: diffuse.lastFill(), notice: diffuse.notice(), text: editor.document.getText() };
      assert.equal(await complete(diffuse, editor, selection.end, automatic), undefined, 'an automatic request got items');
      assert.equal(diffuse.notice(), before.notice, 'an automatic request gave a notice');
      await otherNotice();
      assert.equal(await complete(diffuse, editor, selection.end, invoke), undefined, 'an explicit trigger got items');
      assert.match(diffuse.notice() ?? '', notice);
      assert.match(diffuse.statusBar().text, /Diffuse: ghost text can't replace a selection/);
      assert.equal(diffuse.lastFill(), before.fill, 'a fill ran for a request that can show nothing');
      assert.equal(editor.document.getText(), before.text);
      assert.ok(editor.selection.isEqual(selection), 'the selection changed');
    }
  });

  it('asks for several candidates on explicit invoke', async () => {
    const editor = await openEditor('x = \n');
    const position = new vscode.Position(0, 4);
    editor.selection = new vscode.Selection(position, position);
    const items = await complete(diffuse, editor, position, invoke);
    assert.ok(items && items.length >= 1, 'no suggestion');
    assert.equal(diffuse.lastFill()?.options?.candidates, 3, 'invoke asks for candidates to cycle through');
  });

  it('keeps ghost text inside a line on that line, automatic or invoked', async () => {
    const editor = await openEditor('total = sum(\nprint(total)\n');
    const position = new vscode.Position(0, 8);
    editor.selection = new vscode.Selection(position, position);
    for (const trigger of [automatic, invoke]) {
      await complete(diffuse, editor, position, trigger);
      assert.equal(diffuse.lastFill()?.options?.inlineBreaks, false);
    }
  });

  it('answers typing into a shown suggestion, and backspacing within it, with the suggestion from where it began, without a new fill', async () => {
    const editor = await openEditor('answer = \n');
    const position = new vscode.Position(0, 9);
    editor.selection = new vscode.Selection(position, position);
    const shown = (await complete(diffuse, editor, position, automatic))?.[0]?.insertText as string;
    assert.ok(shown && shown.length > 2, 'no suggestion to type into');
    const before = diffuse.lastFill();
    // as the user does it: keys (VS Code asks the provider too), then a Backspace
    await vscode.commands.executeCommand('type', { text: shown.slice(0, 2) });
    await vscode.commands.executeCommand('deleteLeft');
    const cursor = position.translate(0, 1);
    const items = await complete(diffuse, editor, cursor, automatic);
    assert.equal(items?.[0]?.insertText, shown, 'not the whole suggestion');
    assert.ok(items[0].range?.isEqual(new vscode.Range(position, cursor)), `range ${JSON.stringify(items[0].range)}`);
    assert.equal(diffuse.lastFill(), before, 'a fill ran although the suggestion covered the typing');
    // accepted in the editor as VS Code shows it after the Backspace, the item adds the rest of the
    // suggestion to what was typed, and nothing else
    await acceptGhostText(editor);
    assert.equal(editor.document.lineAt(0).text, `answer = ${shown}`);
  });

  it('fills anew for an explicit trigger over a shown suggestion, typed into or not: the candidates to cycle through, not the one shown', async () => {
    const editor = await openEditor('subtotal = \n');
    const position = new vscode.Position(0, 11);
    editor.selection = new vscode.Selection(position, position);
    assert.ok((await complete(diffuse, editor, position, automatic))?.length, 'no suggestion shown');
    const automaticFill = diffuse.lastFill();
    const invoked = await complete(diffuse, editor, position, invoke);
    const explicitFill = diffuse.lastFill();
    assert.notEqual(explicitFill, automaticFill, 'answered from the shown suggestion, without a fill');
    assert.equal(explicitFill?.options?.candidates, 3);
    assert.ok((explicitFill?.nfe ?? 0) > 0, 'served from the cache of the automatic fill, which kept one row');
    const shown = invoked?.[0]?.insertText as string;
    assert.ok(shown && shown.length > 2, 'no suggestion to type into');
    await vscode.commands.executeCommand('type', { text: shown.slice(0, 2) });
    const cursor = position.translate(0, 2);
    assert.equal((await complete(diffuse, editor, cursor, automatic))?.[0]?.insertText, shown, 'automatic: not answered from the shown suggestion');
    const typedInto = diffuse.lastFill();
    assert.ok((await complete(diffuse, editor, cursor, invoke))?.length, 'no suggestion for the explicit trigger');
    assert.notEqual(diffuse.lastFill(), typedInto, 'an explicit trigger typed into the shown suggestion was answered from it');
    assert.equal(diffuse.lastFill()?.options?.candidates, 3);
  });

  it('begins the fill at a keystroke, and the request for that cursor joins it', async () => {
    const editor = await openEditor('def add(a, b):\n    return \n');
    const position = new vscode.Position(1, 11);
    editor.selection = new vscode.Selection(position, position);
    const before = diffuse.lastFill();
    await vscode.commands.executeCommand('type', { text: 'a' });
    await waitFor(() => diffuse.lastFill() !== before, 'a fill begun by the keystroke');
    const ahead = diffuse.lastFill();
    assert.equal(ahead?.ahead, true, 'the fill began when VS Code asked, not at the keystroke');
    const items = await complete(diffuse, editor, position.translate(0, 1), automatic);
    assert.ok(items?.length, 'no suggestion');
    assert.equal(diffuse.lastFill(), ahead, 'the request ran a fill of its own instead of joining the one under way');
  });

  it('answers a later request for a keystroke\'s place anew once the fill begun at the keystroke was cut short', async () => {
    const editor = await openEditor('def mul(a, b):\n    return \n');
    const position = new vscode.Position(1, 11);
    editor.selection = new vscode.Selection(position, position);
    // 1 ms: the first forward pass alone takes longer (the deadline test below)
    await configure({ autoFillDeadlineMs: 1 });
    try {
      const before = diffuse.lastFill();
      await vscode.commands.executeCommand('type', { text: 'a' });
      await waitFor(() => diffuse.lastFill() !== before, 'a fill begun by the keystroke');
      const ahead = diffuse.lastFill();
      assert.deepEqual([ahead?.ahead, ahead?.cutShort], [true, true], 'not a fill ahead cut short');
      // after the fill ended (whether VS Code's own request joined it or not): same version and cursor
      assert.ok((await complete(diffuse, editor, position.translate(0, 1), automatic))?.length, 'no suggestion');
      assert.notEqual(diffuse.lastFill(), ahead, 'answered by the fill ahead its deadline cut short');
      assert.equal(diffuse.lastFill()?.ahead, false);
    } finally {
      await configure({ autoFillDeadlineMs: undefined });
    }
  });

  it('begins no fill at a keystroke under diffuse.trigger idle; the request once the typing pauses fills', async () => {
    const editor = await openEditor('def sub(a, b):\n    return \n');
    const position = new vscode.Position(1, 11);
    editor.selection = new vscode.Selection(position, position);
    await configure({ trigger: 'idle' });
    try {
      const before = diffuse.lastFill();
      await vscode.commands.executeCommand('type', { text: 'a' });
      // a fill begun ahead would have begun within its debounce (400 ms at most); VS Code's own request may fill meanwhile
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const afterKey = diffuse.lastFill();
      assert.ok(afterKey === before || afterKey?.ahead === false, 'the keystroke began a fill ahead of VS Code');
      assert.ok((await complete(diffuse, editor, position.translate(0, 1), automatic))?.length, 'no suggestion');
      assert.notEqual(diffuse.lastFill(), before, 'no fill for the request');
      assert.equal(diffuse.lastFill()?.ahead, false);
    } finally {
      await configure({ trigger: 'automatic' });
    }
  });

  it('waits out the typing rhythm under diffuse.trigger idle, where automatic waits one forward pass at most', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // A request a line, GAP_MS apart, as a steady typist's: the last 20 gaps between requests, the
    // whole of the rhythm the debounce keeps, are these, so its wait is 1.5 × 200 ms less VS
    // Code's own 50 = 250 ms after a request, or the forward pass of the fixture, a few ms, where capped.
    const GAP_MS = 200;
    const RHYTHM = 20;
    const editor = await openEditor(Array.from({ length: RHYTHM + 2 }, (_, line) => `v${line} = \n`).join(''));
    const at = (line: number) => new vscode.Position(line, `v${line} = `.length);
    const rhythm: Promise<unknown>[] = [];
    for (let line = 0; line < RHYTHM; line++) {
      rhythm.push(complete(diffuse, editor, at(line), automatic));   // each supersedes the one before
      await sleep(GAP_MS);
    }
    await Promise.all(rhythm);
    /** Whether the request at `line`, the next in the rhythm, had begun its fill half a gap later; it must fill in the end. */
    const beganWithinHalfAGap = async (line: number) => {
      const before = diffuse.lastFill();
      let settled = false;
      const request = complete(diffuse, editor, at(line), automatic).finally(() => {
        settled = true;
      });
      await sleep(GAP_MS / 2);
      const began = settled || diffuse.activity().kind === 'filling';
      await request;
      assert.notEqual(diffuse.lastFill(), before, `no fill for line ${line}`);
      return began;
    };
    assert.equal(await beganWithinHalfAGap(RHYTHM), true, 'automatic: the fill waited longer than a forward pass');
    await configure({ trigger: 'idle' });
    try {
      assert.equal(await beganWithinHalfAGap(RHYTHM + 1), false, 'idle: the fill began before the typing rhythm\'s pause (capped at a forward pass)');
    } finally {
      await configure({ trigger: 'automatic' });
    }
  });

  it('extends the selected IntelliSense item', async () => {
    const editor = await openEditor('x = pri\n');
    const range = new vscode.Range(0, 4, 0, 7);
    const context = { ...automatic, selectedCompletionInfo: { range, text: 'print' } };
    const items = await complete(diffuse, editor, new vscode.Position(0, 7), context);
    assert.ok(items && items.length >= 1, 'no suggestion');
    for (const item of items) {
      assert.ok((item.insertText as string).startsWith('print'), `does not extend the item: ${JSON.stringify(item.insertText)}`);
      assert.ok(item.range?.isEqual(range));
    }
  });

  it('produces nothing for a cancelled request', async () => {
    const editor = await openEditor('y = \n');
    const position = new vscode.Position(0, 4);
    const source = new vscode.CancellationTokenSource();
    const pending = complete(diffuse, editor, position, invoke, source.token);
    source.cancel();
    assert.equal(await pending, undefined);
    assert.equal(diffuse.lastFill()?.cancelled, true);
  });

  it('lets the latest request win: a newer one aborts the running one', async () => {
    const editor = await openEditor('z = \nw = \n');
    const first = complete(diffuse, editor, new vscode.Position(0, 4), invoke);
    const second = complete(diffuse, editor, new vscode.Position(1, 4), invoke);
    assert.equal(await first, undefined);
    assert.ok((await second)?.length, 'the newer request got no suggestion');
  });

  it('stays silent below minConfidence and for a disabled language', async () => {
    const editor = await openEditor('value = \n');
    const position = new vscode.Position(0, 8);
    await configure({ minConfidence: 1 });
    try {
      assert.deepEqual(await complete(diffuse, editor, position, automatic), []);
    } finally {
      await configure({ minConfidence: 0 });
    }
    const plain = await openEditor('some prose \n', 'plaintext');
    assert.equal(await complete(diffuse, plain, new vscode.Position(0, 11), automatic), undefined);
  });

  it('leaves a document of whitespace alone until asked', async () => {
    const editor = await openEditor('\n  \n');
    const position = new vscode.Position(1, 2);
    editor.selection = new vscode.Selection(position, position);
    const before = diffuse.lastFill();
    assert.equal(await complete(diffuse, editor, position, automatic), undefined);
    assert.equal(diffuse.lastFill(), before, 'an automatic request in a blank document began a fill');
    await complete(diffuse, editor, position, invoke);
    assert.notEqual(diffuse.lastFill(), before, 'an explicit trigger in a blank document did not fill');
  });

  it('leaves a merge conflict\'s block alone until asked, typing in it included, and fills next to it', async () => {
    const editor = await openEditor('a = 1\n<<<<<<< HEAD\nvalue = \n=======\nvalue = 2\n>>>>>>> theirs\nb = \n');
    const inside = new vscode.Position(2, 8);
    editor.selection = new vscode.Selection(inside, inside);
    const before = diffuse.lastFill();
    assert.equal(await complete(diffuse, editor, inside, automatic), undefined);
    await vscode.commands.executeCommand('type', { text: 'x' });
    // the fill a keystroke begins ahead of VS Code would have begun within its debounce (400 ms at most)
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(diffuse.lastFill(), before, 'an automatic request or a keystroke inside a merge conflict began a fill');
    await complete(diffuse, editor, inside.translate(0, 1), invoke);
    assert.notEqual(diffuse.lastFill(), before, 'an explicit trigger inside a merge conflict did not fill');
    const after = diffuse.lastFill();
    await complete(diffuse, editor, new vscode.Position(6, 4), automatic);
    assert.notEqual(diffuse.lastFill(), after, 'an automatic request below the conflict did not fill');
  });

  it('cuts an automatic fill short at diffuse.autoFillDeadlineMs and fills it whole; an explicit one, or none at 0, runs every step', async () => {
    // a document of its own each time: no fill is served from the cache or from the suggestion shown before
    const fillIn = async (trigger: vscode.InlineCompletionContext, name: string) => {
      const editor = await openEditor(`def ${name}(values):\n    return \n`);
      const items = await complete(diffuse, editor, new vscode.Position(1, 11), trigger);
      return { items, fill: diffuse.lastFill() };
    };
    // 1 ms: the first forward pass alone (a round trip to the model's worker) takes longer
    await configure({ autoFillDeadlineMs: 1 });
    try {
      const cut = await fillIn(automatic, 'mean');
      assert.ok(cut.items?.length, 'no suggestion from the fill cut short');
      assert.deepEqual([cut.fill?.cutShort, cut.fill?.nfe], [true, 1], 'not cut short after its first forward pass');
      const invoked = await fillIn(invoke, 'mode');
      assert.equal(invoked.fill?.cutShort, false, 'an explicit trigger was cut short');
      await configure({ autoFillDeadlineMs: 0 });
      const unlimited = await fillIn(automatic, 'span');
      assert.equal(unlimited.fill?.cutShort, false, 'a fill with no limit was cut short');
      assert.ok((unlimited.fill?.nfe ?? 0) > 1, 'a fill with no limit stopped after its first forward pass');
    } finally {
      await configure({ autoFillDeadlineMs: undefined });
    }
  });

  // `selection` (deprecated: ghost text cannot replace a selection) works as `manual`
  for (const trigger of ['manual', 'selection']) {
    it(`answers only an explicit trigger at a cursor under diffuse.trigger ${trigger}`, async () => {
      const editor = await openEditor(`${trigger}_count = \n`);
      const position = new vscode.Position(0, trigger.length + 9);
      editor.selection = new vscode.Selection(position, position);
      await configure({ trigger });
      try {
        const before = diffuse.lastFill();
        assert.equal(await complete(diffuse, editor, position, automatic), undefined);
        assert.equal(diffuse.lastFill(), before, 'an automatic request began a fill');
        assert.ok((await complete(diffuse, editor, position, invoke))?.length);
      } finally {
        await configure({ trigger: 'automatic' });
      }
    });
  }

  // One shaping path (src/infill): with the default settings, the ghost text is the CLI's completion
  // of the same prefix and suffix (the CLI keeps the model's indentation, the editor respells it,
  // which a hole inside a line or a one-line hole not at column 0 leaves alone).
  for (const [what, prefix, suffix] of [
    ['inside a line', 'def add(a, b):\n    return ', '\n\nprint(add(1, 2))\n'],
    ['on a blank line', 'def scale(values, k):\n    ', '\n    return values\n'],
  ]) {
    it(`shows the text the CLI returns for the same request (${what})`, async function () {
      const script = cliScript();
      if (!script) this.skip();
      const editor = await openEditor(prefix + suffix);
      const position = editor.document.positionAt(prefix.length);
      editor.selection = new vscode.Selection(position, position);
      const items = await complete(diffuse, editor, position, automatic);
      const cli = await cliCompletion(script, { prefix, suffix }, ['--language', 'python']);
      assert.notEqual(cli, '', 'the fixture fills this hole, so the comparison says something');
      assert.equal(items?.[0]?.insertText, cli);
    });
  }
});
