import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, type LoadedModel } from '../../src/model';
import { inspectModelFolder, type InspectedModel } from '../../src/model/folder/modelFolder';
import { appendRows, carryRows, selectRows } from '../../src/model/runtime/cacheRows';
import { contextRows } from '../../src/model/runtime/contextCacheFeeds';
import { CARRY_MAX_SHIFT, planCarry } from '../../src/model/runtime/contextCarry';
import { CARRY_MAX_CHAIN, CARRY_NEAREST, OnnxDenoiser } from '../../src/model/runtime/onnxDenoiser';
import type { DenoiseRequest } from '../../src/sampler';
import { requestOf } from './helpers/denoiseRequests';
import { maxAbsDiff } from './helpers/logitsGolden';
import { recordingHost, type HostCall } from './helpers/recordingHost';

// The shared-past fixture: 2 layers, 2 heads of 16, rotary base 10000, canvases up to 64 tokens.
const fixture = path.resolve(__dirname, '../../../test/fixtures/tiny-model-kv-shared');

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** A canvas of `length` tokens with the hole's `fresh` positions masked (id 1); the rest from a fixed pseudo-random text. */
function canvas(length: number, fresh: readonly number[], seed = 7): Int32Array {
  const tokens = Int32Array.from({ length }, (_, p) => 3 + ((p * 7919 + seed * 104729) % 1000));
  for (const p of fresh) tokens[p] = 1;
  return tokens;
}

/** `before` with a token (999) inserted at `at`: a key typed in front of the hole. */
function typedAt(before: Int32Array, at: number): Int32Array {
  const after = new Int32Array(before.length + 1);
  after.set(before.subarray(0, at));
  after[at] = 999;
  after.set(before.subarray(at), at + 1);
  return after;
}

describe('planCarry: which kept context rows stand in for the next canvas', () => {
  const hole = range(20, 28);

  it('carries every context row of an unchanged canvas as it is', () => {
    const tokens = canvas(48, hole);
    const fresh = Int32Array.from(hole);
    const kept = { tokens, positions: contextRows(fresh, 48) };
    const carry = planCarry(kept, tokens, fresh, 4)!;
    assert.deepEqual(carry.rows, range(0, 40));
    assert.deepEqual(carry.positions, kept.positions);
    assert.ok(carry.shifts.every((s) => s === 0));
    assert.deepEqual(carry.recompute, []);
  });

  it('a token typed before the hole: the prefix stays, the typed token runs again, the suffix moves one on', () => {
    const before = canvas(48, hole);
    const fresh = Int32Array.from(hole.map((p) => p + 1));
    const after = typedAt(before, 20);
    const kept = { tokens: before, positions: contextRows(Int32Array.from(hole), 48) };
    const carry = planCarry(kept, after, fresh, 4)!;
    assert.deepEqual(carry.recompute, [20]);
    assert.deepEqual(carry.positions, [...range(0, 20), ...range(29, 49)]);
    assert.deepEqual(carry.shifts, [...Array(20).fill(0), ...Array(20).fill(1)]);
    // each carried row is the kept row of the same token
    carry.positions.forEach((p, i) => assert.equal(before[kept.positions[carry.rows[i]!]!], after[p]));
  });

  it("a full canvas whose prefix window slid: the prefix moves one back, the suffix stays", () => {
    const before = canvas(48, hole);
    const after = new Int32Array(48);
    after.set(before.subarray(1, 20));
    after[19] = 999;
    after.set(before.subarray(20), 20);
    const kept = { tokens: before, positions: contextRows(Int32Array.from(hole), 48) };
    const carry = planCarry(kept, after, Int32Array.from(hole), 4)!;
    assert.deepEqual(carry.recompute, [19]);
    assert.deepEqual(carry.shifts, [...Array(19).fill(-1), ...Array(20).fill(0)]);
  });

  it("never carries a position the kept canvas had in its hole: it had no context row there", () => {
    const before = canvas(48, hole);
    const after = canvas(48, range(24, 28));
    after.set(before.subarray(0, 20));
    for (const p of range(20, 24)) after[p] = 500 + p;
    const carry = planCarry({ tokens: before, positions: contextRows(Int32Array.from(hole), 48) }, after, Int32Array.from(range(24, 28)), 8)!;
    assert.deepEqual(carry.recompute, range(20, 24));
  });

  it('with `nearest`, runs again that many carried positions nearest the hole besides, the earlier first on a tie', () => {
    const tokens = canvas(48, hole);
    const fresh = Int32Array.from(hole);
    const kept = { tokens, positions: contextRows(fresh, 48) };
    const carry = planCarry(kept, tokens, fresh, 4, 5)!;
    assert.deepEqual(carry.recompute, [17, 18, 19, 28, 29], 'distances 1, 1, 2, 2 and 3: 17 before 30');
    assert.deepEqual(carry.positions, [...range(0, 17), ...range(30, 48)]);
    carry.positions.forEach((p, i) => assert.equal(kept.positions[carry.rows[i]!], p, 'each carried row is the kept row of its position'));
    assert.equal(planCarry(kept, tokens, fresh, 4, 40), undefined, 'as many as the context: nothing carries, a refresh');
  });

  it('gives up (a refresh) when more positions would run again than allowed, or nothing carries', () => {
    const before = canvas(48, hole);
    const kept = { tokens: before, positions: contextRows(Int32Array.from(hole), 48) };
    assert.equal(planCarry(kept, canvas(48, hole, 99), Int32Array.from(hole), 16), undefined, 'another document');
    const shifted = new Int32Array(48 + CARRY_MAX_SHIFT + 1).fill(999);
    shifted.set(before, CARRY_MAX_SHIFT + 1);
    assert.equal(planCarry(kept, shifted, Int32Array.from(hole.map((p) => p + CARRY_MAX_SHIFT + 1)), 4), undefined, 'moved too far');
  });
});

