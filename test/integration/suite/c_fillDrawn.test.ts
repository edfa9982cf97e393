import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { nullLogger } from '../../../src/core/logger';
import { FillPreview } from '../../../src/providers/fillPreview';
import { Notices } from '../../../src/providers/notices';
import type { Proposal } from '../../../src/providers/proposals';
import { openEditor, waitFor } from './helpers';

const nbsp = (n: number) => '\u00a0'.repeat(n);
/** A proposal inserting `text` at `offset`. */
const insertion = (offset: number, text: string, lowConfidence = false): Proposal => ({ start: offset, end: offset, text, confidence: 0.5, lowConfidence });

/**
 * What a fill preview draws in a real editor, read back from the preview (VS Code gives no
 * decoration back): a preview of the test's own, shown hand-made proposals with tabs where they
 * show (the fixture model's fills seldom hold one); no model needed. The extension's own preview
 * after a fill: c_fill.test.ts.
 */
describe('Diffuse fill: the preview as drawn in the editor', () => {
  it('expands tabs to the editor\'s tab stops, each preview from after those drawn before it on its line; follows a new tab size', async () => {
    // "\t😀(x, y)": the cursors after "😀(" and after "x, "; the emoji is two columns, as VS Code counts them
    const editor = await openEditor('\t😀(x, y)\nnext\n');
    editor.options = { tabSize: 4, insertSpaces: false };
    const notices = new Notices();
    const preview = new FillPreview(notices, nullLogger);
    try {
      preview.show(editor.document, editor.document.version, [insertion(4, 'a\tb'), insertion(7, '\tc', true), insertion(10, 'd\te')]);
      // tab size 4: "\t😀(" ends at 7, "a" at 8, its tab reaches 12 ("a    b", 6 columns); "\t😀(x, " ends at 10,
      // after the first preview at 16: its tab reaches 20; "next" starts a line of its own: "d" at 1, to 4
      assert.deepEqual(preview.current?.drawn, [`a${nbsp(4)}b`, `${nbsp(4)}c`, `d${nbsp(3)}e`]);
      editor.options = { tabSize: 3 };
      // tab size 3: 6, "a" at 7, to 9 ("a  b", 4 columns); 9 + 4 = 13, to 15; "d" at 1, to 3
      await waitFor(() => preview.current?.drawn?.[0] === `a${nbsp(2)}b`, `the preview redrawn at tab size 3 (${JSON.stringify(preview.current?.drawn)})`);
      assert.deepEqual(preview.current?.drawn, [`a${nbsp(2)}b`, `${nbsp(2)}c`, `d${nbsp(2)}e`]);
    } finally {
      preview.dispose();
      notices.dispose();
    }
  });

  it('places each preview by its line\'s text before it in a CRLF document: a line break is two offsets, none of a line', async () => {
    const editor = await openEditor('first\r\n\tx = \r\n\t😀(a, )\r\n');
    assert.equal(editor.document.eol, vscode.EndOfLine.CRLF);
    editor.options = { tabSize: 4, insertSpaces: false };
    const offset = (line: number, character: number) => editor.document.offsetAt(new vscode.Position(line, character));
    const notices = new Notices();
    const preview = new FillPreview(notices, nullLogger);
    try {
      preview.show(editor.document, editor.document.version, [
        insertion(0, '\t'),
        { ...insertion(3, 'x\ty'), end: offset(1, 1) },   // replaces "st⏎\t": drawn after the "\t" of line 1
        insertion(offset(1, 5), '1\t2'),                  // at the end of "\tx = ", before its "\r\n"
        insertion(offset(2, 4), 'a\tb'),
        insertion(offset(2, 7), '\tc'),
      ]);
      // line 0: 0, to 4. Line 1: 4, "x" 5, to 8 (5 columns); "\tx = " 8 + 5 = 13, "1" 14, to 16.
      // Line 2: "\t😀(" 7, "a" 8, to 12 (6 columns); "\t😀(a, " 10 + 6 = 16, to 20
      assert.deepEqual(preview.current?.drawn, [nbsp(4), `x${nbsp(3)}y`, `1${nbsp(2)}2`, `a${nbsp(4)}b`, `${nbsp(4)}c`]);
    } finally {
      preview.dispose();
      notices.dispose();
    }
  });
});
