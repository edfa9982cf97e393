import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiffuseApi } from '../../../src/providers/api';
import { previewTexts } from '../../../src/providers/proposals';
import { automatic, complete, configure, fixtureModel, openEditor, useFixture, waitFor } from './helpers';

// Three functions with an empty body line each: the three-empty-cursors case of issue 14, where the
// old command wrote 16 lines of junk straight into the file.
const THREE_BLANKS = [
  'def square(x):',
  '    ',
  '',
  'def cube(x):',
  '    ',
  '',
  'def twice(x):',
  '    ',
  '',
].join('\n');
const threeCursors = () => [1, 4, 7].map((line) => new vscode.Selection(line, 4, line, 4));

describe('Diffuse fill: a preview, accepted or rejected', () => {
  let diffuse: DiffuseApi;

  before(async () => {
    diffuse = await useFixture();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('diffuse.rejectFill');
  });

  it('previews two selections, writes nothing until accepted, then one edit undone in one step', async () => {
    const original = 'alpha = SELECTED_ONE\nbeta = SELECTED_TWO\n';
    const editor = await openEditor(original);
    editor.selections = [new vscode.Selection(0, 8, 0, 20), new vscode.Selection(1, 7, 1, 19)];
    assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
    assert.equal(editor.document.getText(), original, 'the fill wrote to the document before Accept');
    const preview = diffuse.fillPreview();
    assert.equal(preview?.uri, editor.document.uri.toString());
    assert.equal(preview?.proposals.length, 2);
    assert.equal(diffuse.lastFill()?.holes, 2);
    assert.equal(diffuse.lastFill()?.options?.inlineBreaks, true, '"Diffuse fill" keeps the line breaks the model writes inside a line');
    assert.match(diffuse.notice() ?? '', /^2 fills to review: Alt\+Enter accepts, Escape rejects$/);
    // one canvas, one trace of both holes: the denoising view labels each hole's tokens with its line
    await waitFor(() => diffuse.denoiseTraces()[0]?.holeLines !== undefined, 'the joint fill\'s trace (an earlier fill\'s names no lines of holes)');
    assert.deepEqual(diffuse.denoiseTraces().map((origin) => origin.holeLines), [[1, 2]]);

    assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.acceptFill'), true);
    const filled = editor.document.getText();
    assert.ok(!filled.includes('SELECTED_ONE') && !filled.includes('SELECTED_TWO'), `not both filled: ${JSON.stringify(filled)}`);
    assert.ok(filled.startsWith('alpha = ') && filled.includes('\nbeta = '), `context changed: ${JSON.stringify(filled)}`);
    assert.equal(diffuse.fillPreview(), undefined, 'the preview outlived Accept');
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), original);
  });

  it('selections too far apart for one canvas: filled one at a time, proposed in one preview', async () => {
    const between = Array.from({ length: 200 }, (_, i) => `value_${i} = ${i}`).join('\n');
    const original = `alpha = SELECTED_ONE\n${between}\nbeta = SELECTED_TWO\n`;
    const editor = await openEditor(original);
    const last = editor.document.lineCount - 2;
    editor.selections = [new vscode.Selection(0, 8, 0, 20), new vscode.Selection(last, 7, last, 19)];
    // What the status bar shows between the two holes' fills: still filling (its click cancels), not idle,
    // and while each fills, which hole it is (as the progress notification says)
    await waitFor(() => diffuse.activity().kind === 'idle', 'no fill of an earlier test still running');
    const seen: string[] = [];
    const filling: string[] = [];
    const look = () => {
      const kind = diffuse.activity().kind;
      if (seen[seen.length - 1] !== kind) seen.push(kind);
      const { text } = diffuse.statusBar();
      if (kind === 'filling' && filling[filling.length - 1] !== text) filling.push(text);
    };
    const watch = setInterval(look, 0);
    try {
      assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
    } finally {
      clearInterval(watch);
    }
    look();
    assert.deepEqual(seen.slice(seen.indexOf('filling')), ['filling', 'idle'], `the activity went ${seen.join(' → ')}`);
    for (const text of filling) assert.match(text, /^\$\(sparkle\) Diffuse: .+ · hole [12] of 2 · filling \d+\/\d+$/);
    const holesSeen = [...new Set(filling.map((text) => /hole (\d) of 2/.exec(text)?.[1]))];
    assert.deepEqual(holesSeen.slice(-1), ['2'], `the status bar named holes ${holesSeen.join(', ')} while filling`);
    assert.deepEqual(holesSeen, [...holesSeen].sort(), `the status bar named holes ${holesSeen.join(', ')} while filling`);
    assert.equal(editor.document.getText(), original, 'the fill wrote to the document before Accept');
    const starts = diffuse.fillPreview()?.proposals.map((p) => p.start);
    assert.deepEqual(starts, [8, editor.document.offsetAt(new vscode.Position(last, 7))]);
    assert.equal(diffuse.lastFill()?.holes, 1, 'the last fill was one hole\'s own');
    // the denoising view holds both holes' traces, in order, not only the last one's (published once decoded)
    const lines = () => diffuse.denoiseTraces().map((origin) => origin.line);
    await waitFor(() => lines().length === 2, `both holes' traces (the view holds ${lines().length})`);
    assert.deepEqual(lines(), [1, last + 1]);
    assert.deepEqual(diffuse.denoiseTraces().map((origin) => origin.holeLines), [undefined, undefined], 'a trace of one hole names no lines of holes');
    // each says its place in the request, which the view's "hole k of N" reads (not the traces' count so far)
    assert.deepEqual(diffuse.denoiseTraces().map((origin) => origin.hole), [{ index: 1, count: 2 }, { index: 2, count: 2 }]);
    // the last latency is the whole command's (what the user waited for), each hole's time beside it in the tooltip
    const { lastMs, lastHoleMs } = diffuse.activity();
    assert.equal(lastHoleMs?.length, 2, 'no time of each hole');
    const holesMs = lastHoleMs.reduce((sum, ms) => sum + ms, 0);
    assert.ok(lastMs !== undefined && lastMs >= holesMs, `the last latency ${lastMs} ms is less than the holes' ${holesMs} ms`);
    // (the item's text says the fill's notice for a few seconds; the tooltip keeps the latency's line)
    const { tooltip } = diffuse.statusBar();
    const each = lastHoleMs.map((ms) => Math.round(ms)).join(' + ');
    assert.ok(tooltip.includes(`Last fill: 2 holes filled one after another, ${Math.round(lastMs)} ms in all (${each} ms)`), tooltip);
  });

  it('three empty cursors: one line each, nothing written on Reject, one undo step after Accept', async () => {
    // Three holes of 8 slots and their context fit the fixture's 64-token canvas.
    await configure({ maxHoleTokens: 8 });
    try {
      const editor = await openEditor(THREE_BLANKS);
      editor.selections = threeCursors();
      assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
      const proposals = diffuse.fillPreview()?.proposals ?? [];
      assert.equal(proposals.length, 3);
      for (const p of proposals) assert.ok(!p.text.includes('\n'), `a blank line got several lines: ${JSON.stringify(p.text)}`);
      assert.equal(await vscode.commands.executeCommand('diffuse.rejectFill'), true);
      assert.equal(editor.document.getText(), THREE_BLANKS);
      assert.equal(diffuse.fillPreview(), undefined);

      assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
      assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.acceptFill'), true);
      assert.equal(editor.document.lineCount, THREE_BLANKS.split('\n').length, 'accepting added lines');
      await vscode.commands.executeCommand('undo');
      assert.equal(editor.document.getText(), THREE_BLANKS);
    } finally {
      await configure({ maxHoleTokens: undefined });
    }
  });

  it('two cursors on one line: the preview draws its proposals as laid out at the editor\'s tab size', async () => {
    const editor = await openEditor('def pair():\n\treturn (, )\n');
    editor.options = { tabSize: 3, insertSpaces: false };
    editor.selections = [new vscode.Selection(1, 9, 1, 9), new vscode.Selection(1, 11, 1, 11)];
    assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
    const shown = diffuse.fillPreview();
    assert.ok(shown, 'no preview');
    assert.deepEqual(shown.proposals.map((p) => editor.document.positionAt(p.start).line), [1, 1], 'a proposal for each cursor on the line');
    assert.deepEqual(shown.drawn, previewTexts(editor.document.getText(), shown.proposals, 3));
    for (const text of shown.drawn ?? []) assert.ok(!/[\t ]/.test(text), `a tab or an ordinary space drawn: ${JSON.stringify(text)}`);
  });

  it('an edit of the document drops the preview; Accept then writes nothing', async () => {
    const editor = await openEditor('name = \n');
    editor.selection = new vscode.Selection(0, 7, 0, 7);
    assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
    await editor.edit((builder) => builder.insert(new vscode.Position(1, 0), 'typed\n'));
    assert.equal(diffuse.fillPreview(), undefined);
    assert.match(diffuse.notice() ?? '', /dropped/);
    assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.acceptFill'), false);
    assert.equal(editor.document.getText(), 'name = \ntyped\n');
  });

  it('below minConfidence: shows the fill marked low-confidence and says so, rather than nothing', async () => {
    const editor = await openEditor('total = \n');
    editor.selection = new vscode.Selection(0, 8, 0, 8);
    await configure({ minConfidence: 1 });
    try {
      assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.fill'), true);
      assert.deepEqual(diffuse.fillPreview()?.proposals.map((p) => p.lowConfidence), [true]);
      assert.match(diffuse.notice() ?? '', /low-confidence/);
      assert.equal(editor.document.getText(), 'total = \n');
    } finally {
      await configure({ minConfidence: 0 });
    }
  });

  describe('on the bundled model', () => {
    before(async () => {
      await configure({ model: undefined, minConfidence: undefined, temperature: undefined });
      await waitFor(() => diffuse.modelName() === 'diffuse-small' && diffuse.modelState().kind === 'ready', 'the bundled model to load', 60_000);
    });

    after(async () => {
      await configure({ model: fixtureModel(), minConfidence: 0, temperature: 0 });
      await waitFor(() => diffuse.modelName() === 'tiny-model' && diffuse.modelState().kind === 'ready', 'the fixture model again');
    });

    it('proposes nothing when the document changed while filling', async () => {
      const editor = await openEditor('name = (\n');
      editor.selection = new vscode.Selection(0, 8, 0, 8);
      // One token per step in a block's 64 slots on the bundled model (a line opening a bracket: a
      // line's hole would end after a few calls): a fill of seconds, still running when the edit lands.
      await configure({ threshold: 0, maxHoleTokens: 64, steps: 64 });
      try {
        const running = vscode.commands.executeCommand<boolean>('diffuse.fill');
        await waitFor(() => diffuse.activity().kind === 'filling', 'the fill to start');
        await editor.edit((builder) => builder.insert(new vscode.Position(1, 0), 'typed meanwhile\n'));
        assert.equal(await running, false);
        assert.equal(diffuse.fillPreview(), undefined);
        assert.equal(editor.document.getText(), 'name = (\ntyped meanwhile\n');
      } finally {
        await configure({ threshold: undefined, maxHoleTokens: undefined, steps: undefined });
      }
    });

    it('"filling" from the plan on, before the first pass ends: the click and "Cancel Fill" stop it from the start', async () => {
      // not the text of the test before, whose fill is in the engine's cache: a hit runs no pass
      const editor = await openEditor('label = (\n');
      editor.selection = new vscode.Selection(0, 9, 0, 9);
      await configure({ threshold: 0, maxHoleTokens: 64, steps: 64 });
      const firstSteps: Array<number | undefined> = [];
      const watch = setInterval(() => {
        const activity = diffuse.activity();
        if (activity.kind === 'filling' && firstSteps.length === 0) firstSteps.push(activity.step);
      }, 0);
      try {
        await waitFor(() => diffuse.activity().kind === 'idle', 'no fill of an earlier test still running');
        const running = vscode.commands.executeCommand<boolean>('diffuse.fill');
        await waitFor(() => firstSteps.length > 0, 'the fill to start');
        await vscode.commands.executeCommand('diffuse.cancelFill');
        assert.equal(await running, false);
        // the bundled model's first pass, a whole canvas, takes tens of ms: step 0 shows while it runs
        assert.deepEqual(firstSteps, [0], 'the activity turned to filling only after the first step');
      } finally {
        clearInterval(watch);
        await configure({ threshold: undefined, maxHoleTokens: undefined, steps: undefined });
      }
    });

    it('holes filled one at a time: a cancel between them stops the rest, proposes nothing, keeps the last latency', async () => {
      const between = Array.from({ length: 200 }, (_, i) => `value_${i} = ${i}`).join('\n');
      const original = `alpha = (\n${between}\nbeta = (\n`;
      const editor = await openEditor(original);
      const last = editor.document.lineCount - 2;
      editor.selections = [new vscode.Selection(0, 9, 0, 9), new vscode.Selection(last, 8, last, 8)];
      // As above, a fill of seconds a hole: the cancel lands while the second hole fills
      await configure({ threshold: 0, maxHoleTokens: 64, steps: 64 });
      try {
        await waitFor(() => diffuse.activity().kind === 'idle', 'no fill of an earlier test still running');
        const latencyBefore = diffuse.activity().lastMs;
        const fillBefore = diffuse.lastFill();
        const running = vscode.commands.executeCommand<boolean>('diffuse.fill');
        await waitFor(() => diffuse.lastFill() !== fillBefore, 'the first hole\'s fill to end', 60_000);
        assert.deepEqual([diffuse.lastFill()?.holes, diffuse.lastFill()?.cancelled], [1, false], 'the first hole was filled on its own');
        assert.equal(diffuse.activity().kind, 'filling', 'idle between the holes');
        await vscode.commands.executeCommand('diffuse.cancelFill');
        assert.equal(await running, false);
        assert.deepEqual([diffuse.lastFill()?.holes, diffuse.lastFill()?.cancelled], [1, true], 'the second hole\'s fill was not the one cancelled');
        assert.equal(diffuse.fillPreview(), undefined, 'a cancelled fill proposed the first hole');
        assert.equal(editor.document.getText(), original);
        assert.equal(diffuse.activity().kind, 'idle');
        assert.equal(diffuse.activity().lastMs, latencyBefore, 'a cancelled fill set the last latency');
      } finally {
        await configure({ threshold: undefined, maxHoleTokens: undefined, steps: undefined });
      }
    });

    it('three empty cursors, default settings: a preview or a notice, never a write', async () => {
      const editor = await openEditor(THREE_BLANKS);
      editor.selections = threeCursors();
      const shown = await vscode.commands.executeCommand<boolean>('diffuse.fill');
      assert.equal(editor.document.getText(), THREE_BLANKS, 'the fill wrote to the document before Accept');
      if (!shown) {
        assert.ok(diffuse.notice(), 'nothing shown and nothing said');
        console.log(`      (the bundled model proposed nothing: ${diffuse.notice()})`);
        return;
      }
      const proposals = diffuse.fillPreview()?.proposals ?? [];
      console.log(`      (the bundled model proposed ${JSON.stringify(proposals.map((p) => [p.text, Number(p.confidence.toFixed(2)), p.lowConfidence]))})`);
      assert.ok(proposals.length >= 1 && proposals.length <= 3, `${proposals.length} proposals`);
      for (const p of proposals) assert.ok(!p.text.includes('\n'), `a blank line got several lines: ${JSON.stringify(p.text)}`);
      assert.equal(await vscode.commands.executeCommand<boolean>('diffuse.acceptFill'), true);
      assert.equal(editor.document.lineCount, THREE_BLANKS.split('\n').length, 'accepting added lines');
      await vscode.commands.executeCommand('undo');
      assert.equal(editor.document.getText(), THREE_BLANKS);
    });
  });

  it('a steps change in settings reaches the sampler', async () => {
    const editor = await openEditor('result = \n');
    const position = new vscode.Position(0, 9);
    for (const steps of [5, 11]) {
      await configure({ steps });
      await complete(diffuse, editor, position, automatic);
      assert.equal(diffuse.lastFill()?.options?.steps, steps);
    }
    await configure({ steps: undefined, strategy: 'margin', threshold: 0 });
    await complete(diffuse, editor, position, automatic);
    const options = diffuse.lastFill()?.options;
    assert.equal(options?.strategy, 'margin');
    assert.equal(options?.threshold, undefined);
    await configure({ strategy: undefined, threshold: undefined });
  });
});