describe('carryRows and appendRows: the kept keys and values on the next canvas', () => {
  const dims = [2, 1, 2, 5, 4]; // layers, 1, heads, rows, headDim
  const data = Float32Array.from({ length: 2 * 2 * 5 * 4 }, (_, i) => Math.sin(i + 1));

  it('moves rows in the order given; without a rotary, or by 0, their values are copied as they are', () => {
    const { data: out, dims: outDims } = carryRows(data, dims, [4, 0], [3, 0]);
    assert.deepEqual(outDims, [2, 1, 2, 2, 4]);
    assert.deepEqual(Array.from(out.subarray(0, 4)), Array.from(data.subarray(16, 20)));
    assert.deepEqual(Array.from(out.subarray(4, 8)), Array.from(data.subarray(0, 4)));
    const still = carryRows(data, dims, [1], [0], { base: 10000 }).data;
    assert.deepEqual(Array.from(still.subarray(0, 4)), Array.from(data.subarray(4, 8)));
  });

  it('rotates a key by its shift: by a then by b is by a + b, and the length of each pair is kept', () => {
    const rotary = { base: 100 };
    const once = carryRows(data, dims, [2], [5], rotary).data;
    const twice = carryRows(carryRows(data, dims, [2], [2], rotary).data, [2, 1, 2, 1, 4], [0], [3], rotary).data;
    once.forEach((x, i) => assert.ok(Math.abs(x - twice[i]!) < 1e-5, `element ${i}: ${x} vs ${twice[i]}`));
    const norm = (v: Float32Array, at: number, j: number) => Math.hypot(v[at + j]!, v[at + j + 2]!);
    assert.ok(Math.abs(norm(once, 0, 0) - norm(data, 8, 0)) < 1e-5);
    assert.ok(Math.abs(once[0]! - data[8]!) > 1e-3, 'moved');
  });

  it('refuses a past that is not one shared context, rows outside it, or shifts that do not match', () => {
    assert.throws(() => carryRows(data, [2, 2, 1, 5, 4], [0], [0]), /expected \[layers, 1, heads, rows, headDim\]/);
    assert.throws(() => carryRows(data, dims, [5], [0]), /row 5 .* outside \[0, 5\)/);
    assert.throws(() => carryRows(data, dims, [0, 1], [0]), /2 rows carried with 1 shifts/);
  });

  it("appends the first batch row's chosen rows of a call after the kept ones", () => {
    const present = Float32Array.from({ length: 2 * 3 * 2 * 2 * 4 }, (_, i) => 1000 + i); // [2, 3, 2, 2, 4]: batch 3, rows 2
    const { data: out, dims: outDims } = appendRows(data, dims, present, [2, 3, 2, 2, 4], [1]);
    assert.deepEqual(outDims, [2, 1, 2, 6, 4]);
    // layer 0, head 1: the kept 5 rows, then row 1 of batch row 0
    const plane = 1 * 6 * 4;
    assert.deepEqual(Array.from(out.subarray(plane, plane + 20)), Array.from(data.subarray(20, 40)));
    const from = (0 * 3 * 2 + 1) * 2 * 4 + 4;
    assert.deepEqual(Array.from(out.subarray(plane + 20, plane + 24)), Array.from(present.subarray(from, from + 4)));
  });
});

