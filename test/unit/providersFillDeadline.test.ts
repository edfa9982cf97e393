import * as assert from 'node:assert/strict';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, TraceRecorder, type InfillOptions } from '../../src/infill';
import { AUTO_FILL_DEADLINE_MS, FillDeadline } from '../../src/providers/fillDeadline';
import { normalizeWindowSettings } from '../../src/providers/settingsModel';
import { SharedDenoiser } from '../../src/providers/sharedDenoiser';
import type { StepInfo } from '../../src/sampler';
import { answers, FakeDenoiser, fakeSpec } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';

// One slot a step, every step a forward pass: a row of 8 slots.
const OPTIONS: InfillOptions = {
  ...DEFAULT_INFILL_OPTIONS, lengths: undefined, inlineLengths: undefined, lineTokens: undefined, nonEmpty: undefined, threshold: undefined, pruneAfter: undefined,
  maxTokens: 8, steps: 8, contextTokens: 64,
};
const PREFIX = 'x = ';
const PASS_MS = 200;
/** A fill run to its end: `foo`, `(`, `1`, `)` and the padding after them, one a step (the padding rules pad the rest). */
const FULL_RUN_CALLS = 5;

/**
 * The ghost text's fill as the editor runs it (`Filler`: the deadline answers the engine's
 * `onStep`), on a model whose every forward pass takes `PASS_MS` of a fake clock, which writes
 * `foo(1)` into the hole.
 */
async function slowFill(deadlineFor: (now: () => number) => FillDeadline | undefined) {
  const tokenizer = new FakeTokenizer();
  const holeStart = 1 + (await tokenizer.ids(PREFIX)).length;
  const denoiser = new FakeDenoiser(fakeSpec(), answers([holeStart, await tokenizer.ids('foo(1)')]));
  let now = 0;
  denoiser.beforeRun = () => {
    now += PASS_MS;
  };
  const deadline = deadlineFor(() => now);
  // the model as Filler shares it, telling the deadline each pass's time
  const shared = new SharedDenoiser(denoiser, () => now);
  const signal = new AbortController().signal;
  shared.listen(signal, (time) => deadline?.passed(time));
  const trace = new TraceRecorder(fakeSpec());
  const masksLeft: number[] = [];
  const result = await new InfillEngine({ denoiser: shared, tokenizer }).fill({ text: `${PREFIX}\n`, holes: [{ start: PREFIX.length, end: PREFIX.length }] }, OPTIONS, {
    signal,
    onPlan: (plan) => trace.start(plan.layout),
    onStep: (step) => deadline?.onStep(step),
    onSampled: (sampled) => {
      masksLeft.push(sampled.tokens.filter((id) => id === FAKE_SPECIAL.mask).length);
      trace.sampled(sampled);
    },
  });
  return { result, deadline, calls: denoiser.requests.length, masksLeft, trace: await trace.result((ids) => tokenizer.decode(ids)) };
}

/** The deadline the editor gives an automatic fill under `diffuse.autoFillDeadlineMs` set to `raw`. */
const automaticUnder = (raw: unknown) => (now: () => number) =>
  FillDeadline.forAutomaticFill(normalizeWindowSettings((key) => (key === 'autoFillDeadlineMs' ? raw : undefined)).autoFillDeadlineMs, now);

describe('providers: the deadline of an automatic fill', () => {
  it('stops an automatic fill at the first step past its deadline, and the fill still comes back whole', async () => {
    const { result, deadline, calls, masksLeft, trace } = await slowFill(automaticUnder(500));
    // passes end at 200, 400, 600 ms: past 500 after the third, and no pass after it
    assert.equal(calls, 3);
    assert.deepEqual(deadline?.cutShort, { deadlineMs: 500, step: 3, totalSteps: 8 });
    assert.deepEqual(masksLeft, [0], 'the canvas came back with masks');
    assert.equal(result.candidates[0].fills[0].text, 'foo(1)');
    // the tokens settled after the last step's report are in the trace too, none left masked
    assert.ok(trace);
    assert.equal(trace.steps, 3);
    assert.equal(trace.tokens.filter((t) => !t.pad).map((t) => t.text).join(''), 'foo(1)');
    assert.ok(trace.tokens.every((t) => t.step >= 1 && t.step <= 3));
  });

  it('sets no limit at 0', async () => {
    const { deadline, calls } = await slowFill(automaticUnder(0));
    assert.equal(deadline, undefined);
    assert.equal(calls, FULL_RUN_CALLS);
  });

  it('keeps the default deadline for a setting of the wrong type or out of range', async () => {
    for (const raw of [-1, 2.5, '300', 10_001, null]) {
      const { deadline, calls } = await slowFill(automaticUnder(raw));
      assert.equal(deadline?.cutShort?.deadlineMs, AUTO_FILL_DEADLINE_MS, JSON.stringify(raw));
      assert.equal(calls, 3, JSON.stringify(raw));
    }
  });

  it('counts the fill\'s own work: not the setup before its first pass, nor a wait behind another fill\'s pass', () => {
    let now = 0;
    const deadline = new FillDeadline(500, () => now);
    const step = (n: number): StepInfo => ({
      step: n, totalSteps: 8, nfe: n, tokens: new Int32Array(8), confidence: new Float64Array(8), revealStep: new Int32Array(8), masked: 8 - n, pending: 8 - n,
    });
    now += 1000;                                    // the setup: the syntax checker's first load, say
    now += 200;
    deadline.passed({ queued: 0, ms: 200 });        // the first pass: the clock runs from its start
    assert.equal(deadline.onStep(step(1)), undefined);
    now += 300 + 200;
    deadline.passed({ queued: 300, ms: 200 });      // behind a superseded fill's pass for 300 ms
    assert.equal(deadline.onStep(step(2)), undefined, 'the wait behind another fill counted');
    now += 200;
    deadline.passed({ queued: 0, ms: 200 });        // 600 ms of its own
    assert.equal(deadline.onStep(step(3)), 'stop');
    assert.deepEqual(deadline.cutShort, { deadlineMs: 500, step: 3, totalSteps: 8 });
  });

  it('does not call a fill cut short whose deadline passed at its last step: nothing was left to settle', async () => {
    // the fifth and last pass (of the 8 steps planned) ends at 1000 ms, past 900
    const { deadline, calls } = await slowFill(automaticUnder(900));
    assert.equal(calls, FULL_RUN_CALLS);
    assert.equal(deadline?.cutShort, undefined);
  });
});
