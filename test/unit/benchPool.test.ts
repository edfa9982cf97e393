import * as assert from 'node:assert/strict';
import { pooledRows, readFills, splitRows, type PooledFill } from '../../bench/pool';

/** Fills of one model and configuration: task id -> passed. */
function fills(model: string, kind: string, passed: Record<string, boolean>): PooledFill[] {
  return Object.entries(passed).map(([task_id, p]) => ({ model, config: 'defaults', kind, task_id, passed: p }));
}

describe('bench pool: several MBPP-Infill runs as one paired comparison', () => {
  const validation = [
    ...fills('v8', 'single_line', { a: true, b: false, c: true }),
    ...fills('link', 'single_line', { a: false, b: true, c: false }),
    ...fills('v8', 'random_span_light', { a: true }),
    ...fills('link', 'random_span_light', { a: false }),
  ];
  // the same task ids in another split are other holes
  const train = [...fills('v8', 'single_line', { a: false, b: false }), ...fills('link', 'single_line', { a: true, b: true })];

  it('counts each file, and pools them with their holes kept apart', () => {
    const rows = pooledRows([{ name: 'r/val.jsonl', fills: validation }, { name: 'r/train.jsonl', fills: train }]);
    assert.deepEqual(rows, [{ model: 'link', config: 'defaults', 'val.jsonl': '3 / 1 (p 0.62)', 'train.jsonl': '0 / 2 (p 0.50)', pooled: '3 / 3 (p 1.0)' }]);
  });

  it('gives each file and kind its holes, every arm\'s pass@1 and lost / gained against the first', () => {
    const rows = splitRows([{ name: 'r/val.jsonl', fills: validation }, { name: 'r/train.jsonl', fills: train }]);
    assert.deepEqual(rows, [
      { file: 'val.jsonl', kind: 'single_line', holes: 3, v8: '0.667', link: '0.333', 'lost / gained, link': '2 / 1 (p 1.0)' },
      { file: 'val.jsonl', kind: 'random_span_light', holes: 1, v8: '1.000', link: '0.000', 'lost / gained, link': '1 / 0 (p 1.0)' },
      { file: 'train.jsonl', kind: 'single_line', holes: 2, v8: '0.000', link: '1.000', 'lost / gained, link': '0 / 2 (p 0.50)' },
    ]);
    // arms of one model told apart by their configurations
    const configs = [...fills('v8', 'single_line', { a: true }), ...fills('v8', 'single_line', { a: false }).map((f) => ({ ...f, config: 'lengths=16' }))];
    assert.deepEqual(splitRows([{ name: 'val.jsonl', fills: configs }]),
      [{ file: 'val.jsonl', kind: 'single_line', holes: 1, 'v8 defaults': '1.000', 'v8 lengths=16': '0.000', 'lost / gained, v8 lengths=16': '1 / 0 (p 1.0)' }]);
  });

  it('keeps only the kinds asked for', () => {
    const rows = pooledRows([{ name: 'val.jsonl', fills: validation }], ['random_span_light']);
    assert.equal(rows[0]!.pooled, '1 / 0 (p 1.0)');
  });

  it('refuses files that do not hold the same models and configurations', () => {
    assert.throws(() => pooledRows([{ name: 'val.jsonl', fills: validation }, { name: 'old.jsonl', fills: fills('v8', 'single_line', { a: true }) }]),
      /old\.jsonl: not the models and configurations of val\.jsonl \(lacks link defaults\)/);
    assert.throws(() => pooledRows([{ name: 'one.jsonl', fills: fills('v8', 'single_line', { a: true }) }]), /one model and configuration only/);
    assert.throws(() => splitRows([{ name: 'val.jsonl', fills: validation }, { name: 'old.jsonl', fills: fills('v8', 'single_line', { a: true }) }]),
      /old\.jsonl: not the models and configurations of val\.jsonl/);
    // an arm without a kind's holes, or with other holes of it, is no paired comparison
    const uneven = [...fills('v8', 'single_line', { a: true, b: true }), ...fills('link', 'single_line', { a: true }), ...fills('link', 'random_span_light', { a: true })];
    assert.throws(() => splitRows([{ name: 'val.jsonl', fills: uneven }]), /val\.jsonl: link has 1 single_line holes where v8 has 2/);
    const extraKind = [...fills('v8', 'single_line', { a: true }), ...fills('link', 'single_line', { a: true }), ...fills('link', 'random_span_light', { a: true })];
    assert.throws(() => splitRows([{ name: 'val.jsonl', fills: extraKind }]), /val\.jsonl: link has 1 random_span_light holes where v8 has 0/);
    assert.throws(() => pooledRows([{ name: 'a/val.jsonl', fills: validation }, { name: 'b/val.jsonl', fills: validation }]),
      /two fills files are named val\.jsonl/);
  });

  it('names the file, line and field of a line that is not a fill', () => {
    const good = JSON.stringify({ model: 'v8', config: 'defaults', kind: 'single_line', task_id: 'x', passed: true });
    assert.equal(readFills('f.jsonl', `${good}\n\n`).length, 1);
    assert.throws(() => readFills('f.jsonl', `${good}\n{"model"`), /^Error: f\.jsonl:2: not JSON/);
    assert.throws(() => readFills('f.jsonl', JSON.stringify({ config: 'defaults', kind: 'single_line', task_id: 'x' })), /f\.jsonl:1: field 'passed' is missing/);
    assert.throws(() => readFills('f.jsonl', JSON.stringify({ config: 'defaults', kind: 7, task_id: 'x', passed: true })), /f\.jsonl:1: field 'kind' is missing or not a string/);
  });
});