describe("carried keys agree with the graph's own rotary (tiny-model-kv-shared in onnxruntime)", function () {
  this.timeout(30000);

  it("the first layer's keys of a canvas one token further on are its keys carried by one", async () => {
    // A first layer's key depends on its token and position alone: the exact check of the rotation.
    const session = await ort.InferenceSession.create(path.join(fixture, 'model.onnx'));
    const keysOf = async (ids: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> => {
      const n = ids.length;
      const feeds = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
        positions: new ort.Tensor('int64', BigInt64Array.from([0n]), [1, 1]),
        row_positions: new ort.Tensor('int64', BigInt64Array.from(range(0, n), BigInt), [1, n]),
        past_key: new ort.Tensor('float32', new Float32Array(0), [2, 1, 2, 0, 16]),
        past_value: new ort.Tensor('float32', new Float32Array(0), [2, 1, 2, 0, 16]),
      };
      const out = await session.run(feeds, ['present_key']);
      return { data: out.present_key!.data as Float32Array, dims: out.present_key!.dims };
    };
    const ids = Array.from(canvas(20, []));
    const before = await keysOf(ids);
    const after = await keysOf([999, ...ids]);
    const carried = carryRows(before.data, before.dims, range(0, 20), Array(20).fill(1), { base: 10000 }).data;
    const wrongBase = carryRows(before.data, before.dims, range(0, 20), Array(20).fill(1), { base: 500 }).data;
    const own = carryRows(after.data, after.dims, range(1, 21), Array(20).fill(0)).data;
    const layer0 = 2 * 20 * 16;
    const worst = (a: Float32Array) => Math.max(...Array.from({ length: layer0 }, (_, i) => Math.abs(a[i]! - own[i]!)));
    assert.ok(worst(carried) < 1e-4, `max |Δ| ${worst(carried)}`);
    assert.ok(worst(wrongBase) > 1e-2, 'another base gives other keys');
    await session.release();
  });
});

/** Two rows of one canvas (a second length row: its last hole slot padding), querying the hole. */
function fillRequest(tokens: Int32Array, hole: readonly number[], cache: DenoiseRequest['cache']): DenoiseRequest {
  const second = Array.from(tokens);
  second[hole[hole.length - 1]!] = 0;
  return requestOf([Array.from(tokens), second], [hole.slice(0, 4), hole.slice(0, 4)], { cache });
}

