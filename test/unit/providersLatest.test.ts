import * as assert from 'node:assert/strict';
import { isAbortError } from '../../src/core/errors';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, type InfillOptions, type InfillRequest } from '../../src/infill';
import { SerialQueue } from '../../src/model/serialQueue';
import { LatestRequest, type Cancellable } from '../../src/providers/latestRequest';
import { RequestTimeline, timelineLine } from '../../src/providers/requestTimeline';
import type { DenoiseRequest, Denoiser } from '../../src/sampler/types';
import { FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';

// One 8-slot row revealed one slot per step: a fill is 8 forward passes.
const OPTIONS: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, lineTokens: undefined, nonEmpty: undefined, maxTokens: 8, steps: 8, contextTokens: 64 };

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
 * The inference worker as the engine sees it: forward passes run one at a time through a
 * `SerialQueue` (as `SessionHost` runs them), and a pass once started runs until the test lets it
 * finish, whatever its signal says (onnxruntime cannot stop a run). `passes` records which fill
 * (by its signal) each started pass belonged to.
 */
class GatedWorker implements Denoiser {
  readonly passes: (AbortSignal | undefined)[] = [];
  private readonly queue = new SerialQueue();
  private readonly gates: (() => void)[] = [];

  constructor(private readonly inner: Denoiser) {}

  get spec() {
    return this.inner.spec;
  }

  denoise(request: DenoiseRequest, signal?: AbortSignal): Promise<Float32Array> {
    return this.queue.enqueue(async () => {
      this.passes.push(signal);
      await new Promise<void>((resolve) => this.gates.push(resolve));
      return this.inner.denoise(request);
    }, signal);
  }

  /** Waits until `count` passes have started. */
  async started(count: number): Promise<void> {
    while (this.passes.length < count) await new Promise((r) => setImmediate(r));
  }

  /** Lets the running pass finish. */
  async finishPass(): Promise<void> {
    while (this.gates.length === 0) await new Promise((r) => setImmediate(r));
    this.gates.shift()!();
  }
}

async function setup() {
  const tokenizer = new FakeTokenizer();
  const word = (await tokenizer.ids('x'))[0];
  // Every masked slot predicts the same word: no padding, so each step reveals one slot.
  const inner = new FakeDenoiser(fakeSpec(), (row, position) => (row[position] === FAKE_SPECIAL.mask ? word : row[position]));
  const worker = new GatedWorker(inner);
  return { worker, engine: new InfillEngine({ denoiser: worker, tokenizer }) };
}

/** Finishes passes until `fill` settles. */
async function runToEnd<T>(worker: GatedWorker, fill: Promise<T>): Promise<T> {
  let settled = false;
  const done = fill.finally(() => (settled = true));
  while (!settled) {
    await worker.finishPass();
    await new Promise((r) => setImmediate(r));
  }
  return done;
}

describe('providers: the latest request wins', () => {
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

  it('a superseded fill stops after the forward pass it is in; the fresh fill\'s first pass runs right after that one', async () => {
    const { worker, engine } = await setup();
    const latest = new LatestRequest();
    const stale = latest.begin(never);
    const staleFill = engine.fill(cursor('a = '), OPTIONS, { signal: stale.signal });
    await worker.finishPass();
    await worker.started(2);

    const fresh = latest.begin(never); // the user typed on while the second pass runs
    await assert.rejects(staleFill, isAbortError, 'the stale fill is answered at once');
    const freshFill = engine.fill(cursor('ab = '), OPTIONS, { signal: fresh.signal });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(worker.passes.length, 2, 'nothing starts while the stale pass runs');
    const result = await runToEnd(worker, freshFill);

    assert.equal(worker.passes[2], fresh.signal, 'the pass after the stale one is the fresh fill\'s');
    assert.equal(worker.passes.filter((s) => s === stale.signal).length, 2, 'the stale fill ran no pass after it was superseded');
    assert.equal(result.nfe, 8);
    assert.equal(result.candidates[0].fills[0].text, 'x'.repeat(8));
  });

  it("a superseded fill's pass waiting behind another leaves the queue: the fresh fill goes next", async () => {
    const { worker, engine } = await setup();
    const other = engine.fill(cursor('z = '), OPTIONS); // a "Diffuse fill", say, not superseded
    await worker.started(1);
    const latest = new LatestRequest();
    const stale = latest.begin(never);
    const staleFill = engine.fill(cursor('a = '), OPTIONS, { signal: stale.signal });
    await new Promise((r) => setTimeout(r, 10)); // its first pass now waits in the queue
    const fresh = latest.begin(never);
    await assert.rejects(staleFill, isAbortError);
    const freshFill = engine.fill(cursor('ab = '), OPTIONS, { signal: fresh.signal });
    await new Promise((r) => setTimeout(r, 10));
    await worker.finishPass();
    await worker.started(2);
    assert.equal(worker.passes[1], fresh.signal);
    assert.ok(!worker.passes.includes(stale.signal), 'the stale fill never reached the worker');
    await runToEnd(worker, Promise.all([other, freshFill]));
  });
});

describe('providers: request timeline', () => {
  it('splits a request into debounce, fill and forward passes, on the clock it is given', () => {
    let now = 1000;
    const timeline = new RequestTimeline(() => now);
    now += 80;
    timeline.debounced();
    timeline.fillStarted();
    now += 200;
    timeline.forwardPass(70);
    timeline.forwardPass(60.04);
    timeline.filled(false);
    now += 5;
    const times = timeline.finish('shown');
    assert.deepEqual(times, { at: 1000, outcome: 'shown', total: 285, debounce: 80, fill: 200, model: 130.04, calls: 2, cached: false });
    assert.equal(timelineLine(times), 'timeline {"at":1000,"outcome":"shown","total":285,"debounce":80,"fill":200,"model":130,"calls":2,"cached":false}');
  });

  it('records a request that ended before any fill with no fill time', () => {
    let now = 0;
    const timeline = new RequestTimeline(() => now);
    now += 30;
    assert.deepEqual(timeline.finish('cancelled'), { at: 0, outcome: 'cancelled', total: 30, debounce: 0, fill: 0, model: 0, calls: 0, cached: false });
  });
});
