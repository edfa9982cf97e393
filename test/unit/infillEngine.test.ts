import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { InvalidRequestError, isAbortError } from '../../src/core/errors';
import { DEFAULT_INFILL_OPTIONS, InfillEngine, TraceRecorder, type FillPlan, type InfillOptions, type InfillRequest } from '../../src/infill';
import { PAD_PENALTY } from '../../src/infill/defaults';
import { holeSlots } from '../../src/infill/holeLength';
import { optionsForModel } from '../../src/infill/modelOptions';
import { answers, FakeDenoiser, fakeSpec, type Predict } from './helpers/fakeDenoiser';
import { FAKE_SPECIAL, FakeTokenizer } from './helpers/fakeTokenizer';
import { loadTokenizer } from '../../src/tokenizer';

// One row of `maxTokens` slots, every row to the last step and no rule against empty fills, unless a test asks for them.
// one slot a step (no threshold): the tests count the engine's calls
const OPTIONS: InfillOptions = { ...DEFAULT_INFILL_OPTIONS, lengths: undefined, inlineLengths: undefined, lineTokens: undefined, nonEmpty: undefined, threshold: undefined, pruneAfter: undefined, maxTokens: 8, steps: 8, contextTokens: 64 };
const { mask: MASK, pad: PAD, eos: EOS } = FAKE_SPECIAL;

/** A cursor hole between `prefix` and `suffix`. */
function cursor(prefix: string, suffix: string): InfillRequest {
  return { text: prefix + suffix, holes: [{ start: prefix.length, end: prefix.length }] };
}

/** Canvas position of the first hole slot: after the document-start marker and the prefix. */
async function holeStart(tokenizer: FakeTokenizer, prefix: string): Promise<number> {
  return 1 + (await tokenizer.ids(prefix)).length;
}

async function setup(predict: (tokenizer: FakeTokenizer) => Promise<Predict>, spec = fakeSpec()) {
  const tokenizer = new FakeTokenizer();
  const denoiser = new FakeDenoiser(spec, await predict(tokenizer));
  return { tokenizer, denoiser, engine: new InfillEngine({ denoiser, tokenizer }) };
}

const masksIn = (tokens: Int32Array) => tokens.filter((id) => id === MASK).length;

