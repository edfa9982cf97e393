import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';

/** An element as far as media/denoise.js uses one. */
class FakeElement {
  textContent = '';
  value = '';
  min = '0';
  max = '0';
  disabled = false;
  hidden = false;
  className = '';
  title = '';
  readonly dataset: Record<string, string> = {};
  readonly style = { setProperty: (): void => undefined };
  readonly classList = { add: (): void => undefined };
  children: FakeElement[] = [];
  private readonly listeners = new Map<string, Array<() => void>>();
  constructor(readonly tag = 'div') {}
  setAttribute(): void {}
  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  dispatch(type: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener();
  }
  replaceChildren(): void {
    this.children = [];
  }
  append(child: FakeElement): void {
    this.children.push(child);
  }
}

const script = readFileSync(path.join(__dirname, '../../../media/denoise.js'), 'utf8');

/** media/denoise.js run on fake elements: `post` sends it a message from the extension; `state` is what it saved. */
function page(saved?: unknown) {
  const elements = new Map<string, FakeElement>();
  const $ = (id: string): FakeElement => elements.get(id) ?? elements.set(id, new FakeElement()).get(id)!;
  let onMessage: (event: { data: unknown }) => void = () => undefined;
  let state = saved;
  runInNewContext(script, {
    acquireVsCodeApi: () => ({ getState: () => state, setState: (s: unknown) => { state = s; }, postMessage: () => undefined }),
    document: { getElementById: $, createElement: (tag: string) => new FakeElement(tag) },
    window: { addEventListener: (_: string, listener: typeof onMessage) => { onMessage = listener; } },
    setInterval, clearInterval,
  });
  return { $, post: (data: unknown) => onMessage({ data }), state: () => state };
}

const trace = (text: string, steps: number) => ({ steps, tokens: [...text].map((c, i) => ({ text: c, step: 1 + (i % steps), confidence: 0.5, pad: false, hole: 0 })) });
const hole = (k: number, n: number, text: string, steps: number) => ({ trace: trace(text, steps), caption: `file.py, line ${k * 10}`, label: `hole ${k} of ${n}` });
const shownText = (p: ReturnType<typeof page>) => p.$('trace').children.map((span) => span.textContent).join('');

describe('the denoising view\'s script: the holes of one "Diffuse fill"', () => {
  it('shows the newest hole\'s trace, says which, and steps back and forth between them', () => {
    const p = page();
    p.post({ type: 'traces', traces: [hole(1, 2, 'ab', 2), hole(2, 2, 'xyz', 3)] });
    const view = () => [p.$('holes').hidden, p.$('holeValue').textContent, p.$('origin').textContent, shownText(p), p.$('scrub').max, p.$('prevHole').disabled, p.$('nextHole').disabled];
    assert.deepEqual(view(), [false, 'hole 2 of 2', 'file.py, line 20', 'xyz', '3', false, true]);
    p.$('prevHole').dispatch('click');
    assert.deepEqual(view(), [false, 'hole 1 of 2', 'file.py, line 10', 'ab', '2', true, false]);
    p.$('prevHole').dispatch('click');
    assert.equal(p.$('holeValue').textContent, 'hole 1 of 2', 'stepped before the first');
    p.$('nextHole').dispatch('click');
    assert.deepEqual(view(), [false, 'hole 2 of 2', 'file.py, line 20', 'xyz', '3', false, true]);
  });

  it('hides the arrows for a fill of one trace', () => {
    const p = page();
    p.post({ type: 'traces', traces: [hole(1, 2, 'ab', 2), hole(2, 2, 'xyz', 3)] });
    p.post({ type: 'traces', traces: [hole(1, 1, 'q', 1)] });
    assert.deepEqual([p.$('holes').hidden, p.$('origin').textContent, shownText(p)], [true, 'file.py, line 10', 'q']);
  });

  it('comes back (the view hidden and shown again) on the hole it showed, after the extension answers its `ready`', () => {
    const traces = [hole(1, 2, 'ab', 2), hole(2, 2, 'xyz', 3)];
    const first = page();
    first.post({ type: 'traces', traces });
    first.$('prevHole').dispatch('click');
    const again = page(first.state());
    assert.deepEqual([again.$('holes').hidden, again.$('holeValue').textContent, shownText(again)], [false, 'hole 1 of 2', 'ab']);
    again.post({ type: 'traces', traces, restore: true });          // DenoiseView's answer to `ready`
    assert.deepEqual([again.$('holeValue').textContent, shownText(again)], ['hole 1 of 2', 'ab']);
    const other = [{ ...hole(1, 2, 'cd', 2), caption: 'other.py, line 5' }, { ...hole(2, 2, 'uvw', 3), caption: 'other.py, line 9' }];
    again.post({ type: 'traces', traces: other, restore: true });
    assert.equal(shownText(again), 'uvw', "another request's traces show the newest");
  });
});