describe('a fill that carries the last fill\'s context (OnnxDenoiser)', function () {
  this.timeout(30000);
  let inspected: InspectedModel;
  before(async () => {
    inspected = await inspectModelFolder(fixture);
  });
  const hole = range(20, 28);

  /** A denoiser on a recording host whose first fill refreshed `canvas(48, hole)`, and that canvas with a token typed at 20. */
  function afterAKeystroke() {
    const { host, calls } = recordingHost(inspected);
    const denoiser = new OnnxDenoiser(inspected.spec, inspected.meta, host, 'cpu');
    const before = canvas(48, hole);
    const refreshed = denoiser.denoise(fillRequest(before, hole, { fill: 1, refresh: true, fresh: Int32Array.from(hole), carry: true }));
    return { denoiser, calls, refreshed, after: typedAt(before, 20), moved: hole.map((p) => p + 1) };
  }
  const rowPositions = (call: HostCall) => Array.from(call.feeds[inspected.meta.contextCache!.rowPositions]!.data).slice(0, call.feeds[inspected.meta.contextCache!.rowPositions]!.dims[1]);
  const batch = (call: HostCall) => call.feeds[inspected.meta.contextCache!.rowPositions]!.dims[0];

  it('runs the holes and the typed token against the carried context, keeps them, then runs the holes alone', async () => {
    const { denoiser, calls, refreshed, after, moved } = afterAKeystroke();
    await refreshed;
    const fresh = Int32Array.from(moved);
    calls.length = 0;
    await denoiser.denoise(fillRequest(after, moved, { fill: 2, refresh: true, fresh, carry: true }));
    await denoiser.denoise(fillRequest(after, moved, { fill: 2, refresh: false, fresh }));
    assert.equal(calls.length, 2, 'no full call');
    const [carried, next] = calls as [HostCall, HostCall];
    assert.deepEqual(rowPositions(carried), [20, ...moved], 'the typed token runs with the holes');
    assert.deepEqual(carried.cache?.past?.carry?.shifts, [...Array(20).fill(0), ...Array(20).fill(1)]);
    assert.equal(carried.cache?.past?.carry?.base, 10000);
    assert.deepEqual(carried.cache?.extend?.rows, [0], "the typed token's keys are kept");
    assert.deepEqual(rowPositions(next), moved, 'the next call runs the holes alone');
    assert.equal(next.cache?.past?.carry, undefined);
  });

  it("a second carry in a row runs the first row's holes, the typed token and the nearest context, then the other row cached", async () => {
    const { denoiser, calls, refreshed, after, moved } = afterAKeystroke();
    await refreshed;
    await denoiser.denoise(fillRequest(after, moved, { fill: 2, refresh: true, fresh: Int32Array.from(moved), carry: true }));
    const again = typedAt(after, 21);
    const movedAgain = moved.map((p) => p + 1);
    calls.length = 0;
    await denoiser.denoise(fillRequest(again, movedAgain, { fill: 3, refresh: true, fresh: Int32Array.from(movedAgain), carry: true }));
    assert.equal(calls.length, 2, 'no full call');
    const [carried, laterRow] = calls as [HostCall, HostCall];
    // of the 41 context rows carried on, the 32 nearest the hole (5..20 and 30..45) run again with the
    // typed token (21) and the hole; the 5 before and 4 after carry, the latter moved by one more
    assert.equal(CARRY_NEAREST, 32);
    assert.deepEqual([batch(carried), rowPositions(carried)], [1, range(5, 46)], 'the first row: the hole, the typed token and the nearest context');
    assert.deepEqual(carried.cache?.past?.carry?.shifts, [0, 0, 0, 0, 0, 1, 1, 1, 1]);
    // the kept context's rows as the first carry left them: 0..19 and 29..48 carried, then 20 appended
    assert.deepEqual(carried.cache?.past?.carry?.rows, [...range(0, 5), ...range(36, 40)], 'each carried row is the one its position had');
    assert.deepEqual([batch(laterRow), rowPositions(laterRow), laterRow.cache?.past?.carry], [1, movedAgain, undefined], 'the second row: its hole, cached');
  });

  it("refreshes when the fill asks for no carry, or the graph names no rotary base", async () => {
    for (const [meta, carry] of [[inspected.meta, false], [{ ...inspected.meta, contextCache: { ...inspected.meta.contextCache!, rotaryBase: undefined } }, true]] as const) {
      const { host, calls } = recordingHost(inspected);
      const denoiser = new OnnxDenoiser(inspected.spec, meta, host, 'cpu');
      const tokens = canvas(48, hole);
      await denoiser.denoise(fillRequest(tokens, hole, { fill: 1, refresh: true, fresh: Int32Array.from(hole) }));
      calls.length = 0;
      await denoiser.denoise(fillRequest(tokens, hole, { fill: 2, refresh: true, fresh: Int32Array.from(hole), carry }));
      assert.ok(calls[0]!.cache?.keep, 'a full call that keeps the context');
      assert.equal(calls[0]!.cache?.past, undefined);
    }
  });

  it('refreshes when the worker that kept the context was replaced since', async () => {
    const { host, calls } = recordingHost(inspected);
    const denoiser = new OnnxDenoiser(inspected.spec, inspected.meta, host, 'cpu');
    const tokens = canvas(48, hole);
    await denoiser.denoise(fillRequest(tokens, hole, { fill: 1, refresh: true, fresh: Int32Array.from(hole) }));
    Object.assign(host, { workerNumber: 2 });
    calls.length = 0;
    await denoiser.denoise(fillRequest(tokens, hole, { fill: 2, refresh: true, fresh: Int32Array.from(hole), carry: true }));
    assert.ok(calls[0]!.cache?.keep && !calls[0]!.cache.past, 'a full call that keeps the context');
  });

  it(`refreshes after ${CARRY_MAX_CHAIN} carries in a row, so no carried row is older than that`, async () => {
    const { host, calls } = recordingHost(inspected);
    const denoiser = new OnnxDenoiser(inspected.spec, inspected.meta, host, 'cpu');
    const tokens = canvas(48, hole);
    const fresh = Int32Array.from(hole);
    const firstCalls: HostCall[] = [];
    for (let fill = 1; fill <= 9; fill++) {
      calls.length = 0;
      await denoiser.denoise(fillRequest(tokens, hole, { fill, refresh: true, fresh, carry: true }));
      firstCalls.push(calls[0]!);
    }
    assert.deepEqual(firstCalls.map((call) => (call.cache?.keep ? 'refresh' : 'carry')), Array.from({ length: 9 }, (_, i) => (i % (CARRY_MAX_CHAIN + 1) ? 'carry' : 'refresh')));
  });

  it('carries again after a refresh partway through a fill, not after the last carry a chain allows', async () => {
    const tokens = canvas(48, hole);
    const fresh = Int32Array.from(hole);
    for (const refreshedPartway of [true, false]) {
      const { host, calls } = recordingHost(inspected);
      const denoiser = new OnnxDenoiser(inspected.spec, inspected.meta, host, 'cpu');
      await denoiser.denoise(fillRequest(tokens, hole, { fill: 1, refresh: true, fresh }));
      await denoiser.denoise(fillRequest(tokens, hole, { fill: 2, refresh: true, fresh, carry: true }));
      await denoiser.denoise(fillRequest(tokens, hole, { fill: 3, refresh: true, fresh, carry: true }));
      await denoiser.denoise(fillRequest(tokens, hole, { fill: 3, refresh: refreshedPartway, fresh }));
      calls.length = 0;
      await denoiser.denoise(fillRequest(tokens, hole, { fill: 4, refresh: true, fresh, carry: true }));
      const fourth = calls[0]!.cache;
      assert.equal(fourth?.past?.carry !== undefined, refreshedPartway, refreshedPartway ? 'fill 4 carries the renewed context' : 'fill 4 would be a third carry');
      assert.equal(fourth?.keep !== undefined, !refreshedPartway, 'a refresh keeps its own context');
    }
  });
});