describe('InfillEngine', () => {
  it('fills a cursor hole and strips the padding after the fill', async () => {
    const { engine, denoiser } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('foo(1)')]));
    const result = await engine.fill(cursor('x = ', '\nprint(x)'), OPTIONS);
    assert.equal(result.candidates.length, 1);
    const [fill] = result.candidates[0].fills;
    assert.deepEqual({ text: fill.text, tokens: fill.tokens }, { text: 'foo(1)', tokens: 4 });
    assert.ok(fill.confidence > 0.99 && result.candidates[0].confidence > 0.99);
    assert.equal(result.cached, false);
    assert.equal(result.nfe, denoiser.requests.length);
    assert.ok(result.nfe >= 1 && result.steps >= 1);
    assert.equal(result.canvasTokens, denoiser.requests[0].length);
    assert.equal(masksIn(denoiser.requests[0].tokens), 8);
  });

  it('ends a fill at the first padding or end-of-text id, dropping stray ids after it', async () => {
    const { engine } = await setup(async (t) => {
      const [a, b] = await t.ids('a+');
      return answers([await holeStart(t, 'x = '), [a, b, EOS, a, PAD, b]]);
    });
    const [fill] = (await engine.fill(cursor('x = ', '\n'), OPTIONS)).candidates[0].fills;
    assert.deepEqual([fill.text, fill.tokens], ['a+', 2]);
  });

  it('fills several holes jointly on one canvas', async () => {
    const text = 'f(a, b) + g(c) + h';
    const request: InfillRequest = { text, holes: [{ start: 2, end: 2 }, { start: 12, end: 12 }] };
    const { engine, denoiser } = await setup(async (t) => {
      const first = await holeStart(t, 'f(');
      const second = first + 8 + (await t.ids('a, b) + g(')).length;
      return answers([first, await t.ids('x, ')], [second, await t.ids('y')]);
    });
    const result = await engine.fill(request, OPTIONS);
    assert.deepEqual(result.candidates[0].fills.map((f) => f.text), ['x, ', 'y']);
    assert.equal(masksIn(denoiser.requests[0].tokens), 16);
    assert.ok(denoiser.requests.every((r) => r.length === denoiser.requests[0].length && r.batch === 1));
  });

  it('serves an identical request from the cache, and only an identical one', async () => {
    const { engine, denoiser } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('1')]));
    const first = await engine.fill(cursor('x = ', '\n'), OPTIONS);
    const calls = denoiser.requests.length;
    const second = await engine.fill(cursor('x = ', '\n'), OPTIONS);
    assert.deepEqual([second.cached, second.nfe, denoiser.requests.length], [true, 0, calls]);
    assert.deepEqual(second.candidates, first.candidates);
    assert.equal((await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, steps: 4 })).cached, false);
    assert.equal((await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, seed: 7 })).cached, false);
    assert.equal((await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, padPenalty: undefined })).cached, false);
    assert.equal((await engine.fill(cursor('x =  ', '\n'), OPTIONS)).cached, false);
    // the same canvas, its fills to be spelled in another indentation before a prune ranks them
    const spaced = { ...cursor('x = ', '\n'), indentation: { insertSpaces: true, tabSize: 2 } };
    assert.equal((await engine.fill(spaced, OPTIONS)).cached, false);
    assert.equal((await engine.fill(spaced, OPTIONS)).cached, true);
  });

  it('by default ranks padding below content, so confident trailing pads do not empty a hole', async () => {
    // The model's failure the default padPenalty answers: the hole's last slot, and any slot before
    // a pad, is a sure pad; the content is less sure, below the threshold.
    const { engine } = await setup(async (t) => {
      const start = await holeStart(t, 'x = ');
      const content = await t.ids('foo(1)');
      return (row, position) => {
        const slot = position - start;
        if (slot < 0 || slot >= 8) return row[position];
        if (slot === 7 || row[position + 1] === PAD) return PAD;
        return [content[slot] ?? PAD, 9];
      };
    });
    const fill = async (options: InfillOptions) => (await engine.fill(cursor('x = ', '\n'), options)).candidates[0].fills[0];
    assert.equal(OPTIONS.padPenalty, PAD_PENALTY);
    assert.equal((await fill(OPTIONS)).text, 'foo(1)');
    const off = await fill({ ...OPTIONS, padPenalty: undefined });
    assert.deepEqual([off.text, off.tokens, off.reason], ['', 0, 'the model filled the hole with padding']);
  });

  it('does not cache a run the caller stopped early', async () => {
    const { engine } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('1')]));
    await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, threshold: undefined }, { onStep: () => 'stop' });
    assert.equal((await engine.fill(cursor('x = ', '\n'), OPTIONS)).cached, false);
  });

  it('propagates an abort from between steps, and from before the first', async () => {
    const { engine, denoiser } = await setup(async () => answers());
    const controller = new AbortController();
    denoiser.beforeRun = () => controller.abort();
    await assert.rejects(engine.fill(cursor('x = ', '\n'), { ...OPTIONS, threshold: undefined }, { signal: controller.signal }), isAbortError);
    denoiser.beforeRun = undefined;
    const calls = denoiser.requests.length;
    await assert.rejects(engine.fill(cursor('y = ', '\n'), OPTIONS, { signal: AbortSignal.abort() }), isAbortError);
    assert.equal(denoiser.requests.length, calls);
  });

  it('has no result for a fill aborted after its last step, while its candidates are read', async () => {
    const { engine } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('1')]));
    const controller = new AbortController();
    const onStep = (info: { masked: number }) => {
      if (info.masked === 0) controller.abort();
    };
    await assert.rejects(engine.fill(cursor('x = ', '\n'), OPTIONS, { signal: controller.signal, onStep }), isAbortError);
  });

  it('refuses invalid requests and options with InvalidRequestError', async () => {
    const { engine } = await setup(async () => answers());
    const invalid = (e: unknown) => e instanceof InvalidRequestError;
    await assert.rejects(engine.fill({ text: 'abc', holes: [] }, OPTIONS), invalid);
    await assert.rejects(engine.fill({ text: 'abc', holes: [{ start: 2, end: 2 }, { start: 1, end: 1 }] }, OPTIONS), invalid);
    await assert.rejects(engine.fill(cursor('a', 'b'), { ...OPTIONS, maxTokens: 100 }), invalid);
    await assert.rejects(engine.fill(cursor('a', 'b'), { ...OPTIONS, candidates: 0 }), invalid);
  });

  it('drops a fill that repeats the next line, with the reason', async () => {
    const { engine } = await setup(async (t) => answers([await holeStart(t, 'def f():\n    '), await t.ids('return x')]));
    const [fill] = (await engine.fill(cursor('def f():\n    ', '\n    return x\n'), OPTIONS)).candidates[0].fills;
    assert.deepEqual([fill.text, fill.reason, fill.tokens], ['', 'repeats the suffix', 3]);
  });

  it('with inlineBreaks keeps the line break a fill in front of text on its line ends with; without, its first line', async () => {
    const prefix = 'r = f(x.s';
    const { engine } = await setup(async (t) => answers([await holeStart(t, prefix), await t.ids('plit())\n')]));
    const request = cursor(prefix, 'return r\n');
    const broken = await engine.fill(request, { ...OPTIONS, inlineBreaks: true });
    assert.deepEqual([broken.candidates[0].fills[0].text, broken.cached], ['plit())\n', false]);
    const oneLine = await engine.fill(request, { ...OPTIONS, inlineBreaks: false });
    assert.deepEqual([oneLine.candidates[0].fills[0].text, oneLine.cached], ['plit())', false], 'not served from the other reading\'s cache');
  });

  it('trims an auto-closed bracket the model wrote again', async () => {
    const { engine } = await setup(async (t) => answers([await holeStart(t, 'print('), await t.ids('a)')]));
    const [fill] = (await engine.fill(cursor('print(', ')\n'), OPTIONS)).candidates[0].fills;
    assert.equal(fill.text, 'a');
  });

  it('sizes a replaced selection from its own token count', async () => {
    const { engine, denoiser } = await setup(async () => answers());
    const text = 'x = old_value + 1\n';
    await engine.fill({ text, holes: [{ start: 4, end: 13 }] }, { ...OPTIONS, maxTokens: 32, steps: 32 });
    assert.equal(masksIn(denoiser.requests[0].tokens), 8);
  });

  it('sizes a selection that spells a special token from the characters it is, not as one token', async () => {
    const tokenizer = await loadTokenizer(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tiny-model', 'tokenizer.json'));
    const denoiser = new FakeDenoiser(fakeSpec(), answers());
    const engine = new InfillEngine({ denoiser, tokenizer });
    const selected = '<|endoftext|>';
    const hole = { start: 7, end: 7 + selected.length };
    const characters = (await tokenizer.encodeText(selected)).ids.length;
    assert.ok(characters > 1);
    await engine.fill({ text: `EOS = "${selected}"\n`, holes: [hole] }, { ...OPTIONS, maxTokens: 32, steps: 32 });
    assert.equal(masksIn(denoiser.requests[0].tokens), holeSlots(hole, characters, 32));
    assert.notEqual(holeSlots(hole, characters, 32), holeSlots(hole, 1, 32));
  });

  it('clamps the context budget to the model maximum length', async () => {
    const { engine, denoiser } = await setup(async () => answers(), fakeSpec({ maxLength: 16 }));
    const result = await engine.fill(cursor('a b c d e f g h i j k l m n o p ', ' q r s t u v w x y z'), { ...OPTIONS, contextTokens: 256 });
    assert.equal(result.canvasTokens, 16);
    assert.equal(denoiser.requests[0].length, 16);
  });

  // Lengths 2 and 4: the model is unsure in the 2-slot row, sure of 'foo(1)' in the 4-slot row.
  const lengthsSetup = () => setup(async (t) => {
    const start = await holeStart(t, 'x = ');
    const [a, b] = await t.ids('a+');
    const foo = await t.ids('foo(1)');
    return (row, position) => {
      const slot = position - start;
      if (slot < 0 || slot >= 4) return row[position];
      return row[start + 2] === PAD ? ([[a, b][slot] ?? PAD, 1] as const) : foo[slot];
    };
  });
  const LENGTHS: InfillOptions = { ...OPTIONS, lengths: [2, 4] };

  it('tries hole lengths as batch rows of one run, the slots past a row\'s length fixed to padding, and keeps the best score', async () => {
    const { engine, denoiser } = await lengthsSetup();
    const result = await engine.fill(cursor('x = ', '\n'), LENGTHS);
    assert.ok(denoiser.requests.every((r) => r.batch === 2), 'one call per step serves both lengths');
    const first = denoiser.requests[0];
    const start = await holeStart(new FakeTokenizer(), 'x = ');
    const row = (r: number) => Array.from(first.tokens.subarray(r * first.length + start, r * first.length + start + 4));
    assert.deepEqual([row(0), row(1)], [[MASK, MASK, PAD, PAD], [MASK, MASK, MASK, MASK]]);
    assert.equal(result.candidates[0].fills[0].text, 'foo(1)');
    assert.ok(result.candidates.length === 1);
    assert.equal(result.nfe, denoiser.requests.length);
  });

  it('tries inlineLengths for a hole in front of text on its line, lengths at the end of a line or on a line of its own', async () => {
    const { engine, denoiser } = await lengthsSetup();
    const sizes = { ...LENGTHS, inlineLengths: [1, 2, 4] };
    const batches = async (prefix: string, suffix: string) => {
      denoiser.requests.length = 0;
      await engine.fill(cursor(prefix, suffix), sizes);
      return [...new Set(denoiser.requests.map((r) => r.batch))];
    };
    assert.deepEqual(await batches('x = ', ' + 1\n'), [3]);
    assert.deepEqual(await batches('x = ', '\n'), [2]);
    assert.deepEqual(await batches('x = 1\n', '\ny = 2\n'), [2]);
  });

  describe('pruneAfter: the losing lengths dropped after k steps', () => {
    it('keeps the row the final choice ranks first and runs the later steps on it alone', async () => {
      const { engine, denoiser } = await lengthsSetup();
      const result = await engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter: 1 });
      assert.equal(result.candidates[0].fills[0].text, 'foo(1)');
      assert.equal(result.candidates[0].row, 1);
      assert.equal(result.candidates.length, 1, 'the dropped row is no candidate');
      assert.equal(denoiser.requests[0].batch, 2);
      assert.ok(denoiser.requests.length > 1 && denoiser.requests.slice(1).every((r) => r.batch === 1), 'one row after the first step');
      const start = await holeStart(new FakeTokenizer(), 'x = ');
      assert.notEqual(denoiser.requests[1].tokens[start + 2], PAD, 'the 4-slot row');
      assert.equal(result.nfe, denoiser.requests.length);
    });

    it('keeps as many rows as the candidates asked for', async () => {
      const { engine, denoiser } = await lengthsSetup();
      const result = await engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter: 1, candidates: 2 });
      assert.ok(denoiser.requests.every((r) => r.batch === 2));
      assert.equal(result.candidates.length, 2);
    });

    it('off, or past the last step, fills exactly as without it', async () => {
      const { engine: plainEngine, denoiser: plain } = await lengthsSetup();
      const expected = await plainEngine.fill(cursor('x = ', '\n'), LENGTHS);
      for (const pruneAfter of [undefined, 100]) {
        const { engine, denoiser } = await lengthsSetup();
        const result = await engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter });
        assert.deepEqual({ ...result, ms: 0 }, { ...expected, ms: 0 });
        assert.deepEqual(denoiser.requests, plain.requests);
      }
    });

    it('is part of the cache key: a pruned fill is not served for an unpruned one', async () => {
      const { engine, denoiser } = await lengthsSetup();
      await engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter: 1 });
      const again = await engine.fill(cursor('x = ', '\n'), LENGTHS);
      assert.equal(again.cached, false);
      assert.ok(denoiser.requests.at(-1)!.batch === 2);
    });

    it('is part of the cache key with the rows it keeps: a fill that kept one row is not served for two candidates', async () => {
      const { engine, denoiser } = await lengthsSetup();
      await engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter: 1 });
      const calls = denoiser.requests.length;
      const two = await engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter: 1, candidates: 2 });
      assert.deepEqual([two.cached, two.candidates.length], [false, 2]);
      assert.ok(denoiser.requests.length > calls, 'no forward pass for the two candidates');
      assert.equal((await engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter: 1, candidates: 2 })).cached, true, 'the same request again');
    });

    for (const bad of [0, -2, 2.5]) {
      it(`refuses pruneAfter ${bad}`, async () => {
        const { engine } = await lengthsSetup();
        await assert.rejects(engine.fill(cursor('x = ', '\n'), { ...LENGTHS, pruneAfter: bad }), (e: unknown) =>
          e instanceof InvalidRequestError && /pruneAfter must be an integer >= 1, or unset for no pruning/.test(e.message));
      });
    }
  });

  it('fills a line-shaped hole with one line on a canvas sized for a line', async () => {
    const prefix = 'def f(x):\n    ';
    const { engine, denoiser } = await setup(async (t) => answers([await holeStart(t, prefix), await t.ids('y = x\n    return y')]));
    const [fill] = (await engine.fill(cursor(prefix, '\n'), { ...OPTIONS, lineTokens: 7 })).candidates[0].fills;
    assert.deepEqual([fill.text, fill.reason], ['y = x', 'kept one line: the hole is a line']);
    assert.equal(masksIn(denoiser.requests[0].tokens), 7);
    const [whole] = (await engine.fill(cursor(prefix, '\n'), OPTIONS)).candidates[0].fills;
    assert.ok(whole.text.startsWith('y = x\n    return'), 'without lineTokens the line-shaped hole may take several lines');
  });

  it('ends a fill inserted at the start of a line with a line break', async () => {
    const prefix = 'def f(x):\n';
    const { engine } = await setup(async (t) => answers([await holeStart(t, prefix), await t.ids('    y = x')]));
    const [fill] = (await engine.fill(cursor(prefix, '    return y\n'), { ...OPTIONS, lineTokens: 6 })).candidates[0].fills;
    assert.equal(fill.text, '    y = x\n');
  });

  it('ends a fill inserted at the start of a line of a CRLF document with \\r\\n, as the document ends its lines', async () => {
    const prefix = 'def f(x):\r\n';
    const { engine } = await setup(async (t) => answers([await holeStart(t, prefix), await t.ids('    y=x\n    z=y')]));
    const [line] = (await engine.fill(cursor(prefix, '    return z\r\n'), { ...OPTIONS, lineTokens: 6 })).candidates[0].fills;
    assert.equal(line.text, '    y=x\r\n');
    const [lines] = (await engine.fill(cursor(prefix, '    return z\r\n'), OPTIONS)).candidates[0].fills;
    assert.equal(lines.text, '    y=x\r\n    z=y\r\n', "the model's own line breaks too");
  });

  it('shows the model a tab-indented document with spaces and gives the fill back in tabs', async () => {
    const prefix = 'def f(x):\n\tif x:\n';
    const { engine, denoiser, tokenizer } = await setup(async (t) => answers([await holeStart(t, 'def f(x):\n    if x:\n'), await t.ids('        y = x')]));
    const [fill] = (await engine.fill(cursor(prefix, '\t\treturn y\n'), { ...OPTIONS, lineTokens: 6 })).candidates[0].fills;
    assert.equal(fill.text, '\t\ty = x\n');
    const shown = await tokenizer.decode([...denoiser.requests[0].tokens].filter((id) => id > EOS));
    assert.ok(!shown.includes('\t') && shown.includes('    if x:'), shown);
  });

  it('ranks sampled candidates by their score', async () => {
    const tokenizer = new FakeTokenizer();
    const start = await holeStart(tokenizer, 'x = ');
    const [a, b] = await tokenizer.ids('a b').then((ids) => [ids[0], ids[2]]);
    // Two likely first tokens, 'a' (logit 13) and 'b' (logit 12.5), far above the rest of the
    // vocabulary: sampled rows differ, 'a' scores higher.
    const denoiser = new FakeDenoiser(fakeSpec(), (row, position) => (position === start ? [a, 13] as const : answers()(row, position)));
    const denoise = denoiser.denoise.bind(denoiser);
    denoiser.denoise = async (request, signal) => {
      const logits = await denoise(request, signal);
      for (let i = 0; i < request.batch * request.queries; i++) if (request.positions[i] === start) logits[i * 4096 + b] = 12.5;
      return logits;
    };
    const engine = new InfillEngine({ denoiser, tokenizer });
    const result = await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, candidates: 8, temperature: 1, seed: 1 });
    assert.deepEqual(result.candidates.map((c) => c.fills[0].text), ['a', 'b']);
    assert.ok(result.candidates[0].score > result.candidates[1].score);
  });

  it('samples candidates as batch rows, one row when decoding is greedy, and keeps distinct fills', async () => {
    const { engine, denoiser } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('1')]));
    await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, candidates: 3 });
    assert.equal(denoiser.requests[0].batch, 1);
    const result = await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, candidates: 3, temperature: 1 });
    assert.equal(denoiser.requests.at(-1)?.batch, 3);
    assert.equal(result.candidates.length, 1, 'the fake model is certain: every row fills the same');
  });

  describe('its plan (InfillHooks.onPlan)', () => {
    it('reports each row\'s hole slots: exactly the positions the sampler asks the model about', async () => {
      const { engine, denoiser } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('foo(1)')]));
      const plans: FillPlan[] = [];
      await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, lengths: [2, 4] }, { onPlan: (plan) => void plans.push(plan) });
      const [first] = denoiser.requests;
      assert.equal(plans.length, 1);
      const { layout } = plans[0];
      assert.equal(layout.length, first.length);
      assert.equal(layout.rows.length, first.batch);
      layout.rows.forEach((holes, r) => {
        const planned = holes.flatMap(({ start, slots }) => Array.from({ length: slots }, (_, k) => start + k));
        const queried = new Set(first.positions.subarray(r * first.queries, (r + 1) * first.queries));
        assert.deepEqual(planned, [...queried].sort((a, b) => a - b), `row ${r}`);
      });
      assert.deepEqual(layout.rows.map((holes) => holes[0].slots), [2, 4]);
    });

    it('reports the options adapted to the model\'s family, on a cache hit too', async () => {
      const spec = fakeSpec({ family: 'cedd', graph: 'uniform', condKind: 'sigma' });
      const { engine } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('1')]), spec);
      const requested: InfillOptions = { ...OPTIONS, strategy: 'margin', threshold: 0.5 };
      const plans: FillPlan[] = [];
      for (let i = 0; i < 2; i++) await engine.fill(cursor('x = ', '\n'), requested, { onPlan: (plan) => void plans.push(plan) });
      assert.deepEqual(plans[0].options, optionsForModel(spec, requested));
      assert.deepEqual([plans[0].options.strategy, plans[0].options.threshold], ['random', undefined]);
      assert.deepEqual(plans[1], plans[0]);
    });

    it('lets a trace recorder read the winning row\'s hole slots from the sampled canvas', async () => {
      const { engine, tokenizer } = await setup(async (t) => answers([await holeStart(t, 'x = '), await t.ids('foo(1)')]));
      const recorder = new TraceRecorder(fakeSpec());
      const result = await engine.fill(cursor('x = ', '\n'), { ...OPTIONS, lengths: [2, 8] }, {
        onPlan: (plan) => recorder.start(plan.layout),
        onSampled: (sampled) => recorder.sampled(sampled),
      });
      const [best] = result.candidates;
      const trace = await recorder.result((ids) => tokenizer.decode(ids), best.row);
      assert.ok(trace);
      assert.equal(trace.tokens.length, 8);
      assert.equal(trace.tokens.filter((t) => !t.pad).map((t) => t.text).join(''), best.fills[0].text);
      assert.ok(trace.tokens.every((t) => t.hole === 0 && t.step >= 1 && t.step <= trace.steps));
    });
  });

  it("grows a short row's hole where the model reveals the expand token, and reads the whole fill", async () => {
    const spec = fakeSpec({ vocabSize: 4097, expandId: 4096 });
    const { engine, denoiser, tokenizer } = await setup(async (t) => {
      const start = await holeStart(t, 'x = ');
      const wanted = await t.ids('foo(1)');
      // the last slot of a hole too short for `wanted` asks for one more
      return (row, position) => {
        let slots = 0;
        while (row[start + slots] === MASK || row[start + slots] === wanted[slots]) slots++;
        const k = position - start;
        if (slots < wanted.length && k === slots - 1) return spec.expandId!;
        return k >= 0 && k < wanted.length ? wanted[k] : row[position] === MASK ? PAD : row[position];
      };
    }, spec);
    const trace = new TraceRecorder(spec);
    const result = await engine.fill(cursor('x = ', '\nprint(x)'), { ...OPTIONS, lengths: [2] }, { onPlan: (plan) => trace.start(plan.layout), onSampled: (sampled) => trace.sampled(sampled) });
    const [fill] = result.candidates[0].fills;
    assert.deepEqual({ text: fill.text, tokens: fill.tokens }, { text: 'foo(1)', tokens: 4 });
    assert.equal(masksIn(denoiser.requests[0].tokens), 2, 'one row of two slots, with the padding it grows into');
    assert.ok(denoiser.requests.some((r) => masksIn(r.tokens) > 1 && r !== denoiser.requests[0]), 'a split slot was denoised');
    const shown = await trace.result((ids) => tokenizer.decode(ids));
    assert.deepEqual(shown?.tokens.filter((token) => !token.pad).map((token) => token.text), ['foo', '(', '1', ')']);
  });

  it("shows a token a split moved with the step it was revealed at, in the fill's trace", async () => {
    const spec = fakeSpec({ vocabSize: 4097, expandId: 4096 });
    const { engine, tokenizer } = await setup(async (t) => {
      const start = await holeStart(t, 'x = ');
      const [a, plus, b] = await t.ids('a+b');
      // two slots: the last is surely b (revealed first), the first asks for one more; then a and +
      return (row, position) => {
        const k = position - start;
        const grown = row[start + 2] === b;
        if (k === 0) return grown ? a : [spec.expandId!, 20];
        if (k === 1) return grown ? plus : [b, 40];
        return row[position] === MASK ? PAD : row[position];
      };
    }, spec);
    const trace = new TraceRecorder(spec);
    const result = await engine.fill(cursor('x = ', '\nprint(x)'), { ...OPTIONS, lengths: [2] }, { onPlan: (plan) => trace.start(plan.layout), onSampled: (sampled) => trace.sampled(sampled) });
    assert.equal(result.candidates[0].fills[0].text, 'a+b');
    const shown = (await trace.result((ids) => tokenizer.decode(ids)))!.tokens.filter((token) => !token.pad);
    assert.deepEqual(shown.map((token) => [token.text, token.step]), [['a', 3], ['+', 4], ['b', 1]]);
  });
});
