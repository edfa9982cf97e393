import * as assert from 'node:assert/strict';
import { isAbortError } from '../../src/core/errors';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type InfillRequest } from '../../src/infill';
import { LatestRequest, type Cancellable } from '../../src/providers/latestRequest';
import { RequestTimeline, timelineLine } from '../../src/providers/requestTimeline';
import { SharedDenoiser, type PassTime } from '../../src/providers/sharedDenoiser';
import { sample } from '../../src/sampler';
import type { DenoiseRequest, Denoiser } from '../../src/sampler/types';
import { FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';
import { canvasOf, ContextCacheFake, RecordingDenoiser, row } from './helpers/samplerFakes';

// One 8-slot row revealed one slot per step: a fill is 8 forward passes.
// one slot a step (no threshold): the tests count the engine's calls
const OPTIONS: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, lineTokens: undefined, nonEmpty: undefined, threshold: undefined, maxTokens: 8, steps: 8, contextTokens: 64 };

const cursor = (prefix: string): InfillRequest => ({ text: `${prefix}\n`, holes: [{ start: prefix.length, end: prefix.length }] });

/** A token that VS Code never cancels, and one the test cancels. */
const never: Cancellable = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };
function cancellable(): Cancellable & { cancel(): void; readonly listeners: number } {
  const listeners = new Set<() => void>();
  let cancelled = false;
  return {
    get isCancellationRequested() {
      return cancelled;
    },
    get listeners() {
      return listeners.size;
    },
    cancel() {
      cancelled = true;
      for (const listener of listeners) listener();
    },
    onCancellationRequested(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
  };
}

/**
 * A model whose every forward pass runs until the test lets it finish (onnxruntime cannot stop a
 * run once it began); `running` counts the passes begun.
 */
class GatedModel implements Denoiser {
  running = 0;
  private readonly gates: (() => void)[] = [];

  constructor(private readonly inner: Denoiser) {}

  get spec() {
    return this.inner.spec;
  }

  async denoise(request: DenoiseRequest): Promise<Float32Array> {
    this.running++;
    await new Promise<void>((resolve) => this.gates.push(resolve));
    return this.inner.denoise(request);
  }

  /** Waits until `count` passes have begun. */
  async begun(count: number): Promise<void> {
    while (this.running < count) await tick();
  }

  /** Lets the running pass finish. */
  async finishPass(): Promise<void> {
    while (this.gates.length === 0) await tick();
    this.gates.shift()!();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

/** The engine on a gated model shared as the extension shares it, on a clock the test moves. */
async function setup() {
  const tokenizer = new FakeTokenizer();
  const word = (await tokenizer.ids('x'))[0];
  // Every masked slot predicts the same word: no padding, so each step reveals one slot.
  const model = new GatedModel(new FakeDenoiser(fakeSpec(), (row, position) => (row[position] === FAKE_SPECIAL.mask ? word : row[position])));
  const clock = { now: 0 };
  const shared = new SharedDenoiser(model, () => clock.now);
  /** Which fill each finished pass belonged to, in order, and its times. */
  const passes: { fill: string; time: PassTime }[] = [];
  const label = (signal: AbortSignal, fill: string) => shared.listen(signal, (time) => passes.push({ fill, time }));
  return { model, clock, passes, label, engine: new InfillEngine({ denoiser: shared, tokenizer }) };
}

/** Finishes passes until `fill` settles. */
async function runToEnd<T>(model: GatedModel, fill: Promise<T>): Promise<T> {
  let settled = false;
  const done = fill.finally(() => (settled = true));
  while (!settled) {
    await model.finishPass();
    await tick();
  }
  return done;
}

describe('providers: the latest request wins, on a model the fills share', () => {
  it('beginning a request aborts the one before; ending an old one leaves the new one alone', () => {
    const latest = new LatestRequest();
    const first = latest.begin(never);
    const second = latest.begin(never);
    assert.equal(first.signal.aborted, true);
    first.end();
    assert.equal(second.signal.aborted, false);
    assert.equal(latest.begin(never).signal.aborted, false);
    assert.equal(second.signal.aborted, true);
  });

  it('a request without a cancellation token ends only by the next', () => {
    const latest = new LatestRequest();
    const ahead = latest.begin();
    assert.equal(ahead.signal.aborted, false);
    ahead.end();
    const next = latest.begin();
    assert.equal(ahead.signal.aborted, false, 'an ended request is not aborted by the next');
    latest.begin(never);
    assert.equal(next.signal.aborted, true);
  });

  it("VS Code's cancellation aborts a request, even one cancelled before it began; end() lets go of the token", async () => {
    const latest = new LatestRequest();
    const token = cancellable();
    const request = latest.begin(token);
    const waiting = request.wait(60_000);
    assert.equal(token.listeners, 1);
    token.cancel();
    assert.equal(request.signal.aborted, true);
    assert.equal(await waiting, false, 'the debounce ends at once');
    request.end();
    assert.equal(token.listeners, 0);
    assert.equal(latest.begin(token).signal.aborted, true);
    assert.equal(await latest.begin(never).wait(1), true);
  });

  it("a request begun without a token follows the one that joins it: that token's cancellation aborts it, end() lets go", async () => {
    const latest = new LatestRequest();
    const ahead = latest.begin();
    const joining = cancellable();
    ahead.follow(joining);
    assert.equal(ahead.signal.aborted, false);
    const waiting = ahead.wait(60_000);
    joining.cancel();
    assert.equal(ahead.signal.aborted, true);
    assert.equal(await waiting, false);
    ahead.end();
    assert.equal(joining.listeners, 0);
    const cancelledFirst = cancellable();
    cancelledFirst.cancel();
    const late = latest.begin();
    late.follow(cancelledFirst);
    assert.equal(late.signal.aborted, true, 'a token cancelled before it joined');
  });

  it("a superseded fill stops after the forward pass it is in; the fresh fill's first pass runs next, its wait for that pass measured", async () => {
    const { model, clock, passes, label, engine } = await setup();
    const latest = new LatestRequest();
    const stale = latest.begin(never);
    label(stale.signal, 'stale');
    const staleFill = engine.fill(cursor('a = '), OPTIONS, { signal: stale.signal });
    await model.finishPass();
    await model.begun(2);

    const fresh = latest.begin(never); // the user typed on while the second pass runs
    label(fresh.signal, 'fresh');
    await assert.rejects(staleFill, isAbortError, 'the stale fill is answered at once');
    const freshFill = engine.fill(cursor('ab = '), OPTIONS, { signal: fresh.signal });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(model.running, 2, 'nothing starts while the stale pass runs');
    clock.now += 40; // the stale pass takes 40 ms more
    await model.finishPass();
    await model.begun(3);
    clock.now += 25; // the fresh fill's first pass
    const result = await runToEnd(model, freshFill);

    assert.deepEqual(passes.map((p) => p.fill), ['stale', 'stale', ...Array(8).fill('fresh')], 'the stale fill ran no pass after it was superseded');
    assert.deepEqual(passes[2].time, { queued: 40, ms: 25 }, "the fresh fill's first pass waited for the stale one");
    assert.ok(passes.slice(3).every((p) => p.time.queued === 0 && p.time.ms === 0));
    assert.equal(result.nfe, 8);
    assert.equal(result.candidates[0].fills[0].text, 'x'.repeat(8));
  });

  it("a superseded fill's pass waiting behind another leaves the queue: the fresh fill goes next", async () => {
    const { model, passes, label, engine } = await setup();
    const other = new AbortController(); // a "Diffuse fill", say, not superseded
    label(other.signal, 'other');
    const otherFill = engine.fill(cursor('z = '), OPTIONS, { signal: other.signal });
    await model.begun(1);
    const latest = new LatestRequest();
    const stale = latest.begin(never);
    label(stale.signal, 'stale');
    const staleFill = engine.fill(cursor('a = '), OPTIONS, { signal: stale.signal });
    await new Promise((r) => setTimeout(r, 10)); // its first pass now waits in the queue
    const fresh = latest.begin(never);
    label(fresh.signal, 'fresh');
    await assert.rejects(staleFill, isAbortError);
    const freshFill = engine.fill(cursor('ab = '), OPTIONS, { signal: fresh.signal });
    await new Promise((r) => setTimeout(r, 10));
    await runToEnd(model, Promise.all([otherFill, freshFill]));
    assert.deepEqual(passes.slice(0, 2).map((p) => p.fill), ['other', 'fresh']);
    assert.ok(!passes.some((p) => p.fill === 'stale'), 'the stale fill never reached the model');
    assert.equal(model.running, 16);
  });
});

describe('providers: the shared model', () => {
  it("knows the model's typical pass time: the median of the last passes", async () => {
    let now = 0;
    const inner = new FakeDenoiser(fakeSpec(), () => FAKE_SPECIAL.pad);
    const times = [50, 300, 60, 70, 55];
    let pass = 0;
    const shared = new SharedDenoiser({ spec: inner.spec, denoise: async (request) => {
      now += times[pass++];
      return inner.denoise(request);
    } }, () => now);
    assert.equal(shared.typicalPassMs, undefined);
    const request: DenoiseRequest = { tokens: new Int32Array([FAKE_SPECIAL.mask]), batch: 1, length: 1, positions: new Int32Array([0]), queries: 1 };
    for (let i = 0; i < times.length; i++) await shared.denoise(request);
    assert.equal(shared.typicalPassMs, 60, 'one slow pass does not move it');
  });

  it("offers the model's context cache, so a fill's passes through the queue ask for it", async () => {
    const inner = new ContextCacheFake();
    const shared = new SharedDenoiser(inner);
    assert.equal(shared.contextCache, true);
    assert.equal(new SharedDenoiser(new RecordingDenoiser()).contextCache, undefined);
    const canvas = canvasOf(row([5, 6], 3, [7]));
    await sample(shared, canvas, { steps: 3, strategy: 'confidence', temperature: 0, seed: 1, cacheRefresh: 2 });
    assert.deepEqual(inner.requests.map((r) => r.cache?.refresh), inner.requests.map((_, n) => n % 2 === 0));
  });
});

describe('providers: request timeline', () => {
  it('splits a request into debounce, fill and forward passes, on the clock it is given', () => {
    let now = 1000;
    const timeline = new RequestTimeline(() => now);
    now += 80;
    timeline.fillStarted();
    now += 200;
    timeline.forwardPass({ queued: 30, ms: 40 });
    timeline.forwardPass({ queued: 0, ms: 60.04 });
    timeline.filled({ cached: false, cutShort: true });
    now += 5;
    const times = timeline.finish('shown');
    assert.deepEqual(times, { at: 1000, outcome: 'shown', total: 285, debounce: 80, fill: 200, model: 130.04, queued: 30, calls: 2, cached: false, cutShort: true });
    assert.equal(timelineLine(times), 'timeline {"at":1000,"outcome":"shown","total":285,"debounce":80,"fill":200,"model":130,"queued":30,"calls":2,"cached":false,"cutShort":true}');
  });

  it('records a request that ended before any fill with no fill time', () => {
    let now = 0;
    const timeline = new RequestTimeline(() => now);
    now += 30;
    assert.deepEqual(timeline.finish('cancelled'), { at: 0, outcome: 'cancelled', total: 30, debounce: 0, fill: 0, model: 0, queued: 0, calls: 0, cached: false, cutShort: false });
  });
});