describe('a carried context in the worker (tiny-model-kv-shared)', function () {
  this.timeout(30000);
  let model: LoadedModel;
  before(async () => {
    model = await loadModel(fixture, { executionProvider: 'cpu' });
  });
  after(async () => model.dispose());
  const hole = range(20, 28);

  it('on an unchanged canvas gives the logits of its refresh, and serves the fill\'s next call as the refresh did', async () => {
    const tokens = canvas(48, hole);
    const fresh = Int32Array.from(hole);
    const refreshed = await model.denoiser.denoise(fillRequest(tokens, hole, { fill: 9001, refresh: true, fresh }));
    const next = await model.denoiser.denoise(fillRequest(tokens, hole, { fill: 9001, refresh: false, fresh }));
    const carried = await model.denoiser.denoise(fillRequest(tokens, hole, { fill: 9002, refresh: true, fresh, carry: true }));
    const carriedNext = await model.denoiser.denoise(fillRequest(tokens, hole, { fill: 9002, refresh: false, fresh }));
    assert.ok(maxAbsDiff(carried, refreshed) < 1e-4, `first call: max |Δ| ${maxAbsDiff(carried, refreshed)}`);
    assert.ok(maxAbsDiff(carriedNext, next) < 1e-4, `next call: max |Δ| ${maxAbsDiff(carriedNext, next)}`);
  });

  for (const keys of [1, 2]) {
    it(`after ${keys} token(s) typed, carried ${keys} time(s) in a row (the second running its nearest rows again), stays close to a refresh of the new canvas`, async () => {
      const base = 9100 + 100 * keys;
      let tokens = canvas(48, hole);
      let slots = hole;
      await model.denoiser.denoise(fillRequest(tokens, slots, { fill: base, refresh: true, fresh: Int32Array.from(slots) }));
      let carried: Float32Array = new Float32Array(0);
      for (let k = 1; k <= keys; k++) {
        tokens = typedAt(tokens, slots[0]!);
        slots = slots.map((p) => p + 1);
        carried = await model.denoiser.denoise(fillRequest(tokens, slots, { fill: base + k, refresh: true, fresh: Int32Array.from(slots), carry: true }));
      }
      const refreshed = await model.denoiser.denoise(fillRequest(tokens, slots, { fill: base + 99, refresh: true, fresh: Int32Array.from(slots) }));
      const spread = refreshed.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const diff = maxAbsDiff(carried, refreshed);
      assert.ok(diff > 1e-6 && diff < 0.1 * spread, `carried, and close: max |Δ| ${diff} of logits up to ${spread}`);
    });
  }

  it('carries exactly as the graph fed by hand: the kept rows moved and rotated, the typed token run and appended', async () => {
    const before = canvas(48, hole);
    const after = typedAt(before, 20);
    const moved = hole.map((p) => p + 1);
    const fresh = Int32Array.from(moved);
    await model.denoiser.denoise(fillRequest(before, hole, { fill: 9301, refresh: true, fresh: Int32Array.from(hole) }));
    const carried = await model.denoiser.denoise(fillRequest(after, moved, { fill: 9302, refresh: true, fresh, carry: true }));
    const next = await model.denoiser.denoise(fillRequest(after, moved, { fill: 9302, refresh: false, fresh }));

    // the same three calls by hand
    const session = await ort.InferenceSession.create(path.join(fixture, 'model.onnx'));
    const int64 = (values: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(values), BigInt), dims);
    const call = async (rows: number[][], rowPositions: number[], queried: number[], past: { key: Float32Array; value: Float32Array; rows: number }) => {
      const out = await session.run({
        input_ids: int64(rows.flat(), [rows.length, rowPositions.length]),
        positions: int64(rows.flatMap(() => queried), [rows.length, queried.length]),
        row_positions: int64(rows.flatMap(() => rowPositions), [rows.length, rowPositions.length]),
        past_key: new ort.Tensor('float32', past.key, [2, 1, 2, past.rows, 16]),
        past_value: new ort.Tensor('float32', past.value, [2, 1, 2, past.rows, 16]),
      });
      const tensor = (name: string) => ({ data: out[name]!.data as Float32Array, dims: out[name]!.dims });
      return { logits: tensor('logits').data, key: tensor('present_key'), value: tensor('present_value') };
    };
    const none = { key: new Float32Array(0), value: new Float32Array(0), rows: 0 };
    const refresh = await call([Array.from(before)], range(0, 48), hole.slice(0, 4), none);
    const context = contextRows(Int32Array.from(hole), 48);
    const kept = { key: selectRows(refresh.key.data, refresh.key.dims, context), value: selectRows(refresh.value.data, refresh.value.dims, context) };
    const plan = planCarry({ tokens: before, positions: context }, after, fresh, 16)!;
    const past = {
      key: carryRows(kept.key.data, kept.key.dims, plan.rows, plan.shifts, { base: 10000 }),
      value: carryRows(kept.value.data, kept.value.dims, plan.rows, plan.shifts),
    };
    // fillRequest's two rows at `positions`: the second pads its hole's last slot
    const rowsOf = (positions: number[]) => [0, 1].map((b) => positions.map((p) => (b === 1 && p === moved[moved.length - 1] ? 0 : after[p]!)));
    const first = await call(rowsOf([20, ...moved]), [20, ...moved], [1, 2, 3, 4], { key: past.key.data, value: past.value.data, rows: 40 });
    const grown = {
      key: appendRows(past.key.data, past.key.dims, first.key.data, first.key.dims, [0]).data,
      value: appendRows(past.value.data, past.value.dims, first.value.data, first.value.dims, [0]).data,
    };
    const second = await call(rowsOf(moved), moved, [0, 1, 2, 3], { ...grown, rows: 41 });
    await session.release();
    assert.ok(maxAbsDiff(carried, first.logits) < 1e-5, `carried call: max |Δ| ${maxAbsDiff(carried, first.logits)}`);
    assert.ok(maxAbsDiff(next, second.logits) < 1e-5, `next call: max |Δ| ${maxAbsDiff(next, second.logits)}`);
  });
});
